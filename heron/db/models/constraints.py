"""Indexes and constraints from ``Meta``: Index, UniqueConstraint, CheckConstraint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from heron.db.models.options import Options

__all__ = ["CheckConstraint", "Index", "UniqueConstraint", "table_items"]


class Index:
    """An index on ``fields`` (``"-field"`` for descending where the database supports it)."""

    def __init__(self, *, fields: Sequence[str], name: str | None = None) -> None:
        if not fields:
            raise ValueError("An Index needs at least one field.")
        self.fields = list(fields)
        self.name = name

    def build(self, meta: Options) -> sa.Index:
        columns: list[Any] = []
        for spec in self.fields:
            column = meta.get_field(spec.lstrip("-")).column
            columns.append(sa.literal_column(column).desc() if spec.startswith("-") else column)
        name = self.name or _name(meta, "idx", [f.lstrip("-") for f in self.fields])
        return sa.Index(name, *columns)


class UniqueConstraint:
    """Rows must differ on ``fields`` taken together."""

    def __init__(self, *, fields: Sequence[str], name: str | None = None) -> None:
        if not fields:
            raise ValueError("A UniqueConstraint needs at least one field.")
        self.fields = list(fields)
        self.name = name

    def build(self, meta: Options) -> sa.UniqueConstraint:
        columns = [meta.get_field(f).column for f in self.fields]
        return sa.UniqueConstraint(*columns, name=self.name or _name(meta, "uniq", self.fields))


class CheckConstraint:
    """A SQL condition every row must satisfy: ``CheckConstraint(check="price >= 0", name=...)``."""

    def __init__(self, *, check: str, name: str) -> None:
        self.check = check
        self.name = name

    def build(self, meta: Options) -> sa.CheckConstraint:
        return sa.CheckConstraint(self.check, name=self.name)


def _name(meta: Options, kind: str, fields: Sequence[str]) -> str:
    name = f"{meta.table_name}_{'_'.join(fields)}_{kind}"
    return name[:60]


def table_items(meta: Options) -> list[Any]:
    """The SQLAlchemy indexes and constraints for a model's table."""
    items: list[Any] = []
    for together in meta.unique_together:
        items.append(UniqueConstraint(fields=together).build(meta))
    for constraint in meta.constraints:
        items.append(constraint.build(meta))
    for index in meta.indexes:
        items.append(index.build(meta))
    return items
