"""The models the QuerySet tests run on (label ``qt``).

The database servers are shared with other test runs, possibly of this very suite, so the
tables are named ``qt<run>_*`` with ``<run>`` unique to the process.
"""

from __future__ import annotations

import uuid

from heron.db import Model, fields

RUN = uuid.uuid4().hex[:8]


def table(name: str) -> str:
    """The table name of one model in this test run."""
    return f"qt{RUN}_{name}"


class Publisher(Model):
    """The far end of a two-level ``select_related``."""

    name = fields.String(max_length=100)

    class Meta:
        label = "qt"
        table = table("publisher")


class Author(Model):
    """Has books (reverse FK), a nullable publisher, a nullable email."""

    name = fields.String(max_length=100)
    email = fields.String(max_length=200, null=True)
    age = fields.Integer(default=30)
    publisher = fields.ForeignKey(
        Publisher, on_delete=fields.SET_NULL, null=True, related_name="authors"
    )

    class Meta:
        label = "qt"
        table = table("author")
        ordering = ["name"]


class Tag(Model):
    """The target of a many-to-many relation."""

    name = fields.String(max_length=100, unique=True)

    class Meta:
        label = "qt"
        table = table("tag")


class Book(Model):
    """Points at its author (required) and editor (nullable); has tags."""

    title = fields.String(max_length=200)
    pages = fields.Integer(default=0)
    rating = fields.Float(null=True)
    published = fields.DateTime(null=True)
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE, related_name="books")
    editor = fields.ForeignKey(Author, on_delete=fields.SET_NULL, null=True, related_name="edited")
    tags = fields.ManyToManyField(Tag, related_name="books")

    class Meta:
        label = "qt"
        table = table("book")
        get_latest_by = "published"


class Review(Model):
    """A second level of reverse relation (book → reviews), protected from deletion."""

    book = fields.ForeignKey(Book, on_delete=fields.CASCADE, related_name="reviews")
    stars = fields.Integer()
    text = fields.Text(default="")

    class Meta:
        label = "qt"
        table = table("review")


class Note(Model):
    """Free text for the hostile-input tests; a string primary key elsewhere is covered by
    ``Code``."""

    body = fields.Text()

    class Meta:
        label = "qt"
        table = table("note")


class Code(Model):
    """A string primary key (get(pk=...) fast path with ``str``)."""

    code = fields.String(max_length=20, primary_key=True)
    label = fields.String(max_length=50, default="")

    class Meta:
        label = "qt"
        table = table("code")


class Event(Model):
    """Fields named like transforms (``day``, ``hour``) behind a foreign key to itself, a
    date, a date-time and a duration for date arithmetic."""

    day = fields.Date(null=True)
    hour = fields.Integer(null=True)
    starts = fields.DateTime(null=True)
    length = fields.Duration(null=True)
    parent = fields.ForeignKey("self", on_delete=fields.CASCADE, null=True, related_name="children")

    class Meta:
        label = "qt"
        table = table("event")
