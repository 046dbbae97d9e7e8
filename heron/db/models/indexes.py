"""Expressions in indexes and unique constraints: ``Index(Lower("title"), name=...)``.

Each expression is compiled by Heron's query compiler for each backend, literals rendered
(and quoted) by SQLAlchemy, into SQL text. An index holds an ``IndexExpression`` giving
every dialect its own text; migration files hold the texts (``heron_expression({...})``),
so one file builds the index on every backend. MariaDB cannot index an expression:
creating such an index there raises ``NotSupportedError`` naming it.

The PostgreSQL options of indexes and unique constraints, on the other databases:
``include`` columns are left out of the index (it only speeds up reads);
``nulls_distinct=False`` (``NULLS NOT DISTINCT``, PostgreSQL 15+) raises
``NotSupportedError`` when the table or constraint is created, as nothing there enforces
it; ``deferrable`` leaves an ordinary constraint, checked after each statement (it admits
no row a deferred one would refuse at commit, but refuses swaps a deferred one allows),
with a ``ConstraintOptionWarning``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.elements import UnaryExpression

from heron.db.errors import NotSupportedError
from heron.db.fields.vendorsql import VendorSQL, expression_sql
from heron.db.query.expressions import Combinable, Combined, F, OrderBy, Q, Value

if TYPE_CHECKING:
    from heron.db.models.options import Options

__all__ = [
    "ConstraintOptionWarning",
    "IndexExpression",
    "covering",
    "expression_clashes",
    "expression_fields",
    "expression_sql",
    "expression_terms",
    "has_expressions",
    "heron_expression",
    "index_expressions",
]

_DATES = ("date", "datetime")
#: MySQL indexes expressions from this version on; MariaDB never does.
_MYSQL_FUNCTIONAL = (8, 0, 13)
#: PostgreSQL has ``UNIQUE NULLS NOT DISTINCT`` from this version on.
_PG_NULLS_NOT_DISTINCT = (15,)


class ConstraintOptionWarning(UserWarning):
    """A constraint is created without an option the database does not have
    (``deferrable`` on SQLite or MariaDB/MySQL)."""


def covering(include: Sequence[str], meta: Options) -> dict[str, Any]:
    """The SQLAlchemy argument of ``include=[...]`` fields (PostgreSQL's ``INCLUDE``)."""
    if not include:
        return {}
    return {"postgresql_include": [meta.get_field(name).column for name in include]}


class IndexExpression(VendorSQL):
    """An indexed expression, as SQL text per backend (built on first use), written in
    parentheses; a migration file states it as ``heron_expression({...})``."""

    parenthesized = True
    writer = "heron_expression"


def heron_expression(texts: Mapping[str, str]) -> IndexExpression:
    """An indexed expression as a migration file writes it: its SQL on each backend."""
    return IndexExpression(texts)


@compiles(CreateIndex, "mysql")
@compiles(CreateIndex, "mariadb")
def _create_index_mysql(create: CreateIndex, compiler: Any, **kw: Any) -> str:
    _refuse_expressions(create.element, compiler.dialect)
    return str(compiler.visit_create_index(create, **kw))


@compiles(CreateTable, "mysql")
@compiles(CreateTable, "mariadb")
def _create_table_mysql(create: CreateTable, compiler: Any, **kw: Any) -> str:
    for index in create.element.indexes:  # refused before the table is created
        _refuse_expressions(index, compiler.dialect)
    return str(compiler.visit_create_table(create, **kw))


@compiles(sa.UniqueConstraint, "postgresql")
def _unique_postgresql(constraint: sa.UniqueConstraint, compiler: Any, **kw: Any) -> str:
    version = compiler.dialect.server_version_info  # None when writing SQL offline
    if _nulls_not_distinct(constraint) and version and version < _PG_NULLS_NOT_DISTINCT:
        _refuse_nulls_not_distinct(constraint, "PostgreSQL before 15")
    table = constraint.table
    for name in constraint.dialect_kwargs.get("postgresql_include") or ():
        # Alembic's create_unique_constraint() builds a table of the key columns only.
        if isinstance(name, str) and isinstance(table, sa.Table) and name not in table.c:
            table.append_column(sa.Column(name, sa.types.NullType()))
    return str(compiler.visit_unique_constraint(constraint, **kw))


@compiles(sa.UniqueConstraint, "sqlite")
@compiles(sa.UniqueConstraint, "mysql")
@compiles(sa.UniqueConstraint, "mariadb")
def _unique_elsewhere(constraint: sa.UniqueConstraint, compiler: Any, **kw: Any) -> str:
    """A unique constraint where only its columns count: ``NULLS NOT DISTINCT`` refused,
    ``DEFERRABLE`` left out with a warning (neither on a dialect ``heron_schema_only``,
    where ``makemigrations`` replays the files to learn the schema they build)."""
    schema_only = getattr(compiler.dialect, "heron_schema_only", False)  # replaying files
    database = "SQLite" if compiler.dialect.name == "sqlite" else "MariaDB/MySQL"
    if _nulls_not_distinct(constraint) and not schema_only:
        _refuse_nulls_not_distinct(constraint, database)
    sql = str(compiler.visit_unique_constraint(constraint, **kw))
    if not constraint.deferrable:
        return sql
    if not schema_only:
        warnings.warn(
            f"{database} has no deferrable unique constraints: {constraint.name!r} on "
            f"{_table_name(constraint)!r} is checked after each statement, not at commit.",
            ConstraintOptionWarning,
            stacklevel=2,
        )
    return sql.removesuffix(compiler.define_constraint_deferrability(constraint))


def _nulls_not_distinct(item: sa.UniqueConstraint | sa.Index) -> bool:
    return bool(item.dialect_kwargs.get("postgresql_nulls_not_distinct"))


def _refuse_nulls_not_distinct(constraint: sa.UniqueConstraint, database: str) -> None:
    raise NotSupportedError(
        f"{database} cannot treat NULLs as equal in a unique constraint: "
        f"{constraint.name!r} on {_table_name(constraint)!r} (nulls_distinct=False) cannot "
        "be created. Use PostgreSQL 15+, or store a non-NULL marker value instead of NULL."
    )


def _table_name(item: sa.UniqueConstraint | sa.Index) -> str:
    table = item.table
    # Alembic rebuilds a SQLite table under a temporary name to alter it.
    return table.name.removeprefix("_alembic_tmp_") if isinstance(table, sa.Table) else "?"


def _refuse_expressions(index: sa.Index, dialect: Any) -> None:
    if has_expressions(index) and not _indexes_expressions(dialect):
        table = _table_name(index)
        raise NotSupportedError(
            f"MariaDB cannot index an expression: the index {index.name!r} on {table!r} "
            "(Index or UniqueConstraint with expressions) cannot be created. Index a "
            "field holding the value instead, or use PostgreSQL, SQLite or MySQL 8.0.13+."
        )


def _indexes_expressions(dialect: Any) -> bool:
    version = getattr(dialect, "server_version_info", None) or ()
    return not getattr(dialect, "is_mariadb", False) and tuple(version) >= _MYSQL_FUNCTIONAL


def _unwrapped(term: Any) -> Any:
    return term.element if isinstance(term, UnaryExpression) else term


def has_expressions(index: sa.Index) -> bool:
    """Whether an index has an ``IndexExpression`` among its terms."""
    return any(isinstance(_unwrapped(t), IndexExpression) for t in index.expressions)


# -- from Heron expressions -----------------------------------------------------------------


def index_expressions(
    expressions: Sequence[Any], fields: Sequence[str], name: str | None, what: str
) -> tuple[Any, ...]:
    """The expressions of an index or unique constraint (strings become ``F``), checked:
    exactly one of ``fields`` and expressions, and a name with expressions."""
    if expressions and fields:
        raise ValueError(f"{what} takes fields=[...] or expressions, not both.")
    if not expressions and not fields:
        raise ValueError(f"{what} needs at least one field or expression.")
    if expressions and not name:
        raise ValueError(f"{what} with expressions needs a name.")
    found = tuple(F(e) if isinstance(e, str) else e for e in expressions)
    for expression in found:
        inner = expression.expression if isinstance(expression, OrderBy) else expression
        if isinstance(expression, OrderBy) and expression.nulls is not None:
            raise ValueError(f"{what} cannot place NULLs first or last ({name}).")
        for node in _nodes(inner, what, name):
            if isinstance(node, F) and "__" in node.name:
                raise ValueError(f"{what} cannot follow relations ({node!r} in {name}).")
    return found


def _nodes(expression: Any, what: str, name: str | None) -> Iterator[Any]:
    """Every node of an expression; refuses what an index cannot hold."""
    from heron.db.query.functions import Func
    from heron.db.query.windowfunctions import WindowFunction

    if isinstance(expression, Combined):
        yield expression
        yield from _nodes(expression.lhs, what, name)
        yield from _nodes(expression.rhs, what, name)
    elif isinstance(expression, Func) and not isinstance(expression, WindowFunction):
        yield expression
        for arg in expression.source_expressions:
            yield from _nodes(arg, what, name)
    elif isinstance(expression, F | Value):
        yield expression
    elif not isinstance(expression, Combinable | Q | OrderBy):
        yield Value(expression)  # a plain value, the side of a Combined
    else:
        raise ValueError(
            f"{what} takes fields, values, arithmetic and database functions of one row, "
            f"not {type(expression).__name__} ({name})."
        )


def expression_terms(expressions: Sequence[Any], meta: Options) -> list[Any]:
    """The index terms: a column name (a plain ``F``) or an ``IndexExpression``, each
    ``.desc()`` when ordered so."""
    terms: list[Any] = []
    for expression in expressions:
        descending = isinstance(expression, OrderBy) and expression.descending
        inner = expression.expression if isinstance(expression, OrderBy) else expression
        if not isinstance(inner, F):
            term: Any = IndexExpression(build=_builder(inner, meta))
            terms.append(term.desc() if descending else term)
            continue
        column = meta.get_field(inner.name).column
        terms.append(sa.column(column).desc() if descending else column)
    return terms


def _builder(expression: Any, meta: Options) -> Callable[[str], str]:
    def build(vendor: str) -> str:
        return expression_sql(expression, meta.model, vendor)

    return build


# -- validation -----------------------------------------------------------------------------


def expression_fields(expressions: Sequence[Any]) -> set[str]:
    """The names of the fields the expressions read."""
    found: set[str] = set()
    for expression in expressions:
        inner = expression.expression if isinstance(expression, OrderBy) else expression
        found |= {n.name for n in _nodes(inner, "", None) if isinstance(n, F)}
    return found


def expression_clashes(qs: Any, expressions: Sequence[Any], instance: Any) -> Any:
    """``qs`` narrowed to the rows whose expressions equal ``instance``'s: each expression
    compared with itself computed on the instance's values (a NULL matches nothing)."""
    aliases: dict[str, Any] = {}
    lookups: dict[str, Any] = {}
    for i, expression in enumerate(expressions):
        inner = expression.expression if isinstance(expression, OrderBy) else expression
        name = f"heron_unique_{i}"
        aliases[name] = inner
        lookups[name] = _on_values(inner, instance)
    return qs.alias(**aliases).filter(**lookups)


def _on_values(expression: Any, instance: Any) -> Any:
    """``expression`` with every ``F`` replaced by the instance's value of that field."""
    from heron.db.query.functions import Cast, Func
    from heron.db.query.lookups import kind_of_field

    if isinstance(expression, F):
        field = instance._meta.get_field(expression.name)
        value = Value(instance.__dict__.get(field.attname))
        # A date sent as text is of no known type to PostgreSQL (``EXTRACT`` of what?).
        return Cast(value, field) if kind_of_field(field) in _DATES else value
    if isinstance(expression, Combined):
        lhs, rhs = _on_values(expression.lhs, instance), _on_values(expression.rhs, instance)
        return Combined(lhs, expression.op, rhs)
    if isinstance(expression, Func):
        rebuilt = copy.copy(expression)
        rebuilt.source_expressions = tuple(
            _on_values(arg, instance) for arg in expression.source_expressions
        )
        return rebuilt
    return expression
