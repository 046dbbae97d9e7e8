"""RawSQL (the user's SQL with bound values), Collate and JSONObject on every backend: in
annotate(), filter() and order_by(), their types, the statement shapes and bound values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import F, fields
from heron.db.backends import Database
from heron.db.query.execution import shape_and_values
from heron.db.query.jsonfunctions import JSONObject
from heron.db.query.rawsql import RawSQL
from heron.db.query.textfunctions import Collate
from tests.db.query.qt_models import Author, Book, table

HOSTILE = "x'); DROP TABLE qt_book; --\\%s{0}"
BOOKS_OVER = (
    f"SELECT COUNT(*) FROM {table('book')} AS b "
    f"WHERE b.author_id = {table('author')}.id AND b.pages > %s"
)
# A binary collation of each database: upper case sorts before lower case.
BINARY = {"sqlite": "BINARY", "postgresql": "C", "mysql": "utf8mb4_bin"}


def test_raw_sql_subquery_with_bound_values(library: SimpleNamespace) -> None:
    counted = Author.objects.annotate(
        long=RawSQL(BOOKS_OVER, (350,), output_field=fields.Integer())
    ).order_by("name")
    assert [(a.name, a.long) for a in counted] == [("ann", 1), ("bea", 1), ("cid", 0)]
    assert list(counted.filter(long__gte=1).values_list("name", flat=True)) == ["ann", "bea"]


def test_raw_sql_in_filters_and_ordering(library: SimpleNamespace) -> None:
    over = Book.objects.filter(pages__gt=RawSQL("%s * 2", (200,))).order_by("title")
    assert [b.title for b in over] == ["Dune", "Ulysses"]
    ordered = Book.objects.order_by(RawSQL("pages %% %s", (100,)).desc(), "title")
    assert [b.title for b in ordered] == ["Neuro", "Ulysses", "Dune", "Emma"]  # 71, 30, 12, 0
    like = RawSQL("CASE WHEN title LIKE 'D%%' THEN %s ELSE %s END", ("d", "other"))
    labels = Book.objects.annotate(kind=like).order_by("title").values_list("kind", flat=True)
    assert list(labels) == ["d", "other", "other", "other"]


def test_raw_sql_values_are_bound_and_text_shapes_the_statement(library: SimpleNamespace) -> None:
    echoed = Book.objects.annotate(x=RawSQL("%s", (HOSTILE,))).values_list("x", flat=True)
    assert set(echoed) == {HOSTILE}
    assert Book.objects.count() == 4

    def key(sql: str, params: tuple[object, ...]) -> object:
        return shape_and_values(Book.objects.annotate(x=RawSQL(sql, params)), "select")

    (one, first), (same, second) = key("%s + 1", (1,)), key("%s + 1", (2,))
    assert one == same and first != second
    assert key("%s + 2", (1,))[0] != one


def test_raw_sql_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2 %s placeholder"):
        RawSQL("%s + %s", (1,))
    with pytest.raises(TypeError, match="list or tuple"):
        RawSQL("%s", "a")  # type: ignore[arg-type]
    assert RawSQL("100%% of %s", (1,)).pieces == ("100% of ", "")


def test_collate(library: SimpleNamespace, db: Database) -> None:
    Author.objects.create(name="Bea")
    binary = BINARY[db.vendor]
    names = Author.objects.order_by(Collate("name", binary), "id").values_list("name", flat=True)
    assert list(names) == ["Bea", "ann", "bea", "cid"]
    exact = Author.objects.annotate(n=Collate("name", binary)).filter(n="bea")
    assert [a.name for a in exact] == ["bea"]
    with pytest.raises(ValueError, match="collation name"):
        Collate("name", "C; DROP TABLE x")


def test_json_object(library: SimpleNamespace) -> None:
    cards = (
        Book.objects.annotate(
            card=JSONObject(title="title", double=F("pages") * 2, author="author__name")
        )
        .order_by("title")
        .values_list("card", flat=True)
    )
    assert list(cards)[:2] == [
        {"title": "Dune", "double": 824, "author": "ann"},
        {"title": "Emma", "double": 600, "author": "bea"},
    ]
    odd = Book.objects.annotate(j=JSONObject(**{HOSTILE: "title"})).filter(title="Dune").get()
    assert odd.j == {HOSTILE: "Dune"}


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    rows = Book.objects.annotate(
        x=RawSQL("%s + 1", (41,), output_field=fields.Integer()), j=JSONObject(t="title")
    ).order_by("title")
    first = await rows.afirst()
    assert first is not None and (first.x, first.j) == (42, {"t": "Dune"})


def test_a_func_of_ones_own(library: SimpleNamespace) -> None:
    from heron.db import Func

    class Shout(Func):
        function = "upper"

    shouted = Book.objects.annotate(loud=Shout("title")).order_by("title")
    assert [b.loud for b in shouted][:2] == ["DUNE", "EMMA"]

    class Chars(Func):
        function = "length"

    sized = Book.objects.annotate(n=Chars("title", output_field=fields.Integer()))
    assert sized.filter(n=4).count() == 2  # Dune, Emma
    assert type(sized.get(title="Dune").n) is int


def test_functions_of_the_same_name_do_not_share_a_statement(library: SimpleNamespace) -> None:
    from heron.db import Func

    def named_func(sql_function: str) -> type[Func]:
        return type("Change", (Func,), {"function": sql_function})

    upper, lower = named_func("upper"), named_func("lower")
    dune = Book.objects.filter(title="Dune")
    assert dune.annotate(t=upper("title")).get().t == "DUNE"
    assert dune.annotate(t=lower("title")).get().t == "dune"
