"""Dicts returned through a plain response model: validated as dicts, same JSON, same errors."""

import datetime as dt
import enum
import uuid
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from heron.params import ResponseValidationError
from heron.params.fast_rows import row_dumper
from heron.params.responses import ResponseSpec


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Size(BaseModel):
    width: Annotated[float, Field(gt=0)]
    unit: Literal["cm", "in"] = "cm"


class Row(BaseModel):
    id: int
    name: Annotated[str, Field(min_length=1, max_length=20)]
    price: float
    active: bool = True
    tags: list[str] = []
    when: dt.datetime
    ref: uuid.UUID
    color: Color
    size: Size
    extras: dict[str, Size] = {}
    note: str | None = None
    score: float = Field(default_factory=lambda: 0.5)


class Tree(BaseModel):
    label: str
    children: list["Tree"] = []


def row(i: int = 1, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": i,
        "name": f"row {i}",
        "price": 3,  # an int for a float field: validated to 3.0 on both paths
        "tags": ["a", "é"],
        "when": dt.datetime(2024, 5, 1, 12, 0, i, tzinfo=dt.UTC),
        "ref": str(uuid.UUID(int=i)),  # a string, validated to a UUID
        "color": "blue",
        "size": {"width": 1.5},
        "extras": {"box": {"width": 2, "unit": "in"}},
        "ignored": "dropped",
    }
    values.update(changes)
    return values


def spec_for(annotation: Any) -> ResponseSpec:
    return ResponseSpec(annotation, 200, TypeAdapter(annotation), {"by_alias": True}, "ep")


def pydantic_json(annotation: Any, value: Any) -> bytes:
    adapter = TypeAdapter(annotation)
    return adapter.dump_json(adapter.validate_python(value))


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (Row, row()),
        (list[Row], [row(i) for i in range(5)]),
        (list[Tree], [{"label": "a", "children": [{"label": "b"}]}, {"label": "c"}]),
    ],
)
def test_dicts_give_the_json_pydantic_gives(annotation: Any, value: Any) -> None:
    dumper = row_dumper(annotation)
    assert dumper is not None
    assert dumper(value) == pydantic_json(annotation, value)
    assert spec_for(annotation).dump(value) == pydantic_json(annotation, value)


def test_defaults_and_default_factories_are_filled_in() -> None:
    dumper = row_dumper(Row)
    assert dumper is not None
    out = dumper(row())
    assert out is not None
    assert b'"active":true' in out and b'"score":0.5' in out and b'"note":null' in out
    assert b'"unit":"cm"' in out and b"ignored" not in out


def test_invalid_rows_fall_back_and_report_through_pydantic() -> None:
    dumper = row_dumper(list[Row])
    assert dumper is not None
    bad = [row(1), row(2, name="")]
    assert dumper(bad) is None
    with pytest.raises(ResponseValidationError) as info:
        spec_for(list[Row]).dump(bad)
    assert [err["loc"] for err in info.value.errors] == [["response", 1, "name"]]


def test_ints_beyond_64_bits_are_written_by_pydantic() -> None:
    class Big(BaseModel):
        n: int

    dumper = row_dumper(Big)
    assert dumper is not None
    assert dumper({"n": 2**70}) is None
    assert spec_for(Big).dump({"n": 2**70}) == b'{"n":1180591620717411303424}'


def test_other_inputs_are_left_to_pydantic() -> None:
    dumper = row_dumper(list[Row])
    assert dumper is not None
    assert dumper([]) is None
    assert dumper([Row.model_validate(row())]) is None
    assert dumper(tuple([row()])) is None
    nested_instance = row(size=Size(width=3))  # a model object inside a dict
    assert spec_for(list[Row]).dump([nested_instance]) == pydantic_json(
        list[Row], [nested_instance]
    )


def test_models_that_run_python_while_validating_are_not_validated_as_dicts() -> None:
    class FieldChecked(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def upper(cls, value: str) -> str:
            return value.upper()

    class ModelChecked(BaseModel):
        a: int

        @model_validator(mode="after")
        def check(self) -> "ModelChecked":
            return self

    class PostInit(BaseModel):
        a: int

        def model_post_init(self, context: Any) -> None:
            self.a += 1

    class Forbids(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    class HoldsChecked(BaseModel):
        inner: FieldChecked

    class Cat(BaseModel):
        meow: int = 0

    class Dog(BaseModel):
        bark: int = 0

    class Pet(BaseModel):
        animal: Cat | Dog

    for model in (FieldChecked, ModelChecked, PostInit, Forbids, HoldsChecked, Pet):
        assert row_dumper(model) is None, model
        assert row_dumper(list[model]) is None, model  # type: ignore[valid-type]
    assert spec_for(FieldChecked).dump({"name": "x"}) == b'{"name":"X"}'
    assert spec_for(PostInit).dump({"a": 1}) == b'{"a":2}'
    assert row_dumper(dict[str, Row]) is None
