"""Indexes on expressions (``Index(Lower("title"), name=...)``, a ``UniqueConstraint`` on
expressions) added, removed or changed on a label's tables.

Alembic skips expression indexes when it compares (SQLite cannot reflect them either), and
would write them as SQL text of one dialect. So, as partial indexes are, they are compared
here by name against what the migration files state (``StatedExpressions``), and written
with their SQL for every backend (``heron_expression({...})``). A changed one is dropped,
then created again; drops come first in the upgrade, creates last.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.operations.batch import BatchOperationsImpl
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from heron.db.migrations.operations import render_condition
from heron.db.migrations.partials import model_indexes, replace_indexes
from heron.db.models.constraints import QCheck, index_condition
from heron.db.models.indexes import IndexExpression, has_expressions

__all__ = [
    "CreateExpressionIndexOp",
    "DropExpressionIndexOp",
    "ExpressionIndex",
    "StatedExpressions",
    "expression_index_ops",
]

#: An index term: a column name or an expression, and whether it is descending.
Term = tuple[str | IndexExpression, bool]


@dataclass(frozen=True, eq=False)  # IndexExpression and QCheck compare into SQL: see same()
class ExpressionIndex:
    """An index with at least one expression among its terms (and maybe a condition)."""

    name: str
    table: str
    terms: tuple[Term, ...]
    unique: bool
    condition: QCheck | None

    @classmethod
    def of(
        cls, name: Any, table: str, terms: Any, unique: Any, condition: Any
    ) -> ExpressionIndex | None:
        """The expression index these make (an ``sa.Index``'s or a ``create_index``'s
        parts), else None."""
        found: list[Term] = []
        for term in terms:
            desc = isinstance(term, UnaryExpression) and term.modifier is operators.desc_op
            inner = term.element if isinstance(term, UnaryExpression) else term
            if isinstance(inner, sa.ColumnClause):
                inner = inner.name
            if not isinstance(inner, str | IndexExpression):
                return None
            found.append((inner, desc))
        if not any(isinstance(t, IndexExpression) for t, _ in found):
            return None
        where = condition if isinstance(condition, QCheck) else None
        return cls(str(name), table, tuple(found), bool(unique), where)

    @classmethod
    def of_index(cls, index: sa.Index, table: str) -> ExpressionIndex | None:
        """The expression index a model's ``sqlalchemy.Index`` is, else None."""
        if not has_expressions(index):
            return None
        return cls.of(index.name, table, index.expressions, index.unique, index_condition(index))

    def key(self) -> tuple[Any, ...]:
        """What makes two of them the same index."""
        terms = tuple(
            (sorted(t.all_texts().items()) if isinstance(t, IndexExpression) else t, d)
            for t, d in self.terms
        )
        tree = self.condition.tree if self.condition is not None else None
        return (self.table, terms, self.unique, tree)

    def same(self, other: ExpressionIndex) -> bool:
        """Whether both are the same index: table, terms, uniqueness and condition."""
        return self.key() == other.key()


