"""Lookups on a JSON field and on its key paths (``data__owner__name__icontains``).

``resolve_key`` turns what follows a JSON field in a lookup path into a ``KeyPath``, a
``KeyField`` (how values are bound and read) and the lookup. Lookups compare JSON values:
a number as a number, a string as a string; ``gt``/``lt`` … hold only between values of
one JSON type. Text lookups (``icontains`` …) read the key's text. ``contains``,
``contained_by``, ``has_key``, ``has_keys`` and ``has_any_keys`` work on the field and at
any key path. Values are always bound parameters (as JSON text, or as a pattern).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from heron.db.errors import NotSupportedError
from heron.db.fields.base import Converter, Field
from heron.db.fields.special import JSON
from heron.db.query.jsonpaths import KeyPath
from heron.db.query.lookups import LOOKUPS, is_lookup, prepare_value
from heron.db.query.sqltext import SQL

__all__ = ["FIELD_LOOKUPS", "KeyField", "json_lookup", "resolve_key"]

Expr = Any

#: Lookups of a JSON value as a whole (of the field, or at a key path).
FIELD_LOOKUPS = frozenset({"contains", "contained_by", "has_key", "has_keys", "has_any_keys"})
_TEXT = frozenset(
    {"iexact", "icontains", "startswith", "istartswith", "endswith", "iendswith", "regex", "iregex"}
)
# Lookups the compiler treats by name (bind counts, IS NULL): they keep it.
_COMPILER_NAMED = frozenset({"exact", "in", "range", "isnull"})


def resolve_key(
    column: Any, field: JSON, rest: Sequence[str], allow_lookup: bool
) -> tuple[Any, KeyField, str] | None:
    """The expression, field and lookup name of ``rest`` after the JSON ``field``, or None
    when ``rest`` is a plain lookup of the whole field (``data__isnull``)."""
    lookup, keys = "exact", tuple(rest)
    last = rest[-1]
    if allow_lookup and (last in FIELD_LOOKUPS or is_lookup(last)):
        lookup, keys = last, keys[:-1]
    name = lookup if lookup in _COMPILER_NAMED else f"json:{lookup}"
    if not keys:
        if lookup not in FIELD_LOOKUPS:
            return None
        return column, KeyField(field, lookup, field.null), name
    path = KeyPath(column, keys, null_is_json=lookup == "exact")
    return path, KeyField(field, lookup), name


class KeyField(Field):
    """The value at a JSON key path, as the compiler sees it: may be missing (NULL), binds
    values as JSON text (or patterns, key names), reads JSON text back into Python."""

    def __init__(self, source: JSON, lookup: str, null: bool = True) -> None:
        super().__init__(null=null)
        self.source = source
        self.lookup = lookup
        self.name = self.attname = source.name
        self.model = source.model

    def get_prep_value(self, value: Any) -> Any:
        return value

    def db_preparer(self, vendor: str) -> Converter | None:
        lookup = self.lookup
        if lookup in _TEXT:
            return prepare_value(lookup, vendor)
        if lookup == "has_key":
            return str
        if lookup in ("has_keys", "has_any_keys"):
            return self._key_list
        return self.source.dumps

    def db_converter(self, vendor: str) -> Converter | None:
        return self.source.db_converter(vendor)

    def _key_list(self, value: Any) -> str:
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{self.lookup} takes a list of keys, not {value!r}.")
        return self.source.dumps([str(key) for key in value])


# -- SQL ------------------------------------------------------------------------------------


def _json_of(expr: Expr, vendor: str) -> Expr:
    """``expr`` as a JSON value: jsonb on PostgreSQL, JSON text elsewhere."""
    if isinstance(expr, KeyPath):
        return expr.json(vendor)
    if isinstance(expr, sa.BindParameter):  # JSON text
        return SQL("CAST({} AS JSONB)", expr) if vendor == "postgresql" else expr
    if isinstance(getattr(expr, "type", None), sa.JSON):  # a JSON column
        return expr
    if vendor == "postgresql":
        return SQL("to_jsonb({})", expr)
    if vendor == "mysql":
        return SQL("JSON_EXTRACT(JSON_ARRAY({}), '$[0]')", expr)
    return SQL("json_quote({})", expr)


def _cond(template: str, *parts: Expr) -> Expr:
    return SQL(template, *parts, type_=sa.Boolean())


_SQLITE_KIND = (
    "CASE json_type({0}) WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' "
    "WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' ELSE json_type({0}) END"
)


def _compare(op: str, lhs: Expr, rhs: Expr, vendor: str) -> Expr:
    """``lhs op rhs`` of two JSON values; an ordering holds only within one JSON type."""
    if vendor == "postgresql":
        if op == "=":
            return _cond("({} = {})", lhs, rhs)
        return _cond(f"({{0}} {op} {{1}} AND jsonb_typeof({{0}}) = jsonb_typeof({{1}}))", lhs, rhs)
    if vendor == "mysql":
        if op == "=":
            return _cond("JSON_EQUALS({}, {})", lhs, rhs)
        return _cond(
            "CASE WHEN JSON_TYPE({0}) IN ('INTEGER', 'DOUBLE') "
            "AND JSON_TYPE({1}) IN ('INTEGER', 'DOUBLE') "
            f"THEN CAST({{0}} AS DOUBLE) {op} CAST({{1}} AS DOUBLE) "
            "WHEN JSON_TYPE({0}) = 'STRING' AND JSON_TYPE({1}) = 'STRING' "
            f"THEN JSON_UNQUOTE({{0}}) {op} JSON_UNQUOTE({{1}}) ELSE FALSE END",
            lhs,
            rhs,
        )
    kind = _SQLITE_KIND.replace("{0}", "{1}")
    same = f"({_SQLITE_KIND}) = ({kind})"
    return _cond(f"(json_extract({{0}}, '$') {op} json_extract({{1}}, '$') AND {same})", lhs, rhs)


_ORDER = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def json_lookup(name: str, lhs: Expr, binds: Sequence[Expr], vendor: str) -> Expr:
    """The condition of the lookup ``name`` on a JSON field or ``KeyPath`` ``lhs``."""
    if name in _TEXT:
        return LOOKUPS[name](lhs.as_form("text"), binds, vendor)
    value = _json_of(lhs, vendor)
    if name in FIELD_LOOKUPS:
        return _field_lookup(name, value, binds[0], vendor)
    rhs = [_json_of(b, vendor) for b in binds]
    if name == "exact":
        return _compare("=", value, rhs[0], vendor)
    if name in _ORDER:
        return _compare(_ORDER[name], value, rhs[0], vendor)
    if name == "in":
        if vendor == "postgresql":
            return value.in_(rhs)
        return sa.or_(*(_compare("=", value, r, vendor) for r in rhs))
    if name == "range":
        return sa.and_(_compare(">=", value, rhs[0], vendor), _compare("<=", value, rhs[1], vendor))
    raise NotSupportedError(f"The {name} lookup is not supported on JSON values.")


_PG_FIELD = {
    "contains": "({} @> CAST({} AS JSONB))",
    "contained_by": "({} <@ CAST({} AS JSONB))",
    "has_key": "(jsonb_typeof({0}) = 'object' AND {0} ? {1})",
    "has_keys": "(jsonb_typeof({0}) = 'object' AND {0} ?& "
    "ARRAY(SELECT jsonb_array_elements_text(CAST({1} AS JSONB))))",
    "has_any_keys": "(jsonb_typeof({0}) = 'object' AND {0} ?| "
    "ARRAY(SELECT jsonb_array_elements_text(CAST({1} AS JSONB))))",
}
_MYSQL_FIELD = {
    "contains": "JSON_CONTAINS({}, {})",
    "contained_by": "JSON_CONTAINS({1}, {0})",
    # JSON_KEYS is NULL for a value that is no object: false, so that NOT keeps the row.
    "has_key": "COALESCE(JSON_CONTAINS(JSON_KEYS({}), JSON_QUOTE({})), FALSE)",
    "has_keys": "COALESCE(JSON_CONTAINS(JSON_KEYS({}), {}), FALSE)",
    "has_any_keys": "COALESCE(JSON_OVERLAPS(JSON_KEYS({}), {}), FALSE)",
}
_SQLITE_FIELD = {
    "has_key": "EXISTS (SELECT 1 FROM json_each({}) AS heron_k WHERE heron_k.key = {})",
    "has_keys": "(json_type({0}) = 'object' AND NOT EXISTS (SELECT 1 FROM json_each({1}) "
    "AS heron_w WHERE NOT EXISTS (SELECT 1 FROM json_each({0}) AS heron_k "
    "WHERE heron_k.key = heron_w.value)))",
    "has_any_keys": "EXISTS (SELECT 1 FROM json_each({1}) AS heron_w, json_each({0}) "
    "AS heron_k WHERE heron_k.key = heron_w.value)",
}
_FIELD_SQL = {"postgresql": _PG_FIELD, "mysql": _MYSQL_FIELD, "sqlite": _SQLITE_FIELD}


def _field_lookup(name: str, value: Expr, bind: Expr, vendor: str) -> Expr:
    template = _FIELD_SQL[vendor].get(name)
    if template is None:
        raise NotSupportedError(
            f"The JSON {name} lookup is not supported on {vendor} (SQLite has no JSON "
            "containment); use has_key or key lookups instead."
        )
    return _cond(template, value, bind)
