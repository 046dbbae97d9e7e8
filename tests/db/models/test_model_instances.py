"""Instance methods: save/asave (insert, update, update_fields), delete, refresh, equality,
hashing, repr and constructor errors."""

from __future__ import annotations

from typing import Any

import pytest

from heron.db import IntegrityError
from tests.db.models.mt_models import Author, Everything, Post, Tag, Token


def test_save_inserts_then_updates(db: Any) -> None:
    tag = Tag(name="a")
    assert tag.pk is None
    tag.save()
    first_pk = tag.pk
    assert isinstance(first_pk, int)
    tag.name = "b"
    tag.save()
    assert tag.pk == first_pk and Tag.objects.count() == 1
    assert Tag.objects.get(pk=first_pk).name == "b"


def test_update_fields_writes_only_those(db: Any) -> None:
    author = Author.objects.create(name="Ada")
    post = Post.objects.create(title="t", author=author)
    Post.objects.filter(pk=post.pk).update(title="changed elsewhere")
    post.editor = author
    post.save(update_fields=["editor"])
    loaded = Post.objects.get(pk=post.pk)
    assert (loaded.title, loaded.editor_id) == ("changed elsewhere", author.pk)
    with pytest.raises(ValueError, match="unknown fields: nope"):
        post.save(update_fields=["nope"])
    ghost = Tag(name="ghost")
    ghost.pk = 424242
    with pytest.raises(Tag.DoesNotExist):
        ghost.save(update_fields=["name"])


def test_force_insert_and_force_update(db: Any) -> None:
    tag = Tag.objects.create(name="a")
    copy = Tag(name="copy")
    copy.pk = tag.pk
    with pytest.raises(IntegrityError):
        copy.save(force_insert=True)
    missing = Tag(name="m")
    missing.pk = 999999
    with pytest.raises(Tag.DoesNotExist):
        missing.save(force_update=True)


def test_explicit_primary_key_is_inserted(db: Any) -> None:
    token = Token(name="t")
    key = token.pk
    token.save()
    assert Token.objects.get(pk=key).name == "t"
    token.name = "u"
    token.save()
    assert Token.objects.count() == 1


def test_a_new_instance_with_a_chosen_primary_key_updates_its_existing_row(db: Any) -> None:
    tag = Tag.objects.create(name="old")
    replacement = Tag(id=tag.pk, name="new")
    with db.capture_queries() as queries:
        replacement.save()
    assert len(queries) == 1 and queries[0][0].lstrip().upper().startswith("UPDATE")
    assert Tag.objects.get(pk=tag.pk).name == "new" and Tag.objects.count() == 1
    fresh = Tag(id=tag.pk + 100, name="fresh")
    fresh.save()  # no row with that key yet: the UPDATE matches nothing, then INSERT
    assert Tag.objects.get(pk=tag.pk + 100).name == "fresh"


def test_a_new_instance_whose_key_has_a_default_is_inserted_directly(db: Any) -> None:
    token = Token(name="t")
    with db.capture_queries() as queries:
        token.save()
    assert len(queries) == 1 and queries[0][0].lstrip().upper().startswith("INSERT")


def test_saving_a_partly_loaded_instance_keeps_what_was_not_loaded(db: Any) -> None:
    obj = Everything.objects.create(name="keep", body="text", integer=5, maybe=True)
    partial = Everything.objects.defer("integer", "body").get(pk=obj.pk)
    partial.name = "changed"
    partial.save()
    only = Everything.objects.only("name").get(pk=obj.pk)
    only.name = "again"
    only.save()
    loaded = Everything.objects.get(pk=obj.pk)
    assert (loaded.name, loaded.body, loaded.integer, loaded.maybe) == ("again", "text", 5, True)


@pytest.mark.anyio
async def test_asaving_a_partly_loaded_instance_keeps_what_was_not_loaded(db: Any) -> None:
    obj = await Everything.objects.acreate(name="keep", integer=7)
    partial = await Everything.objects.only("name").aget(pk=obj.pk)
    partial.name = "changed"
    await partial.asave()
    loaded = await Everything.objects.aget(pk=obj.pk)
    assert (loaded.name, loaded.integer) == ("changed", 7)


@pytest.mark.anyio
async def test_async_save_refresh_delete(db: Any) -> None:
    tag = Tag(name="a")
    await tag.asave()
    other = await Tag.objects.aget(pk=tag.pk)
    other.name = "b"
    await other.asave(update_fields=["name"])
    await tag.arefresh_from_db()
    assert tag.name == "b"
    assert await tag.adelete() == (1, {"mt.Tag": 1})
    assert await Tag.objects.acount() == 0
    assert tag.pk is None  # as in Django
    with pytest.raises(ValueError, match="no primary key"):
        await tag.arefresh_from_db()


def test_refresh_from_db(db: Any) -> None:
    author = Author.objects.create(name="Ada")
    other = Author.objects.create(name="Bob")
    post = Post.objects.create(title="t", author=author)
    assert post.author is author
    Post.objects.filter(pk=post.pk).update(title="new", author=other)
    post.refresh_from_db(fields=["title"])
    assert post.title == "new" and post.author_id == author.pk
    post.refresh_from_db()
    assert post.author_id == other.pk and post.author.name == "Bob"


def test_deferred_field_loads_on_access(db: Any) -> None:
    Everything.objects.create(name="n", body="long text")
    obj = Everything.objects.only("name").get()
    assert "body" not in obj.__dict__
    with db.capture_queries() as queries:
        assert obj.body == "long text"
    assert len(queries) == 1


def test_delete_clears_the_pk_and_saving_inserts_again(db: Any) -> None:
    tag = Tag.objects.create(name="t")
    assert tag.delete() == (1, {"mt.Tag": 1})
    assert tag.pk is None and tag.name == "t"  # as in Django
    tag.save()  # an INSERT, with a key the database gives (SQLite may reuse the old one)
    assert tag.pk is not None and Tag.objects.get(pk=tag.pk).name == "t"
    assert Tag.objects.count() == 1
    with pytest.raises(ValueError, match="no primary key value"):
        Tag(name="x").delete()


def test_equality_and_hashing(db: Any) -> None:
    tag = Tag.objects.create(name="t")
    same = Tag.objects.get(pk=tag.pk)
    assert tag == same and hash(tag) == hash(same) and len({tag, same}) == 1
    assert tag != Tag.objects.create(name="u")
    author = Author.objects.create(name="a")
    author.pk = tag.pk
    assert tag != author  # same pk, another model
    unsaved, other = Tag(name="x"), Tag(name="x")
    assert unsaved == unsaved and unsaved != other
    with pytest.raises(TypeError, match="unhashable"):
        hash(unsaved)
    assert tag != "t"


def test_repr_and_str(db: Any) -> None:
    tag = Tag.objects.create(name="python")
    assert repr(tag) == "<Tag: python>" and str(tag) == "python"
    token = Token(name="x")
    assert repr(token) == f"<Token: Token object ({token.pk})>"


def test_constructor_errors() -> None:
    with pytest.raises(TypeError, match=r"Tag\(\) got unexpected field\(s\): colour, size"):
        Tag(name="x", size=1, colour="red")
    post = Post(title="t", author_id=5)
    assert post.author_id == 5 and post.title == "t" and post.editor_id is None
