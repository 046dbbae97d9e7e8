"""The models of the fixture tests (label ``mt``: tables created with the others)."""

from __future__ import annotations

import enum

from heron.db import Model, fields


class Mood(enum.Enum):
    CALM = "calm"
    LOUD = "loud"


class FxAuthor(Model):
    name = fields.String(max_length=50)
    uid = fields.UUID(null=True)

    class Meta:
        label = "mt"


class FxTag(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "mt"


class FxPost(Model):
    title = fields.String(max_length=80)
    author = fields.ForeignKey(FxAuthor, on_delete=fields.CASCADE, related_name="posts")
    parent = fields.ForeignKey("self", on_delete=fields.SET_NULL, null=True)
    tags = fields.ManyToManyField(FxTag, related_name="posts")
    price = fields.Decimal(max_digits=8, decimal_places=2, null=True)
    created = fields.DateTime(auto_now_add=True)
    updated = fields.DateTime(auto_now=True)
    day = fields.Date(null=True)
    at = fields.Time(null=True)
    took = fields.Duration(null=True)
    data = fields.JSON(null=True)
    blob = fields.Binary(null=True)
    mood = fields.Enum(Mood, default=Mood.CALM)
    rating = fields.Float(null=True)
    flag = fields.Boolean(default=False)

    class Meta:
        label = "mt"


class FxKnot(Model):
    """A row that must point at another: two of them pointing at each other can't be loaded."""

    other = fields.ForeignKey("self", on_delete=fields.CASCADE, related_name="pointed")

    class Meta:
        label = "mt"
