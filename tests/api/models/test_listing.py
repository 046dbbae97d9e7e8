"""ModelAPI lists: filters, ordering, limit/offset and cursor pages, nested relations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from heron.api import ModelAPI, schema_for
from heron.db.testing import assert_num_queries
from heron.testing import TestClient
from tests.api.models.at_models import Article, Note, Status, Writer


class ArticleAPI(ModelAPI):
    model = Article
    filter_fields = {
        "writer_id": ["exact", "in"],
        "published": ["exact"],
        "rating": ["gte", "lte"],
        "title": ["icontains"],
    }
    ordering_fields = ["created", "title", "rating"]
    page_size = 2


class CursorAPI(ModelAPI):
    model = Article
    pagination = "cursor"
    ordering = ["-created"]
    page_size = 2


class NestedAPI(ModelAPI):
    model = Article
    nested = {"writer": schema_for(Writer), "notes": schema_for(Note)}


class WriterWithArticlesAPI(ModelAPI):
    model = Writer
    nested = {"articles": schema_for(Article, depth=1)}


@pytest.fixture
def articles(api_db: Any) -> dict[str, Any]:
    ann = Writer.objects.create(name="ann")
    bob = Writer.objects.create(name="bob")
    start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    rows = {}
    for i, (title, writer, rating, published) in enumerate(
        [
            ("Alpha", ann, 1, True),
            ("Beta", ann, 5, False),
            ("Gamma", bob, 3, True),
            ("Delta", bob, 4, False),
            ("Epsilon", ann, 2, True),
        ]
    ):
        article = Article.objects.create(
            title=title, writer=writer, rating=rating, published=published
        )
        Article.objects.filter(pk=article.pk).update(created=start + dt.timedelta(days=i))
        Note.objects.create(article=article, text=f"on {title}")
        rows[title] = article
    return {"ann": ann, "bob": bob, **rows}


def _titles(page: dict[str, Any]) -> list[str]:
    return [item["title"] for item in page["results"]]


def _all_pages(client: TestClient, url: str) -> list[str]:
    titles: list[str] = []
    while url:
        page = client.get(url).json()
        titles += _titles(page)
        url = page["next"]
    return titles


def test_limit_offset_pages(make_client: Callable[..., TestClient], articles: Any) -> None:
    client = make_client(ArticleAPI)
    first = client.get("/api/article").json()
    assert first["count"] == 5
    assert _titles(first) == ["Epsilon", "Delta"]  # Meta.ordering: newest first
    assert first["previous"] is None
    second = client.get(first["next"]).json()
    assert _titles(second) == ["Gamma", "Beta"]
    assert client.get(second["previous"]).json() == first
    assert _all_pages(client, "/api/article") == ["Epsilon", "Delta", "Gamma", "Beta", "Alpha"]
    assert client.get("/api/article?limit=0").status_code == 422
    assert client.get("/api/article?limit=101").status_code == 422
    assert client.get("/api/article?offset=-1").status_code == 422
    assert client.get("/api/article?offset=50").json()["results"] == []


def test_filters(make_client: Callable[..., TestClient], articles: Any) -> None:
    client = make_client(ArticleAPI)
    ann, bob = articles["ann"].pk, articles["bob"].pk
    by_writer = client.get(f"/api/article?writer_id={bob}&ordering=title&limit=10").json()
    assert _titles(by_writer) == ["Delta", "Gamma"]
    both = client.get(f"/api/article?writer_id__in={ann}&writer_id__in={bob}").json()
    assert both["count"] == 5
    published = client.get("/api/article?published=true&ordering=rating").json()
    assert _titles(published) == ["Alpha", "Epsilon"]
    ranged = client.get("/api/article?rating__gte=2&rating__lte=4&ordering=-rating").json()
    assert _titles(ranged) == ["Delta", "Gamma"]
    assert client.get("/api/article?title__icontains=ETA").json()["count"] == 1
    assert client.get("/api/article?rating__gte=99999999999999").status_code == 422
    assert client.get("/api/article?writer_id=abc").status_code == 422
    assert client.get("/api/article?ordering=body").status_code == 422
    assert client.get("/api/article?title__icontains=%00").status_code == 422


def test_cursor_pages(make_client: Callable[..., TestClient], articles: Any) -> None:
    client = make_client(CursorAPI)
    first = client.get("/api/article").json()
    assert set(first) == {"next", "previous", "results"}
    assert _titles(first) == ["Epsilon", "Delta"] and first["previous"] is None
    # A row added after the first page does not shift the following ones.
    Article.objects.create(title="Zeta", writer=articles["ann"])
    assert _all_pages(client, first["next"]) == ["Gamma", "Beta", "Alpha"]
    assert client.get("/api/article?cursor=not-a-cursor").status_code == 422
    assert client.get("/api/article?cursor=WzEsMl0").status_code == 422  # [1,2]: no date


def _pages_both_ways(client: TestClient, url: str) -> tuple[list[list[str]], list[list[str]]]:
    """The pages from ``url`` following ``next`` to the end, then ``previous`` back."""
    forward: list[list[str]] = []
    page = client.get(url).json()
    while True:
        forward.append(_titles(page))
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    backward = [_titles(page)]
    while page["previous"]:
        page = client.get(page["previous"]).json()
        backward.append(_titles(page))
    return forward, backward


class AscendingCursorAPI(ModelAPI):
    model = Article
    pagination = "cursor"
    ordering = ["rating"]
    page_size = 2


def test_cursor_pages_link_back_with_previous(
    make_client: Callable[..., TestClient], articles: Any
) -> None:
    # Gamma and Delta share a creation time: the primary key orders them both ways.
    same_time = dt.datetime(2024, 5, 4, tzinfo=dt.UTC)
    Article.objects.filter(title__in=["Gamma", "Delta"]).update(created=same_time)
    client = make_client(CursorAPI)
    forward, backward = _pages_both_ways(client, "/api/article")
    assert forward == [["Epsilon", "Delta"], ["Gamma", "Beta"], ["Alpha"]]
    assert backward == forward[::-1]
    rising = make_client(AscendingCursorAPI)
    forward, backward = _pages_both_ways(rising, "/api/article?limit=3")
    assert forward == [["Alpha", "Epsilon", "Gamma"], ["Delta", "Beta"]]
    assert backward == forward[::-1]


def test_links_from_pages_emptied_by_deletions(
    make_client: Callable[..., TestClient], articles: Any
) -> None:
    client = make_client(CursorAPI)
    second = client.get(client.get("/api/article").json()["next"]).json()
    Article.objects.filter(title__in=["Epsilon", "Delta"]).delete()
    empty = client.get(second["previous"]).json()  # nothing before Gamma any more
    assert empty["results"] == [] and empty["previous"] is None
    assert _titles(client.get(empty["next"]).json()) == ["Gamma", "Beta"]
    Article.objects.filter(title="Alpha").delete()
    gone = client.get(second["next"]).json()  # nothing after Beta any more
    assert gone["results"] == [] and gone["next"] is None
    last = client.get(gone["previous"]).json()
    assert _titles(last) == ["Gamma", "Beta"] and last["previous"] is None


def test_nested_relations_load_in_a_fixed_number_of_queries(
    make_client: Callable[..., TestClient], articles: Any
) -> None:
    client = make_client(NestedAPI, WriterWithArticlesAPI)
    with assert_num_queries(3):  # count, rows with writers, notes
        page = client.get("/api/article?limit=5").json()
    assert page["results"][0]["writer"]["name"] == "ann"
    assert page["results"][0]["notes"] == [
        {
            "id": articles["Epsilon"].notes.get().pk,
            "article_id": articles["Epsilon"].pk,
            "text": "on Epsilon",
        }
    ]
    with assert_num_queries(3):  # count, writers, articles with their writers
        writers = client.get("/api/writer").json()["results"]
    assert sorted(a["title"] for a in writers[1]["articles"]) == ["Delta", "Gamma"]
    assert writers[1]["articles"][0]["writer"]["name"] == "bob"
    created = client.post("/api/article", json={"title": "New", "writer_id": articles["bob"].pk})
    assert created.status_code == 201
    assert created.json()["writer"]["name"] == "bob"
    assert created.json()["notes"] == []
    assert created.json()["status"] == Status.DRAFT.value
