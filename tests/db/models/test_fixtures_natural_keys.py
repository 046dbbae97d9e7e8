"""Natural keys in fixtures: ``dump_data(natural_foreign=, natural_primary=)`` names rows by
``natural_key()``, ``load_data()``/``aload_data()`` find them again with
``get_by_natural_key()`` (in the fixture set or the database), on each backend."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from heron.cli.main import cli
from heron.db import registry
from heron.db.backends import Database
from heron.db.fixtures import FixtureError, aload_data, dump_data, load_data, write_records
from tests.db.models.natural_key_models import NkBook, NkPerson, NkReview, NkTag

ANN, BOB = "ann@example.com", "bob@example.com"


@pytest.fixture
def nk(db: Database) -> Iterator[Database]:
    """``db`` with the ``nk_*`` tables, emptied afterwards."""
    registry.metadata.create_all(db.sqlalchemy_engine(), tables=registry.tables_for("nk"))
    try:
        yield db
    finally:
        _empty()


def _empty() -> None:
    NkReview.objects.all().delete()
    NkBook.objects.all().delete()
    NkPerson.objects.all().delete()
    NkTag.objects.all().delete()


def _fixture(tmp_path: Path, records: list[dict[str, Any]], name: str = "data.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return path


def _library() -> None:
    ann = NkPerson.objects.create(email=ANN, name="Ann")
    bob = NkPerson.objects.create(email=BOB, name="Bob", friend=ann)
    dune = NkBook.objects.create(title="Dune", author=ann)
    dune.readers.set([ann, bob])
    NkReview.objects.create(book=dune, stars=5)


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row by its natural values, so keys that changed do not matter."""
    return {
        "people": sorted(NkPerson.objects.values_list("email", "name", "friend__email")),
        "books": sorted(NkBook.objects.values_list("title", "author__email")),
        "readers": sorted(
            NkBook.readers.through.objects.values_list("nkbook__title", "nkperson__email")
        ),
        "reviews": sorted(NkReview.objects.values_list("book__title", "stars")),
    }


def test_dump_names_related_rows_by_natural_key(nk: Database) -> None:
    _library()
    records = list(dump_data(["nk"], natural_foreign=True, natural_primary=True))
    # People before the books their keys name, books before the reviews naming them
    # (the registry has the reviews first).
    assert [r["model"] for r in records] == [
        "nk.nkperson",
        "nk.nkperson",
        "nk.nkbook",
        "nk.nkreview",
    ]
    by_model = {r["model"]: r for r in reversed(records)}
    assert by_model["nk.nkbook"] == {
        "model": "nk.nkbook",
        "fields": {"title": "Dune", "author": [ANN], "readers": [[ANN], [BOB]]},
    }
    review = by_model["nk.nkreview"]
    assert review["fields"] == {"book": ["Dune", ANN], "stars": 5, "tag": None}
    assert "pk" in review  # NkReview has no natural key: it keeps its primary key
    people = [r for r in records if r["model"] == "nk.nkperson"]
    assert [p["fields"]["friend"] for p in people] == [None, [ANN]]
    assert all("pk" not in p for p in people)


def test_natural_foreign_alone_keeps_primary_keys(nk: Database) -> None:
    _library()
    (book,) = dump_data(["nk.nkbook"], natural_foreign=True)
    assert book["pk"] == NkBook.objects.get().pk
    assert book["fields"]["author"] == [ANN]
    (plain,) = dump_data(["nk.nkbook"])
    assert plain["fields"]["author"] == NkPerson.objects.get(email=ANN).pk


def test_round_trip_through_an_empty_database(nk: Database, tmp_path: Path) -> None:
    _library()
    before = _rows()
    old_keys = dict(NkPerson.objects.values_list("email", "pk"))
    path = tmp_path / "dump.json"
    with path.open("w") as out:
        write_records(dump_data(["nk"], natural_foreign=True, natural_primary=True), out)
    _empty()
    NkPerson.objects.create(email="first@example.com", name="Taken")  # keys move on

    assert load_data(path) == 4
    NkPerson.objects.filter(email="first@example.com").delete()
    assert _rows() == before  # the same rows and relations...
    assert dict(NkPerson.objects.values_list("email", "pk")) != old_keys  # ...under new keys
    # Loading again matches every row by its natural key: nothing is added.
    assert load_data(path) == 4
    assert _rows() == before


