"""The orjson fast path for plain response models writes what pydantic writes."""

import dataclasses
import datetime as dt
import enum
import json
import uuid
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter, computed_field, field_serializer

from heron.params.fast_json import any_dumper, plain_dumper


class Color(enum.Enum):
    RED = "red"


class Inner(BaseModel):
    label: str
    score: float | None = None


class Plain(BaseModel):
    id: int
    name: str
    price: float
    active: bool
    tags: list[str] = []
    when: dt.datetime
    day: dt.date
    ref: uuid.UUID
    color: Color
    kind: Literal["a", "b"]
    inner: Inner
    children: list[Inner] = []
    meta: dict[str, int] = {}
    note: str | None = None


def sample(i: int = 1, tz: dt.tzinfo | None = dt.UTC) -> Plain:
    return Plain(
        id=i,
        name='naïve "quoted" \n text',
        price=0.1 + i,
        active=True,
        tags=["x", "é"],
        when=dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=tz),
        day=dt.date(2024, 5, 1),
        ref=uuid.UUID(int=i),
        color=Color.RED,
        kind="b",
        inner=Inner(label="in", score=float("nan")),
        children=[Inner(label="c")],
        meta={"k": 2**40},
    )


@pytest.mark.parametrize("tz", [dt.UTC, None, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
def test_same_json_as_pydantic(tz: dt.tzinfo | None) -> None:
    dumper = plain_dumper(Plain)
    list_dumper = plain_dumper(list[Plain])
    assert dumper is not None and list_dumper is not None
    value = sample(tz=tz)
    assert dumper(value) == TypeAdapter(Plain).dump_json(value)
    values = [sample(i, tz) for i in range(3)]
    assert list_dumper(values) == TypeAdapter(list[Plain]).dump_json(values)


def test_models_that_are_not_plain_use_pydantic() -> None:
    class Aliased(BaseModel):
        user_name: str = Field(serialization_alias="userName")

    class Serialized(BaseModel):
        when: dt.datetime

        @field_serializer("when")
        def stamp(self, value: dt.datetime) -> int:
            return int(value.timestamp())

    class Computed(BaseModel):
        a: int

        @computed_field  # type: ignore[prop-decorator]
        @property
        def double(self) -> int:
            return self.a * 2

    class Hidden(BaseModel):
        secret: str = Field(exclude=True)

    class Money(BaseModel):
        amount: Decimal

    for model in (Aliased, Serialized, Computed, Hidden, Money):
        assert plain_dumper(model) is None, model
    assert plain_dumper(list[Aliased]) is None
    assert plain_dumper(dict[str, Plain]) is None


def test_subclass_instances_fall_back_so_extra_fields_never_leak() -> None:
    class Public(BaseModel):
        name: str

    class Private(Public):
        password: str

    dumper = plain_dumper(Public)
    list_dumper = plain_dumper(list[Public])
    assert dumper is not None and list_dumper is not None
    assert dumper(Private(name="a", password="p")) is None
    assert list_dumper([Public(name="a"), Private(name="b", password="p")]) is None
    assert dumper(Public(name="a")) == b'{"name":"a"}'


def test_nested_subclass_instance_falls_back() -> None:
    class Child(Inner):
        secret: str

    value = sample()
    value.children = [Child(label="c", secret="s")]
    dumper = plain_dumper(Plain)
    assert dumper is not None
    assert dumper(value) is None


def test_ints_beyond_64_bits_fall_back() -> None:
    class Big(BaseModel):
        n: int

    dumper = plain_dumper(Big)
    assert dumper is not None
    assert dumper(Big(n=2**70)) is None
    assert json.loads(TypeAdapter(Big).dump_json(Big(n=2**70))) == {"n": 2**70}


def test_constrained_fields_are_plain_serializers_are_not() -> None:
    from typing import Annotated

    from pydantic import PlainSerializer, StringConstraints

    class Constrained(BaseModel):
        name: Annotated[str, Field(min_length=1, max_length=5)]
        code: Annotated[str, StringConstraints(pattern=r"^[a-z]+$")]
        tags: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=2)]
        note: Annotated[str, Field(max_length=9)] | None = None
        price: Annotated[float, Field(gt=0)] = 1

    class Serialized(BaseModel):
        when: Annotated[dt.datetime, PlainSerializer(lambda v: v.year)]

    dumper = plain_dumper(list[Constrained])
    assert dumper is not None
    values = [Constrained(name="a", code="x", tags=["t"], price=2.5)]
    assert dumper(values) == TypeAdapter(list[Constrained]).dump_json(values)
    assert plain_dumper(Serialized) is None


# -- dict[str, Any], list[Any], list[dict[str, Any]] --------------------------------------------


class Size(enum.IntEnum):
    SMALL = 1


class Label(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


class Pair(BaseModel):
    a: int


ANY_NATIVE = [
    1,
    -(2**63),
    0.5,
    float("nan"),
    float("inf"),
    'naïve "quoted" \n text',
    None,
    True,
    [1, "a", None],
    (1, 2),
    {"nested": {"k": [1.5]}},
    dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC),
    dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    dt.datetime(2024, 5, 1, 12, 30),
    dt.date(2024, 5, 1),
    dt.time(12, 30, 1, 5),
    uuid.UUID(int=7),
    Color.RED,
    Size.SMALL,
    Label("sub"),
]
ANY_FALLBACK = [Decimal("1.10"), b"raw", {1, 2}, Point(1), Pair(a=1), 2**70, dt.timedelta(1)]


@pytest.mark.parametrize("value", ANY_NATIVE + ANY_FALLBACK, ids=repr)
@pytest.mark.parametrize("shape", ["dict", "list", "rows"])
def test_any_containers_dump_as_pydantic_does(value: object, shape: str) -> None:
    annotation, data = {
        "dict": (dict[str, Any], {"v": value}),
        "list": (list[Any], [value, 1]),
        "rows": (list[dict[str, Any]], [{"v": value}, {"w": 2}]),
    }[shape]
    adapter = TypeAdapter(annotation)
    expected = adapter.dump_json(adapter.validate_python(data))
    fast = any_dumper(annotation)
    assert fast is not None
    content = fast(data)
    if any(value is v for v in ANY_FALLBACK):
        assert content is None  # pydantic writes it
    else:
        assert content == expected


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (dict[str, Any], [1]),
        (dict[str, Any], {1: "int key"}),
        (list[Any], (1, 2)),
        (list[dict[str, Any]], [{"a": 1}, 2]),
    ],
)
def test_any_dumper_leaves_other_shapes_to_pydantic(annotation: Any, value: object) -> None:
    fast = any_dumper(annotation)
    assert fast is not None and fast(value) is None


@pytest.mark.parametrize(
    "annotation", [dict[str, int], list[int], dict[int, Any], list[dict[str, str]], Any]
)
def test_any_dumper_only_takes_any_containers(annotation: Any) -> None:
    assert any_dumper(annotation) is None
