"""Models pointing at each other (a cycle of foreign keys) migrate on the three databases.

PostgreSQL and MariaDB refuse a foreign key to a table that does not exist yet, so the key
closing the cycle is added once both tables exist, and dropped before them going back.
"""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa

from heron.db.migrations import create_all_tables, make_migrations, migrate

from .conftest import Project, Target

TEAMS = """
class Team(Model):
    name = fields.String(max_length=100)
    captain = fields.ForeignKey(
        "Player", on_delete=fields.SET_NULL, null=True, related_name="captained"
    )

class Player(Model):
    name = fields.String(max_length=100)
    team = fields.ForeignKey(Team, on_delete=fields.CASCADE, null=True)
"""

THREE = """
class A(Model):
    c = fields.ForeignKey("C", on_delete=fields.SET_NULL, null=True)

class B(Model):
    a = fields.ForeignKey(A, on_delete=fields.SET_NULL, null=True)

class C(Model):
    b = fields.ForeignKey(B, on_delete=fields.SET_NULL, null=True)
"""


def _keys(db: Target, table: str) -> dict[str, str]:
    """Each foreign key of ``table``: its column -> the table it points at."""
    found = sa.inspect(db.engine).get_foreign_keys(table)
    return {fk["constrained_columns"][0]: fk["referred_table"] for fk in found}


def _enforced(db: Target, team: str, player: str) -> None:
    """Both keys hold, with their ON DELETE actions (not on SQLite: the test engine does not
    turn its foreign keys on)."""
    if db.vendor == "sqlite":
        return
    db.execute(f"INSERT INTO {team} (id, name, captain_id) VALUES (1, 'Reds', NULL)")
    db.execute(f"INSERT INTO {player} (id, name, team_id) VALUES (1, 'Ann', 1)")
    db.execute(f"UPDATE {team} SET captain_id = 1 WHERE id = 1")
    with pytest.raises(sa.exc.IntegrityError):
        db.execute(f"INSERT INTO {player} (id, name, team_id) VALUES (2, 'Bea', 99)")
    with pytest.raises(sa.exc.IntegrityError):
        db.execute(f"UPDATE {team} SET captain_id = 99 WHERE id = 1")
    db.execute(f"DELETE FROM {player} WHERE id = 1")  # the captain goes: SET NULL
    assert db.rows(f"SELECT captain_id FROM {team}") == [(None,)]
    db.execute(f"INSERT INTO {player} (id, name, team_id) VALUES (3, 'Cid', 1)")
    db.execute(f"DELETE FROM {team} WHERE id = 1")  # the team goes: CASCADE
    assert db.rows(f"SELECT COUNT(*) FROM {player}") == [(0,)]


def test_two_models_pointing_at_each_other(db: Target, project: Project) -> None:
    label = project.new_label("fkc")
    team, player = f"{label}_team", f"{label}_player"
    project.models(label, TEAMS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sa.exc.SAWarning)  # no "cannot sort tables"
        (first,) = make_migrations([label])
    source = project.source(label, first.name)
    creates = source.index(f"op.create_table('{team}'")
    assert source.index("create_foreign_key(", creates) > creates  # after both tables

    migrate(label, using=db.engine)
    assert _keys(db, player)["team_id"] == team
    assert _keys(db, team)["captain_id"] == player
    assert db.diff(label) == []
    assert make_migrations([label]) == []  # the key added afterwards is seen as there
    _enforced(db, team, player)

    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
    migrate(label, using=db.engine)  # and forward again
    assert {team, player} <= db.tables()


def test_cycle_of_three_models(db: Target, project: Project) -> None:
    label = project.new_label("fk3")
    project.models(label, THREE)
    make_migrations([label])
    migrate(label, using=db.engine)
    assert _keys(db, f"{label}_a")["c_id"] == f"{label}_c"
    assert _keys(db, f"{label}_b")["a_id"] == f"{label}_a"
    assert _keys(db, f"{label}_c")["b_id"] == f"{label}_b"
    assert make_migrations([label]) == []
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_cycle_closed_by_a_later_migration(db: Target, project: Project) -> None:
    label = project.new_label("fkl")
    team, player = f"{label}_team", f"{label}_player"
    project.models(label, "class Team(Model):\n    name = fields.String(max_length=100)\n")
    make_migrations([label])
    migrate(label, using=db.engine)
    project.models(label, TEAMS)
    make_migrations([label])
    migrate(label, using=db.engine)
    assert _keys(db, team)["captain_id"] == player
    assert _keys(db, player)["team_id"] == team
    assert make_migrations([label]) == []
    _enforced(db, team, player)
    migrate(label, "0001", using=db.engine)
    assert player not in db.tables() and "captain_id" not in db.columns(team)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_tables_created_from_the_models(db: Target, project: Project) -> None:
    """Labels without migrations (a test database) get their tables straight from the
    models, the cycle's keys included."""
    label = project.new_label("fkm")
    team, player = f"{label}_team", f"{label}_player"
    project.models(label, TEAMS)
    assert sorted(create_all_tables(using=db.engine, labels=[label])) == sorted([team, player])
    assert _keys(db, player)["team_id"] == team
    assert _keys(db, team)["captain_id"] == player
    _enforced(db, team, player)
