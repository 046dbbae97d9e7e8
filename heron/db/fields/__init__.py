"""Model fields: ``from heron.db import fields`` then ``fields.String(max_length=200)``."""

from heron.db.fields.base import NOT_PROVIDED, Field
from heron.db.fields.dbdefault import DB_DEFAULT, DatabaseDefault
from heron.db.fields.generated import GeneratedField
from heron.db.fields.many_to_many import ManyToManyField
from heron.db.fields.related import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    RESTRICT,
    SET_DEFAULT,
    SET_NULL,
    ForeignKey,
    OnDelete,
    OneToOneField,
)
from heron.db.fields.scalars import (
    AutoField,
    BigAutoField,
    BigInteger,
    Boolean,
    Decimal,
    Float,
    Integer,
    SmallInteger,
    String,
    Text,
)
from heron.db.fields.special import JSON, UUID, Binary, Enum
from heron.db.fields.temporal import Date, DateTime, Duration, Time
from heron.db.fields.text import URL, Email, File, Image, Slug

__all__ = [
    "CASCADE",
    "DB_DEFAULT",
    "DO_NOTHING",
    "JSON",
    "NOT_PROVIDED",
    "PROTECT",
    "RESTRICT",
    "SET_DEFAULT",
    "SET_NULL",
    "URL",
    "UUID",
    "AutoField",
    "BigAutoField",
    "BigInteger",
    "Binary",
    "Boolean",
    "DatabaseDefault",
    "Date",
    "DateTime",
    "Decimal",
    "Duration",
    "Email",
    "Enum",
    "Field",
    "File",
    "Float",
    "ForeignKey",
    "GeneratedField",
    "Image",
    "Integer",
    "ManyToManyField",
    "OnDelete",
    "OneToOneField",
    "Slug",
    "SmallInteger",
    "String",
    "Text",
    "Time",
]
