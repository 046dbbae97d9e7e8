"""Indexes with descending columns kept through SQLite's table rebuilds: in the schema
``makemigrations`` replays (no spurious re-create) and in the database ``migrate`` alters."""

from __future__ import annotations

import pytest

from heron.db.migrations import load_graph, make_migrations, migrate

from .conftest import Project, Target

MODELS = """
from heron.db import CheckConstraint, Index
from heron.db.query.expressions import Q

class Entry(Model):
    title = fields.String(max_length={length})
    rank = fields.Integer(default=0)
    created = fields.DateTime(null=True)

    class Meta:
        indexes = [Index(fields=["-created"], name="%(label)s_newest"),
                   Index(fields=["title", "-rank"], name="%(label)s_title_rank"),
                   Index(fields=["-rank"], name="%(label)s_live", condition=Q(rank__gt=0))]
        constraints = [CheckConstraint(condition="rank >= {low}", name="%(label)s_rank_low")]
"""

#: Each change makes SQLite rebuild the table (Alembic's batch mode).
REBUILDS = {
    "check": {"length": 40, "low": -1},
    "type": {"length": 60, "low": 0},
}


def sorting(db: Target, table: str) -> dict[str, list[tuple[str, bool]]]:
    """The index columns of ``table`` and whether each is descending, read from the database."""
    if db.vendor == "sqlite":
        names = [r[1] for r in db.rows(f"PRAGMA index_list({table})")]
        return {
            n: [(r[2], bool(r[3])) for r in db.rows(f"PRAGMA index_xinfo({n})") if r[5]]
            for n in names
            if not n.startswith("sqlite_autoindex")
        }
    if db.vendor == "postgresql":
        rows = db.rows(
            "SELECT i.relname, a.attname, (ix.indoption[k.n - 1] & 1) = 1 "
            "FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid "
            "JOIN pg_class t ON t.oid = ix.indrelid "
            "CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            f"WHERE t.relname = '{table}' AND NOT ix.indisprimary ORDER BY i.relname, k.n"
        )
    else:
        rows = db.rows(
            "SELECT index_name, column_name, collation = 'D' FROM information_schema.statistics "
            f"WHERE table_schema = DATABASE() AND table_name = '{table}' "
            "AND index_name != 'PRIMARY' ORDER BY index_name, seq_in_index"
        )
    found: dict[str, list[tuple[str, bool]]] = {}
    for name, column, desc in rows:
        found.setdefault(name, []).append((column, bool(desc)))
    return found


@pytest.mark.parametrize("change", sorted(REBUILDS))
def test_descending_columns_survive_a_rebuild(db: Target, project: Project, change: str) -> None:
    label = project.new_label("dsc")
    table = f"{label}_entry"
    project.models(label, MODELS.format(length=40, low=0))
    make_migrations([label])
    project.models(label, MODELS.format(**REBUILDS[change]))
    [second] = make_migrations([label])
    assert not any("index" in o.lower() for o in second.operations), second.operations
    assert make_migrations([label], dry_run=True) == []  # the replay kept the DESC
    load_graph()
    migrate(label, using=db.engine)
    wanted = {
        f"{label}_newest": [("created", True)],
        f"{label}_title_rank": [("title", False), ("rank", True)],
    }
    if db.vendor != "mysql":  # MariaDB has no partial indexes
        wanted[f"{label}_live"] = [("rank", True)]
    assert {n: c for n, c in sorting(db, table).items() if n in wanted} == wanted
    migrate(label, "0001", using=db.engine)
    assert {n: c for n, c in sorting(db, table).items() if n in wanted} == wanted
    migrate(label, "zero", using=db.engine)


def test_a_renamed_column_keeps_its_direction(db: Target, project: Project) -> None:
    """A column of a descending index renamed (SQLite rebuilds the table): the index keeps
    the new name and the direction."""
    label = project.new_label("dsr")
    table = f"{label}_entry"
    project.models(label, MODELS.format(length=40, low=0))
    make_migrations([label])
    project.models(label, MODELS.format(length=40, low=0).replace("created", "made"))
    [second] = make_migrations([label], rename=True)
    assert second.operations == (f"Rename column {table}.created to made",)
    assert make_migrations([label], dry_run=True) == []
    load_graph()
    migrate(label, using=db.engine)
    assert sorting(db, table)[f"{label}_newest"] == [("made", True)]
    migrate(label, "0001", using=db.engine)
    assert sorting(db, table)[f"{label}_newest"] == [("created", True)]
