"""Heron's own Alembic operations: renames that reverse themselves, the drop of a one-off
server default, filling a column's NULLs before it becomes NOT NULL, check constraints
written as data (``heron_check``), indexes with descending columns quoted on each
backend, and partial indexes (created on the databases that have them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import _alter_column
from alembic.operations import ops
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from heron.db.models.constraints import PARTIAL_DIALECTS, QCheck, index_condition

__all__ = [
    "CastColumnOp",
    "Condition",
    "CreateCheckOp",
    "CreatePartialIndexOp",
    "CreateSortedIndexOp",
    "DropCheckOp",
    "DropOneOffDefaultOp",
    "DropPartialIndexOp",
    "FillNullsOp",
    "PartialIndex",
    "RenameColumnOp",
    "RenameTableOp",
    "as_condition",
    "create_partial_index",
    "drop_partial_index",
    "fill_nulls",
    "index_keys",
    "index_sorting",
    "literal_imports",
    "render_condition",
    "sorted_indexes",
    "surround_table_ops",
    "table_ops",
    "walk",
]


class RenameColumnOp(ops.AlterColumnOp):
    """``alter_column(..., new_column_name=...)`` whose reverse renames back."""

    def reverse(self) -> RenameColumnOp:
        assert self.modify_name is not None
        return RenameColumnOp(
            self.table_name,
            self.modify_name,
            schema=self.schema,
            modify_name=self.column_name,
            existing_type=self.existing_type,
            existing_nullable=self.existing_nullable,
            existing_server_default=self.existing_server_default,
        )


class RenameTableOp(ops.RenameTableOp):
    """``rename_table(old, new)`` whose reverse renames back."""

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_table_name, self.table_name, schema=self.schema)


@renderers.dispatch_for(RenameTableOp)
def _render_rename_table(context: AutogenContext, op: RenameTableOp) -> str:
    # Alembic's autogenerate never emits table renames, so it has no renderer for them.
    return f"op.rename_table({op.table_name!r}, {op.new_table_name!r})"


class CastColumnOp(ops.AlterColumnOp):
    """``alter_column`` of a type change PostgreSQL needs told how to convert the values
    (``postgresql_using='"code"::INTEGER'``); the other databases ignore it."""

    def __init__(self, table_name: str, column_name: str, *, using: str, **kw: Any) -> None:
        super().__init__(table_name, column_name, **kw)
        self.using = using


@renderers.dispatch_for(CastColumnOp)
def _render_cast_column(context: AutogenContext, op: CastColumnOp) -> str:
    text = _alter_column(context, op)
    return f"{text[:-1]},\n{' ' * 11}postgresql_using={op.using!r})"


class DropOneOffDefaultOp(ops.AlterColumnOp):
    """Drops the server default that filled a new NOT NULL column's existing rows."""


def fill_nulls(table: str, column: str, value: Any) -> None:
    """Set ``column`` to ``value`` (a bound parameter) in the rows of ``table`` where it is
    NULL: written by ``makemigrations`` before the column is made NOT NULL."""
    from alembic import op

    target = sa.table(table, sa.column(column))
    update = target.update().where(target.c[column].is_(None))
    op.execute(update.values({column: sa.literal(value)}))  # typed by the value


class FillNullsOp(ops.MigrateOperation):
    """``fill_nulls(table, column, value)`` in a migration file (upgrades only)."""

    def __init__(self, table_name: str, column_name: str, value: Any) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.value = value

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        return {"from heron.db.migrations.operations import fill_nulls"} | literal_imports(
            repr(self.value)
        )


def literal_imports(text: str) -> set[str]:
    """The imports a migration file needs for ``text``, the ``repr()`` of Python values
    (dates, times, timedeltas and decimals)."""
    found = set()
    if "datetime." in text:
        found.add("import datetime")
    if "Decimal(" in text:
        found.add("from decimal import Decimal")
    return found


@renderers.dispatch_for(FillNullsOp)
def _render_fill_nulls(context: AutogenContext, op: FillNullsOp) -> str:
    return f"fill_nulls({op.table_name!r}, {op.column_name!r}, {op.value!r})"


#: A check constraint's condition: a Q's tree (``QCheck``) or SQL text.
Condition = QCheck | str


def as_condition(value: Any) -> Condition:
    """A check constraint's condition (``sqltext``, or what ``create_check_constraint`` was
    given) as a ``QCheck`` or SQL text; other expressions are compiled to text."""
    if isinstance(value, QCheck | str):
        return value
    if isinstance(value, sa.TextClause):
        return value.text
    return str(value.compile(compile_kwargs={"literal_binds": True}))


