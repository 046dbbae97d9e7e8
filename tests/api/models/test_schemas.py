"""schema_for() and ModelSchema: types, constraints, modes, nesting, caching."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from heron.api import ModelSchema, schema_for
from heron.db import FieldError, Model, fields
from tests.api.models.at_models import Article, Note, Writer


class Size(enum.Enum):
    S = "s"
    L = "l"


class Everything(Model):
    small = fields.SmallInteger()
    big = fields.BigInteger(null=True)
    ratio = fields.Float(default=1.0)
    amount = fields.Decimal(max_digits=5, decimal_places=2)
    flag = fields.Boolean(default=False)
    name = fields.String(max_length=10)
    text = fields.Text(blank=True)
    grade = fields.String(max_length=1, choices=[("a", "A"), ("b", "B")])
    size = fields.Enum(Size)
    mail = fields.Email(null=True)
    site = fields.URL(blank=True)
    slug = fields.Slug()
    day = fields.Date(null=True)
    at = fields.DateTime(auto_now=True)
    clock = fields.Time(null=True)
    span = fields.Duration(null=True)
    token = fields.UUID(default=uuid.uuid4)
    data = fields.JSON(default=dict)
    raw = fields.Binary(null=True, max_length=4)
    doc = fields.File(blank=True, allowed_extensions=["pdf"])
    secret = fields.String(max_length=5, editable=False, default="x")

    class Meta:
        label = "apitest_schemas"
        table = "apitest_schemas_everything"


VALID: dict[str, Any] = {
    "small": 1,
    "amount": "12.34",
    "name": "n",
    "grade": "a",
    "size": "s",
    "slug": "a-b",
}


def _props(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()["properties"]  # type: ignore[no-any-return]


def test_output_has_every_field_typed_and_required() -> None:
    out = schema_for(Everything)
    hints = {name: info.annotation for name, info in out.model_fields.items()}
    assert hints["id"] is int
    assert hints["big"] == int | None
    assert hints["amount"] is decimal.Decimal
    assert hints["size"] is Size
    assert hints["at"] is dt.datetime
    assert hints["clock"] == dt.time | None
    assert hints["span"] == dt.timedelta | None
    assert hints["token"] is uuid.UUID
    assert hints["raw"] == bytes | None
    assert "secret" in hints  # read-only fields are shown
    assert set(out.model_json_schema()["required"]) == set(hints)
    assert out.model_config.get("from_attributes") is True


def test_create_mode_constraints_and_requirements() -> None:
    create = schema_for(Everything, mode="create")
    props = _props(create)
    assert "id" not in props and "at" not in props and "secret" not in props
    assert set(create.model_json_schema()["required"]) == set(VALID)
    assert props["small"]["minimum"] == -(2**15) and props["small"]["maximum"] == 2**15 - 1
    assert props["name"]["maxLength"] == 10
    assert props["grade"]["enum"] == ["a", "b"]
    assert props["mail"]["anyOf"][0]["format"] == "email"
    assert props["slug"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert props["text"]["default"] == ""
    value = create.model_validate(VALID)
    assert value.amount == decimal.Decimal("12.34")  # type: ignore[attr-defined]
    assert value.data == {}  # type: ignore[attr-defined]
    for key, bad in [
        ("small", 40000),
        ("amount", "1234.5"),
        ("amount", "NaN"),
        ("name", "x" * 11),
        ("grade", "c"),
        ("size", "m"),
        ("mail", "not-mail"),
        ("site", "ftp:/x"),
        ("slug", "a b"),
        ("raw", "AAAAAAAA"),
        ("doc", "a.exe"),
        ("ratio", float("inf")),
        ("name", "a\x00"),
    ]:
        with pytest.raises(ValidationError) as caught:
            create.model_validate({**VALID, key: bad})
        assert caught.value.errors()[0]["loc"][0] == key, (key, bad)
    with pytest.raises(ValidationError):
        create.model_validate({**VALID, "unknown": 1})


def test_update_mode_is_all_optional_but_keeps_null_rules() -> None:
    update = schema_for(Everything, mode="update")
    assert "required" not in update.model_json_schema()
    assert all("default" not in p for p in _props(update).values())
    assert update.model_validate({}).model_dump(exclude_unset=True) == {}
    assert update.model_validate({"big": None}).model_dump(exclude_unset=True) == {"big": None}
    with pytest.raises(ValidationError):
        update.model_validate({"name": None})


def test_fields_exclude_and_foreign_keys() -> None:
    out = schema_for(Article, fields=["id", "title", "writer"])
    assert list(out.model_fields) == ["id", "title", "writer_id"]
    create = schema_for(Article, mode="create", exclude=["body", "price"])
    assert "writer_id" in create.model_fields and "body" not in create.model_fields
    with pytest.raises(TypeError):
        schema_for(Article, fields=["title"], exclude=["body"])
    with pytest.raises(FieldError):  # a reverse relation has no column: use nested=
        schema_for(Writer, fields=["articles"])
    with pytest.raises(TypeError):
        schema_for(Article, mode="create", depth=1)


def test_nested_and_depth() -> None:
    writer_out = schema_for(Writer)
    nested = schema_for(Article, nested={"writer": writer_out, "notes": schema_for(Note)})
    assert nested.model_fields["writer"].annotation is writer_out
    deep = schema_for(Note, depth=2)
    article = deep.model_fields["article"].annotation
    assert isinstance(article, type) and article.model_fields["writer"].annotation is writer_out
    with pytest.raises(TypeError, match="no relation"):
        schema_for(Article, nested={"nothing": writer_out})
    writer = Writer(name="ann", email="")
    writer.pk = 1
    article_obj = Article(title="t", writer=writer, created=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    article_obj.pk = 2
    dumped = schema_for(Article, nested={"writer": writer_out}).model_validate(article_obj)
    assert dumped.writer.name == "ann"  # type: ignore[attr-defined]


def test_cached_and_stably_named() -> None:
    assert schema_for(Writer) is schema_for(Writer)
    assert schema_for(Writer).__name__ == "WriterOut"
    assert schema_for(Writer, mode="create").__name__ == "WriterCreate"
    assert schema_for(Writer, mode="update").__name__ == "WriterUpdate"
    custom = schema_for(Writer, fields=["name"])
    assert custom.__name__.startswith("WriterOut_") and custom is not schema_for(Writer)
    assert schema_for(Writer, fields=["name"], name="WriterName").__name__ == "WriterName"


def test_model_schema_declared_and_extra_fields() -> None:
    class ArticleCard(ModelSchema):
        class Meta:
            model = Article
            fields = ["id", "title", "status"]

        title: str = "untitled"
        teaser: str = ""

    assert list(ArticleCard.model_fields) == ["id", "status", "title", "teaser"]
    card = ArticleCard.model_validate(Article(title="Hi", writer_id=1, id=3))
    assert card.model_dump() == {"id": 3, "status": Article().status, "title": "Hi", "teaser": ""}

    class WriterIn(ModelSchema):
        class Meta:
            model = Writer
            mode = "create"

    assert set(WriterIn.model_fields) == {"name", "email"}
    with pytest.raises(TypeError, match="unknown option"):

        class Broken(ModelSchema):
            class Meta:
                model = Writer
                colour = "red"
