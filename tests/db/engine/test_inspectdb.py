"""``inspect_database()``: models written for existing tables on each backend, then used
for real: the generated module is imported and reads and writes the rows."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from heron.db import connections, registry
from heron.db.inspection import inspect_database
from heron.db.inspection.columns import attribute_name
from heron.db.inspection.writer import class_name

DDL = {
    "sqlite": [
        "CREATE TABLE {p}_writer (id INTEGER PRIMARY KEY, full_name VARCHAR(80) NOT NULL,"
        " email VARCHAR(120) UNIQUE, joined DATE)",
        "CREATE TABLE {p}_note (note_id INTEGER PRIMARY KEY, writer_id INTEGER NOT NULL"
        " REFERENCES {p}_writer (id), editor INTEGER REFERENCES {p}_writer (id),"
        ' "Body Text" TEXT, price NUMERIC(8, 2), score REAL, done BOOLEAN NOT NULL,'
        " at DATETIME, UNIQUE (writer_id, price))",
        "CREATE INDEX {p}_note_score ON {p}_note (score, done)",
    ],
    "postgresql": [
        "CREATE TABLE {p}_writer (id bigserial PRIMARY KEY, full_name varchar(80) NOT NULL,"
        " email varchar(120) UNIQUE, joined date, ref uuid, extra jsonb, took interval)",
        "CREATE TABLE {p}_note (note_id serial PRIMARY KEY, writer_id bigint NOT NULL"
        " REFERENCES {p}_writer (id), editor bigint REFERENCES {p}_writer (id),"
        ' "Body Text" text, price numeric(8, 2), score double precision, done boolean NOT NULL,'
        " at timestamptz, UNIQUE (writer_id, price))",
        "CREATE INDEX {p}_note_score ON {p}_note (score, done)",
    ],
    "mysql": [
        "CREATE TABLE {p}_writer (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
        " full_name VARCHAR(80) NOT NULL, email VARCHAR(120) UNIQUE, joined DATE,"
        " blob_data LONGBLOB)",
        "CREATE TABLE {p}_note (note_id INT AUTO_INCREMENT PRIMARY KEY, writer_id BIGINT NOT NULL,"
        " editor BIGINT, `Body Text` LONGTEXT, price DECIMAL(8, 2), score DOUBLE,"
        " done TINYINT(1) NOT NULL, at DATETIME(6), UNIQUE (writer_id, price),"
        " FOREIGN KEY (writer_id) REFERENCES {p}_writer (id),"
        " FOREIGN KEY (editor) REFERENCES {p}_writer (id))",
        "CREATE INDEX {p}_note_score ON {p}_note (score, done)",
    ],
}


@pytest.fixture
def legacy(database, table_name: str) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Two tables made by hand (not by Heron): ``<prefix>_writer`` and ``<prefix>_note``."""
    prefix = table_name
    for statement in DDL[database.vendor]:
        database.execute(statement.format(p=prefix))
    try:
        yield database.vendor, prefix
    finally:
        for table in ("note", "writer"):
            database.execute(f"DROP TABLE IF EXISTS {prefix}_{table}")


def _import(source: str, tmp_path: Path, name: str) -> Iterator[ModuleType]:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for model in list(registry.models.get(name, {}).values()):
            registry.unregister(model)
        sys.modules.pop(name, None)


def test_generated_models_read_and_write_the_tables(
    legacy: tuple[str, str],
    database,
    db_url: str,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    vendor, prefix = legacy
    source = inspect_database(
        database.sqlalchemy_engine(), [f"{prefix}_writer", f"{prefix}_note"], label=prefix
    )
    writer, note = class_name(f"{prefix}_writer"), class_name(f"{prefix}_note")
    assert f"class {writer}(Model):" in source
    assert "    full_name = fields.String(max_length=80)\n" in source
    assert "    email = fields.String(max_length=120, unique=True, null=True, blank=True)" in source
    assert "    note_id = fields.AutoField(primary_key=True)" in source
    assert f"    writer = fields.ForeignKey('{writer}', on_delete=fields.DO_NOTHING," in source
    assert "db_column='editor'" in source
    assert "    body_text = fields.Text(db_column='Body Text', null=True, blank=True)" in source
    assert (
        "    price = fields.Decimal(max_digits=8, decimal_places=2, null=True, blank=True)"
        in source
    )
    assert "    done = fields.Boolean()" in source
    assert "managed = False" in source
    assert "UniqueConstraint(fields=['writer', 'price']" in source
    assert f"Index(fields=['score', 'done'], name='{prefix}_note_score')" in source
    if vendor == "postgresql":
        assert "    ref = fields.UUID(null=True, blank=True)" in source
        assert "    extra = fields.JSON(null=True, blank=True)" in source
        assert "    took = fields.Duration(null=True, blank=True)" in source
    if vendor == "mysql":
        assert "    blob_data = fields.Binary(null=True, blank=True)" in source

    connections.configure(database_url=db_url)
    try:
        for module in _import(source, tmp_path, prefix):
            Writer, Note = getattr(module, writer), getattr(module, note)
            ann = Writer.objects.create(full_name="Ann", email="a@example.com")
            when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
            Note.objects.create(
                writer=ann, editor=ann, body_text="x", price=Decimal("1.50"), done=True, at=when
            )
            got = Note.objects.select_related("writer").get()
            assert (got.writer.full_name, got.editor_id, got.price, got.done) == (
                "Ann",
                ann.pk,
                Decimal("1.50"),
                True,
            )
            assert got.at == when
            assert Note.objects.filter(body_text="x").count() == 1
    finally:
        connections.reset()


@pytest.mark.parametrize(
    ("column", "name"),
    [
        ("Body Text", "body_text"),
        ("class", "class_field"),
        ("2nd", "number_2nd"),
        ("a__b", "a_b_field"),
    ],
)
def test_attribute_names(column: str, name: str) -> None:
    assert attribute_name(column, set()) == name


def test_unknown_tables_are_named(database) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LookupError, match="No table named nope_"):
        inspect_database(database.sqlalchemy_engine(), [f"nope_{uuid.uuid4().hex[:6]}"])
