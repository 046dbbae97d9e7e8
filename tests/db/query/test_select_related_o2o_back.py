"""``select_related()`` of a forward one-to-one caches the way back, as in Django:
``Profile.objects.select_related("author")`` gives ``profile.author.profile is profile``
without a query, on every backend, sync and async. The loaders of other query shapes are
generated exactly as before (no back-reference code)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.dialects import mysql, postgresql, sqlite

from heron.db import Model, fields, registry
from heron.db.backends import Database
from heron.db.query.select import build_select
from heron.db.testing import assert_num_queries
from tests.db.query.qt_models import table

# -- models of this file (label ``sro``) --------------------------------------------------------


class Author(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "sro"
        table = table("sro_author")
        ordering = ["name"]


class Profile(Model):
    """``author.profile``: the default reverse name."""

    author = fields.OneToOneField(Author, on_delete=fields.CASCADE)
    bio = fields.String(max_length=50)

    class Meta:
        label = "sro"
        table = table("sro_profile")
        ordering = ["bio"]


class Badge(Model):
    """``author.badge``: a nullable one-to-one with a ``related_name``."""

    holder = fields.OneToOneField(
        Author, on_delete=fields.SET_NULL, null=True, related_name="badge"
    )
    color = fields.String(max_length=20)

    class Meta:
        label = "sro"
        table = table("sro_badge")
        ordering = ["color"]


class Stamp(Model):
    """A one-to-one without a reverse side (``related_name="+"``): nothing to cache."""

    owner = fields.OneToOneField(Author, on_delete=fields.CASCADE, related_name="+")

    class Meta:
        label = "sro"
        table = table("sro_stamp")


class Post(Model):
    title = fields.String(max_length=50)
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE, related_name="posts")

    class Meta:
        label = "sro"
        table = table("sro_post")
        ordering = ["title"]


class Note(Model):
    """Reaches a one-to-one behind a foreign key (``profile__author``), or two foreign keys."""

    profile = fields.ForeignKey(Profile, on_delete=fields.CASCADE, related_name="notes")
    post = fields.ForeignKey(Post, on_delete=fields.CASCADE, null=True, related_name="notes")

    class Meta:
        label = "sro"
        table = table("sro_note")


# -- fixtures -----------------------------------------------------------------------------------

_created: set[str] = set()  # server URLs holding this file's tables


@pytest.fixture(scope="module", autouse=True)
def _drop_tables() -> Iterator[None]:
    """Drop this file's tables from every server they were created on."""
    yield
    for url in sorted(_created):
        database = Database(url)
        registry.metadata.drop_all(database.sqlalchemy_engine(), tables=registry.tables_for("sro"))
        database.close()
    _created.clear()


@pytest.fixture
def people(db: Database, db_url: str) -> Iterator[SimpleNamespace]:
    """Ada (profile "math", red badge, a stamp, post "one" with a note), Bob (profile
    "poet"); a badge "blue" held by nobody."""
    engine = db.sqlalchemy_engine()
    tables = registry.tables_for("sro")
    registry.metadata.create_all(engine, tables=tables)
    if db.vendor != "sqlite":
        _created.add(db_url)
    ada, bob = Author.objects.create(name="Ada"), Author.objects.create(name="Bob")
    math = Profile.objects.create(author=ada, bio="math")
    Profile.objects.create(author=bob, bio="poet")
    Badge.objects.create(holder=ada, color="red")
    Badge.objects.create(color="blue")
    Stamp.objects.create(owner=ada)
    Note.objects.create(profile=math, post=Post.objects.create(title="one", author=ada))
    try:
        yield SimpleNamespace(ada=ada, bob=bob)
    finally:
        with engine.begin() as conn:
            for t in reversed(tables):
                conn.execute(t.delete())


# -- sync ---------------------------------------------------------------------------------------


def test_forward_one_to_one_caches_the_way_back(people: Any, db: Database) -> None:
    profiles = list(Profile.objects.select_related("author"))
    profile = Profile.objects.select_related("author").get(bio="poet")
    with assert_num_queries(0):
        assert [p.author.name for p in profiles] == ["Ada", "Bob"]
        assert all(p.author.profile is p for p in profiles)
        assert profile.author.profile is profile and profile.author.name == "Bob"


def test_nullable_one_to_one_with_a_related_name(people: Any, db: Database) -> None:
    badges = list(Badge.objects.select_related("holder"))
    with assert_num_queries(0):
        assert [b.color for b in badges] == ["blue", "red"]
        assert badges[0].holder is None
        assert badges[1].holder.badge is badges[1]


def test_behind_a_foreign_key(people: Any, db: Database) -> None:
    note = Note.objects.select_related("profile__author", "post__author").get()
    with assert_num_queries(0):
        assert note.profile.author.profile is note.profile
        # a foreign key caches no way back: the author's posts are a query away
        assert "_cache_rev_posts" not in note.post.author.__dict__
    assert [p.title for p in note.post.author.posts.all()] == ["one"]


