"""The ORM's pytest fixtures, run in a separate pytest session on each backend."""

from __future__ import annotations

import os

import pytest

CONFTEST = """
import pytest
from heron import Heron
import heron.db
from heron.db import Model, fields


class Note(Model):
    text = fields.String(max_length=50)

    class Meta:
        label = "fixturenotes"


def make_app():
    app = Heron(__name__)
    app.config["TESTING"] = True
    app.install(heron.db)

    @app.get("/notes")
    async def notes():
        return [n.text for n in await Note.objects.all()]

    @app.post("/notes/<text>")
    async def add(text: str):
        await Note.objects.acreate(text=text)
        return {"ok": True}, 201

    return app


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""

TESTS = """
import pytest
from heron.db import atomic, connections, on_commit
from conftest import Note


def test_database_is_the_test_database(db):
    name = connections["default"].url
    assert "test" in name
    assert Note.objects.count() == 0
    Note.objects.create(text="one")
    assert Note.objects.count() == 1


def test_rolled_back_between_tests(db):
    assert Note.objects.count() == 0
    Note.objects.create(text="two")


def test_on_commit_runs_inside_the_test_transaction(db):
    called = []
    with atomic():
        on_commit(lambda: called.append(True))
    assert called == [True]


@pytest.mark.anyio
async def test_async_rollback_a(async_db):
    assert await Note.objects.acount() == 0
    await Note.objects.acreate(text="async")
    assert await Note.objects.acount() == 1


@pytest.mark.anyio
async def test_async_rollback_b(async_db):
    assert await Note.objects.acount() == 0


def test_requests_commit_and_are_flushed_a(transactional_db, client):
    assert client.post("/notes/hello").status_code == 201
    assert client.get("/notes").json() == ["hello"]
    assert Note.objects.count() == 1


def test_requests_commit_and_are_flushed_b(transactional_db, client):
    assert client.get("/notes").json() == []


def test_assert_num_queries(db, assert_num_queries):
    with assert_num_queries(2):
        Note.objects.create(text="x")
        Note.objects.count()
    with pytest.raises(AssertionError, match="expected 1 queries"):
        with assert_num_queries(1):
            Note.objects.count()
            Note.objects.count()
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql"])
def test_fixtures_on_each_backend(pytester: pytest.Pytester, backend: str, tmp_path) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'dev.db'}"
    else:
        from tests.db.conftest import server_url

        # The configured database need not exist: only test_heron_fixture_dev is created.
        url = server_url(backend).rsplit("/", 1)[0] + "/heron_fixture_dev"
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_notes=TESTS)
    env_url = os.environ.get("HERON_DATABASE_URL")
    os.environ["HERON_DATABASE_URL"] = url
    try:
        result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    finally:
        if env_url is None:
            os.environ.pop("HERON_DATABASE_URL", None)
        else:
            os.environ["HERON_DATABASE_URL"] = env_url
    result.assert_outcomes(passed=8)
