"""The models of the natural-key fixture tests (label ``nk``: tables made by the tests).

``NkReview`` comes first, so a dump in registry order would write it before the books and
people its keys name; ``NkTag`` has a ``natural_key()`` but no ``get_by_natural_key()``.
"""

from __future__ import annotations

from typing import Any

from heron.db import Manager, Model, fields


class NkReview(Model):
    """No natural key of its own; points at a book by the book's."""

    book = fields.ForeignKey("nk.NkBook", on_delete=fields.CASCADE, related_name="reviews")
    stars = fields.Integer()
    tag = fields.ForeignKey("nk.NkTag", on_delete=fields.SET_NULL, null=True)

    class Meta:
        label = "nk"


class PersonManager(Manager["NkPerson"]):
    def get_by_natural_key(self, email: str) -> NkPerson:
        return self.get(email=email)


class NkPerson(Model):
    email = fields.String(max_length=100, unique=True)
    name = fields.String(max_length=100)
    friend = fields.ForeignKey(
        "self", on_delete=fields.SET_NULL, null=True, related_name="befriended"
    )

    objects = PersonManager()

    class Meta:
        label = "nk"

    def natural_key(self) -> tuple[Any, ...]:
        return (self.email,)


class BookManager(Manager["NkBook"]):
    def get_by_natural_key(self, title: str, email: str) -> NkBook:
        return self.get(title=title, author__email=email)


class NkBook(Model):
    """Named by its title and its author's natural key."""

    title = fields.String(max_length=100)
    author = fields.ForeignKey(NkPerson, on_delete=fields.CASCADE, related_name="books")
    readers = fields.ManyToManyField(NkPerson, related_name="read")

    objects = BookManager()

    class Meta:
        label = "nk"

    def natural_key(self) -> tuple[Any, ...]:
        return (self.title, *self.author.natural_key())

    natural_key.dependencies = ["nk.nkperson"]  # type: ignore[attr-defined]


class NkTag(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "nk"

    def natural_key(self) -> tuple[Any, ...]:
        return (self.name,)
