"""Every ``on_delete`` rule through ``obj.delete()``/``qs.delete()`` and their async twins,
with Django-style counts, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heron.db import IntegrityError, ProtectedError, RestrictedError, registry
from heron.db.backends import Database
from tests.db.models.mt_models import (
    FALLBACK_PK,
    Author,
    Comment,
    Fallback,
    Loose,
    Post,
    Profile,
    Tag,
)
from tests.db.models.order_models import Left, Node, Owner, Part, Piece, Right


@pytest.fixture
def blog(fallback: Any) -> dict[str, Any]:
    """Ada with two posts (one tagged twice, one commented twice), Bob with one post."""
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    one = Post.objects.create(title="one", author=ada, editor=bob)
    two = Post.objects.create(title="two", author=ada)
    three = Post.objects.create(title="three", author=bob, editor=ada)
    x, y = Tag.objects.create(name="x"), Tag.objects.create(name="y")
    one.tags.add(x, y)
    three.tags.add(x)
    Comment.objects.create(post=one, text="c1")
    Comment.objects.create(post=one, text="c2")
    Profile.objects.create(author=ada)
    return {"ada": ada, "bob": bob, "one": one, "two": two, "three": three, "x": x, "y": y}


def test_cascade_counts_every_model(blog: dict[str, Any]) -> None:
    result = blog["ada"].delete()
    assert result == (
        8,
        {
            "mt.Author": 1,
            "mt.Post": 2,
            "mt.Post_tags": 2,
            "mt.Comment": 2,
            "mt.Profile": 1,
        },
    )
    assert list(Post.objects.values_list("title", flat=True)) == ["three"]
    assert Comment.objects.count() == 0 and Profile.objects.count() == 0
    assert Tag.objects.count() == 2  # the tags stay; only their links went


def test_set_null(blog: dict[str, Any]) -> None:
    blog["bob"].delete()
    one = Post.objects.get(pk=blog["one"].pk)
    assert one.editor_id is None and one.editor is None
    assert Post.objects.filter(author=blog["ada"]).count() == 2


def test_queryset_delete_counts(blog: dict[str, Any]) -> None:
    assert Post.objects.filter(title__in=["one", "two"]).delete() == (
        6,
        {"mt.Post": 2, "mt.Post_tags": 2, "mt.Comment": 2},
    )
    assert Tag.objects.all().delete() == (3, {"mt.Tag": 2, "mt.Post_tags": 1})
    assert Post.objects.none().delete() == (0, {})


def test_delete_of_a_model_nothing_points_at(blog: dict[str, Any]) -> None:
    comment = Comment.objects.filter(text="c1").get()
    assert comment.delete() == (1, {"mt.Comment": 1})
    assert Comment.objects.count() == 1


def test_protect_refuses_and_deletes_nothing(blog: dict[str, Any]) -> None:
    Comment.objects.create(post=blog["one"], protected=blog["bob"])
    with pytest.raises(ProtectedError) as info:
        blog["bob"].delete()
    assert "PROTECT" in str(info.value) and "protected" in str(info.value)
    assert isinstance(info.value, IntegrityError)  # as in Django
    assert len(info.value.protected_objects) == 1
    assert Author.objects.count() == 2 and Post.objects.count() == 3
    assert Post.objects.get(pk=blog["one"].pk).editor_id == blog["bob"].pk  # no SET_NULL ran


def test_protect_applies_even_to_rows_the_cascade_would_delete(blog: dict[str, Any]) -> None:
    Comment.objects.create(post=blog["three"], protected=blog["bob"])
    with pytest.raises(ProtectedError):
        blog["bob"].delete()


def test_restrict_refuses(blog: dict[str, Any]) -> None:
    Comment.objects.create(post=blog["two"], restricted=blog["y"])
    with pytest.raises(RestrictedError):
        blog["y"].delete()
    with pytest.raises(ProtectedError):  # RestrictedError is a ProtectedError
        Tag.objects.filter(name="y").delete()
    assert Tag.objects.count() == 2
    blog["x"].delete()  # nothing restricts x


def test_set_default(blog: dict[str, Any]) -> None:
    other = Fallback.objects.create(name="other")
    comment = Comment.objects.create(post=blog["two"], fallback=other)
    assert other.delete() == (1, {"mt.Fallback": 1})
    assert Comment.objects.get(pk=comment.pk).fallback_id == FALLBACK_PK


def test_do_nothing_without_constraint_leaves_dangling_ids(blog: dict[str, Any]) -> None:
    loose = Loose.objects.create(name="l")
    comment = Comment.objects.create(post=blog["two"], loose=loose)
    pk = loose.pk
    assert loose.delete() == (1, {"mt.Loose": 1})
    assert Comment.objects.get(pk=comment.pk).loose_id == pk


def test_do_nothing_with_constraint_is_left_to_the_database(blog: dict[str, Any]) -> None:
    strict = Loose.objects.create(name="s")
    Comment.objects.create(post=blog["two"], strict=strict)
    with pytest.raises(IntegrityError):
        strict.delete()
    assert Loose.objects.count() == 1


@pytest.mark.anyio
async def test_async_delete_applies_the_rules(blog: dict[str, Any]) -> None:
    Comment.objects  # noqa: B018 - the sync fixture above built the rows
    assert await blog["one"].adelete() == (
        5,
        {"mt.Post": 1, "mt.Post_tags": 2, "mt.Comment": 2},
    )
    await Comment.objects.acreate(post=blog["three"], protected=blog["ada"])
    with pytest.raises(ProtectedError):
        await Author.objects.filter(name="Ada").adelete()
    await Comment.objects.filter(protected=blog["ada"]).aupdate(protected=None)
    total, counts = await Author.objects.filter(name="Ada").adelete()
    assert counts == {"mt.Author": 1, "mt.Post": 1, "mt.Profile": 1}
    assert total == 3
    three = await Post.objects.aget(pk=blog["three"].pk)
    assert three.editor_id is None  # SET_NULL through the async driver
    assert await Post.objects.acount() == 1


# -- delete order: rows go before the rows they point at, whatever the declaration order ----


@pytest.fixture
def order_db(db: Database) -> Iterator[Database]:
    """``db`` with the ``mt_order`` tables too (created if missing, emptied after the test)."""
    engine = db.sqlalchemy_engine()
    tables = registry.tables_for("mt_order")
    registry.metadata.create_all(engine, tables=tables)
    try:
        yield db
    finally:
        with engine.begin() as conn:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture(params=["restricted", "unguarded", "cascaded"])
def owner(order_db: Database, request: pytest.FixtureRequest) -> Owner:
    """An owner with a part, and a piece pointing at both (at the part through the
    RESTRICT, the no-action or the CASCADE foreign key)."""
    owner = Owner.objects.create()
    part = Part.objects.create(owner=owner)
    Piece.objects.create(owner=owner, **{request.param: part})
    return owner


OWNER_DELETED = (3, {"mt_order.Owner": 1, "mt_order.Part": 1, "mt_order.Piece": 1})


def test_rows_are_deleted_before_the_rows_they_point_at(owner: Owner) -> None:
    # Piece is declared (and reached) before Part, yet must go first: the database refuses
    # the part while the piece points at it (RESTRICT, no action) or deletes the piece
    # itself (CASCADE), which the counts would miss.
    assert owner.delete() == OWNER_DELETED
    assert Piece.objects.count() == Part.objects.count() == 0


@pytest.mark.anyio
async def test_async_rows_are_deleted_before_the_rows_they_point_at(owner: Owner) -> None:
    assert await Owner.objects.all().adelete() == OWNER_DELETED
    assert await Piece.objects.acount() == await Part.objects.acount() == 0


def test_restrict_refuses_unless_the_same_delete_removes_the_rows(order_db: Database) -> None:
    owner, other = Owner.objects.create(name="owner"), Owner.objects.create(name="other")
    part = Part.objects.create(owner=owner)
    Piece.objects.create(owner=owner, restricted=part)  # goes with the owner: allowed
    outside = Piece.objects.create(owner=other, restricted=part)  # stays: refuses
    with pytest.raises(RestrictedError) as info:
        owner.delete()
    assert [piece.pk for piece in info.value.restricted_objects] == [outside.pk]
    assert info.value.protected_objects == info.value.restricted_objects
    assert isinstance(info.value, IntegrityError)
    assert Piece.objects.count() == 2 and Part.objects.count() == 1
    outside.delete()
    assert owner.delete() == OWNER_DELETED


def test_self_reference_deletes_the_tree(order_db: Database) -> None:
    root = Node.objects.create()
    child = Node.objects.create(parent=root)
    grandchild = Node.objects.create(parent=child)
    Node.objects.create(parent=grandchild)
    Node.objects.create(parent=root)
    assert child.delete() == (3, {"mt_order.Node": 3})
    assert root.delete() == (2, {"mt_order.Node": 2})


def test_mutual_foreign_keys_delete_the_chain(order_db: Database) -> None:
    first = Left.objects.create()
    right = Right.objects.create(left=first)
    second = Left.objects.create(right=right)
    Right.objects.create(left=second)
    assert [r.pk for r in first.rights.all()] == [right.pk]
    assert Left.objects.get(rights__left=second) == second
    assert Right.objects.get(lefts=second) == right
    assert first.delete() == (4, {"mt_order.Left": 2, "mt_order.Right": 2})
    assert Left.objects.count() == Right.objects.count() == 0
