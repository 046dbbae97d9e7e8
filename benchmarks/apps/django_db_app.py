"""Django on WSGI (gunicorn) with its ORM: the database endpoints, the idiomatic way.

Models on TechEmpower's unquoted tables (`world`, `fortune`), `objects.get` per row,
`bulk_update` for the updates, `render` with Django templates for the fortunes page. Each
gunicorn thread keeps one persistent connection (`CONN_MAX_AGE = None`).
"""

from operator import attrgetter
from urllib.parse import urlsplit

import django_setup
import tfb_db

_url = urlsplit(tfb_db.DATABASE_URL)
django_setup.configure(
    __name__,
    ["django.middleware.common.CommonMiddleware"],
    databases={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.hostname or "",
            "PORT": str(_url.port or 5432),
            "CONN_MAX_AGE": None,
        }
    },
)

from django.db import models  # type: ignore[import-untyped]  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]  # noqa: E402
from django.shortcuts import render  # type: ignore[import-untyped]  # noqa: E402
from django.urls import path  # type: ignore[import-untyped]  # noqa: E402


class World(models.Model):  # type: ignore[misc]
    """A row of the World table."""

    randomnumber = models.IntegerField()

    class Meta:
        app_label = "world"
        db_table = "world"


class Fortune(models.Model):  # type: ignore[misc]
    """A row of the Fortune table."""

    message = models.CharField(max_length=2048)

    class Meta:
        app_label = "world"
        db_table = "fortune"


def _queries(request: HttpRequest) -> int:
    return tfb_db.query_count(request.GET.get("queries"))


def single_query(request: HttpRequest) -> JsonResponse:
    """One random World row."""
    world = World.objects.get(id=tfb_db.random_id())
    return JsonResponse({"id": world.id, "randomNumber": world.randomnumber})


def multiple_queries(request: HttpRequest) -> JsonResponse:
    """`queries` random World rows, one query each."""
    worlds = [World.objects.get(id=i) for i in tfb_db.random_ids(_queries(request))]
    return JsonResponse([{"id": w.id, "randomNumber": w.randomnumber} for w in worlds], safe=False)


def fortunes(request: HttpRequest) -> HttpResponse:
    """Every fortune plus one added at request time, sorted by message."""
    rows = list(Fortune.objects.all())
    rows.append(Fortune(id=0, message=tfb_db.ADDITIONAL_MESSAGE))
    rows.sort(key=attrgetter("message"))
    return render(request, "fortunes.html", {"fortunes": rows})


def updates(request: HttpRequest) -> JsonResponse:
    """`queries` rows read one by one, then given new random numbers in one bulk update."""
    worlds = [World.objects.get(id=i) for i in tfb_db.update_ids(_queries(request))]
    for world in worlds:
        world.randomnumber = tfb_db.random_id()
    World.objects.bulk_update(worlds, ["randomnumber"])
    return JsonResponse([{"id": w.id, "randomNumber": w.randomnumber} for w in worlds], safe=False)


urlpatterns = [
    path("db", single_query),
    path("queries", multiple_queries),
    path("fortunes", fortunes),
    path("updates", updates),
]

from django.core.wsgi import get_wsgi_application  # type: ignore[import-untyped]  # noqa: E402

app = get_wsgi_application()