class StatedExpressions(dict[tuple[str, str], ExpressionIndex]):
    """``(table, index name)`` → an expression index as the migration files create it."""

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration."""
        if isinstance(op, ops.CreateIndexOp):
            where = op.kw.get("sqlite_where")
            index = ExpressionIndex.of(op.index_name, op.table_name, op.columns, op.unique, where)
            if index is not None:
                self[(op.table_name, index.name)] = index
        elif isinstance(op, ops.DropIndexOp):
            self.pop((str(op.table_name), str(op.index_name)), None)
        elif isinstance(op, ops.DropTableOp | ops.RenameTableOp):
            for key in [k for k in self if k[0] == op.table_name]:
                index = self.pop(key)
                if isinstance(op, ops.RenameTableOp):
                    moved = dataclasses.replace(index, table=op.new_table_name)
                    self[(op.new_table_name, key[1])] = moved


# -- operations -------------------------------------------------------------------------------


class CreateExpressionIndexOp(ops.CreateIndexOp):
    """``op.create_index(...)`` of an expression index (``create_partial_index(...)`` with
    a condition), its expressions as SQL for every backend; its reverse drops it."""

    def __init__(self, index: ExpressionIndex) -> None:
        super().__init__(index.name, index.table, [], unique=index.unique)
        self.index = index

    def reverse(self) -> DropExpressionIndexOp:
        return DropExpressionIndexOp(self.index)

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        found = {"from heron.db.models.indexes import heron_expression"}
        if self.index.condition is not None:
            found.add("from heron.db.migrations.operations import create_partial_index")
            found |= render_condition(self.index.condition)[1]
        return found


class DropExpressionIndexOp(ops.DropIndexOp):
    """Drops an expression index; knows the index its reverse creates again."""

    def __init__(self, index: ExpressionIndex) -> None:
        super().__init__(index.name, table_name=index.table)
        self.index = index

    def reverse(self) -> CreateExpressionIndexOp:
        return CreateExpressionIndexOp(self.index)

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        if self.index.condition is None:
            return set()
        return {"from heron.db.migrations.operations import drop_partial_index"}


def _render_term(term: Term) -> str:
    value, desc = term
    text = repr(value) if isinstance(value, IndexExpression) else None
    if text is None:
        text = f"sa.column({value!r})" if desc else repr(value)
    return f"{text}.desc()" if desc else text


@renderers.dispatch_for(CreateExpressionIndexOp)
def _render_create(context: AutogenContext, op: CreateExpressionIndexOp) -> str:
    index = op.index
    terms = ", ".join(_render_term(t) for t in index.terms)
    if index.condition is None:
        return (
            f"op.create_index({index.name!r}, {index.table!r}, [{terms}], unique={index.unique!r})"
        )
    condition = render_condition(index.condition)[0]
    return (
        f"create_partial_index({index.name!r}, {index.table!r}, [{terms}], {condition}, "
        f"unique={index.unique!r})"
    )


@renderers.dispatch_for(DropExpressionIndexOp)
def _render_drop(context: AutogenContext, op: DropExpressionIndexOp) -> str:
    index = op.index
    if index.condition is None:
        return f"op.drop_index({index.name!r}, table_name={index.table!r})"
    return f"drop_partial_index({index.name!r}, {index.table!r})"


# -- comparison -------------------------------------------------------------------------------


def expression_index_ops(
    upgrade: ops.UpgradeOps,
    stated: StatedExpressions,
    metadata: sa.MetaData,
    label: str,
    owned: set[str],
    renamed: dict[str, str],
) -> None:
    """Add to ``upgrade`` the expression indexes to drop and to create. ``owned``: the
    label's tables in the replayed schema (renames applied), ``renamed``: old table name →
    new."""
    wanted = model_indexes(metadata, label, ExpressionIndex.of_index)
    replace_indexes(
        upgrade, stated, wanted, owned, renamed, DropExpressionIndexOp, CreateExpressionIndexOp
    )


# -- SQLite table rebuilds ----------------------------------------------------------------------


#: An index's key terms: ``(column, descending)``, the column None for an expression.
_Keys = tuple[tuple[str | None, bool], ...]


def _sqlite_indexes(connection: Any, table: str) -> dict[str, tuple[str, _Keys]]:
    """The indexes of ``table`` that SQLite's reflection cannot give back whole, on
    expressions (left out) or with descending columns (read back ascending): name → the
    SQL that created it and its key terms."""
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    found: dict[str, tuple[str, _Keys]] = {}
    for name, sql in rows:
        info = connection.exec_driver_sql(f"PRAGMA index_xinfo({quote(name)})")
        keys = tuple((row[2], bool(row[3])) for row in info if row[5])  # key terms only
        if sql and any(column is None or desc for column, desc in keys):
            found[name] = (sql, keys)
    return found


def _sort_again(connection: Any, table: str, name: str, keys: _Keys) -> None:
    """Create again, with the directions of ``keys``, an index the rebuild made ascending
    (its columns as the rebuild left them: a renamed column keeps its new name)."""
    reflected = next(i for i in sa.inspect(connection).get_indexes(table) if i["name"] == name)
    names = [str(c) for c in reflected["column_names"]]
    if len(names) != len(keys):
        return  # the batch dropped a column of the index: it is as the batch made it
    columns = sa.Table(table, sa.MetaData(), *(sa.Column(c) for c in names)).c
    directions = [desc for _, desc in keys]
    index = sa.Index(
        name,
        *(columns[c].desc() if d else columns[c] for c, d in zip(names, directions, strict=True)),
        unique=bool(reflected["unique"]),
        sqlite_where=reflected.get("dialect_options", {}).get("sqlite_where"),
    )
    index.drop(connection)
    index.create(connection)


def _keep_through_rebuilds() -> None:
    """SQLite alters a table by rebuilding it (Alembic's batch mode) from its reflection,
    which leaves out indexes on expressions and reads descending columns as ascending.
    Those the batch did not drop are created again: from the SQL SQLite kept (on
    expressions), or as rebuilt with their columns' directions back."""
    flush = BatchOperationsImpl.flush
    if getattr(flush, "heron_keeps_expressions", False):
        return

    def flushing(self: BatchOperationsImpl) -> None:
        context = self.operations.migration_context
        if context.as_sql or context.dialect.name != "sqlite":
            flush(self)
            return
        connection = self.operations.get_bind()
        table = self.table_name
        before = _sqlite_indexes(connection, table)
        with warnings.catch_warnings():  # the reflection skips them: created again below
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            flush(self)
        dropped = {str(arg[0].name) for name, arg, _ in self.batch if name == "drop_index"}
        after = _sqlite_indexes(connection, table)
        names = {i["name"] for i in sa.inspect(connection).get_indexes(table)}
        for name, (sql, keys) in before.items():
            if name in dropped or name in after:
                continue
            if any(column is None for column, _ in keys):
                connection.exec_driver_sql(sql)
            elif name in names:
                _sort_again(connection, table, name, keys)

    flushing.heron_keeps_expressions = True  # type: ignore[attr-defined]
    BatchOperationsImpl.flush = flushing  # type: ignore[method-assign]


_keep_through_rebuilds()
