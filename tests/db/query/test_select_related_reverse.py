"""``select_related()`` across the reverse side of a one-to-one field, as in Django: one
query with a LEFT OUTER JOIN, the related object (or its absence) cached both ways, on
every backend, sync and async."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from heron.db import FieldError, Model, fields, registry
from heron.db.backends import Database
from tests.db.query.qt_models import table

# -- models of this file (label ``srr``) --------------------------------------------------------


class Avatar(Model):
    url = fields.String(max_length=50)

    class Meta:
        label = "srr"
        table = table("srr_avatar")


class Author(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "srr"
        table = table("srr_author")
        ordering = ["name"]


class Profile(Model):
    """``author.profile``: the default reverse name."""

    author = fields.OneToOneField(Author, on_delete=fields.CASCADE)
    bio = fields.String(max_length=50)
    avatar = fields.ForeignKey(Avatar, on_delete=fields.SET_NULL, null=True)

    class Meta:
        label = "srr"
        table = table("srr_profile")


class Card(Model):
    """``author.membership_card``: a ``related_name``."""

    holder = fields.OneToOneField(Author, on_delete=fields.CASCADE, related_name="membership_card")
    number = fields.Integer()

    class Meta:
        label = "srr"
        table = table("srr_card")


class Sticker(Model):
    """``profile.sticker``: a reverse one-to-one behind another one."""

    profile = fields.OneToOneField(Profile, on_delete=fields.CASCADE)
    color = fields.String(max_length=20)

    class Meta:
        label = "srr"
        table = table("srr_sticker")


class Post(Model):
    title = fields.String(max_length=50)
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE, related_name="posts")
    editor = fields.ForeignKey(Author, on_delete=fields.SET_NULL, null=True, related_name="+")

    class Meta:
        label = "srr"
        table = table("srr_post")
        ordering = ["title"]


# -- fixtures -----------------------------------------------------------------------------------

_created: set[str] = set()  # server URLs holding this file's tables


@pytest.fixture(scope="module", autouse=True)
def _drop_tables() -> Iterator[None]:
    """Drop this file's tables from every server they were created on."""
    yield
    for url in sorted(_created):
        database = Database(url)
        registry.metadata.drop_all(database.sqlalchemy_engine(), tables=registry.tables_for("srr"))
        database.close()
    _created.clear()


@pytest.fixture
def people(db: Database, db_url: str) -> Iterator[SimpleNamespace]:
    """Ada (profile "math" with an owl avatar and a red sticker, card 7), Bob (profile
    "poet", nothing else), Cid (nothing); posts one (Ada, edited by Bob), two (Bob), three
    (Cid)."""
    engine = db.sqlalchemy_engine()
    tables = registry.tables_for("srr")
    registry.metadata.create_all(engine, tables=tables)
    if db.vendor != "sqlite":
        _created.add(db_url)
    ada, bob, cid = (Author.objects.create(name=n) for n in ("Ada", "Bob", "Cid"))
    owl = Avatar.objects.create(url="owl")
    math = Profile.objects.create(author=ada, bio="math", avatar=owl)
    Profile.objects.create(author=bob, bio="poet")
    Sticker.objects.create(profile=math, color="red")
    Card.objects.create(holder=ada, number=7)
    Post.objects.create(title="one", author=ada, editor=bob)
    Post.objects.create(title="two", author=bob)
    Post.objects.create(title="three", author=cid)
    try:
        yield SimpleNamespace(ada=ada, bob=bob, cid=cid)
    finally:
        with engine.begin() as conn:
            for t in reversed(tables):
                conn.execute(t.delete())


def bios(authors: list[Author]) -> list[str | None]:
    return [a.profile.bio if hasattr(a, "profile") else None for a in authors]


# -- sync ---------------------------------------------------------------------------------------


def test_one_outer_join_caches_the_profile_or_its_absence(people: Any, db: Database) -> None:
    with db.capture_queries() as queries:
        authors = list(Author.objects.select_related("profile"))
        assert bios(authors) == ["math", "poet", None]
        assert all(a.profile.author is a for a in authors[:2])
        with pytest.raises(Author.profile.RelatedObjectDoesNotExist, match="Author has no profile"):
            authors[2].profile  # noqa: B018
        got = Author.objects.select_related("profile").get(name="Bob")
        assert got.profile.bio == "poet" and got.profile.author is got
    assert len(queries) == 2
    assert "LEFT OUTER JOIN" in queries[0][0].upper()


