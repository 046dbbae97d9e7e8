"""``db_default=``: ``DatabaseDefault`` marks a field left for the database to fill
(Django's ``DatabaseDefault``); ``default_sql()`` is the column's ``DEFAULT`` as SQL text
for one backend (see ``vendorsql``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.fields.vendorsql import expression_sql, render

if TYPE_CHECKING:
    from heron.db.fields.base import Field

__all__ = ["DB_DEFAULT", "DatabaseDefault", "default_sql", "is_expression"]


class DatabaseDefault:
    """The value of a field that the INSERT leaves out so the database fills it; a
    single instance, ``DB_DEFAULT`` (``DatabaseDefault()`` returns it)."""

    _instance: DatabaseDefault | None = None

    def __new__(cls) -> DatabaseDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DatabaseDefault()"

    def __reduce__(self) -> str:
        return "DB_DEFAULT"


DB_DEFAULT = DatabaseDefault()


def is_expression(value: Any) -> bool:
    """Whether ``value`` is one of Heron's query expressions (``Now()``, ``F("a") + 1``)."""
    from heron.db.query.expressions import Combinable, Value

    return isinstance(value, Combinable) and not isinstance(value, Value)


def default_sql(field: Field, value: Any, vendor: str) -> str:
    """A ``db_default`` as ``vendor``'s SQL: a value as the field stores it, or an
    expression written to the field (in parentheses: SQLite and MariaDB need them)."""
    if is_expression(value):
        return f"({expression_sql(value, field.model, vendor, field=field)})"
    return render(_literal(field, getattr(value, "value", value), vendor), vendor)


def _literal(field: Field, value: Any, vendor: str) -> Any:
    """A plain value as the field stores it, as a SQL literal."""
    if value is None:
        return sa.null()
    value = field.get_prep_value(value)
    to_db = field.db_preparer(vendor) if value is not None else None
    value = to_db(value) if to_db is not None else value
    return sa.null() if value is None else sa.literal(value)
