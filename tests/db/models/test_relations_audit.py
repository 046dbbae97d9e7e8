"""Relations checked against Django's behaviour: on_delete, reverse managers, one-to-one,
many-to-many, select_related/prefetch_related and the related-object caches, sync and
async, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heron.db import (
    AsyncContextError,
    FieldError,
    IntegrityError,
    Model,
    ProtectedError,
    fields,
    registry,
)
from heron.db.backends import Database
from heron.db.query import Prefetch
from heron.db.query.manager import Manager
from tests.db.models.mt_models import (
    Author,
    Comment,
    Group,
    Loose,
    Membership,
    Peer,
    Person,
    Post,
    Profile,
    Tag,
)
from tests.db.models.order_models import Node


def titles(qs: Any) -> list[str]:
    return [obj.title for obj in qs]


def names(qs: Any) -> list[str]:
    return [obj.name for obj in qs]


# -- models of this file (label ``mt_audit``) ---------------------------------------------------


class Visible(Manager[Any]):
    """A default manager that leaves out hidden rows."""

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(hidden=False)


class Shop(Model):
    name = fields.String(max_length=20)
    hidden = fields.Boolean(default=False)
    objects = Visible()

    class Meta:
        label = "mt_audit"
        ordering = ["name"]


class Item(Model):
    name = fields.String(max_length=20)
    shop = fields.ForeignKey(Shop, on_delete=fields.CASCADE, related_name="items")
    parent = fields.ForeignKey("self", on_delete=fields.PROTECT, null=True, related_name="kids")

    class Meta:
        label = "mt_audit"
        ordering = ["name"]


class Lock(Model):
    item = fields.ForeignKey(Item, on_delete=fields.PROTECT, related_name="locks")

    class Meta:
        label = "mt_audit"


class Card(Model):
    """A nullable one-to-one, hidden by its default manager when ``hidden``."""

    shop = fields.OneToOneField(Shop, on_delete=fields.SET_NULL, null=True, related_name="card")
    hidden = fields.Boolean(default=False)
    objects = Visible()

    class Meta:
        label = "mt_audit"


def _tables_fixture(label: str) -> Any:
    @pytest.fixture
    def tables(db: Database) -> Iterator[Database]:
        """``db`` with the tables of ``label`` too (created if missing, emptied after)."""
        engine = db.sqlalchemy_engine()
        chosen = registry.tables_for(label)
        registry.metadata.create_all(engine, tables=chosen)
        try:
            yield db
        finally:
            with engine.begin() as conn:
                for table in chosen:  # self-references first: MariaDB checks each row
                    if "parent_id" in table.c:
                        conn.execute(table.update().values(parent_id=None))
                for table in reversed(chosen):
                    conn.execute(table.delete())

    return tables


audit_db = _tables_fixture("mt_audit")
order_db = _tables_fixture("mt_order")


@pytest.fixture
def blog(db: Database, fallback: Any) -> dict[str, Any]:
    """Ada wrote one (edited by Bob, tagged x and y) and two; Bob wrote three (edited by
    Ada, tagged x)."""
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    one = Post.objects.create(title="one", author=ada, editor=bob)
    two = Post.objects.create(title="two", author=ada)
    three = Post.objects.create(title="three", author=bob, editor=ada)
    x, y = Tag.objects.create(name="x"), Tag.objects.create(name="y")
    one.tags.add(x, y)
    three.tags.add(x)
    return {"ada": ada, "bob": bob, "one": one, "two": two, "three": three, "x": x, "y": y}


def make_tree() -> Node:
    """A root with a child (with a grandchild) and a second child; returns the root."""
    root = Node.objects.create()
    child = Node.objects.create(parent=root)
    Node.objects.create(parent=child)
    Node.objects.create(parent=root)
    return root


# -- on_delete ----------------------------------------------------------------------------------


def test_queryset_delete_of_a_whole_tree_counts_every_row(order_db: Database) -> None:
    # One DELETE of parents and children together let the database's ON DELETE CASCADE
    # remove the children first (SQLite, MariaDB): the count said 1.
    make_tree()
    assert Node.objects.all().delete() == (4, {"mt_order.Node": 4})
    assert Node.objects.count() == 0


@pytest.mark.anyio
async def test_async_queryset_delete_of_a_whole_tree_counts_every_row(order_db: Database) -> None:
    root = await Node.objects.acreate()
    child = await Node.objects.acreate(parent=root)
    await Node.objects.acreate(parent=child)
    assert await Node.objects.filter(pk__in=[root.pk, child.pk]).adelete() == (
        3,
        {"mt_order.Node": 3},
    )


def test_protect_deep_in_a_cascade_changes_nothing(audit_db: Database) -> None:
    shop = Shop.objects.create(name="s")
    item = Item.objects.create(name="i", shop=shop)
    Lock.objects.create(item=item)
    card = Card.objects.create(shop=shop)
    with pytest.raises(ProtectedError, match="Lock"):
        shop.delete()
    assert Item.objects.count() == 1 and Card.objects.get(pk=card.pk).shop_id == shop.pk
    Lock.objects.all().delete()
    assert shop.delete() == (2, {"mt_audit.Shop": 1, "mt_audit.Item": 1})
    assert Card.objects.get(pk=card.pk).shop_id is None  # SET_NULL on a one-to-one


@pytest.mark.anyio
async def test_async_protect_deep_in_a_cascade_changes_nothing(audit_db: Database) -> None:
    shop = await Shop.objects.acreate(name="s")
    item = await Item.objects.acreate(name="i", shop=shop)
    await Lock.objects.acreate(item=item)
    card = await Card.objects.acreate(shop=shop)
    with pytest.raises(ProtectedError):
        await Shop.objects.filter(pk=shop.pk).adelete()
    assert await Item.objects.acount() == 1
    assert (await Card.objects.aget(pk=card.pk)).shop_id == shop.pk


def test_self_referencing_protect_refuses_even_a_delete_of_both(audit_db: Database) -> None:
    shop = Shop.objects.create(name="s")
    root = Item.objects.create(name="r", shop=shop)
    Item.objects.create(name="c", shop=shop, parent=root)
    with pytest.raises(ProtectedError):
        root.delete()
    with pytest.raises(ProtectedError):  # as in Django: PROTECT is never waived
        Item.objects.all().delete()
    assert Item.objects.count() == 2


def test_delete_across_relations_counts(blog: dict[str, Any]) -> None:
    Comment.objects.create(post=blog["one"], text="a")
    Comment.objects.create(post=blog["three"], text="b")
    assert Comment.objects.filter(post__author__name="Ada").delete() == (1, {"mt.Comment": 1})
    assert Post.objects.filter(author__name="Bob").delete() == (
        3,
        {"mt.Post": 1, "mt.Post_tags": 1, "mt.Comment": 1},
    )
    assert Tag.objects.filter(posts__title="one").delete() == (
        4,
        {"mt.Tag": 2, "mt.Post_tags": 2},
    )


def test_instance_delete_clears_the_primary_key(blog: dict[str, Any]) -> None:
    two = blog["two"]
    two.delete()
    assert two.pk is None


# -- reverse managers ---------------------------------------------------------------------------


def test_reverse_manager_bulk_false_saves_each_object(blog: dict[str, Any]) -> None:
    bob, one, two = blog["bob"], blog["one"], blog["two"]
    two.title = "two (saved)"
    bob.edited.add(two, bulk=False)  # save(): the new title is stored too, as in Django
    assert titles(bob.edited.all()) == ["one", "two (saved)"]
    bob.edited.remove(one, bulk=False)
    assert one.editor_id is None and titles(bob.edited.all()) == ["two (saved)"]
    bob.edited.set([one], bulk=False)
    assert titles(bob.edited.all()) == ["one"]
    assert Post.objects.get(pk=two.pk).editor_id is None
    bob.edited.clear(bulk=False)
    assert bob.edited.count() == 0


@pytest.mark.anyio
async def test_async_reverse_manager_bulk_false(blog: dict[str, Any]) -> None:
    bob, one, two = blog["bob"], blog["one"], blog["two"]
    await bob.edited.aadd(two, bulk=False)
    await bob.edited.aremove(one, bulk=False)
    assert titles(await bob.edited.all()) == ["two"]
    await bob.edited.aset([one], bulk=False)
    assert titles(await bob.edited.all()) == ["one"]
    await bob.edited.aclear(bulk=False)
    assert await bob.edited.acount() == 0


def test_prefetched_reverse_manager_follows_remove_set_clear(blog: dict[str, Any]) -> None:
    def bob() -> Any:
        return Author.objects.prefetch_related("edited").get(name="Bob")

    loaded = bob()
    loaded.edited.remove(blog["one"])
    assert titles(loaded.edited.all()) == []
    loaded = bob()
    loaded.edited.set([blog["two"]])
    assert titles(loaded.edited.all()) == ["two"]
    loaded = bob()
    loaded.edited.clear()
    assert titles(loaded.edited.all()) == []


def test_prefetched_reverse_manager_counts_from_memory(blog: dict[str, Any], db: Database) -> None:
    authors = list(Author.objects.prefetch_related("posts"))
    with db.capture_queries() as queries:
        assert [a.posts.count() for a in authors] == [2, 1]
        assert [a.posts.exists() for a in authors] == [True, True]
    assert queries == []


def test_default_related_and_query_names(blog: dict[str, Any]) -> None:
    loose = Loose.objects.create(name="l")
    Comment.objects.create(post=blog["one"], loose=loose, text="t")
    assert [c.text for c in loose.comment_set.all()] == ["t"]
    assert names(Loose.objects.filter(comment__text="t")) == ["l"]
    assert names(Author.objects.filter(profile__isnull=True)) == ["Ada", "Bob"]


# -- many-to-many -------------------------------------------------------------------------------


def test_many_to_many_get_or_create_links_what_it_creates(blog: dict[str, Any]) -> None:
    one, two = blog["one"], blog["two"]
    tag, created = one.tags.get_or_create(name="new")
    assert created and names(one.tags.all()) == ["new", "x", "y"]
    assert one.tags.get_or_create(name="new") == (tag, False)
    _, created = two.tags.get_or_create(name="x")  # x exists, but is not linked to two
    assert created and names(two.tags.all()) == ["x"] and Tag.objects.count() == 4
    _, created = blog["y"].posts.get_or_create(title="four", author=blog["bob"])
    assert created and titles(blog["y"].posts.all()) == ["four", "one"]
    tag, created = one.tags.update_or_create(name="new", defaults={"name": "newer"})
    assert not created and names(one.tags.all()) == ["newer", "x", "y"]
    tag, created = one.tags.update_or_create(name="other")
    assert created and "other" in names(one.tags.all())


@pytest.mark.anyio
async def test_async_many_to_many_get_or_create_links_what_it_creates(
    blog: dict[str, Any],
) -> None:
    band = await Group.objects.acreate(name="band")
    alice, created = await band.members.aget_or_create(
        name="alice", through_defaults={"role": "lead"}
    )
    assert created and (await Membership.objects.aget(person=alice)).role == "lead"
    _, created = await band.members.aupdate_or_create(name="bob")
    assert created and names(await band.members.all()) == ["alice", "bob"]
    assert (await Person.objects.aget(name="bob")).pk is not None


def test_many_to_many_set_mixes_instances_and_pks(blog: dict[str, Any]) -> None:
    one = blog["one"]
    z = Tag.objects.create(name="z")
    one.tags.set([blog["x"].pk, z])
    assert names(one.tags.all()) == ["x", "z"]
    one.tags.set([str(z.pk)])
    assert names(one.tags.all()) == ["z"]
    with pytest.raises(IntegrityError):
        one.tags.add(987654)  # no such tag
    with pytest.raises(ValueError, match="unsaved Post"):
        blog["x"].posts.add(Post(title="n", author=blog["ada"]))


def test_prefetched_many_to_many_follows_changes(blog: dict[str, Any]) -> None:
    (one,) = Post.objects.filter(title="one").prefetch_related("tags")
    assert names(one.tags.all()) == ["x", "y"]
    one.tags.add(Tag.objects.create(name="z"))
    assert names(one.tags.all()) == ["x", "y", "z"]
    one.tags.remove(blog["x"])
    assert names(one.tags.all()) == ["y", "z"]
    ann, ben = Peer.objects.create(name="ann"), Peer.objects.create(name="ben")
    (loaded,) = Peer.objects.filter(pk=ann.pk).prefetch_related("friends")
    loaded.friends.add(ben)
    assert names(loaded.friends.all()) == ["ben"]


def test_explicit_through_from_both_sides(db: Database) -> None:
    alice, bob = Person.objects.create(name="alice"), Person.objects.create(name="bob")
    band = Group.objects.create(name="band")
    band.members.set([alice, bob], through_defaults={"role": "x"})
    assert sorted(Membership.objects.values_list("role", flat=True)) == ["x", "x"]
    alice.groups.remove(band)
    assert names(band.members.all()) == ["bob"]
    alice.groups.add(band, through_defaults={"role": "y"})
    assert Membership.objects.get(person=alice).role == "y"
    bob.groups.clear()
    assert names(band.members.all()) == ["alice"]


# -- one-to-one and forward access --------------------------------------------------------------


def test_required_relation_without_a_value_raises(db: Database) -> None:
    post = Post(title="p")
    with pytest.raises(Post.author.RelatedObjectDoesNotExist, match="Post has no author"):
        post.author  # noqa: B018
    assert issubclass(Post.author.RelatedObjectDoesNotExist, Author.DoesNotExist)
    assert not hasattr(post, "author")
    assert post.editor is None  # null=True: None, as in Django


def test_object_assigned_before_it_was_saved_is_returned(db: Database) -> None:
    ada = Author(name="Ada")
    post = Post(title="p", author=ada)
    assert post.author is ada
    ada.save()
    assert post.author is ada
    post.save()
    assert post.author is ada and post.author_id == ada.pk
    post.author_id = Author.objects.create(name="Bob").pk
    assert post.author.name == "Bob"


def test_forward_cache_follows_id_changes(blog: dict[str, Any], db: Database) -> None:
    post = Post.objects.select_related("editor").get(title="two")
    assert post.editor is None
    post.editor_id = blog["bob"].pk
    assert post.editor.name == "Bob"
    with db.capture_queries() as queries:
        assert post.editor.name == "Bob"
    assert queries == []
    post.editor_id = None
    assert post.editor is None


def test_reverse_one_to_one_set_to_none_unlinks_the_loaded_object(audit_db: Database) -> None:
    shop = Shop.objects.create(name="s")
    card = Card.objects.create(shop=shop)
    shop = Shop.objects.get(pk=shop.pk)
    loaded = shop.card
    assert loaded == card
    shop.card = None
    assert loaded.shop_id is None and not hasattr(shop, "card")
    loaded.save()
    assert not hasattr(Shop.objects.get(pk=shop.pk), "card")


def test_a_lazily_loaded_one_to_one_knows_its_way_back(blog: dict[str, Any], db: Database) -> None:
    Profile.objects.create(author=blog["ada"])
    profile = Profile.objects.get(author=blog["ada"])
    with db.capture_queries() as queries:
        author = profile.author
        assert author.profile is profile  # as in Django: no second query
    assert len(queries) == 1


def test_reverse_one_to_one_set_to_none_on_a_required_field(blog: dict[str, Any]) -> None:
    Profile.objects.create(author=blog["ada"])
    ada = Author.objects.get(pk=blog["ada"].pk)
    assert ada.profile.author_id == ada.pk
    with pytest.raises(ValueError, match="cannot be set to None"):
        ada.profile = None


def test_select_related_reverse_one_to_one(blog: dict[str, Any], db: Database) -> None:
    Profile.objects.create(author=blog["ada"], bio="math")
    with db.capture_queries() as queries:
        authors = list(Author.objects.select_related("profile"))
        assert [a.profile.bio if hasattr(a, "profile") else None for a in authors] == [
            "math",
            None,
        ]
    assert len(queries) == 1


# -- select_related -----------------------------------------------------------------------------


def test_select_related_through_nullable_keys(blog: dict[str, Any], db: Database) -> None:
    Comment.objects.create(post=blog["two"], text="c")
    Comment.objects.create(post=blog["one"], text="d")
    Profile.objects.create(author=blog["ada"], bio="math")
    with db.capture_queries() as queries:
        comments = Comment.objects.select_related("post__editor", "protected").order_by("text")
        got = [(c.post.title, c.post.editor and c.post.editor.name, c.protected) for c in comments]
        (profile,) = Profile.objects.select_related("author")
        assert profile.author.name == "Ada"
    assert got == [("two", None, None), ("one", "Bob", None)]
    assert len(queries) == 2


def test_select_related_with_only_defer_values(blog: dict[str, Any], db: Database) -> None:
    posts = list(
        Post.objects.select_related("editor").only("title", "editor__name").order_by("title")
    )
    deferred = list(Post.objects.select_related("author").defer("author__name").order_by("title"))
    with db.capture_queries() as queries:
        assert [(p.title, p.editor and p.editor.name) for p in posts] == [
            ("one", "Bob"),
            ("three", "Ada"),
            ("two", None),
        ]
        assert deferred[0].author.pk == blog["ada"].pk
    assert queries == []
    assert deferred[0].author.name == "Ada"  # loads the deferred field
    rows = Post.objects.select_related("author").values("title", "author__name").order_by("title")
    assert [r["author__name"] for r in rows] == ["Ada", "Bob", "Ada"]
    with pytest.raises(FieldError, match="both deferred and traversed"):  # as in Django
        list(Post.objects.select_related("author").only("title"))
    with pytest.raises(FieldError):
        list(Post.objects.select_related("tags"))


# -- prefetch_related ---------------------------------------------------------------------------


def test_prefetch_on_a_sliced_queryset_and_nested(blog: dict[str, Any], db: Database) -> None:
    with db.capture_queries() as queries:
        authors = list(Author.objects.prefetch_related("posts__tags", "edited")[:1])
        assert [titles(a.posts.all()) for a in authors] == [["one", "two"]]
        assert [names(p.tags.all()) for p in authors[0].posts.all()] == [["x", "y"], []]
        assert titles(authors[0].edited.all()) == ["three"]
    assert len(queries) == 4
    with db.capture_queries() as queries:
        posts = list(Post.objects.prefetch_related("author__posts"))
        got = {p.title: titles(p.author.posts.all()) for p in posts}
    assert got == {"one": ["one", "two"], "two": ["one", "two"], "three": ["three"]}
    assert len(queries) == 3


def test_prefetch_many_to_many_to_attr(blog: dict[str, Any], db: Database) -> None:
    with db.capture_queries() as queries:
        posts = Post.objects.prefetch_related(
            Prefetch("tags", queryset=Tag.objects.filter(name="x"), to_attr="xs")
        )
        assert {p.title: names(p.xs) for p in posts} == {"one": ["x"], "three": ["x"], "two": []}
    assert len(queries) == 2


def test_prefetch_forward_key_uses_the_base_manager(audit_db: Database) -> None:
    # As lazy access (and Django): a row the default manager hides is still the related
    # object, loaded by the prefetch query rather than one query per instance.
    shop = Shop.objects.create(name="s", hidden=True)
    Item.objects.create(name="i", shop=shop)
    Item.objects.create(name="j", shop=shop)
    with audit_db.capture_queries() as queries:
        items = list(Item.objects.prefetch_related("shop"))
        assert [item.shop for item in items] == [shop, shop]
    assert len(queries) == 2


def test_prefetch_reverse_one_to_one(audit_db: Database) -> None:
    shops = [Shop.objects.create(name=n) for n in ("a", "b")]
    card = Card.objects.create(shop=shops[0], hidden=True)
    loaded = list(Shop.objects.prefetch_related(Prefetch("card", to_attr="the_card")))
    assert [s.the_card for s in loaded] == [card, None]  # the object, not a list
    loaded = list(Shop.objects.prefetch_related("card"))
    with audit_db.capture_queries() as queries:
        assert loaded[0].card == card and not hasattr(loaded[1], "card")
    assert queries == []


# -- filtering across relations -----------------------------------------------------------------


def test_multi_valued_filters_repeat_rows(blog: dict[str, Any]) -> None:
    across = Author.objects.filter(posts__title__in=["one", "two"])
    assert names(across) == ["Ada", "Ada"] and across.count() == 2
    assert names(across.distinct()) == ["Ada"]
    assert titles(Post.objects.filter(tags__name__in=["x", "y"])) == ["one", "one", "three"]
    assert names(Author.objects.filter(posts=blog["one"])) == ["Ada"]
    assert names(Tag.objects.filter(posts=blog["one"])) == ["x", "y"]
    assert titles(Post.objects.filter(author__in=[blog["ada"]])) == ["one", "two"]


def test_exclude_across_multi_valued_relations(blog: dict[str, Any]) -> None:
    assert names(Author.objects.exclude(posts__title="one")) == ["Bob"]
    assert titles(Post.objects.exclude(tags__name="x")) == ["two"]
    # As in Django, the conditions of one exclude() may match different posts.
    assert names(Author.objects.exclude(posts__title="two", posts__editor__name="Bob")) == ["Bob"]
    Author.objects.create(name="Cy")
    assert names(Author.objects.filter(posts__isnull=True)) == ["Cy"]
    assert names(Author.objects.filter(posts=None)) == ["Cy"]
    assert titles(Post.objects.filter(editor=None)) == ["two"]


def test_exclude_none(blog: dict[str, Any]) -> None:
    assert titles(Post.objects.exclude(editor=None)) == ["one", "three"]


def test_filter_with_an_unsaved_instance_is_refused(blog: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be saved"):
        list(Post.objects.filter(author=Author(name="new")))


# -- async code ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_lazy_relations_raise_async_context_error(blog: dict[str, Any]) -> None:
    Profile.objects  # noqa: B018 - the sync fixture built the rows
    post = await Post.objects.aget(pk=blog["one"].pk)
    with pytest.raises(AsyncContextError):
        post.author  # noqa: B018
    ada = await Author.objects.aget(pk=blog["ada"].pk)
    with pytest.raises(AsyncContextError, match=r"Author\.profile lazily.*prefetch_related"):
        ada.profile  # noqa: B018
    with pytest.raises(AsyncContextError):
        list(ada.posts.all())
    assert await ada.posts.acount() == 2 and await ada.posts.aexists()
    loaded = await Author.objects.prefetch_related("posts", "profile").aget(pk=ada.pk)
    assert titles(loaded.posts.all()) == ["one", "two"] and not hasattr(loaded, "profile")
    post = await Post.objects.select_related("author").aget(pk=blog["one"].pk)
    assert post.author.name == "Ada"


@pytest.mark.anyio
async def test_sync_manager_writes_in_a_loop_name_their_twin(blog: dict[str, Any]) -> None:
    post = await Post.objects.aget(pk=blog["one"].pk)
    ada = await Author.objects.aget(pk=blog["ada"].pk)
    tag = await Tag.objects.acreate(name="t")
    before = (await post.tags.acount(), await ada.edited.acount(), await Tag.objects.acount())
    calls = [
        (lambda: post.tags.add(tag), "aadd"),
        (lambda: post.tags.remove(tag), "aremove"),
        (lambda: post.tags.clear(), "aclear"),
        (lambda: post.tags.set([tag]), "aset"),
        (lambda: post.tags.create(name="u"), "acreate"),
        (lambda: post.tags.get_or_create(name="u"), "aget_or_create"),
        (lambda: ada.edited.add(post), "aadd"),
        (lambda: ada.edited.clear(), "aclear"),
    ]
    for call, twin in calls:
        with pytest.raises(AsyncContextError, match=rf"use the async twin {twin}\(\)"):
            call()
    after = (await post.tags.acount(), await ada.edited.acount(), await Tag.objects.acount())
    assert after == before  # refused before anything ran
