"""What changed in one label's models since its migrations: Alembic's autogenerate, plus renames.

Alembic compares the label's tables in the models' MetaData with the tables the label's
migrations built (``SchemaState``). A removed column next to an added one of the same type
may be a rename: the user is asked, and an accepted rename becomes ``alter_column(...,
new_column_name=...)`` (``rename_table`` for tables) instead of a drop and an add. The
rename is applied to the replayed schema and the comparison runs again, so what is left
(a changed nullability, renamed indexes) comes out as usual.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import sqlite

from heron.db.migrations.checks import check_ops
from heron.db.migrations.comments import comment_ops
from heron.db.migrations.defaults import computed_ops
from heron.db.migrations.errors import MigrationError
from heron.db.migrations.expression_indexes import expression_index_ops
from heron.db.migrations.fixups import (
    AskDefault,
    DefaultQuestion,
    cast_changed_types,
    field_default,
    fill_existing_rows,
    indexes_before_drops,
    model_name,
    model_types,
    portable_types,
    prune_index_drops,
)
from heron.db.migrations.key_options import key_option_ops
from heron.db.migrations.operations import (
    FillNullsOp,
    RenameColumnOp,
    RenameTableOp,
    index_sorting,
    sorted_indexes,
    surround_table_ops,
    table_ops,
    walk,
)
from heron.db.migrations.ownership import ownership_ops
from heron.db.migrations.partials import partial_ops
from heron.db.migrations.refill import refill_readded_columns
from heron.db.migrations.schema import table_label
from heron.db.migrations.state import SchemaState
from heron.db.migrations.stated import Stated
from heron.db.models.constraints import index_condition
from heron.db.models.indexes import has_expressions

__all__ = [
    "AskRename",
    "Changes",
    "NullsQuestion",
    "RenameQuestion",
    "detect_changes",
]

_SQLITE = sqlite.dialect()


@dataclass(frozen=True)
class RenameQuestion:
    """A possible rename: ``kind`` is ``"column"`` (in ``table``) or ``"table"``."""

    kind: Literal["column", "table"]
    table: str
    old: str
    new: str
    model: str
    type: str = ""

    def __str__(self) -> str:
        if self.kind == "table":
            return f"Did you rename the table {self.old} to {self.new} (model {self.model})?"
        return f"Did you rename {self.model}.{self.old} to {self.model}.{self.new} ({self.type})?"


AskRename = Callable[[RenameQuestion], bool]


@dataclass(frozen=True)
class NullsQuestion(DefaultQuestion):
    """A column made NOT NULL with no default for the rows where it is NULL."""

    def __str__(self) -> str:
        return (
            f"{self.model}.{self.column} is made NOT NULL without a default, so rows of "
            f"{self.table} where it is NULL need a value."
        )


#: Values ``fill_nulls`` can bind and the file can spell (booleans are ints).
_FILLABLE = (str, int, float, decimal.Decimal, datetime.date, datetime.time)


@dataclass
class Changes:
    """One label's operations (upgrade and its reverse) and what they point at."""

    label: str
    upgrade: ops.UpgradeOps
    downgrade: ops.DowngradeOps
    #: tables other than the label's own that the new operations' foreign keys point at
    referenced: set[str] = field(default_factory=set)
    #: tables this migration creates (or renames into existence)
    created: set[str] = field(default_factory=set)
    #: tables this migration drops
    dropped: set[str] = field(default_factory=set)
    #: tables other than the label's own that the removed foreign keys pointed at
    unreferenced: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.upgrade.ops)


def _type_key(column: sa.Column[Any]) -> str:
    try:
        return str(column.type.compile(dialect=_SQLITE)).upper()
    except sa.exc.CompileError:
        return repr(column.type)


#: An index's ``((column, descending), ...)`` and whether it is unique.
_Sorting = tuple[tuple[tuple[str, bool], ...], bool]


def _sorting(index: sa.Index) -> _Sorting | None:
    """The columns of an index with a descending one (``Index(fields=["shop", "-price"])``),
    else None. Alembic cannot compare those (SQLite's reflection forgets DESC): Heron does.
    Partial indexes are compared apart (``partial_ops``)."""
    if index_condition(index) is not None:
        return None
    keys = index_sorting(index.expressions)
    return (keys, bool(index.unique)) if keys is not None else None


