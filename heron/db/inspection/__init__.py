"""``heron inspectdb``: model source for the tables of an existing database."""

from heron.db.inspection.writer import inspect_database

__all__ = ["inspect_database"]
