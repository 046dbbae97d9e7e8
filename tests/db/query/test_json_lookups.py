"""JSON key paths in lookups, exclude/Q, order_by, values and annotations; has_key(s),
contains/contained_by; hostile keys and values; statement-cache shapes; on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from heron.db import F, Q
from heron.db.backends import Database
from heron.db.errors import NotSupportedError
from heron.db.query.execution import shape_and_values
from heron.db.query.jsonfunctions import KT
from tests.db.query.json_models import Doc, Memo

DOCS: dict[str, Any] = {
    "a": {
        "owner": {"name": "ann", "age": 40},
        "tags": ["x", "y"],
        "count": 3,
        "score": 2.5,
        "rank": 1,
        "flag": True,
        "flags": {"a": 1},
        "nothing": None,
        "name": "Anna",
    },
    "b": {
        "owner": {"name": "bob"},
        "tags": ["y"],
        "count": 10,
        "score": 1,
        "rank": 2,
        "flag": False,
        "name": "bob",
        "1": "one",
    },
    "c": {"count": "3", "tags": [], "rank": 3, "name": "Cid", "flag": 1},
    "d": [1, 2, {"k": "v"}],
    "e": None,
}

HOSTILE_KEYS = [
    'a"b',
    "a'b",
    "a\\b",
    "$",
    "$.x",
    "a.b",
    "--",
    "; DROP TABLE x; --",
    "é☃",
    "%s",
    "%",
    "?",
    "$1",
    "{a,b}",
    "[0]",
    "*",
    " ",
    "",
    "tab\tnew\nline",
    "x') OR 1=1 --",
]
HOSTILE_VALUE = "v'\"\\%_?$1;--é{}[0]"


@pytest.fixture
def docs(db: Database) -> dict[str, Doc]:
    return {name: Doc.objects.create(name=name, data=data) for name, data in DOCS.items()}


def names(qs: Any) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


def test_key_exact_compares_json_values(docs: dict[str, Doc]) -> None:
    f = Doc.objects.filter
    assert names(f(data__owner__name="ann")) == ["a"]
    assert names(f(data__count=3)) == ["a"]
    assert names(f(data__count="3")) == ["c"]
    assert names(f(data__score=2.5)) == ["a"]
    assert names(f(data__score=1.0)) == ["b"]  # 1 == 1.0, as JSON numbers
    assert names(f(data__flag=True)) == ["a"]
    assert names(f(data__flag=False)) == ["b"]
    assert names(f(data__flag=1)) == ["c"]  # true is no number
    assert names(f(data__flags={"a": 1})) == ["a"]
    assert names(f(data__tags=["x", "y"])) == ["a"]
    assert names(f(data__tags=[])) == ["c"]
    assert names(f(data__owner={"name": "bob"})) == ["b"]
    assert names(f(data__owner__name="nobody")) == []


def test_key_none_is_json_null_and_isnull_is_missing(docs: dict[str, Doc]) -> None:
    f = Doc.objects.filter
    assert names(f(data__nothing=None)) == ["a"]
    assert names(f(data__nothing__isnull=False)) == ["a"]
    assert names(f(data__nothing__isnull=True)) == ["b", "c", "d", "e"]
    assert names(f(data__owner__isnull=False)) == ["a", "b"]
    assert names(f(data__owner__name__isnull=True)) == ["c", "d", "e"]
    assert names(Doc.objects.exclude(data__nothing=None)) == ["b", "c", "d", "e"]
    assert names(f(data__isnull=True)) == ["e"]


def test_array_indexes(docs: dict[str, Doc], db: Database) -> None:
    f = Doc.objects.filter
    assert names(f(data__tags__0="x")) == ["a"]
    assert names(f(data__tags__0="y")) == ["b"]
    assert names(f(data__tags__1="y")) == ["a"]
    assert names(f(data__tags__0__isnull=True)) == ["c", "d", "e"]
    assert names(f(data__1=2)) == ["d"]
    assert names(f(data__2__k="v")) == ["d"]
    # A one-segment integer path is an array index everywhere (Django's rule) ...
    assert names(f(data__1="one")) == []
    Doc.objects.create(name="n", data={"x": {"1": "one"}})
    # ... a longer one (PostgreSQL's #>) also finds an object key there.
    expected = ["n"] if db.vendor == "postgresql" else []
    assert names(f(data__x__1="one")) == expected


def test_comparisons_stay_within_a_json_type(docs: dict[str, Doc]) -> None:
    f = Doc.objects.filter
    assert names(f(data__count__gt=3)) == ["b"]  # not c's string "3", whatever its text
    assert names(f(data__count__gte=3)) == ["a", "b"]
    assert names(f(data__count__lt=10)) == ["a"]
    assert names(f(data__count__lte=10)) == ["a", "b"]
    assert names(f(data__score__lt=2)) == ["b"]
    assert names(f(data__owner__age__gt=39.5)) == ["a"]
    assert names(f(data__count__gt="2")) == ["c"]
    assert names(f(data__count__in=[3, 10])) == ["a", "b"]
    assert names(f(data__count__in=["3", 99])) == ["c"]
    assert names(f(data__count__in=[])) == []
    assert names(f(data__count__range=(3, 10))) == ["a", "b"]
    assert names(f(data__count__range=(4, 10))) == ["b"]


def test_text_lookups_read_the_keys_text(docs: dict[str, Doc]) -> None:
    f = Doc.objects.filter
    assert names(f(data__owner__name__icontains="AN")) == ["a"]
    assert names(f(data__name__icontains="n")) == ["a"]
    assert names(f(data__name__startswith="A")) == ["a"]
    assert names(f(data__name__startswith="a")) == []
    assert names(f(data__name__istartswith="b")) == ["b"]
    assert names(f(data__name__endswith="d")) == ["c"]
    assert names(f(data__name__iendswith="NA")) == ["a"]
    assert names(f(data__name__iexact="ANNA")) == ["a"]
    assert names(f(data__name__regex=r"^C.d$")) == ["c"]
    assert names(f(data__name__iregex=r"^c")) == ["c"]
    assert names(f(data__count__startswith="1")) == ["b"]  # a number's text
    assert names(f(data__name__icontains="%")) == []  # no wildcard


def test_has_key_lookups(docs: dict[str, Doc]) -> None:
    f = Doc.objects.filter
    assert names(f(data__has_key="owner")) == ["a", "b"]
    assert names(f(data__has_key="nothing")) == ["a"]
    assert names(f(data__has_key="1")) == ["b"]
    assert names(f(data__owner__has_key="age")) == ["a"]
    assert names(f(data__has_keys=["owner", "flag"])) == ["a", "b"]
    assert names(f(data__has_keys=["owner", "nothing"])) == ["a"]
    assert names(f(data__has_any_keys=["nothing", "1"])) == ["a", "b"]
    assert names(f(data__has_any_keys=["zzz"])) == []
    assert names(f(data__owner__has_keys=["name", "age"])) == ["a"]
    assert names(Doc.objects.exclude(data__has_key="owner")) == ["c", "d", "e"]
    with pytest.raises(TypeError):
        list(f(data__has_keys="owner"))


def test_contains_and_contained_by(docs: dict[str, Doc], db: Database) -> None:
    f = Doc.objects.filter
    if db.vendor == "sqlite":
        with pytest.raises(NotSupportedError, match="contains"):
            list(f(data__contains={"count": 3}))
        with pytest.raises(NotSupportedError, match="contained_by"):
            list(f(data__tags__contained_by=["x"]))
        return
    assert names(f(data__contains={"owner": {"name": "ann"}})) == ["a"]
    assert names(f(data__contains={"count": 3})) == ["a"]
    # MariaDB's JSON_CONTAINS finds an object in an array holding one; jsonb does not.
    assert names(f(data__contains={})) == ["a", "b", "c"] + (["d"] if db.vendor == "mysql" else [])
    assert names(f(data__tags__contains=["y"])) == ["a", "b"]
    assert names(f(data__owner__contains={"name": "bob"})) == ["b"]
    assert names(
        f(
            data__contained_by={
                "count": "3",
                "tags": [],
                "rank": 3,
                "name": "Cid",
                "flag": 1,
                "x": 0,
            }
        )
    ) == ["c"]
    assert names(f(data__tags__contained_by=["x", "y", "z"])) == ["a", "b", "c"]
    assert names(Doc.objects.exclude(data__tags__contains=["y"])) == ["c", "d", "e"]


def test_exclude_and_q(docs: dict[str, Doc]) -> None:
    # Rows without the key (or without data) are not "owner.name = ann": exclude keeps them.
    assert names(Doc.objects.exclude(data__owner__name="ann")) == ["b", "c", "d", "e"]
    assert names(Doc.objects.exclude(data__count__gt=3)) == ["a", "c", "d", "e"]
    assert names(Doc.objects.filter(Q(data__count=3) | Q(data__name="Cid"))) == ["a", "c"]
    assert names(Doc.objects.filter(~Q(data__name__icontains="b"), data__rank__gte=1)) == [
        "a",
        "c",
    ]


def test_order_by_values_and_annotations(docs: dict[str, Doc], db: Database) -> None:
    ranked = Doc.objects.filter(data__rank__isnull=False)
    assert list(ranked.order_by("data__rank").values_list("name", flat=True)) == ["a", "b", "c"]
    assert list(ranked.order_by("-data__rank").values_list("name", flat=True)) == ["c", "b", "a"]
    assert list(ranked.order_by(F("data__rank").desc()).values_list("name", flat=True)) == [
        "c",
        "b",
        "a",
    ]
    if db.vendor != "mysql":  # MariaDB orders by the JSON text (see the docs)
        counts = Doc.objects.filter(data__count__in=[3, 10]).order_by("-data__count")
        assert list(counts.values_list("name", flat=True)) == ["b", "a"]
    rows = list(Doc.objects.filter(name__in=["a", "b"]).order_by("name").values("data__owner"))
    assert rows == [{"data__owner": {"name": "ann", "age": 40}}, {"data__owner": {"name": "bob"}}]
    got = dict(Doc.objects.values_list("name", "data__owner__name"))
    assert got == {"a": "ann", "b": "bob", "c": None, "d": None, "e": None}
    assert dict(Doc.objects.values_list("name", "data__flag"))["a"] is True
    assert dict(Doc.objects.values_list("name", "data__tags__0"))["a"] == "x"
    owner = Doc.objects.annotate(o=F("data__owner"), n=KT("data__owner__name")).get(name="a")
    assert (owner.o, owner.n) == ({"name": "ann", "age": 40}, "ann")
    by_kt = Doc.objects.annotate(n=KT("data__owner__name")).filter(n__startswith="b")
    assert names(by_kt) == ["b"]
    assert dict(Doc.objects.annotate(c=KT("data__count")).values_list("name", "c"))["c"] == "3"


def test_across_a_relation_and_f(docs: dict[str, Doc]) -> None:
    Memo.objects.create(doc=docs["a"], extra={"n": 3})
    Memo.objects.create(doc=docs["b"], extra={"n": 4})
    assert Memo.objects.get(doc__data__owner__name="bob").extra == {"n": 4}
    assert Memo.objects.filter(doc__data__count=F("extra__n")).get().doc_id == docs["a"].pk
    assert list(Memo.objects.order_by("-extra__n").values_list("doc__data__name", flat=True)) == [
        "bob",
        "Anna",
    ]
    assert Memo.objects.filter(doc__data__has_key="flags").count() == 1


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_and_values_are_bound_or_quoted(db: Database, key: str) -> None:
    Doc.objects.create(name="x", data={key: HOSTILE_VALUE, "in": {key: [HOSTILE_VALUE]}})
    if db.vendor == "mysql" and key.startswith("-"):
        with pytest.raises(NotSupportedError, match="starting with '-'"):
            list(Doc.objects.filter(**{f"data__{key}": HOSTILE_VALUE}))
        assert names(Doc.objects.filter(data__has_key=key)) == ["x"]
        return
    Doc.objects.create(name="y", data={"other": HOSTILE_VALUE})
    f = Doc.objects.filter

    def where(path: str, value: Any) -> list[str]:
        return names(f(**{path: value}))

    k = f"data__{key}"
    assert where(k, HOSTILE_VALUE) == ["x"]
    assert where(f"{k}__in", [HOSTILE_VALUE, key]) == ["x"]
    assert where(f"{k}__gte", HOSTILE_VALUE) == ["x"]
    assert where(f"{k}__isnull", False) == ["x"]
    assert where(f"{k}__icontains", HOSTILE_VALUE[2:9]) == ["x"]
    assert where(f"{k}__startswith", HOSTILE_VALUE) == ["x"]
    assert where(f"{k}__iexact", "V" + HOSTILE_VALUE[1:]) == ["x"]  # ASCII case only
    assert where(f"data__in__{key}__0", HOSTILE_VALUE) == ["x"]
    assert where(f"data__in__{key}", [HOSTILE_VALUE]) == ["x"]
    assert where("data__has_key", key) == ["x"]
    assert where("data__in__has_key", key) == ["x"]
    assert where("data__has_keys", [key, "in"]) == ["x"]
    assert where("data__has_any_keys", [key, "zzz"]) == ["x"]
    assert where("data__other", HOSTILE_VALUE) == ["y"]
    assert where("data__other__has_key", key) == []
    assert names(Doc.objects.exclude(**{k: HOSTILE_VALUE})) == ["y"]
    assert list(f(name="x").values_list(k, flat=True)) == [HOSTILE_VALUE]
    assert list(f(name="x").annotate(t=KT(f"data__in__{key}__0")).values_list("t", flat=True)) == [
        HOSTILE_VALUE
    ]
    assert list(f(**{f"{k}__isnull": False}).order_by(k).values_list("name", flat=True)) == ["x"]
    if db.vendor != "sqlite":
        assert where("data__contains", {key: HOSTILE_VALUE}) == ["x"]
        assert where(f"data__in__{key}__contains", [HOSTILE_VALUE]) == ["x"]
    assert Doc.objects.count() == 2


def test_statement_shapes(docs: dict[str, Doc]) -> None:
    def key(qs: Any) -> Any:
        return shape_and_values(qs, "select")[0]

    f = Doc.objects.filter
    assert key(f(data__owner__name="ann")) == key(f(data__owner__name="bob"))
    one, two = f(data__owner__name="ann"), f(data__owner__name="bob")
    assert one.query.sql_and_params()[0] == two.query.sql_and_params()[0]
    variants = [
        f(data__owner__name="ann"),
        f(data__owner__age="ann"),
        f(data__owner="ann"),
        f(data__owner__name__icontains="ann"),
        f(data__owner__name__isnull=True),
        f(data__has_key="ann"),
        f(data__owner__has_key="ann"),
        f(data__owner__name__gt="ann"),
        Doc.objects.order_by("data__owner"),
        Doc.objects.order_by("data__name"),
        Doc.objects.values("data__owner"),
        Doc.objects.values("data__name"),
        Doc.objects.annotate(n=KT("data__name")),
        Doc.objects.annotate(n=KT("data__owner")),
    ]
    keys = [key(qs) for qs in variants]
    assert len(set(keys)) == len(keys)
    sqls = {qs.query.sql_and_params()[0] for qs in variants}
    assert len(sqls) == len(variants)
    # Executed one after the other, each gets its own statement.
    assert names(f(data__owner__name="ann")) == ["a"]
    assert names(f(data__name="ann")) == []
    assert names(f(data__name="bob")) == ["b"]
    assert names(f(data__owner__name="bob")) == ["b"]


def test_unknown_lookup_after_a_key_is_a_key(docs: dict[str, Doc]) -> None:
    Doc.objects.create(name="y", data={"year": {"day": 5}})
    assert names(Doc.objects.filter(data__year__day=5)) == ["y"]
    assert names(Doc.objects.filter(data__year__day__exact=5)) == ["y"]


@pytest.mark.anyio
async def test_async(docs: dict[str, Doc]) -> None:
    ann = await Doc.objects.filter(data__owner__name="ann").aget()
    assert ann.name == "a"
    assert await Doc.objects.filter(data__has_key="owner").acount() == 2
    assert await Doc.objects.filter(data__count__gt=3).aexists()
    rows = [
        row
        async for row in Doc.objects.filter(data__rank__gte=2)
        .order_by("data__rank")
        .values_list("name", "data__rank")
    ]
    assert rows == [("b", 2), ("c", 3)]
