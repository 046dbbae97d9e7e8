"""Heron's demo site: pages, templates, static files, a blueprint with models, a JSON API
with its OpenAPI document and docs pages.

Run it from the repository root with ``make demo`` (or ``heron migrate && heron run`` in
this folder). The database is SQLite (``db.sqlite3`` here) unless ``HERON_DATABASE_URL``
says otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime

from blog import blog
from blog.api import CommentAPI, PostAPI
from blog.models import Post

import heron.db
from heron import Heron, Request, abort, render, render_string
from heron.api import APIDocs

app = Heron(__name__)
app.config["OPENAPI_TITLE"] = "Heron demo blog"
app.install(heron.db)
app.install(APIDocs())  # /openapi.json, /docs (Swagger UI), /redoc
app.register_blueprint(blog, url_prefix="/blog")
PostAPI.register(app, "/api/posts")
CommentAPI.register(app, "/api/comments")


@app.on_startup
async def seed() -> None:
    """Give a new database two posts to look at."""
    if not await Post.objects.aexists():
        await Post.objects.acreate(title="Hello, Heron", body="Heron is async-first and typed.")
        await Post.objects.acreate(
            title="Blueprints", body="A blueprint carries routes, templates and models."
        )


VISITS: dict[str, int] = {}


@app.get("/")
async def index(request: Request):
    return render(request, "index.html", title="Welcome to Heron")


@app.get("/about")
def about(request: Request):
    """A sync handler: Heron runs it in the thread pool."""
    return render(request, "about.html", title="About")


@app.get("/hello/<name>")
async def hello(request: Request, name: str):
    VISITS[name] = VISITS.get(name, 0) + 1
    return render_string(request, "<p>Hello, {{ name }}!</p>", name=name)  # escaped


@app.get("/api/status")
async def status():
    return {"status": "ok", "time": datetime.now(UTC), "visits": VISITS}


@app.get("/teapot")
async def teapot():
    abort(418, "I'm a teapot, not a coffee machine")


@app.errorhandler(404)
async def not_found(request: Request, exc: Exception):
    return render(request, "404.html", title="Not found", path=request.path), 404
