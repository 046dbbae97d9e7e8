"""Model fields: ``from heron.db import fields`` then ``fields.String(max_length=200)``."""

from heron.db.fields.base import NOT_PROVIDED, Field
from heron.db.fields.related import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    RESTRICT,
    SET_DEFAULT,
    SET_NULL,
    ForeignKey,
    OnDelete,
)
from heron.db.fields.scalars import (
    AutoField,
    BigAutoField,
    BigInteger,
    Boolean,
    Float,
    Integer,
    SmallInteger,
    String,
    Text,
)
from heron.db.fields.temporal import DateTime

__all__ = [
    "CASCADE",
    "DO_NOTHING",
    "NOT_PROVIDED",
    "PROTECT",
    "RESTRICT",
    "SET_DEFAULT",
    "SET_NULL",
    "AutoField",
    "BigAutoField",
    "BigInteger",
    "Boolean",
    "DateTime",
    "Field",
    "Float",
    "ForeignKey",
    "Integer",
    "OnDelete",
    "SmallInteger",
    "String",
    "Text",
]