def render_condition(condition: Condition) -> tuple[str, set[str]]:
    """A check condition as Python source, and the imports it needs: a Q's tree as
    ``heron_check(...)`` (compiled on each backend), SQL text as a string."""
    if isinstance(condition, QCheck):
        text = repr(condition.tree)
        imports = {"from heron.db.models.constraints import heron_check"}
        return f"heron_check({text})", imports | literal_imports(text)
    return repr(condition), set()


class CreateCheckOp(ops.CreateCheckConstraintOp):
    """``create_check_constraint(name, condition)`` whose reverse drops it."""

    condition: Condition

    def reverse(self) -> DropCheckOp:
        return DropCheckOp(str(self.constraint_name), self.table_name, self.condition)

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        return render_condition(self.condition)[1]


class DropCheckOp(ops.DropConstraintOp):
    """``drop_constraint(name, type_="check")`` that knows the condition its reverse
    creates again."""

    def __init__(self, constraint_name: str, table_name: str, condition: Condition) -> None:
        super().__init__(constraint_name, table_name, type_="check")
        self.condition = condition

    def reverse(self) -> CreateCheckOp:
        return CreateCheckOp(self.constraint_name, self.table_name, self.condition)


def _prefix(context: AutogenContext) -> str:
    return "batch_op." if context._has_batch else "op."


def _table_argument(context: AutogenContext, table: str) -> str:
    return "" if context._has_batch else f"{table!r}, "


@renderers.dispatch_for(CreateCheckOp)
def _render_create_check(context: AutogenContext, op: CreateCheckOp) -> str:
    condition = render_condition(op.condition)[0]
    table = _table_argument(context, op.table_name)
    return f"{_prefix(context)}create_check_constraint({op.constraint_name!r}, {table}{condition})"


#: An index's ``(column, descending)`` pairs.
Sorting = tuple[tuple[str, bool], ...]


def index_keys(expressions: Any) -> Sorting | None:
    """The ``(column, descending)`` pairs of an index, or None if an expression is not a
    column."""
    keys: list[tuple[str, bool]] = []
    for expression in expressions:
        column, desc = expression, False
        if isinstance(expression, UnaryExpression) and expression.modifier is operators.desc_op:
            column, desc = expression.element, True
        if isinstance(column, str):
            keys.append((column, desc))
        elif isinstance(column, sa.ColumnClause):
            keys.append((column.name, desc))
        else:
            return None
    return tuple(keys)


def index_sorting(expressions: Any) -> Sorting | None:
    """The ``(column, descending)`` pairs of an index with a descending column
    (``Index(fields=["shop", "-price"])``), else None (no descending column, or an
    expression that is not a column)."""
    keys = index_keys(expressions)
    return keys if keys and any(d for _, d in keys) else None


def _render_keys(keys: Sorting) -> str:
    """Index columns as Python source: ``sa.column("order").desc()`` for a descending one,
    so each backend quotes it its own way."""
    return ", ".join(f"sa.column({name!r}).desc()" if desc else repr(name) for name, desc in keys)


class CreateSortedIndexOp(ops.CreateIndexOp):
    """``create_index`` of an index with descending columns, written as
    ``sa.column("order").desc()`` so that each backend quotes the column its own way
    (Alembic writes ``sa.literal_column('order DESC')``, SQL text of one dialect)."""


@renderers.dispatch_for(CreateSortedIndexOp)
def _render_sorted_index(context: AutogenContext, op: CreateSortedIndexOp) -> str:
    sorting = index_sorting(op.columns)
    assert sorting is not None
    columns = _render_keys(sorting)
    table = _table_argument(context, op.table_name)
    options = "".join(f", {key}={value!r}" for key, value in sorted(op.kw.items()) if value)
    return (
        f"{_prefix(context)}create_index({op.index_name!r}, {table}[{columns}], "
        f"unique={bool(op.unique)!r}{options})"
    )


def sorted_indexes(container: ops.OpContainer) -> None:
    """Make the creation of every index with a descending column a ``CreateSortedIndexOp``."""
    for item in container.ops:
        if isinstance(item, ops.ModifyTableOps):
            sorted_indexes(item)
    container.ops = [
        CreateSortedIndexOp(
            op.index_name,
            op.table_name,
            op.columns,
            schema=op.schema,
            unique=op.unique,
            if_not_exists=op.if_not_exists,
            **op.kw,
        )
        if type(op) is ops.CreateIndexOp and index_sorting(op.columns) is not None
        else op
        for op in container.ops
    ]


