"""Foreign keys, reverse managers, one-to-one and many-to-many relations (auto and explicit
through models), sync and async, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from heron.db import IntegrityError
from tests.db.models.mt_models import (
    Author,
    Badge,
    Group,
    Membership,
    Person,
    Post,
    Profile,
    Shelf,
    Tag,
    Token,
)

Post_tags: Any = Post.tags.through  # the auto-created through model


def titles(qs: Any) -> list[str]:
    return [obj.title for obj in qs]


def names(qs: Any) -> list[str]:
    return [obj.name for obj in qs]


# -- ForeignKey -------------------------------------------------------------------------------


def test_forward_access_is_cached_and_follows_the_id(db: Any) -> None:
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    post = Post.objects.create(title="p", author=ada)
    loaded = Post.objects.get(pk=post.pk)
    with db.capture_queries() as queries:
        assert loaded.author == ada and loaded.author.name == "Ada"
        assert loaded.author is loaded.author
    assert len(queries) == 1
    loaded.author_id = bob.pk  # a changed id invalidates the cached object
    assert loaded.author.name == "Bob"
    loaded.author = ada
    assert loaded.author_id == ada.pk
    loaded.save()
    assert Post.objects.get(pk=post.pk).author_id == ada.pk
    assert loaded.editor is None


def test_forward_assignment_checks_type_and_null(db: Any) -> None:
    post = Post(title="p")
    with pytest.raises(TypeError, match="must be a Author instance, not Tag"):
        post.author = Tag(name="t")
    with pytest.raises(ValueError, match="cannot be set to None"):
        post.author = None
    post.editor = None
    assert post.editor_id is None


def test_unsaved_related_object_is_picked_up_once_saved(db: Any) -> None:
    ada = Author(name="Ada")
    post = Post(title="p", author=ada)
    with pytest.raises(ValueError, match="related Author of 'author' is not saved yet"):
        post.save()
    ada.save()
    post.save()
    assert Post.objects.get(pk=post.pk).author_id == ada.pk


def test_missing_target_is_an_integrity_error(db: Any) -> None:
    with pytest.raises(IntegrityError):
        Post.objects.create(title="p", author_id=987654)


def test_filters_across_the_foreign_key_both_ways(db: Any) -> None:
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    Post.objects.create(title="a1", author=ada)
    Post.objects.create(title="b1", author=bob, editor=ada)
    assert titles(Post.objects.filter(author__name="Ada")) == ["a1"]
    assert titles(Post.objects.filter(author=bob)) == ["b1"]
    assert names(Author.objects.filter(posts__title="b1")) == ["Bob"]
    assert names(Author.objects.filter(edited__title="b1")) == ["Ada"]


# -- reverse managers -------------------------------------------------------------------------


def test_reverse_manager_queries_and_create(db: Any) -> None:
    ada = Author.objects.create(name="Ada")
    Author.objects.create(name="Bob").posts.create(title="other")
    first = ada.posts.create(title="b")
    ada.posts.create(title="a")
    assert first.author_id == ada.pk and first.author is ada
    assert titles(ada.posts.all()) == ["a", "b"]
    assert ada.posts.count() == 2
    assert titles(ada.posts.filter(title="b")) == ["b"]
    assert ada.posts.get(title="a").author_id == ada.pk
    obj, created = ada.posts.get_or_create(title="c")
    assert created and obj.author_id == ada.pk
    assert ada.posts.get_or_create(title="c") == (obj, False)


def test_reverse_add_remove_set_clear(db: Any) -> None:
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    one = Post.objects.create(title="one", author=bob)
    two = Post.objects.create(title="two", author=bob)
    three = Post(title="three", author=bob)  # unsaved: add() saves it
    ada.edited.add(one, two, three)
    assert three.pk is not None
    assert titles(ada.edited.all()) == ["one", "three", "two"]
    ada.edited.remove(one)
    assert titles(ada.edited.all()) == ["three", "two"]
    assert Post.objects.get(pk=one.pk).editor_id is None and one.editor_id is None
    ada.edited.set([one, two])
    assert titles(ada.edited.all()) == ["one", "two"]
    ada.edited.set([three], clear=True)
    assert titles(ada.edited.all()) == ["three"]
    ada.edited.clear()
    assert ada.edited.count() == 0 and Post.objects.count() == 3


def test_reverse_remove_refuses_unrelated_and_required(db: Any) -> None:
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    post = Post.objects.create(title="p", author=ada)
    with pytest.raises(Post.DoesNotExist, match="is not related to"):
        bob.edited.remove(post)
    with pytest.raises(TypeError, match="null=True"):
        ada.posts.remove(post)
    with pytest.raises(TypeError, match="null=True"):
        ada.posts.clear()
    with pytest.raises(TypeError, match="'Post' instance expected"):
        ada.posts.add(bob)
    bob.posts.set([post])  # a required foreign key: set() only adds
    assert titles(bob.posts.all()) == ["p"] and ada.posts.count() == 0
    with pytest.raises(TypeError, match="Direct assignment"):
        ada.posts = []
    with pytest.raises(ValueError, match="needs a primary key"):
        Author(name="new").posts.all()


@pytest.mark.anyio
async def test_reverse_manager_async_twins(db: Any) -> None:
    ada = await Author.objects.acreate(name="Ada")
    bob = await Author.objects.acreate(name="Bob")
    one = await ada.posts.acreate(title="one")
    two = await bob.posts.acreate(title="two")
    assert titles(await ada.posts.all()) == ["one"]
    assert [p.title async for p in ada.posts.filter(title="one")] == ["one"]
    await ada.edited.aadd(one, two)
    assert await ada.edited.acount() == 2
    await ada.edited.aremove(two)
    assert titles(await ada.edited.all()) == ["one"]
    await ada.edited.aset([two])
    assert titles(await ada.edited.all()) == ["two"]
    await ada.edited.aclear()
    assert await ada.edited.acount() == 0
    obj, created = await bob.posts.aget_or_create(title="three")
    assert created and obj.author_id == bob.pk


def test_prefetched_reverse_manager_answers_from_memory(db: Any) -> None:
    for name in ("Ada", "Bob"):
        author = Author.objects.create(name=name)
        author.posts.create(title=f"{name}-1")
        author.posts.create(title=f"{name}-2")
    with db.capture_queries() as queries:
        authors = list(Author.objects.prefetch_related("posts"))
        assert [titles(a.posts.all()) for a in authors] == [["Ada-1", "Ada-2"], ["Bob-1", "Bob-2"]]
    assert len(queries) == 2
    authors[0].posts.create(title="Ada-3")  # a change through the manager drops the cache
    assert len(titles(authors[0].posts.all())) == 3


# -- OneToOneField ------------------------------------------------------------------------------


def test_one_to_one(db: Any) -> None:
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    profile = Profile.objects.create(author=ada, bio="math")
    assert Author.objects.get(pk=ada.pk).profile == profile
    assert Author.objects.get(pk=ada.pk).profile.bio == "math"
    fresh_bob = Author.objects.get(pk=bob.pk)
    with pytest.raises(Profile.DoesNotExist, match="Author has no profile"):
        fresh_bob.profile  # noqa: B018
    assert not hasattr(fresh_bob, "profile")
    assert names(Author.objects.filter(profile__bio="math")) == ["Ada"]
    with pytest.raises(IntegrityError):
        Profile.objects.create(author=ada)
    new = Profile(bio="poet")
    bob.profile = new
    assert new.author_id == bob.pk
    new.save()
    assert Author.objects.get(pk=bob.pk).profile.bio == "poet"
    with db.capture_queries() as queries:
        authors = list(Author.objects.prefetch_related("profile"))
        assert [a.profile.bio for a in authors] == ["math", "poet"]
    assert len(queries) == 2


def test_one_to_one_reverse_side_follows_the_forward_side(db: Any) -> None:
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    with pytest.raises(Profile.DoesNotExist):
        ada.profile  # noqa: B018 - caches "no profile"
    profile = Profile.objects.create(author=ada, bio="math")
    with db.capture_queries() as queries:
        assert ada.profile is profile
    assert queries == []
    profile.author = bob
    assert bob.profile is profile and not hasattr(ada, "_cache_rev_profile")
    profile.save()
    assert Author.objects.get(pk=bob.pk).profile == profile
    with pytest.raises(Profile.DoesNotExist):
        Author.objects.get(pk=ada.pk).profile  # noqa: B018


# -- ManyToManyField ----------------------------------------------------------------------------


def test_many_to_many_without_a_reverse_side_prefetches(db: Any) -> None:
    shelf = Shelf.objects.create(name="s")
    red, blue = Tag.objects.create(name="red"), Tag.objects.create(name="blue")
    shelf.tags.add(red, blue)
    shelf.spare_tags.add(red)
    assert not hasattr(Tag, "+") and "shelf" not in Tag._meta.query_names()
    with db.capture_queries() as queries:
        (loaded,) = Shelf.objects.prefetch_related("tags", "spare_tags")
        assert [t.name for t in loaded.tags.all()] == ["blue", "red"]
        assert [t.name for t in loaded.spare_tags.all()] == ["red"]
    assert len(queries) == 3


@pytest.fixture
def tagged(db: Any) -> dict[str, Any]:
    ada = Author.objects.create(name="Ada")
    posts = {t: Post.objects.create(title=t, author=ada) for t in ("one", "two", "three")}
    tags = {n: Tag.objects.create(name=n) for n in ("x", "y", "z")}
    return {**posts, **tags}


def test_many_to_many_both_sides(tagged: dict[str, Any]) -> None:
    one, two, x, y, z = (tagged[k] for k in ("one", "two", "x", "y", "z"))
    one.tags.add(x, y)
    one.tags.add(y)  # already linked: no duplicate, no error
    two.tags.add(y.pk)  # a primary key works too
    assert names(one.tags.all()) == ["x", "y"]
    assert titles(y.posts.all()) == ["one", "two"]
    assert Post_tags.objects.count() == 3
    assert titles(Post.objects.filter(tags__name="x")) == ["one"]
    assert names(Tag.objects.filter(posts__title="two")) == ["y"]
    assert names(one.tags.filter(name__startswith="y")) == ["y"]
    one.tags.set([y, z])
    assert names(one.tags.all()) == ["y", "z"]
    one.tags.remove(y)
    assert names(one.tags.all()) == ["z"]
    created = one.tags.create(name="w")
    assert names(one.tags.all()) == ["w", "z"] and created.pk is not None
    y.posts.add(tagged["three"])
    assert titles(y.posts.all()) == ["three", "two"]
    y.posts.clear()
    assert y.posts.count() == 0 and Tag.objects.count() == 4
    one.tags.set([x], clear=True)
    assert names(one.tags.all()) == ["x"]


def test_many_to_many_refusals(tagged: dict[str, Any]) -> None:
    one = tagged["one"]
    with pytest.raises(ValueError, match="unsaved Tag"):
        one.tags.add(Tag(name="new"))
    with pytest.raises(TypeError, match="'Tag' instance expected"):
        one.tags.add(tagged["two"])
    with pytest.raises(TypeError, match=r"use tags\.set"):
        one.tags = [tagged["x"]]
    with pytest.raises(TypeError, match="many-to-many field 'tags'"):
        Post(title="t", tags=[tagged["x"]])
    with pytest.raises(ValueError, match="needs a primary key"):
        Post(title="t").tags.all()


@pytest.mark.anyio
async def test_many_to_many_async_twins(tagged: dict[str, Any]) -> None:
    one, x, y, z = (tagged[k] for k in ("one", "x", "y", "z"))
    await one.tags.aadd(x, y)
    assert names(await one.tags.all()) == ["x", "y"]
    assert [t.name async for t in one.tags.all()] == ["x", "y"]
    await one.tags.aremove(x)
    await one.tags.aset([y, z])
    assert names(await one.tags.all()) == ["y", "z"]
    new = await one.tags.acreate(name="new")
    assert await one.tags.acount() == 3
    assert titles(await new.posts.all()) == ["one"]
    await z.posts.aclear()
    assert await one.tags.acount() == 2
    await one.tags.aclear()
    assert await one.tags.acount() == 0


def test_many_to_many_prefetch_both_sides(tagged: dict[str, Any], db: Any) -> None:
    tagged["one"].tags.add(tagged["x"], tagged["y"])
    tagged["two"].tags.add(tagged["y"])
    with db.capture_queries() as queries:
        posts = list(Post.objects.prefetch_related("tags"))
        assert {p.title: names(p.tags.all()) for p in posts} == {
            "one": ["x", "y"],
            "three": [],
            "two": ["y"],
        }
        tags = list(Tag.objects.prefetch_related("posts"))
        assert {t.name: sorted(titles(t.posts.all())) for t in tags} == {
            "x": ["one"],
            "y": ["one", "two"],
            "z": [],
        }
    assert len(queries) == 4


def test_deleting_either_side_removes_links(tagged: dict[str, Any]) -> None:
    tagged["one"].tags.add(tagged["x"], tagged["y"])
    tagged["two"].tags.add(tagged["x"])
    assert tagged["x"].delete() == (3, {"mt.Tag": 1, "mt.Post_tags": 2})
    assert names(tagged["one"].tags.all()) == ["y"]
    assert Post_tags.objects.count() == 1


def test_self_referential_many_to_many(db: Any) -> None:
    alice, bob, carl = (Person.objects.create(name=n) for n in ("alice", "bob", "carl"))
    alice.friends.add(bob, carl)
    assert names(alice.friends.all()) == ["bob", "carl"]
    assert names(bob.friends.all()) == []  # not symmetrical
    assert names(bob.befriended_by.all()) == ["alice"]
    assert names(Person.objects.filter(friends__name="carl")) == ["alice"]
    assert names(Person.objects.filter(befriended_by__name="alice")) == ["bob", "carl"]


def test_explicit_through_model(db: Any) -> None:
    alice, bob = Person.objects.create(name="alice"), Person.objects.create(name="bob")
    band = Group.objects.create(name="band")
    band.members.add(alice, through_defaults={"role": "lead"})
    band.members.add(bob)
    assert names(band.members.all()) == ["alice", "bob"]
    assert names(alice.groups.all()) == ["band"]
    roles = dict(Membership.objects.values_list("person__name", "role"))
    assert roles == {"alice": "lead", "bob": "member"}
    assert names(Person.objects.filter(groups__name="band", membership__role="lead")) == ["alice"]
    assert names(Group.objects.filter(members__name="bob")) == ["band"]
    band.members.remove(alice)
    assert list(Membership.objects.values_list("person__name", flat=True)) == ["bob"]
    choir = band.members.create(name="carl", through_defaults={"role": "new"})
    assert Membership.objects.get(person=choir).role == "new"
    assert alice.delete() == (1, {"mt.Person": 1})
    assert band.delete() == (3, {"mt.Group": 1, "mt.Membership": 2})


def test_many_to_many_between_uuid_primary_keys(db: Any) -> None:
    first, second = Token.objects.create(name="first"), Token.objects.create(name="second")
    badge, other = Badge.objects.create(), Badge.objects.create()
    badge.tokens.add(first, second.pk)
    other.tokens.add(str(second.pk))  # the primary key as text is coerced
    assert sorted(t.name for t in badge.tokens.all()) == ["first", "second"]
    assert {b.pk for b in second.badges.all()} == {badge.pk, other.pk}
    assert list(Badge.objects.filter(tokens=first)) == [badge]
    prefetched = {b.pk: sorted(t.name for t in b.tokens.all()) for b in
                  Badge.objects.prefetch_related("tokens")}  # fmt: skip
    assert prefetched == {badge.pk: ["first", "second"], other.pk: ["second"]}
    reverse = {t.name: len(t.badges.all()) for t in Token.objects.prefetch_related("badges")}
    assert reverse == {"first": 1, "second": 2}
    badge.tokens.remove(first)
    assert [t.name for t in badge.tokens.all()] == ["second"]