def test_references_within_the_fixture_in_any_order(nk: Database, tmp_path: Path) -> None:
    records = [
        {"model": "nk.nkreview", "fields": {"book": ["Dune", ANN], "stars": 4}},
        {"model": "nk.nkbook", "fields": {"title": "Dune", "author": [ANN], "readers": [[BOB]]}},
        {"model": "nk.nkperson", "fields": {"email": BOB, "name": "Bob", "friend": [ANN]}},
        {"model": "nk.nkperson", "fields": {"email": ANN, "name": "Ann", "friend": [BOB]}},
    ]
    assert load_data(_fixture(tmp_path, records)) == 4
    assert _rows() == {
        "people": [(ANN, "Ann", BOB), (BOB, "Bob", ANN)],  # a cycle, through a nullable key
        "books": [("Dune", ANN)],
        "readers": [("Dune", BOB)],
        "reviews": [("Dune", 4)],
    }


def test_references_to_rows_already_in_the_database(nk: Database, tmp_path: Path) -> None:
    ann = NkPerson.objects.create(email=ANN, name="Ann")
    NkPerson.objects.create(email=BOB, name="Bob")
    records = [
        {"model": "nk.nkbook", "pk": 7, "fields": {"title": "Emma", "author": [ANN]}},
        {"model": "nk.nkbook", "pk": 8, "fields": {"title": "Dune", "author": ann.pk}},
        {"model": "nk.nkreview", "fields": {"book": ["Dune", ANN], "stars": 2}},
    ]
    first = _fixture(tmp_path, records)
    assert load_data(first) == 3
    links = [{"model": "nk.nkbook", "pk": 7, "fields": {"readers": [[BOB], [ANN]]}}]
    assert load_data(_fixture(tmp_path, links, "links.json")) == 1
    assert NkBook.objects.get(pk=7).author_id == ann.pk
    assert NkReview.objects.get().book_id == 8
    assert sorted(NkBook.objects.get(pk=7).readers.values_list("email", flat=True)) == [ANN, BOB]


def test_a_record_without_pk_updates_the_row_with_its_natural_key(
    nk: Database, tmp_path: Path
) -> None:
    ann = NkPerson.objects.create(email=ANN, name="Ann")
    records = [
        {"model": "nk.nkperson", "fields": {"email": ANN, "name": "Annie"}},
        {"model": "nk.nkperson", "fields": {"email": BOB, "name": "Bob"}},
    ]
    assert load_data(_fixture(tmp_path, records)) == 2
    assert sorted(NkPerson.objects.values_list("pk", "name")) == [
        (ann.pk, "Annie"),
        (NkPerson.objects.get(email=BOB).pk, "Bob"),
    ]
    # A key computed through a relation: the book is matched by title and author.
    dune = NkBook.objects.create(title="Dune", author=ann)
    book = [{"model": "nk.nkbook", "fields": {"title": "Dune", "author": [ANN]}}]
    assert load_data(_fixture(tmp_path, book, "book.json")) == 1
    assert list(NkBook.objects.values_list("pk", flat=True)) == [dune.pk]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"model": "nk.nkbook", "fields": {"title": "T", "author": ["nobody@example.com"]}},
            r"field 'author': no nk\.nkperson has the natural key \['nobody@example\.com'\]",
        ),
        (
            {"model": "nk.nkbook", "fields": {"title": "T", "author": [ANN], "readers": [["x"]]}},
            r"field 'readers': no nk\.nkperson has the natural key \['x'\]",
        ),
        (
            {"model": "nk.nkreview", "fields": {"book": ["Dune"], "stars": 1}},
            r"the natural key \['Dune'\] of nk\.nkbook has 1 value\(s\)",
        ),
        (
            {"model": "nk.nkbook", "fields": {"title": "T", "author": [ANN, "extra"]}},
            r"has 2 value\(s\), which PersonManager\.get_by_natural_key\(email\) does not take",
        ),
        (
            {"model": "nk.nkreview", "fields": {"book": ["Dune", ANN], "stars": 1, "tag": ["sf"]}},
            r"nk\.nktag is given the natural key \['sf'\], but its default manager has no "
            r"get_by_natural_key\(\)",
        ),
    ],
)
def test_bad_natural_keys_are_named_and_nothing_is_written(
    nk: Database, tmp_path: Path, record: dict[str, Any], message: str
) -> None:
    good = {"model": "nk.nkperson", "fields": {"email": ANN, "name": "Ann"}}
    path = _fixture(tmp_path, [good, record])
    with pytest.raises(FixtureError, match=message) as caught:
        load_data(path)
    assert f"{path}, object #2" in str(caught.value)
    assert not NkPerson.objects.exists()


