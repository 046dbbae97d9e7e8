"""The ``heron_migrations`` table: one row per applied migration, ``(label, name, applied)``."""

from __future__ import annotations

import datetime

import sqlalchemy as sa

from heron.db.migrations.loader import Key

__all__ = ["VERSION_TABLE", "Recorder", "version_table"]

VERSION_TABLE = "heron_migrations"

_metadata = sa.MetaData()
version_table = sa.Table(
    VERSION_TABLE,
    _metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("applied", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("label", "name", name="heron_migrations_label_name_uniq"),
)


class Recorder:
    """Reads and writes the version table through one SQLAlchemy connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def exists(self) -> bool:
        """True if the version table is in the database."""
        return sa.inspect(self.connection).has_table(VERSION_TABLE)

    def ensure(self) -> None:
        """Create the version table if it is missing."""
        version_table.create(self.connection, checkfirst=True)

    def applied(self) -> set[Key]:
        """The ``(label, name)`` of every applied migration (empty without the table)."""
        if not self.exists():
            return set()
        rows = self.connection.execute(sa.select(version_table.c.label, version_table.c.name))
        return {(label, name) for label, name in rows}

    def record(self, *keys: Key) -> None:
        """Mark migrations applied (those already marked are left as they are)."""
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
        new = [key for key in dict.fromkeys(keys) if key not in self.applied()]
        if new:
            self.connection.execute(
                version_table.insert(),
                [{"label": label, "name": name, "applied": now} for label, name in new],
            )

    def unrecord(self, *keys: Key) -> None:
        """Mark migrations not applied."""
        table = version_table
        for label, name in keys:
            self.connection.execute(
                table.delete().where(table.c.label == label, table.c.name == name)
            )

    def drop_if_empty(self) -> bool:
        """Drop the version table when no migration is recorded any more; True if dropped."""
        if not self.exists():
            return False
        count = self.connection.execute(sa.select(sa.func.count()).select_from(version_table))
        if count.scalar_one():
            return False
        version_table.drop(self.connection)
        return True
