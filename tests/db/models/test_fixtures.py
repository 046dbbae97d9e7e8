"""Fixtures: ``dump_data()`` writes Django's record format, ``load_data()``/``aload_data()``
write it back (update or insert, raw values, links, cycles), all or nothing, on each backend."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from heron.db import post_save, pre_save
from heron.db.backends import Database
from heron.db.fixtures import FixtureError, aload_data, dump_data, load_data, write_records
from tests.db.models.dbdefault_models import Line, Ticket
from tests.db.models.fixture_models import FxAuthor, FxKnot, FxPost, FxTag, Mood

WHEN = dt.datetime(2024, 5, 1, 13, 30, 15, 250000, tzinfo=dt.UTC)
UID = uuid.UUID("12345678-1234-5678-1234-567812345678")


def _fixture(tmp_path: Path, records: list[dict[str, Any]], name: str = "data.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return path


def _dump(tmp_path: Path, *specs: str) -> Path:
    path = tmp_path / "dump.json"
    with path.open("w") as out:
        write_records(dump_data(specs), out, indent=2)
    return path


def _full_post() -> FxPost:
    author = FxAuthor.objects.create(name="Ann", uid=UID)
    tags = [FxTag.objects.create(name=name) for name in ("a", "b")]
    post = FxPost.objects.create(
        title="Hello",
        author=author,
        price=Decimal("12.50"),
        day=dt.date(2024, 2, 29),
        at=dt.time(23, 59, 1, 5),
        took=dt.timedelta(days=-1, seconds=5, microseconds=7),
        data={"k": [1, "two", None]},
        blob=b"\x00\xffbytes",
        mood=Mood.LOUD,
        rating=0.5,
        flag=True,
    )
    FxPost.objects.filter(pk=post.pk).update(created=WHEN, updated=WHEN)
    post.tags.set(tags)
    FxPost.objects.create(title="Reply", author=author, parent=post)
    return FxPost.objects.get(pk=post.pk)


def test_a_record_holds_every_value_as_json(db: Database) -> None:
    post = _full_post()
    records = list(dump_data(["mt.fxpost"], pks=[post.pk]))
    assert records == [
        {
            "model": "mt.fxpost",
            "pk": post.pk,
            "fields": {
                "title": "Hello",
                "author": post.author_id,
                "parent": None,
                "price": "12.50",
                "created": "2024-05-01T13:30:15.250000+00:00",
                "updated": "2024-05-01T13:30:15.250000+00:00",
                "day": "2024-02-29",
                "at": "23:59:01.000005",
                "took": "-1 day, 0:00:05.000007",
                "data": {"k": [1, "two", None]},
                "blob": "AP9ieXRlcw==",
                "mood": "loud",
                "rating": 0.5,
                "flag": True,
                "tags": sorted(t.pk for t in FxTag.objects.all()),
            },
        }
    ]
    author = next(iter(dump_data(["mt.fxauthor"])))
    assert author["fields"] == {"name": "Ann", "uid": str(UID)}


def test_dump_then_load_into_an_empty_database_restores_every_row(
    db: Database, tmp_path: Path
) -> None:
    post = _full_post()
    before = {p.pk: p.__dict__.copy() for p in FxPost.objects.all()}
    links = sorted(FxPost.tags.through.objects.values_list("fxpost_id", "fxtag_id"))
    path = _dump(tmp_path, "mt.fxauthor", "mt.fxtag", "mt.fxpost")
    FxPost.objects.all().delete()
    FxAuthor.objects.all().delete()
    FxTag.objects.all().delete()

    assert load_data(path) == 5

    after = {p.pk: p.__dict__ for p in FxPost.objects.all()}
    assert after == before  # auto_now and auto_now_add kept the fixture's values
    assert sorted(FxPost.tags.through.objects.values_list("fxpost_id", "fxtag_id")) == links
    assert FxPost.objects.get(pk=post.pk).updated == WHEN
    # The key sequences moved past the loaded keys: new rows get new keys.
    fresh = FxPost.objects.create(title="New", author=FxAuthor.objects.get())
    assert fresh.pk > max(before)


def test_loading_again_updates_the_rows_in_place(db: Database, tmp_path: Path) -> None:
    author = FxAuthor.objects.create(name="Ann", uid=UID)
    records = [{"model": "mt.fxauthor", "pk": author.pk, "fields": {"name": "Bea"}}]
    path = _fixture(tmp_path, records)
    assert load_data(path) == 1
    assert load_data(path) == 1
    # Only the fields the record names are written: the uid is kept.
    assert list(FxAuthor.objects.values_list("pk", "name", "uid")) == [(author.pk, "Bea", UID)]


def test_fields_a_new_record_leaves_out_get_their_defaults(db: Database, tmp_path: Path) -> None:
    records = [
        {"model": "mt.fxauthor", "pk": 1, "fields": {"name": "Ann"}},
        {"model": "mt.fxpost", "pk": 1, "fields": {"title": "t", "author": 1}},
    ]
    started = dt.datetime.now(dt.UTC)
    load_data(_fixture(tmp_path, records))
    post = FxPost.objects.get()
    assert post.mood is Mood.CALM and post.flag is False and post.price is None
    assert post.created >= started.replace(microsecond=0) and post.updated >= post.created


def test_objects_are_written_after_those_they_point_at(db: Database, tmp_path: Path) -> None:
    records = [
        {"model": "mt.fxpost", "pk": 3, "fields": {"title": "c", "author": 1, "parent": 2}},
        {"model": "mt.fxpost", "pk": 2, "fields": {"title": "b", "author": 1, "parent": None}},
        {"model": "mt.fxauthor", "pk": 1, "fields": {"name": "Ann"}},
        {"model": "mt.fxpost", "pk": 5, "fields": {"title": "e", "author": 1, "parent": 6}},
        {"model": "mt.fxpost", "pk": 6, "fields": {"title": "f", "author": 1, "parent": 5}},
    ]
    assert load_data(_fixture(tmp_path, records)) == 5
    assert FxPost.objects.get(pk=3).parent_id == 2
    # A cycle: one nullable key was written empty, then set once both rows existed.
    assert dict(FxPost.objects.filter(pk__in=[5, 6]).values_list("pk", "parent_id")) == {5: 6, 6: 5}


def test_a_cycle_of_keys_that_cannot_be_empty_is_refused(db: Database, tmp_path: Path) -> None:
    records = [
        {"model": "mt.fxknot", "pk": 1, "fields": {"other": 2}},
        {"model": "mt.fxknot", "pk": 2, "fields": {"other": 1}},
    ]
    with pytest.raises(FixtureError, match="none of which is nullable"):
        load_data(_fixture(tmp_path, records))
    assert not FxKnot.objects.exists()


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"model": "mt.nothing", "pk": 1, "fields": {}}, "No model 'mt.nothing'"),
        ({"model": "mt.fxauthor", "pk": 1, "fields": {"nme": "x"}}, "has no field 'nme'"),
        (
            {"model": "mt.fxpost", "pk": 1, "fields": {"title": "t", "author": 1, "day": "soon"}},
            "day: 'soon' is not a valid date",
        ),
        ({"model": "mt.fxpost", "pk": 1, "fields": {"blob": "%%"}}, "not valid base64"),
        ({"model": "mt.fxpost", "pk": 1, "fields": {"tags": 3}}, "list of primary keys"),
        ({"fields": {}}, "a record is"),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(
    db: Database, tmp_path: Path, record: dict[str, Any], message: str
) -> None:
    good = {"model": "mt.fxauthor", "pk": 1, "fields": {"name": "Ann"}}
    path = _fixture(tmp_path, [good, record])
    with pytest.raises(FixtureError, match=message) as caught:
        load_data(path)
    assert str(path) in str(caught.value)
    assert not FxAuthor.objects.exists()


def test_unknown_models_and_fields_can_be_skipped(db: Database, tmp_path: Path) -> None:
    records = [
        {"model": "mt.gone", "pk": 1, "fields": {}},
        {"model": "mt.fxauthor", "pk": 1, "fields": {"name": "Ann", "old": 1}},
    ]
    assert load_data(_fixture(tmp_path, records), ignore_unknown=True) == 1
    assert FxAuthor.objects.get().name == "Ann"


def test_a_database_error_rolls_everything_back(db: Database, tmp_path: Path) -> None:
    records = [
        {"model": "mt.fxauthor", "pk": 1, "fields": {"name": "Ann"}},
        {"model": "mt.fxpost", "pk": 1, "fields": {"title": "t", "author": 99}},
    ]
    path = _fixture(tmp_path, records)
    with pytest.raises(FixtureError, match=r"object #2"):
        load_data(path)
    assert not FxAuthor.objects.exists()
    assert not FxPost.objects.exists()


def test_hostile_text_is_stored_as_text(db: Database, tmp_path: Path) -> None:
    hostile = "x'); DROP TABLE mt_fxauthor; --"
    records = [{"model": "mt.fxauthor", "pk": 1, "fields": {"name": hostile}}]
    load_data(_fixture(tmp_path, records))
    assert FxAuthor.objects.get().name == hostile


def test_save_signals_are_sent_with_raw(db: Database, tmp_path: Path) -> None:
    seen: list[tuple[str, Any]] = []

    def before(sender: Any, **kwargs: Any) -> None:
        seen.append(("pre", kwargs["raw"]))

    def after(sender: Any, **kwargs: Any) -> None:
        seen.append(("post", (kwargs["raw"], kwargs["created"])))

    pre_save.connect(before, sender=FxAuthor)
    post_save.connect(after, sender=FxAuthor)
    try:
        path = _fixture(tmp_path, [{"model": "mt.fxauthor", "pk": 1, "fields": {"name": "A"}}])
        load_data(path)
        load_data(path)
    finally:
        pre_save.disconnect(before, sender=FxAuthor)
        post_save.disconnect(after, sender=FxAuthor)
    assert seen == [("pre", True), ("post", (True, True)), ("pre", True), ("post", (True, False))]


def test_records_without_a_key_get_a_new_one(db: Database, tmp_path: Path) -> None:
    path = _fixture(tmp_path, [{"model": "mt.fxauthor", "fields": {"name": "Ann"}}] * 2)
    assert load_data(path) == 2
    assert FxAuthor.objects.count() == 2


def test_jsonl_and_gzip_fixtures(db: Database, tmp_path: Path) -> None:
    import gzip

    FxAuthor.objects.create(name="Ann")
    path = tmp_path / "authors.jsonl.gz"
    with gzip.open(path, "wt") as out:
        write_records(dump_data(["mt.fxauthor"]), out, lines=True)
    FxAuthor.objects.all().delete()
    assert load_data(path) == 1
    assert FxAuthor.objects.get().name == "Ann"


def test_dump_pages_through_large_tables(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from heron.db.fixtures import dump

    monkeypatch.setattr(dump, "PAGE", 3)
    author = FxAuthor.objects.create(name="Ann")
    tag = FxTag.objects.create(name="t")
    posts = FxPost.objects.bulk_create([FxPost(title=str(i), author=author) for i in range(7)])
    for post in posts:
        post.tags.add(tag)
    records = list(dump_data(["mt.fxpost"]))
    assert [r["fields"]["title"] for r in records] == [str(i) for i in range(7)]
    assert all(r["fields"]["tags"] == [tag.pk] for r in records)


def test_dump_names_unknown_labels(db: Database) -> None:
    with pytest.raises(FixtureError, match="No label 'nope'"):
        list(dump_data(["nope"]))
    with pytest.raises(FixtureError, match=r"No model 'mt\.nope'"):
        list(dump_data(["mt.nope"]))


@pytest.mark.anyio
async def test_aload_data(db: Database, tmp_path: Path) -> None:
    records = [
        {"model": "mt.fxtag", "pk": 4, "fields": {"name": "t"}},
        {"model": "mt.fxpost", "pk": 3, "fields": {"title": "c", "author": 1, "tags": [4]}},
        {"model": "mt.fxauthor", "pk": 1, "fields": {"name": "Ann"}},
    ]
    assert await aload_data(_fixture(tmp_path, records)) == 3
    post = await FxPost.objects.aget(pk=3)
    assert [t.name async for t in post.tags.all()] == ["t"]


def test_generated_columns_and_database_defaults(db: Database, tmp_path: Path) -> None:
    Line.objects.create(name="Pen", qty=2, unit=Decimal("1.25"))
    (record,) = dump_data(["mt.line"])
    assert "total" not in record["fields"] and "label" not in record["fields"]
    Line.objects.all().delete()
    record["fields"]["total"] = "999.00"  # a computed value in a fixture is ignored
    assert load_data(_fixture(tmp_path, [record])) == 1
    assert Line.objects.get().total == Decimal("2.50")

    tickets = [{"model": "mt.ticket", "pk": 1, "fields": {"title": "t", "code_unique": None}}]
    assert load_data(_fixture(tmp_path, tickets, "tickets.json")) == 1
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.priority, ticket.both) == ("it's new", 3, 1)