def _index_list(state: SchemaState, tables: set[str]) -> Iterator[tuple[str, Any]]:
    """``(table, PRAGMA index_list row)`` for each replayed index of ``tables``."""
    quote = state.connection.dialect.identifier_preparer.quote
    for table in sorted(tables):
        for row in state.connection.exec_driver_sql(f"PRAGMA index_list({quote(table)})"):
            yield table, row


def _replayed_partials(state: SchemaState, tables: set[str]) -> set[str]:
    """The names of the replayed partial indexes (``partial_ops`` compares them)."""
    return {row[1] for _, row in _index_list(state, tables) if row[4]}


def _replayed_indexes(state: SchemaState, tables: set[str]) -> dict[str, tuple[str, _Sorting]]:
    """The replayed indexes on columns (not expressions), partial ones left out:
    name → (table, sorting)."""
    quote = state.connection.dialect.identifier_preparer.quote
    found: dict[str, tuple[str, _Sorting]] = {}
    for table, row in _index_list(state, tables):
        name, unique, partial = row[1], bool(row[2]), bool(row[4])
        info = state.connection.exec_driver_sql(f"PRAGMA index_xinfo({quote(name)})")
        keys = [(r[2], bool(r[3]), r[1]) for r in info if r[5]]  # key columns only
        if not partial and all(cid >= 0 for *_, cid in keys):
            found[name] = (table, (tuple((c, d) for c, d, _ in keys), unique))
    return found


def _replayed_keys(state: SchemaState, label: str) -> dict[str, set[str]]:
    """The label's replayed tables → the names of their unique constraints and indexes."""
    inspector = sa.inspect(state.connection)
    return {
        table: {
            str(item["name"])
            for item in [*inspector.get_unique_constraints(table), *inspector.get_indexes(table)]
        }
        for table in state.owned(label)
    }


def _descending(found: tuple[str, _Sorting]) -> bool:
    return any(desc for _, desc in found[1][0])


def _compare(state: SchemaState, metadata: sa.MetaData, label: str) -> ops.UpgradeOps:
    owned = state.owned(label)
    descending = {n for n, f in _replayed_indexes(state, owned).items() if _descending(f)}
    apart = descending | _replayed_partials(state, owned)

    # Indexes with a descending column are compared by _sorted_index_ops, partial ones by
    # partial_ops, not Alembic.
    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "index":
            return name not in apart
        return type_ != "table" or name in owned

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "index":
            return reflected or (_sorting(obj) is None and index_condition(obj) is None)
        if type_ != "table":
            return True
        return name in owned if reflected else table_label(obj) == label

    context = MigrationContext.configure(
        connection=state.connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": include_name,
            "include_object": include_object,
            "target_metadata": metadata,
        },
    )
    with warnings.catch_warnings():
        for table in metadata.tables.values():
            for index in table.indexes:
                if table_label(table) == label and (
                    _sorting(index) or index_condition(index) is not None or has_expressions(index)
                ):
                    warnings.filterwarnings("ignore", f".*expression-based index '{index.name}'")
        # Expression indexes are compared by expression_index_ops.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        # Changed generated columns are replaced by computed_ops.
        warnings.filterwarnings("ignore", "Computed default on .* cannot be modified")
        # Cycles of foreign keys between new tables: see _close_cycles_after_creates.
        warnings.filterwarnings("ignore", "Cannot correctly sort tables", sa.exc.SAWarning)
        script = produce_migrations(context, metadata)
    upgrade = script.upgrade_ops
    assert upgrade is not None
    return upgrade


def _shape(column: sa.Column[Any]) -> tuple[bool, list[str], bool, bool]:
    """What a renamed column keeps besides its type: nullability, the tables it points at,
    and whether a unique constraint or an index is on it alone."""
    table = getattr(column, "table", None)
    if not isinstance(table, sa.Table):
        return bool(column.nullable), _column_key(column)[1], False, False
    alone = [column.name]
    indexes = [i for i in table.indexes if [c.name for c in i.columns] == alone]
    unique = any(i.unique for i in indexes) or any(
        isinstance(c, sa.UniqueConstraint) and [col.name for col in c.columns] == alone
        for c in table.constraints
    )
    indexed = any(not i.unique for i in indexes)
    return bool(column.nullable), _column_key(column)[1], unique, indexed


