"""Model definition and the instance API checked against Django: definition errors at
class creation (Django's system checks), the constructor, pickling, on every backend."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from heron.db import FieldError, Model, fields
from tests.db.models.mt_models import Author, Post, Tag

LABEL = "mt_defaudit"


# -- the constructor ----------------------------------------------------------------------------


def test_positional_arguments_follow_field_order() -> None:
    tag = Tag(7, "seven")
    assert (tag.pk, tag.name) == (7, "seven")
    post = Post(None, "title", 3)  # a foreign key takes its raw id, as in Django
    assert (post.pk, post.title, post.author_id, post.editor_id) == (None, "title", 3, None)
    with pytest.raises(IndexError, match="Number of args exceeds number of fields"):
        Tag(1, "a", "b")
    with pytest.raises(TypeError, match="both positional and keyword arguments for field 'name'"):
        Tag(1, "a", name="b")
    with pytest.raises(TypeError, match="for field 'author'"):
        Post(None, "t", 3, author_id=4)


# -- pickling and copying -------------------------------------------------------------------


def test_pickle_keeps_cached_relation_and_deferred_fields(db: Any) -> None:
    ada = Author.objects.create(name="Ada")
    Post.objects.create(title="t", author=ada)
    post = Post.objects.select_related("author").get()
    restored = pickle.loads(pickle.dumps(post))
    assert restored == post and restored._persisted
    assert "_cache_author" in restored.__dict__  # no query to read the author again
    assert restored.author.name == "Ada"
    partial = pickle.loads(pickle.dumps(Post.objects.only("title").get()))
    assert "author_id" not in partial.__dict__
    assert partial.author_id == ada.pk  # the deferred field still loads on access
    clone = copy.copy(post)
    assert clone == post and clone.__dict__ is not post.__dict__


# -- definition errors (Django's system checks) ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pk", "'pk' is a reserved word"),
        ("size_", "must not end with an underscore"),
        ("a__b", "must not contain '__'"),
    ],
)
def test_reserved_field_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        type(
            "BadName",
            (Model,),
            {
                "__module__": __name__,
                name: fields.Integer(),
                "Meta": type("Meta", (), {"label": LABEL}),
            },
        )


def test_two_fields_sharing_a_column_are_refused() -> None:
    with pytest.raises(TypeError, match=r"SameColumn\.b uses the column .a. of SameColumn\.a"):

        class SameColumn(Model):
            a = fields.Integer()
            b = fields.Integer(column="a")

            class Meta:
                label = LABEL


def test_meta_ordering_must_name_fields() -> None:
    with pytest.raises(FieldError, match="ordering refers to the unknown field 'nope'"):

        class BadOrder(Model):
            a = fields.Integer()

            class Meta:
                label = LABEL
                ordering = ["a", "-nope__name"]

    with pytest.raises(TypeError, match=r"Meta\.ordering must be a list or tuple"):

        class StrOrder(Model):
            a = fields.Integer()

            class Meta:
                label = LABEL
                ordering = "-a"

    class Shelf(Model):
        name = fields.String(max_length=10)

        class Meta:
            label = LABEL

    class GoodOrder(Model):
        a = fields.Integer()
        shelf = fields.ForeignKey(Shelf, on_delete=fields.CASCADE)

        class Meta:
            label = LABEL
            ordering = ["-a", "pk", "?", "shelf__name", "shelf_id"]

    assert GoodOrder._meta.ordering[0] == "-a"


@pytest.mark.parametrize("choices", ["sml", [("s", "Small"), ("m", "Medium", "M")], 3])
def test_malformed_choices_are_refused(choices: Any) -> None:
    with pytest.raises(TypeError, match="choice"):
        fields.String(max_length=1, choices=choices)


def test_choices_may_be_a_mapping() -> None:
    field = fields.String(max_length=1, choices={"s": "Small", "Big": {"l": "Large"}})
    assert field.choices == [("s", "Small"), ("l", "Large")]


def test_reverse_accessor_clashing_with_a_field_is_refused() -> None:
    class Owner(Model):
        pets = fields.Integer(default=0)

        class Meta:
            label = LABEL

    with pytest.raises(TypeError, match=r"reverse accessor .pets. of Pet\.owner clashes"):

        class Pet(Model):
            owner = fields.ForeignKey(Owner, on_delete=fields.CASCADE, related_name="pets")

            class Meta:
                label = LABEL

    assert Owner(pets=3).pets == 3  # refused before the accessor replaced the field
