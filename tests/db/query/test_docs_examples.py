"""The examples of docs/querying.md and docs/async-orm.md, as written there (the ``qt``
models have the fields the docs' models have)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron import Heron, Request
from heron.db import Avg, Count, F, Max, Q, Sum
from heron.db.backends import Database
from heron.db.query import Prefetch
from heron.testing import TestClient
from tests.db.query.qt_models import Author, Book


def test_querying_examples(library: SimpleNamespace, db: Database) -> None:
    books = Book.objects.filter(pages__gt=300)
    long_ones = books.exclude(title__startswith="A").order_by("-pages")[:10]
    assert [b.title for b in long_ones] == ["Ulysses", "Dune"]
    assert books.count() == 2

    assert Book.objects.filter(Q(pages__lt=280) | Q(title__startswith="Ne")).count() == 1
    assert Book.objects.filter(~Q(author__name="ann"), published__year=2024).count() == 2
    assert Book.objects.filter(pages__gt=F("author__age") * 10).count() == 3
    Book.objects.filter(pk=library.dune.pk).update(pages=F("pages") + 1)
    assert Book.objects.get(pk=library.dune.pk).pages == 413

    assert Book.objects.aggregate(Avg("pages"), longest=Max("pages"))["longest"] == 730
    assert Author.objects.aggregate(total=Sum("books__pages")) == {"total": 1714}
    assert Book.objects.aggregate(long=Count("id", filter=Q(pages__gt=400))) == {"long": 2}

    authors = Author.objects.annotate(n=Count("books"), longest=Max("books__pages"))
    assert [(a.name, a.n, a.longest) for a in authors][1] == ("bea", 2, 730)
    assert list(Author.objects.annotate(n=Count("books")).filter(n__gt=1)) == [library.bea]
    grouped = Book.objects.values("author__name").annotate(total=Sum("pages"), n=Count("id"))
    assert {r["author__name"]: r["n"] for r in grouped} == {"ann": 1, "bea": 2, "cid": 1}

    with db.capture_queries() as queries:
        for author in Author.objects.prefetch_related("books", "books__tags"):
            for book in author.books.all():
                assert [t.name for t in book.tags.all()]
    assert len(queries) == 3

    prefetched = Author.objects.prefetch_related(
        Prefetch(
            "books",
            queryset=Book.objects.filter(pages__gt=300).order_by("-pages"),
            to_attr="long_books",
        ),
        "long_books__tags",
    )
    assert [b.title for b in prefetched[1].long_books] == ["Ulysses"]

    sql, params = Book.objects.filter(title="Dune").query.sql_and_params()
    assert params == ("Dune",) and "Dune" not in sql


def test_async_orm_example_app(library: SimpleNamespace) -> None:
    app = Heron(__name__)

    @app.get("/authors")
    async def authors(request: Request):  # type: ignore[no-untyped-def]
        rows = await Author.objects.annotate(n=Count("books")).order_by("-n")[:10]
        return [{"name": a.name, "books": a.n} for a in rows]

    @app.get("/books/<int:book_id>")
    async def book(request: Request, book_id: int):  # type: ignore[no-untyped-def]
        book = await Book.objects.select_related("author").aget_or_404(pk=book_id)
        return {"title": book.title, "author": book.author.name}

    @app.get("/sync/<int:book_id>")
    def detail(request: Request, book_id: int):  # type: ignore[no-untyped-def]
        book = Book.objects.select_related("author").get_or_404(pk=book_id)
        return {"title": book.title}

    app.config["TESTING"] = True
    client = TestClient(app)
    assert client.get("/authors").json()[0] == {"name": "bea", "books": 2}
    assert client.get(f"/books/{library.emma.pk}").json() == {"title": "Emma", "author": "bea"}
    missing = client.get("/books/999999", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert client.get(f"/sync/{library.dune.pk}").json() == {"title": "Dune"}
    assert client.get("/sync/999999").status_code == 404


@pytest.mark.anyio
async def test_async_table_examples(library: SimpleNamespace) -> None:
    qs = Book.objects.order_by("title")
    assert [b.title async for b in qs.aiterator(2)][:1] == ["Dune"]
    assert (await qs[:1])[0].title == "Dune"
    assert (await qs.afirst()).title == "Dune"  # type: ignore[union-attr]
    author = await Author.objects.aget(name="cid")
    created = await author.books.acreate(title="New")
    assert created.author_id == author.pk