@dataclass(frozen=True)
class _Rename:
    kind: Literal["column", "table"]
    table: str
    old: str
    new: str


def _candidates(
    upgrade: ops.UpgradeOps, metadata: sa.MetaData
) -> Iterator[tuple[RenameQuestion, list[RenameQuestion]]]:
    """Each rename question, with the questions it excludes once answered yes."""
    dropped = [op for op in upgrade.ops if isinstance(op, ops.DropTableOp)]
    created = [op for op in upgrade.ops if isinstance(op, ops.CreateTableOp)]
    table_questions: list[RenameQuestion] = []
    for drop in dropped:
        old = {(c.name, _type_key(c)) for c in drop.to_table().columns}
        for create in created:
            if {(c.name, _type_key(c)) for c in create.to_table().columns} == old:
                model = model_name(metadata, create.table_name)
                table_questions.append(
                    RenameQuestion(
                        "table", drop.table_name, drop.table_name, create.table_name, model
                    )
                )
    for question in table_questions:
        yield (
            question,
            [q for q in table_questions if q.old == question.old or q.new == question.new],
        )
    for modify in upgrade.ops:
        if not isinstance(modify, ops.ModifyTableOps):
            continue
        drops = [op for op in modify.ops if isinstance(op, ops.DropColumnOp)]
        adds = [op for op in modify.ops if isinstance(op, ops.AddColumnOp)]
        ranked: list[tuple[bool, RenameQuestion]] = []
        for dropped_column in drops:
            old_column = dropped_column.to_column()
            for add in adds:
                if _type_key(add.column) == _type_key(old_column):
                    model = model_name(metadata, modify.table_name)
                    question = RenameQuestion(
                        "column",
                        modify.table_name,
                        dropped_column.column_name,
                        add.column.name,
                        model,
                        _type_key(add.column),
                    )
                    ranked.append((_shape(add.column) != _shape(old_column), question))
        # The columns alike in all but name first: with several of one type, the likely
        # pairs are asked (and, with ``rename=True``, taken) before the others.
        questions = [q for _, q in sorted(ranked, key=lambda pair: pair[0])]
        for question in questions:
            yield question, [q for q in questions if q.old == question.old or q.new == question.new]


def _ask_renames(
    upgrade: ops.UpgradeOps, metadata: sa.MetaData, ask: AskRename, asked: set[RenameQuestion]
) -> list[_Rename]:
    accepted: list[_Rename] = []
    excluded: set[RenameQuestion] = set()
    for question, conflicts in _candidates(upgrade, metadata):
        if question in asked or question in excluded:
            continue
        asked.add(question)
        if ask(question):
            accepted.append(_Rename(question.kind, question.table, question.old, question.new))
            excluded.update(conflicts)
    return accepted


def _column_key(column: sa.Column[Any]) -> tuple[str, list[str]]:
    return _type_key(column), sorted(
        _target_table(fk.target_fullname) for fk in column.foreign_keys
    )


def _column_pairs(old: sa.Table, new: sa.Table) -> list[tuple[str, str]] | None:
    """The columns of ``old`` paired in order with those of ``new``, if each pair has the same
    type and points at the same table; else None."""
    pairs = list(zip(old.columns, new.columns, strict=False))
    if len(old.columns) != len(new.columns) or any(
        _column_key(a) != _column_key(b) for a, b in pairs
    ):
        return None
    return [(a.name, b.name) for a, b in pairs]


def _link_renames(upgrade: ops.UpgradeOps, renames: list[_Rename]) -> list[_Rename]:
    """The many-to-many tables named after renamed tables (``blog_post_tags`` of
    ``blog_post``), renamed with them, their columns too (``post_id`` to ``article_id``), as
    Django's ``RenameModel`` does: the links stay."""
    dropped = {o.table_name: o.to_table() for o in upgrade.ops if isinstance(o, ops.DropTableOp)}
    created = {o.table_name: o.to_table() for o in upgrade.ops if isinstance(o, ops.CreateTableOp)}
    found: list[_Rename] = []
    for rename in renames:
        for name, table in dropped.items():
            new_name = rename.new + name[len(rename.old) :]
            target = created.get(new_name) if name.startswith(f"{rename.old}_") else None
            pairs = _column_pairs(table, target) if target is not None else None
            if rename.kind == "table" and pairs is not None:
                found.append(_Rename("table", name, name, new_name))
                found += [_Rename("column", new_name, a, b) for a, b in pairs if a != b]
    return found


