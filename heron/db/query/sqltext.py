"""SQL text that Heron writes itself, with holes for compiled expressions (``SQL``), and
string literals quoted by the dialect (``Literal``): the JSON key paths and ``RawSQL``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["SQL", "Literal", "fill"]

# What an SQL fragment's parts are compiled without (they are not result columns).
_RESULT_KW = ("add_to_result_map", "within_columns_clause", "within_label_clause")


class Literal(ColumnElement[Any]):
    """A string rendered as a quoted SQL literal by the dialect's own quoting."""

    inherit_cache = False

    def __init__(self, value: str) -> None:
        self.value = value
        self.type = sa.String()

    @property
    def _from_objects(self) -> list[Any]:
        return []


@compiles(Literal)
def _compile_literal(element: Literal, compiler: Any, **kw: Any) -> str:
    return str(compiler.render_literal_value(element.value, sa.String()))


class SQL(ColumnElement[Any]):
    """SQL text with ``{}`` holes for expressions (columns, bound parameters, ``Literal``s),
    filled with their compiled SQL. ``template`` is Heron's own text, or a ``RawSQL``'s
    (the user's, as in Django); values never enter it."""

    inherit_cache = False

    def __init__(self, template: str, *parts: Any, type_: Any = None) -> None:
        self.template = template
        self.parts = parts
        self.type = type_ if type_ is not None else sa.types.NULLTYPE

    @property
    def _from_objects(self) -> list[Any]:
        return [obj for part in self.parts for obj in getattr(part, "_from_objects", ())]

    def get_children(self, **kw: Any) -> Sequence[Any]:
        return self.parts


@compiles(SQL)
def _compile_sql(element: SQL, compiler: Any, **kw: Any) -> str:
    return fill(element.template, element.parts, compiler, **kw)


def fill(template: str, parts: Sequence[Any], compiler: Any, **kw: Any) -> str:
    """``template`` with each ``{}`` hole filled with its part's compiled SQL."""
    inner = {key: value for key, value in kw.items() if key not in _RESULT_KW}
    return template.format(*(compiler.process(p, **inner) for p in parts))
