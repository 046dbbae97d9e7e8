"""raw() SQL, str(qs.query), explain(), and hostile input: values are always bound."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import FieldError
from heron.db.backends import Database
from tests.db.query.qt_models import Author, Book, Note, table

HOSTILE = [
    "it's",
    'say "hi"',
    "100%",
    "a_b",
    "%_%",
    "back\\slash",
    "\\%",
    f"'; DROP TABLE {table('note')}; --",
    '" OR 1=1 --',
    "[*?]",
    "ünïcødé ☃ 日本",
    "$1",
    "?",
    "%s",
    "%(x)s",
]


def test_raw_returns_instances(library: SimpleNamespace) -> None:
    books = Book.objects.raw(
        f"SELECT id, title, pages, author_id FROM {table('book')} WHERE pages > %s ORDER BY pages",
        [300],
    )
    assert [(b.title, b.pages) for b in books] == [("Dune", 412), ("Ulysses", 730)]
    first = books[0]
    assert first.author.name == "ann"  # a foreign key loads on access
    assert first.rating == 4.5  # a field the query did not return loads on access
    assert len(books) == 2 and books.columns == ["id", "title", "pages", "author_id"]


def test_raw_with_extra_columns_and_percent_signs(library: SimpleNamespace) -> None:
    rows = list(
        Author.objects.raw(
            f"SELECT a.id, a.name, COUNT(b.id) AS n FROM {table('author')} a "
            f"LEFT JOIN {table('book')} b ON b.author_id = a.id "
            "WHERE a.name LIKE %s AND '100%%' = '100%%' GROUP BY a.id, a.name ORDER BY a.name",
            ["%"],
        )
    )
    assert [(a.name, a.n) for a in rows] == [("ann", 1), ("bea", 2), ("cid", 1)]
    with pytest.raises(FieldError, match="primary key"):
        list(Author.objects.raw(f"SELECT name FROM {table('author')}"))
    with pytest.raises(TypeError):
        Author.objects.raw("SELECT 1", "not a list")  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_raw_async(library: SimpleNamespace) -> None:
    query = Book.objects.raw(f"SELECT * FROM {table('book')} WHERE title = %s", ["Emma"])
    assert [b.pages for b in await query] == [300]
    assert [
        b.title
        async for b in Book.objects.raw(f"SELECT * FROM {table('book')} WHERE pages < %s", [280])
    ] == ["Neuro"]
    assert await Book.objects.raw(f"SELECT * FROM {table('book')} WHERE 1 = 0") == []


def test_str_query_and_explain(library: SimpleNamespace, db: Database) -> None:
    qs = Book.objects.filter(title="it's").order_by("-pages")
    sql = str(qs.query)
    assert sql.upper().startswith("SELECT") and table("book") in sql
    assert "it's" not in sql  # the value is a parameter
    assert qs.query.sql_and_params()[1] == ("it's",)
    plan = Book.objects.filter(pages__gt=1).explain()
    assert isinstance(plan, str) and plan


def test_explain_options_are_used_or_refused(library: SimpleNamespace, db: Database) -> None:
    qs = Book.objects.filter(pages__gt=1)
    if db.vendor == "sqlite":
        with pytest.raises(ValueError, match="takes no options"):
            qs.explain(analyze=True)
        return
    assert '"' in qs.explain(format="json")  # a JSON document
    assert qs.explain(analyze=True)
    with pytest.raises(ValueError, match="format"):
        qs.explain(format="yamlish")
    if db.vendor == "mysql":
        with pytest.raises(ValueError, match="Unknown EXPLAIN options"):
            qs.explain(verbose=True)
    else:
        assert "Output:" in qs.explain(verbose=True)


@pytest.mark.anyio
async def test_aexplain(library: SimpleNamespace) -> None:
    plan = await Book.objects.filter(title="Dune").aexplain()
    assert isinstance(plan, str) and plan


@pytest.mark.parametrize(
    "value", [pytest.param(v, id=f"hostile{i}") for i, v in enumerate(HOSTILE)]
)
def test_hostile_values_are_matched_literally(db: Database, value: str) -> None:
    Note.objects.create(body=value)
    Note.objects.create(body="plain")
    Note.objects.create(body=f"x{value}y")
    middle = f"x{value}y"
    assert [n.body for n in Note.objects.filter(body=value)] == [value]
    assert [n.body for n in Note.objects.filter(body__iexact=value)] == [value]
    assert sorted(n.body for n in Note.objects.filter(body__contains=value)) == sorted(
        [value, middle]
    )
    assert sorted(n.body for n in Note.objects.filter(body__icontains=value)) == sorted(
        [value, middle]
    )
    assert [n.body for n in Note.objects.filter(body__startswith=value)] == [value]
    assert [n.body for n in Note.objects.filter(body__istartswith=value)] == [value]
    assert [n.body for n in Note.objects.filter(body__endswith=value)] == [value]
    assert [n.body for n in Note.objects.filter(body__iendswith=value)] == [value]
    assert [n.body for n in Note.objects.filter(body__in=[value, "nothing"])] == [value]
    assert [n.body for n in Note.objects.filter(body__gte=value, body__lte=value)] == [value]
    assert [n.body for n in Note.objects.filter(body__range=(value, value))] == [value]
    assert Note.objects.exclude(body=value).count() == 2
    assert Note.objects.filter(body=value).update(body=value + "!") == 1
    assert Note.objects.get(body=value + "!").body == value + "!"
    assert [
        n.body for n in Note.objects.raw(f"SELECT * FROM {table('note')} WHERE body = %s", [middle])
    ] == [middle]
    assert Note.objects.count() == 3  # the table survived
    assert Note.objects.filter(body=middle).delete()[0] == 1


@pytest.mark.parametrize(
    "value", [f"'; DROP TABLE {table('note')}; --", "a.b", "(x)"], ids=["drop", "dot", "parens"]
)
def test_hostile_values_in_regex_lookups(db: Database, value: str) -> None:
    import re

    Note.objects.create(body=value)
    Note.objects.create(body="other")
    escaped = re.escape(value)
    assert [n.body for n in Note.objects.filter(body__regex=f"^{escaped}$")] == [value]
    assert [n.body for n in Note.objects.filter(body__iregex=f"^{escaped.upper()}$")] == [value]
    assert Note.objects.count() == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    "value",
    ["it's", "100%", "a_b", f"'; DROP TABLE {table('note')}; --"],
    ids=["quote", "percent", "underscore", "drop"],
)
async def test_hostile_values_async(db: Database, value: str) -> None:
    await Note.objects.acreate(body=value)
    await Note.objects.acreate(body="abc")
    assert [n.body async for n in Note.objects.filter(body__contains=value)] == [value]
    assert (await Note.objects.aget(body=value)).body == value
    assert await Note.objects.filter(body__startswith=value).acount() == 1
    assert await Note.objects.acount() == 2