def _apply_renames(state: SchemaState, renames: list[_Rename]) -> None:
    operations = Operations(MigrationContext.configure(connection=state.connection))
    for rename in renames:
        if rename.kind == "table":
            operations.rename_table(rename.old, rename.new)
            owner = state.owners.pop(rename.old, None)
            if owner is not None:
                state.owners[rename.new] = owner
        else:
            with operations.batch_alter_table(rename.table) as batch:
                batch.alter_column(rename.old, new_column_name=rename.new)
    state.connection.commit()


def _rename_ops(renames: list[_Rename], metadata: sa.MetaData) -> list[ops.MigrateOperation]:
    result: list[ops.MigrateOperation] = []
    by_table: dict[str, list[ops.MigrateOperation]] = {}
    for rename in renames:
        if rename.kind == "table":
            result.append(RenameTableOp(rename.old, rename.new))
            continue
        column = metadata.tables[rename.table].c[rename.new]
        op = RenameColumnOp(
            rename.table,
            rename.old,
            modify_name=rename.new,
            existing_type=column.type,
            existing_nullable=column.nullable,
            existing_server_default=column.server_default or False,
        )
        by_table.setdefault(rename.table, []).append(op)
    result.extend(ops.ModifyTableOps(table, batch) for table, batch in by_table.items())
    return result


def _target_table(fullname: str) -> str:
    """The table of a foreign key's target: ``blog_post`` for ``blog_post.id``."""
    return fullname.rsplit(".", 1)[0].rsplit(".", 1)[-1]


def _references(upgrade: ops.OpContainer) -> tuple[set[str], set[str]]:
    referenced: set[str] = set()
    created: set[str] = set()

    def add_target(fullname: str) -> None:
        referenced.add(_target_table(fullname))

    for op in walk(upgrade):
        if isinstance(op, ops.CreateTableOp):
            created.add(op.table_name)
            for item in op.columns:
                if isinstance(item, sa.ForeignKeyConstraint):
                    for element in item.elements:
                        add_target(element.target_fullname)
                elif isinstance(item, sa.Column):
                    for fk in item.foreign_keys:
                        add_target(fk.target_fullname)
        elif isinstance(op, ops.RenameTableOp):
            created.add(op.new_table_name)
        elif isinstance(op, ops.AddColumnOp):
            for fk in op.column.foreign_keys:
                add_target(fk.target_fullname)
        elif isinstance(op, ops.CreateForeignKeyOp):
            referenced.add(op.referent_table)
    return referenced, created


def _replayed_index(name: str, table: str, sorting: _Sorting) -> sa.Index:
    keys, unique = sorting
    columns = sa.Table(table, sa.MetaData(), *(sa.Column(c) for c, _ in keys)).c
    return sa.Index(name, *(columns[c].desc() if d else columns[c] for c, d in keys), unique=unique)


def _sorted_index_ops(
    upgrade: ops.UpgradeOps, state: SchemaState, metadata: sa.MetaData, label: str
) -> None:
    """Create and drop the indexes with descending columns, compared by name and columns
    (a plain index of the same name is replaced)."""
    found = _replayed_indexes(state, state.owned(label))
    wanted = {
        str(index.name): ((table.name, sorting), index)
        for table in metadata.tables.values()
        if table_label(table) == label
        for index in table.indexes
        if (sorting := _sorting(index))
    }
    drops: dict[str, list[ops.MigrateOperation]] = {}
    creates: dict[str, list[ops.MigrateOperation]] = {}
    for name, (table, sorting) in found.items():
        mine = wanted.get(name, (None, None))[0]
        if mine != (table, sorting) and (mine is not None or _descending((table, sorting))):
            drop = ops.DropIndexOp.from_index(_replayed_index(name, table, sorting))
            drops.setdefault(table, []).append(drop)
    for name, (mine, index) in wanted.items():
        if found.get(name) != mine:
            creates.setdefault(mine[0], []).append(ops.CreateIndexOp.from_index(index))
    for table in sorted({*drops, *creates}):
        before, after = drops.get(table, []), creates.get(table, [])
        if table_ops(upgrade, table) is not None:
            surround_table_ops(upgrade, table, before, after)
            continue
        # A dropped table's index goes before the drop: the downgrade re-creates it after.
        at = next(
            (
                i
                for i, o in enumerate(upgrade.ops)
                if isinstance(o, ops.DropTableOp) and o.table_name == table
            ),
            len(upgrade.ops),
        )
        upgrade.ops.insert(at, ops.ModifyTableOps(table, [*before, *after]))


