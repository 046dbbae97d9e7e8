"""The SQL of a JSON key path (``data__owner__name``) on each database.

``KeyPath`` is an SQLAlchemy expression for the value at a key path of a JSON column. The
path resolver does not know the database, so the expression renders per dialect when it
is compiled. Keys reach the SQL text only as string literals quoted by SQLAlchemy for the
dialect (``render_literal_value``); the statement cache keys a query by its lookup names,
which hold the path, so two paths never share a cached statement.

A segment of ASCII digits (``data__tags__0``) is an array index, as in Django: on
PostgreSQL a one-segment path ``-> 0`` reads arrays only, while a longer one (``#>``) also
finds an object key ``"0"``; SQLite and MariaDB read such segments as array indexes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

from heron.db.errors import NotSupportedError
from heron.db.query.sqltext import SQL, Literal

__all__ = ["KeyPath", "is_index", "vendor_of"]


def is_index(segment: str) -> bool:
    """True when a path segment is an array index (ASCII digits)."""
    return segment.isascii() and segment.isdigit()


def vendor_of(dialect: Any) -> str:
    """Heron's vendor name of an SQLAlchemy dialect (MariaDB is ``"mysql"``)."""
    return "mysql" if dialect.name == "mariadb" else str(dialect.name)


def _condition(template: str, *parts: Any) -> SQL:
    return SQL(template, *parts, type_=sa.Boolean())


class KeyPath(ColumnElement[Any]):
    """The JSON value at ``segments`` of the JSON ``column``.

    ``form`` is how it renders: ``"json"`` (jsonb on PostgreSQL, JSON text elsewhere; SQL
    NULL when the key is missing), ``"text"`` (strings unquoted, as Django's ``KT``) or
    ``"sort"`` (what ORDER BY compares). With ``null_is_json`` (the ``exact`` lookup),
    ``IS NULL`` asks for a JSON ``null`` rather than a missing key.
    """

    inherit_cache = False

    def __init__(
        self,
        column: Any,
        segments: tuple[str, ...],
        form: str = "json",
        null_is_json: bool = False,
    ) -> None:
        self.column = column
        self.segments = segments
        self.form = form
        self.null_is_json = null_is_json
        self.type = sa.Text() if form == "text" else sa.types.NULLTYPE

    @property
    def _from_objects(self) -> list[Any]:
        return list(self.column._from_objects)

    def get_children(self, **kw: Any) -> Sequence[Any]:
        return (self.column,)

    def as_form(self, form: str) -> KeyPath:
        """The same path rendered as ``form``."""
        return KeyPath(self.column, self.segments, form)

    def json(self, vendor: str) -> Any:
        """The SQL of the JSON value, built for ``vendor`` now."""
        return _FORMS[vendor](self.column, self.segments, "json")

    def is_(self, other: Any) -> Any:
        if other is None and self.null_is_json:
            return _JSONNull(self)
        return super().is_(other)

    def asc(self) -> Any:
        return ColumnElement.asc(self.as_form("sort"))

    def desc(self) -> Any:
        return ColumnElement.desc(self.as_form("sort"))


class _JSONNull(ColumnElement[Any]):
    """True when the value at a path is JSON ``null`` (false when the key is missing)."""

    inherit_cache = False

    def __init__(self, path: KeyPath) -> None:
        self.path = path
        self.type = sa.Boolean()

    @property
    def _from_objects(self) -> list[Any]:
        return self.path._from_objects

    def get_children(self, **kw: Any) -> Sequence[Any]:
        return (self.path,)


@compiles(KeyPath)
def _compile_path(element: KeyPath, compiler: Any, **kw: Any) -> str:
    built = _FORMS[vendor_of(compiler.dialect)](element.column, element.segments, element.form)
    return str(compiler.process(built, **kw))


@compiles(_JSONNull)
def _compile_null(element: _JSONNull, compiler: Any, **kw: Any) -> str:
    vendor = vendor_of(compiler.dialect)
    value = element.path.json(vendor)
    if vendor == "postgresql":
        test = _condition("COALESCE({} = CAST('null' AS JSONB), FALSE)", value)
    elif vendor == "mysql":
        test = _condition("COALESCE(JSON_TYPE({}) = 'NULL', FALSE)", value)
    else:
        test = _condition("COALESCE(json_type({}) = 'null', 0)", value)
    return str(compiler.process(test, **kw))


# -- per database ---------------------------------------------------------------------------


def _postgresql(column: Any, segments: tuple[str, ...], form: str) -> Any:
    arrow = "->>" if form == "text" else "->"
    if len(segments) == 1:
        key = segments[0]
        if is_index(key):
            return SQL(f"({{}} {arrow} {key})", column)
        return SQL(f"({{}} {arrow} {{}})", column, Literal(key))
    array = SQL(
        f"CAST(ARRAY[{', '.join(['{}'] * len(segments))}] AS TEXT[])", *map(Literal, segments)
    )
    return SQL(f"({{}} #{arrow[1:]} {{}})", column, array)


def mysql_path(segments: Sequence[str]) -> str:
    """A MariaDB/MySQL JSON path: keys quoted as JSON strings, indexes in brackets."""
    parts = ["$"]
    for segment in segments:
        parts.append(f"[{segment}]" if is_index(segment) else "." + orjson.dumps(segment).decode())
    return "".join(parts)


def _mysql(column: Any, segments: tuple[str, ...], form: str) -> Any:
    if any(segment.startswith("-") for segment in segments):
        # MariaDB 10.11 reads "$.\"-x\"" as a syntax error (and finds nothing).
        raise NotSupportedError("MariaDB's JSON paths cannot name a key starting with '-'.")
    value = SQL("JSON_EXTRACT({}, {})", column, Literal(mysql_path(segments)))
    if form == "text":  # in the connection's collation (JSON_UNQUOTE's is binary)
        return SQL("CONVERT(JSON_UNQUOTE({}) USING utf8mb4)", value, type_=sa.Text())
    return value


# SQLite compares a path's quoted key with the key's JSON text, and its paths cannot hold a
# '"': a key with a quote, backslash or control character is found with json_each instead.
_SQLITE_MEMBER = (
    "(SELECT CASE heron_m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
    "ELSE json_quote(heron_m.value) END FROM json_each({}) AS heron_m WHERE heron_m.key = {})"
)


def _plain(segment: str) -> bool:
    return not any(c in '"\\' or c < " " for c in segment)


def _sqlite(column: Any, segments: tuple[str, ...], form: str) -> Any:
    base, path = column, "$"
    for segment in segments:
        if is_index(segment):
            path += f"[{segment}]"
        elif _plain(segment):
            path += f'."{segment}"'
        else:
            parent = SQL("({} -> {})", base, Literal(path))
            base, path = SQL(_SQLITE_MEMBER, parent, Literal(segment)), "$"
    if form == "text":
        return SQL("({} ->> {})", base, Literal(path), type_=sa.Text())
    if form == "sort":
        return SQL("json_extract({}, {})", base, Literal(path))
    return SQL("({} -> {})", base, Literal(path))


_FORMS = {"postgresql": _postgresql, "mysql": _mysql, "sqlite": _sqlite}
