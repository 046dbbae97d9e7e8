"""Migrations for Heron's models, on Alembic: one folder of numbered files per label.

```python
from heron.db.migrations import make_migrations, migrate

make_migrations(["blog"])          # writes blog/migrations/0001_initial.py
migrate()                          # applies every unapplied migration on "default"
migrate("blog", "zero")            # unapplies blog's migrations
```

The ``heron makemigrations / migrate / showmigrations / sqlmigrate / squashmigrations``
commands call these.
"""

from heron.db.migrations.autodetect import RenameQuestion
from heron.db.migrations.errors import IrreversibleMigration, MigrationError, StoppedBeforeChanges
from heron.db.migrations.executor import (
    Step,
    create_all_tables,
    migrate,
    migrate_all,
    migration_plan,
)
from heron.db.migrations.fixups import DefaultQuestion
from heron.db.migrations.loader import Migration, MigrationGraph, load_graph
from heron.db.migrations.make import MigrationFile, check_migrations_current, make_migrations
from heron.db.migrations.ownership import adopt_table, release_table
from heron.db.migrations.recorder import VERSION_TABLE
from heron.db.migrations.runner import run_python
from heron.db.migrations.schema import NAMING_CONVENTION, migration_metadata
from heron.db.migrations.show import show_migrations, sql_migrate
from heron.db.migrations.squash import Squash, squash_migrations

__all__ = [
    "NAMING_CONVENTION",
    "VERSION_TABLE",
    "DefaultQuestion",
    "IrreversibleMigration",
    "Migration",
    "MigrationError",
    "MigrationFile",
    "MigrationGraph",
    "RenameQuestion",
    "Squash",
    "Step",
    "StoppedBeforeChanges",
    "adopt_table",
    "check_migrations_current",
    "create_all_tables",
    "load_graph",
    "make_migrations",
    "migrate",
    "migrate_all",
    "migration_metadata",
    "migration_plan",
    "release_table",
    "run_python",
    "show_migrations",
    "sql_migrate",
    "squash_migrations",
]