def _null_filler(
    metadata: sa.MetaData, table: str, column: str, ask: AskDefault | None
) -> FillNullsOp:
    found, value = field_default(metadata, table, column)
    if not found:
        question = NullsQuestion(table, column, model_name(metadata, table))
        if ask is None:
            raise MigrationError(
                f"{question} Give the field a default, keep it null=True, or run "
                "makemigrations interactively to type a one-off value."
            )
        value = ask(question)
    if isinstance(value, enum.Enum):
        value = value.value
    if not isinstance(value, _FILLABLE):
        raise MigrationError(
            f"{table}.{column}: {value!r} cannot fill its NULLs; use a string, number, boolean "
            "or date."
        )
    return FillNullsOp(table, column, value)


def _fill_nulls(upgrade: ops.UpgradeOps, metadata: sa.MetaData, ask: AskDefault | None) -> None:
    """Before a column is made NOT NULL, set its NULLs to the field's constant default (or a
    value the user types). Upgrade only: the downgrade leaves the values in place."""
    result: list[ops.MigrateOperation] = []
    for item in upgrade.ops:
        if isinstance(item, ops.ModifyTableOps):
            result.extend(
                _null_filler(metadata, item.table_name, op.column_name, ask)
                for op in item.ops
                if isinstance(op, ops.AlterColumnOp) and op.modify_nullable is False
            )
        result.append(item)
    upgrade.ops = result


def _close_cycles_after_creates(upgrade: ops.UpgradeOps) -> None:
    """A new table's foreign key to a table created later in the same migration (two
    models pointing at each other) becomes a step of its own after the last new table:
    PostgreSQL and MariaDB refuse a reference to a table that does not exist yet. The
    downgrade, reversed, drops it before the tables."""
    creates = [op for op in upgrade.ops if isinstance(op, ops.CreateTableOp)]
    order = {op.table_name: i for i, op in enumerate(creates)}
    deferred: list[ops.MigrateOperation] = []
    for i, op in enumerate(creates):
        later = [
            item
            for item in op.columns
            if isinstance(item, sa.ForeignKeyConstraint)
            and order.get(_target_table(item.elements[0].target_fullname), -1) > i
        ]
        if later:
            op.columns = [c for c in op.columns if not any(c is item for item in later)]
            steps = [ops.CreateForeignKeyOp.from_constraint(item) for item in later]
            deferred.append(ops.ModifyTableOps(op.table_name, steps))
    if deferred:
        last = upgrade.ops.index(creates[-1]) + 1
        while last < len(upgrade.ops) and _creates_index_of(upgrade.ops[last], creates[-1]):
            last += 1
        upgrade.ops[last:last] = deferred


def _creates_index_of(op: ops.MigrateOperation, create: ops.CreateTableOp) -> bool:
    """Whether ``op`` is the block of index creations that follows ``create``."""
    return isinstance(op, ops.ModifyTableOps) and op.table_name == create.table_name


