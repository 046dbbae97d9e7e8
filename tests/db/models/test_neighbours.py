"""``get_next_by_<field>()`` / ``get_previous_by_<field>()`` and their async twins."""

from __future__ import annotations

import datetime as dt

import pytest

from heron.db.backends import Database
from tests.db.models.fixture_models import FxAuthor, FxPost


def _posts(*days: int) -> list[FxPost]:
    author = FxAuthor.objects.create(name="a")
    posts = []
    for number, day in enumerate(days):
        post = FxPost.objects.create(title=f"p{number}", author=author)
        FxPost.objects.filter(pk=post.pk).update(created=dt.datetime(2024, 1, day, tzinfo=dt.UTC))
        post.refresh_from_db()
        posts.append(post)
    return posts


def test_next_and_previous_by_a_date_time(db: Database) -> None:
    first, later, tied = _posts(3, 4, 4)  # the last two tie: the key decides
    assert first.get_next_by_created() == later
    assert later.get_next_by_created() == tied
    assert tied.get_previous_by_created() == later
    assert later.get_previous_by_created() == first
    with pytest.raises(FxPost.DoesNotExist, match="get_next_by_created"):
        tied.get_next_by_created()
    assert first.get_next_by_created(title="p2") == tied


def test_only_date_fields_that_cannot_be_null_have_them() -> None:
    assert hasattr(FxPost, "get_previous_by_updated")
    assert not hasattr(FxPost, "get_next_by_day")  # day may be NULL
    assert not hasattr(FxPost, "get_next_by_at")  # a time of day


def test_an_unsaved_instance_is_refused() -> None:
    with pytest.raises(ValueError, match="save it"):
        FxPost(title="x").get_next_by_created()


@pytest.mark.anyio
async def test_async(db: Database) -> None:
    author = await FxAuthor.objects.acreate(name="a")
    first = await FxPost.objects.acreate(title="p0", author=author)
    second = await FxPost.objects.acreate(title="p1", author=author)  # created later
    assert await first.aget_next_by_created() == second
    assert await second.aget_previous_by_created() == first
    with pytest.raises(FxPost.DoesNotExist):
        await first.aget_previous_by_created()
