"""Errors raised while finding, writing or applying migrations."""

from __future__ import annotations

__all__ = ["IrreversibleMigration", "MigrationError", "StoppedBeforeChanges"]


class MigrationError(Exception):
    """A migration problem the user has to fix: a bad file, a missing dependency, a cycle."""


class IrreversibleMigration(MigrationError):
    """A migration without ``downgrade()`` was asked to run backwards."""


class StoppedBeforeChanges(MigrationError):
    """A migration that stopped itself before changing anything (nothing to undo by hand)."""