def test_related_name_and_reverse_one_to_one_of_a_reverse_one(people: Any, db: Database) -> None:
    with db.capture_queries() as queries:
        authors = list(Author.objects.select_related("membership_card", "profile__sticker"))
        cards = [
            a.membership_card.number if hasattr(a, "membership_card") else None for a in authors
        ]
        stickers = [
            a.profile.sticker.color if hasattr(a.profile, "sticker") else None for a in authors[:2]
        ]
        assert authors[0].profile.sticker.profile is authors[0].profile
        assert authors[0].membership_card.holder is authors[0]
    assert len(queries) == 1
    assert cards == [7, None, None] and stickers == ["red", None]
    assert not hasattr(authors[2], "profile")


def test_nested_both_ways_with_forward_relations(people: Any, db: Database) -> None:
    with db.capture_queries() as queries:
        authors = list(Author.objects.select_related("profile__avatar"))
        avatars = [a.profile.avatar and a.profile.avatar.url for a in authors[:2]]
        posts = list(Post.objects.select_related("editor", "author__profile__avatar"))
        seen = [
            (
                p.title,
                p.editor and p.editor.name,
                bios([p.author])[0],
                hasattr(p.author, "profile") and p.author.profile.avatar,
            )
            for p in posts
        ]
        assert posts[0].author.profile.author is posts[0].author
        profiles = list(Profile.objects.select_related("author__membership_card").order_by("bio"))
        numbers = [
            p.author.membership_card.number if hasattr(p.author, "membership_card") else None
            for p in profiles
        ]
    assert len(queries) == 3
    assert avatars == ["owl", None]
    assert [s[:3] for s in seen] == [
        ("one", "Bob", "math"),
        ("three", None, None),
        ("two", None, "poet"),
    ]
    assert [s[3] and s[3].url for s in seen] == ["owl", False, None]
    assert numbers == [7, None]


def test_shares_the_join_of_a_filter_and_an_ordering(people: Any, db: Database) -> None:
    qs = Author.objects.select_related("profile")
    with db.capture_queries() as queries:
        found = list(qs.filter(profile__bio__in=["math", "poet"]).order_by("-profile__bio"))
        assert bios(found) == ["poet", "math"]
    assert len(queries) == 1
    assert queries[0][0].upper().count("JOIN") == 1
    assert qs.count() == 3 and qs.filter(profile__isnull=True).get().name == "Cid"


def test_with_only_and_defer(people: Any, db: Database) -> None:
    only = list(Author.objects.select_related("profile").only("name", "profile__bio"))
    deferred = list(Author.objects.select_related("profile").defer("profile__bio"))
    with db.capture_queries() as queries:
        assert bios(only) == ["math", "poet", None]
        assert only[0].profile.author is only[0]
        assert "avatar_id" not in only[0].profile.__dict__
        assert deferred[1].profile.avatar_id is None and "bio" not in deferred[1].profile.__dict__
    assert queries == []
    assert deferred[1].profile.bio == "poet"  # loads the deferred field
    for qs in (
        Author.objects.select_related("profile").only("name"),
        Author.objects.select_related("profile").defer("profile"),
    ):
        with pytest.raises(FieldError, match=r"Author\.profile cannot be both deferred"):
            list(qs)


def test_refuses_what_is_not_a_single_related_object(people: Any) -> None:
    for path in ("posts", "nope", "profile__nope", "name"):
        with pytest.raises(FieldError, match=r"nor the reverse side of a one-to-one field"):
            list(Author.objects.select_related(path))


# -- async --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_twins(people: Any, db: Database) -> None:
    with db.capture_queries() as queries:
        authors = await Author.objects.select_related("profile__avatar", "membership_card")
        assert bios(authors) == ["math", "poet", None]
        assert authors[0].profile.avatar.url == "owl"
        assert authors[0].membership_card.holder is authors[0]
        ada = await Author.objects.select_related("profile").aget(name="Ada")
        assert ada.profile.author is ada and ada.profile.bio == "math"
        cid = await Author.objects.select_related("profile").aget(name="Cid")
        assert not hasattr(cid, "profile")
        posts = [p async for p in Post.objects.select_related("author__profile", "editor")]
        assert [bios([p.author])[0] for p in posts] == ["math", None, "poet"]
    assert len(queries) == 4
