"""The models the ModelAPI tests run on (label ``apitest``, tables unique to the run)."""

from __future__ import annotations

import enum
import uuid

from heron.db import CheckConstraint, F, Model, Q, fields

RUN = uuid.uuid4().hex[:8]


def table(name: str) -> str:
    return f"at{RUN}_{name}"


class Status(enum.Enum):
    DRAFT = "draft"
    LIVE = "live"


class Writer(Model):
    name = fields.String(max_length=50, unique=True)
    email = fields.Email(blank=True, default="")

    class Meta:
        label = "apitest"
        table = table("writer")
        ordering = ["name"]


class Article(Model):
    title = fields.String(max_length=100)
    body = fields.Text(blank=True, default="")
    rating = fields.SmallInteger(default=0)
    price = fields.Decimal(max_digits=6, decimal_places=2, null=True)
    status = fields.Enum(Status, default=Status.DRAFT)
    published = fields.Boolean(default=False)
    writer = fields.ForeignKey(Writer, on_delete=fields.PROTECT, related_name="articles")
    created = fields.DateTime(auto_now_add=True)

    class Meta:
        label = "apitest"
        table = table("article")
        ordering = ["-created", "-id"]
        constraints = [
            CheckConstraint(
                condition=Q(rating__gte=0),
                name=f"at{RUN}_article_rating",
                violation_error_message="A rating can't be negative.",
            )
        ]


class Note(Model):
    article = fields.ForeignKey(Article, on_delete=fields.CASCADE, related_name="notes")
    text = fields.String(max_length=200)

    class Meta:
        label = "apitest"
        table = table("note")
        ordering = ["id"]


class Counter(Model):
    """A database default and a generated column: the API leaves both to the database."""

    name = fields.String(max_length=50)
    hits = fields.Integer(db_default=7)
    double = fields.GeneratedField(
        expression=F("hits") * 2, output_field=fields.Integer(), db_persist=True
    )

    class Meta:
        label = "apitest"
        table = table("counter")