def _drop_tables_last(upgrade: ops.UpgradeOps) -> None:
    """Drop tables after the other changes (which remove the foreign keys of kept tables
    pointing at them), each after the dropped tables pointing at it; the downgrade, reversed,
    re-creates the tables pointed at first."""
    drops = {op.table_name: op for op in upgrade.ops if isinstance(op, ops.DropTableOp)}
    points_at = {
        name: {_target_table(fk.target_fullname) for fk in op.to_table().foreign_keys} - {name}
        for name, op in drops.items()
    }
    order: list[str] = []
    remaining = sorted(drops)
    while remaining:  # in a cycle of foreign keys, the first table left goes first
        name = next(
            (n for n in remaining if not any(n in points_at[o] for o in remaining)), remaining[0]
        )
        remaining.remove(name)
        order.append(name)

    def table(op: ops.MigrateOperation) -> str | None:
        return op.table_name if isinstance(op, ops.DropTableOp | ops.ModifyTableOps) else None

    kept = [op for op in upgrade.ops if table(op) not in drops]
    upgrade.ops = kept + [op for name in order for op in upgrade.ops if table(op) == name]


def detect_changes(
    state: SchemaState,
    metadata: sa.MetaData,
    label: str,
    *,
    ask_rename: AskRename | None = None,
    ask_default: AskDefault | None = None,
    stated: Stated | None = None,
) -> Changes:
    """The operations that bring the label's replayed tables to its models' tables.

    ``state`` is modified (accepted renames are applied to it). ``stated``: what the
    migration files state (``heron.db.migrations.stated.stated()``): the types of what the
    downgrade re-creates, and the check constraints and partial indexes, which are only
    compared with it.
    """
    renames: list[_Rename] = []
    asked: set[RenameQuestion] = set()
    managed = ownership_ops(state, metadata, label)
    upgrade = _compare(state, metadata, label)
    while ask_rename is not None:
        accepted = _ask_renames(upgrade, metadata, ask_rename, asked)
        if not accepted:
            break
        _apply_renames(state, accepted)
        upgrade = _compare(state, metadata, label)
        links = _link_renames(upgrade, accepted)
        if links:
            _apply_renames(state, links)
            upgrade = _compare(state, metadata, label)
        renames.extend([*accepted, *links])
    model_types(upgrade, metadata)
    fill_existing_rows(upgrade, metadata, ask_default)
    _sorted_index_ops(upgrade, state, metadata, label)
    if stated is not None:
        check_ops(upgrade, stated.checks, metadata, label, state.owned(label))
        computed_ops(upgrade, stated.defaults, metadata, label)
        key_option_ops(upgrade, stated.key_options, metadata, label, _replayed_keys(state, label))
    for op in walk(upgrade):
        if isinstance(op, ops.CreateTableOp):
            op.info = {}  # Heron's table info (label, model class) is not for the file
    upgrade.ops = [*managed, *_rename_ops(renames, metadata), *upgrade.ops]
    if stated is not None:
        renamed = {r.old: r.new for r in renames if r.kind == "table"}
        partial_ops(upgrade, stated.partials, metadata, label, state.owned(label), renamed)
        expression_index_ops(
            upgrade, stated.expressions, metadata, label, state.owned(label), renamed
        )
        inspector = sa.inspect(state.connection)
        existing = {t: {c["name"] for c in inspector.get_columns(t)} for t in state.owned(label)}
        columns = {(r.table, r.new): r.old for r in renames if r.kind == "column"}
        back = {new: old for old, new in renamed.items()}
        comment_ops(upgrade, stated.comments, metadata, label, existing, back, columns)
    portable_types(upgrade)
    _close_cycles_after_creates(upgrade)
    _drop_tables_last(upgrade)
    if stated is not None:
        stated.types.changed_from(upgrade)
        stated.defaults.changed_from(upgrade)
    downgrade = upgrade.reverse()
    if stated is not None:
        stated.types.restore(downgrade)
        stated.comments.restore(downgrade)
        stated.defaults.restore(downgrade)
        stated.key_options.restore(downgrade)
    refill_readded_columns(downgrade)
    _fill_nulls(upgrade, metadata, ask_default)
    for container in (upgrade, downgrade):
        prune_index_drops(container)
        cast_changed_types(container)
        indexes_before_drops(container)
        sorted_indexes(container)
    referenced, created = _references(upgrade)
    unreferenced, _ = _references(downgrade)
    own = {t.name for t in metadata.tables.values() if table_label(t) == label}
    own |= state.owned(label)
    dropped = {op.table_name for op in upgrade.ops if isinstance(op, ops.DropTableOp)}
    return Changes(
        label, upgrade, downgrade, referenced - own - created, created, dropped, unreferenced - own
    )
