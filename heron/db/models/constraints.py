"""Indexes and constraints from ``Meta``: Index, UniqueConstraint, CheckConstraint.

Names may contain ``%(class)s`` (the model name, lower case) and ``%(label)s`` so an
abstract model can declare them for each of its children.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from heron.db.models.options import Options

__all__ = ["CheckConstraint", "Index", "UniqueConstraint", "table_items"]

# PostgreSQL truncates identifiers at 63 bytes, MariaDB/MySQL refuse more than 64.
MAX_NAME = 60


class Index:
    """An index on ``fields`` (``"-field"`` for descending); ``unique=True`` for a unique one."""

    def __init__(
        self, *, fields: Sequence[str], name: str | None = None, unique: bool = False
    ) -> None:
        if not fields:
            raise ValueError("An Index needs at least one field.")
        self.fields = list(fields)
        self.name = name
        self.unique = unique

    def build(self, meta: Options) -> sa.Index:
        """The ``sqlalchemy.Index`` for the model's table."""
        columns: list[Any] = []
        for spec in self.fields:
            column = meta.get_field(spec.lstrip("-")).column
            columns.append(sa.literal_column(column).desc() if spec.startswith("-") else column)
        name = _resolve(self.name, meta) or _name(meta, "idx", [f.lstrip("-") for f in self.fields])
        return sa.Index(name, *columns, unique=self.unique)

    def __repr__(self) -> str:
        return f"<Index {self.name or ''} on {self.fields}>"


class UniqueConstraint:
    """Rows must differ on ``fields`` taken together (checked by the database and by
    ``Model.validate_unique()``)."""

    def __init__(self, *, fields: Sequence[str], name: str | None = None) -> None:
        if not fields:
            raise ValueError("A UniqueConstraint needs at least one field.")
        self.fields = list(fields)
        self.name = name

    def build(self, meta: Options) -> sa.UniqueConstraint:
        """The ``sqlalchemy.UniqueConstraint`` for the model's table."""
        columns = [meta.get_field(f).column for f in self.fields]
        name = _resolve(self.name, meta) or _name(meta, "uniq", self.fields)
        return sa.UniqueConstraint(*columns, name=name)

    def __repr__(self) -> str:
        return f"<UniqueConstraint {self.name or ''} on {self.fields}>"


class CheckConstraint:
    """A SQL condition every row must satisfy, enforced by the database:
    ``CheckConstraint(check="price >= 0", name="%(class)s_price_positive")``.

    ``check`` is SQL in terms of column names (``condition=`` is accepted too). Name it
    uniquely: MariaDB/MySQL check-constraint names share one namespace per database.
    """

    def __init__(
        self, *, check: str | None = None, name: str, condition: str | None = None
    ) -> None:
        sql = check if check is not None else condition
        if not sql or not isinstance(sql, str):
            raise ValueError("A CheckConstraint needs check='<SQL condition>'.")
        if not name:
            raise ValueError("A CheckConstraint needs a name.")
        self.check = sql
        self.name = name

    def build(self, meta: Options) -> sa.CheckConstraint:
        """The ``sqlalchemy.CheckConstraint`` for the model's table."""
        return sa.CheckConstraint(self.check, name=_resolve(self.name, meta))

    def __repr__(self) -> str:
        return f"<CheckConstraint {self.name}: {self.check}>"


def _resolve(name: str | None, meta: Options) -> str | None:
    if name is None:
        return None
    return name % {"class": meta.model_name, "label": meta.label, "app_label": meta.label}


def _name(meta: Options, kind: str, fields: Sequence[str]) -> str:
    """``<table>_<fields>_<kind>``, shortened with a hash when too long."""
    name = f"{meta.table_name}_{'_'.join(fields)}_{kind}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - len(kind) - 10]}_{digest}_{kind}"


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