def test_without_a_reverse_side_nothing_is_cached(people: Any, db: Database) -> None:
    stamp = Stamp.objects.select_related("owner").get()
    assert stamp.owner.name == "Ada"
    assert not [k for k in stamp.owner.__dict__ if k.startswith("_cache_rev")]


def test_a_lazy_load_still_caches_the_way_back(people: Any, db: Database) -> None:
    profile = Profile.objects.get(bio="math")
    with assert_num_queries(1):
        author = profile.author
    with assert_num_queries(0):
        assert author.profile is profile


# -- async --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_twins(people: Any, db: Database) -> None:
    profiles = await Profile.objects.select_related("author")
    poet = await Profile.objects.select_related("author").aget(bio="poet")
    notes = [n async for n in Note.objects.select_related("profile__author")]
    with assert_num_queries(0):
        assert all(p.author.profile is p for p in profiles) and len(profiles) == 2
        assert poet.author.profile is poet
        assert notes[0].profile.author.profile is notes[0].profile


# -- the generated loaders ----------------------------------------------------------------------

PLAIN = """\
def load(row):
    v0, v1, v2, = row
    o2 = new(M1)
    o2.__dict__ = {'id': v0, 'title': v1, 'author_id': v2, '_persisted': True}
    return o2"""

FOREIGN_KEY = """\
def load(row):
    v0, v1, v2, v3, v4, = row
    if v3 is None:
        o1 = None
    else:
        o3 = new(M2)
        o3.__dict__ = {'id': v3, 'name': v4, '_persisted': True}
        o1 = o3
    o5 = new(M4)
    o5.__dict__ = {'_cache_author': o1, 'id': v0, 'title': v1, 'author_id': v2, '_persisted': True}
    return o5"""

NESTED_FOREIGN_KEYS = """\
def load(row):
    v0, v1, v2, v3, v4, v5, v6, v7, = row
    if v3 is None:
        o1 = None
    else:
        if v6 is None:
            o2 = None
        else:
            o4 = new(M3)
            o4.__dict__ = {'id': v6, 'name': v7, '_persisted': True}
            o2 = o4
        o6 = new(M5)
        o6.__dict__ = {'_cache_author': o2, 'id': v3, 'title': v4, 'author_id': v5, '_persisted': True}
        o1 = o6
    o8 = new(M7)
    o8.__dict__ = {'_cache_post': o1, 'id': v0, 'profile_id': v1, 'post_id': v2, '_persisted': True}
    return o8"""  # noqa: E501

REVERSE_ONE_TO_ONES = """\
def load(row):
    v0, v1, v2, v3, v4, v5, v6, v7, = row
    o2 = new(M1)
    if v2 is None:
        o3 = None
    else:
        o5 = new(M4)
        o5.__dict__ = {'_cache_author': o2, 'id': v2, 'author_id': v3, 'bio': v4, '_persisted': True}
        o3 = o5
    if v5 is None:
        o6 = None
    else:
        o8 = new(M7)
        o8.__dict__ = {'_cache_holder': o2, 'id': v5, 'holder_id': v6, 'color': v7, '_persisted': True}
        o6 = o8
    o2.__dict__ = {'_cache_rev_profile': o3, '_cache_rev_badge': o6, 'id': v0, 'name': v1, '_persisted': True}
    return o2"""  # noqa: E501

DIALECTS = {
    "sqlite": sqlite.dialect(),
    "postgresql": postgresql.psycopg.dialect(),  # type: ignore[attr-defined]
    "mysql": mysql.pymysql.dialect(),  # type: ignore[attr-defined]
}


def _source(qs: Any, vendor: str, single: bool = True) -> str:
    loader = build_select(qs, DIALECTS[vendor], vendor, "default").extra
    source: str = loader.source(single=single)
    return source


@pytest.mark.parametrize("vendor", sorted(DIALECTS))
def test_other_shapes_generate_the_same_loaders(vendor: str) -> None:
    """The loaders written before forward one-to-ones cached the way back, unchanged."""
    assert _source(Post.objects.all(), vendor) == PLAIN
    assert _source(Post.objects.select_related("author"), vendor) == FOREIGN_KEY
    assert _source(Note.objects.select_related("post__author"), vendor) == NESTED_FOREIGN_KEYS
    reverse = Author.objects.select_related("profile", "badge")
    assert _source(reverse, vendor) == REVERSE_ONE_TO_ONES
    many = _source(Post.objects.select_related("author"), vendor, single=False)
    assert "_cache_rev" not in many and "for v0, v1, v2, v3, v4, in rows:" in many


@pytest.mark.parametrize("vendor", sorted(DIALECTS))
def test_a_forward_one_to_one_loader_points_back(vendor: str) -> None:
    source = _source(Profile.objects.select_related("author"), vendor)
    assert "'_cache_rev_profile': o2, 'id': v3, 'name': v4" in source
    assert source.index("o2 = new(M1)") < source.index("o5 = new(M4)")  # parent first
    assert "_cache_rev" not in _source(Stamp.objects.select_related("owner"), vendor)