def test_natural_primary_leaves_out_the_pk_of_models_with_a_natural_key(nk: Database) -> None:
    tag = NkTag.objects.create(name="sf")
    assert list(dump_data(["nk.nktag"], natural_primary=True)) == [
        {"model": "nk.nktag", "fields": {"name": "sf"}}
    ]
    assert next(iter(dump_data(["nk.nktag"])))["pk"] == tag.pk


@pytest.mark.anyio
async def test_aload_data_with_natural_keys(nk: Database, tmp_path: Path) -> None:
    await NkPerson.objects.acreate(email=ANN, name="Ann")
    records = [
        {"model": "nk.nkreview", "fields": {"book": ["Dune", BOB], "stars": 3}},
        {"model": "nk.nkbook", "fields": {"title": "Dune", "author": [BOB], "readers": [[ANN]]}},
        {"model": "nk.nkperson", "fields": {"email": BOB, "name": "Bob", "friend": [ANN]}},
        {"model": "nk.nkperson", "fields": {"email": ANN, "name": "Annie"}},
    ]
    assert await aload_data(_fixture(tmp_path, records)) == 4
    assert await NkPerson.objects.acount() == 2
    assert (await NkPerson.objects.aget(email=ANN)).name == "Annie"
    review = await NkReview.objects.select_related("book__author").aget()
    assert (review.book.title, review.book.author.email, review.stars) == ("Dune", BOB, 3)

    bad = [{"model": "nk.nkbook", "fields": {"title": "X", "author": ["who@example.com"]}}]
    with pytest.raises(FixtureError, match=r"no nk\.nkperson has the natural key"):
        await aload_data(_fixture(tmp_path, bad, "bad.json"))


APP = """
from heron import Heron

app = Heron(__name__)
app.config["DATABASE_URL"] = {url!r}
"""


@pytest.fixture
def cli_app(nk: Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An app module on the test's database; its ``--app`` value."""
    name = f"nk_app_{tmp_path.name.replace('-', '_')}"[:60]
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(APP.format(url=db_url)))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, name, raising=False)
    return f"{name}:app"


def test_cli_dumpdata_natural_flags_then_loaddata(cli_app: str, tmp_path: Path) -> None:
    _library()
    before = _rows()
    runner = CliRunner()
    dumped = runner.invoke(
        cli, ["dumpdata", "--app", cli_app, "nk", "--natural-foreign", "--natural-primary"]
    )
    assert dumped.exit_code == 0, dumped.output
    records = json.loads(dumped.output)
    assert {
        "model": "nk.nkbook",
        "fields": {"title": "Dune", "author": [ANN], "readers": [[ANN], [BOB]]},
    } in records
    (tmp_path / "library.json").write_text(dumped.output)
    _empty()

    loaded = runner.invoke(cli, ["loaddata", "--app", cli_app, "library.json"])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output == "Installed 4 object(s) from 1 fixture(s).\n"
    assert _rows() == before

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"model": "nk.nkbook", "fields": {"title": "T", "author": ["x"]}}]))
    failed = runner.invoke(cli, ["loaddata", "--app", cli_app, str(bad)])
    assert failed.exit_code == 1
    assert f"Error: {bad}, object #1, field 'author': no nk.nkperson" in failed.output


def test_natural_keys_are_looked_up_in_the_database_loaded_into(
    nk: Database, tmp_path: Path
) -> None:
    from heron.db import connections

    connections.configure(
        databases={"default": nk.settings, "other": f"sqlite:///{tmp_path / 'other.db'}"}
    )
    try:
        other = connections["other"]
        registry.metadata.create_all(other.sqlalchemy_engine(), tables=registry.tables_for("nk"))
        NkPerson.objects.using("other").create(email="filler@example.com", name="Filler")
        ann_there = NkPerson.objects.using("other").create(email=ANN, name="Ann")
        path = _fixture(
            tmp_path, [{"model": "nk.nkbook", "fields": {"title": "T", "author": [ANN]}}]
        )
        # Ann exists only in "other": a lookup on "default" would find nothing.
        assert load_data(path, using="other") == 1
        book = NkBook.objects.using("other").get(title="T")
        assert book.author_id == ann_there.pk
        assert not NkBook.objects.exists()
        with pytest.raises(FixtureError, match=r"no nk\.nkperson has the natural key"):
            load_data(path)  # on "default", where there is no Ann
    finally:
        connections.close_all()