# -- partial indexes --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # a QCheck compares into SQL: see same()
class PartialIndex:
    """An index with a condition (``Index`` or ``UniqueConstraint`` with ``condition=``)."""

    name: str
    table: str
    keys: Sorting
    unique: bool
    condition: QCheck

    @classmethod
    def of(cls, index: sa.Index, table: str) -> PartialIndex | None:
        """The partial index a model's ``sqlalchemy.Index`` is, else None."""
        condition = index_condition(index)
        keys = index_keys(index.expressions)
        if condition is None or keys is None:
            return None
        return cls(str(index.name), table, keys, bool(index.unique), condition)

    def same(self, other: PartialIndex) -> bool:
        """Whether both are the same index: table, columns, uniqueness and condition."""
        mine = (self.table, self.keys, self.unique, self.condition.tree)
        return mine == (other.table, other.keys, other.unique, other.condition.tree)


def create_partial_index(
    name: str, table: str, columns: list[Any], condition: QCheck, *, unique: bool = False
) -> None:
    """Create an index of the rows matching ``condition`` (``heron_check(...)``), written
    by ``makemigrations``. MariaDB/MySQL have no partial indexes: nothing is created there
    (a plain index would enforce uniqueness on every row)."""
    from alembic import op

    if op.get_context().dialect.name in PARTIAL_DIALECTS:
        op.create_index(
            name, table, columns, unique=unique, sqlite_where=condition, postgresql_where=condition
        )


def drop_partial_index(name: str, table: str) -> None:
    """Drop an index ``create_partial_index`` created (nothing to do on MariaDB/MySQL)."""
    from alembic import op

    if op.get_context().dialect.name in PARTIAL_DIALECTS:
        op.drop_index(name, table_name=table)


class CreatePartialIndexOp(ops.MigrateOperation):
    """``create_partial_index(...)`` in a migration file; its reverse drops the index."""

    def __init__(self, index: PartialIndex) -> None:
        self.index = index
        self.table_name = index.table

    def reverse(self) -> DropPartialIndexOp:
        return DropPartialIndexOp(self.index)

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        own = {"from heron.db.migrations.operations import create_partial_index"}
        return own | render_condition(self.index.condition)[1]


class DropPartialIndexOp(ops.MigrateOperation):
    """``drop_partial_index(name, table)``; knows the index its reverse creates again."""

    def __init__(self, index: PartialIndex) -> None:
        self.index = index
        self.table_name = index.table

    def reverse(self) -> CreatePartialIndexOp:
        return CreatePartialIndexOp(self.index)

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        return {"from heron.db.migrations.operations import drop_partial_index"}


@renderers.dispatch_for(CreatePartialIndexOp)
def _render_create_partial(context: AutogenContext, op: CreatePartialIndexOp) -> str:
    index = op.index
    condition = render_condition(index.condition)[0]
    return (
        f"create_partial_index({index.name!r}, {index.table!r}, [{_render_keys(index.keys)}], "
        f"{condition}, unique={index.unique!r})"
    )


@renderers.dispatch_for(DropPartialIndexOp)
def _render_drop_partial(context: AutogenContext, op: DropPartialIndexOp) -> str:
    return f"drop_partial_index({op.index.name!r}, {op.index.table!r})"


def table_ops(upgrade: ops.UpgradeOps, table: str) -> ops.ModifyTableOps | None:
    """The ``ModifyTableOps`` of ``table`` among ``upgrade``'s operations, if any."""
    return next(
        (o for o in upgrade.ops if isinstance(o, ops.ModifyTableOps) and o.table_name == table),
        None,
    )


def surround_table_ops(
    upgrade: ops.UpgradeOps,
    table: str,
    first: list[ops.MigrateOperation],
    last: list[ops.MigrateOperation],
) -> None:
    """Put ``first`` before and ``last`` after the other operations on ``table`` (in a new
    ``ModifyTableOps`` when it has none): drops before the columns they use go, creates
    after the columns they use are added."""
    modify = table_ops(upgrade, table)
    if modify is None:
        upgrade.ops.append(ops.ModifyTableOps(table, [*first, *last]))
    else:
        modify.ops = [*first, *modify.ops, *last]


def walk(container: ops.OpContainer) -> Iterator[ops.MigrateOperation]:
    """Every operation in a container, nested ``ModifyTableOps`` opened."""
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            yield from walk(op)
        else:
            yield op
