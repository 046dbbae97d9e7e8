"""Tables a label stops or starts managing (``Meta.managed``), without touching them.

A model made unmanaged keeps its table: the migration written for it says
``release_table("blog_legacy")``, which changes nothing in the database, but tells later
replays that the label no longer owns the table (so removing the model drops nothing).
A model made managed again over a table the migrations built and released says
``adopt_table(...)``; one that never had a table gets a ``create_table``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops

from heron.db.migrations.schema import table_label, table_managed

if TYPE_CHECKING:
    from heron.db.migrations.state import SchemaState

__all__ = [
    "AdoptTableOp",
    "ReleaseTableOp",
    "adopt_table",
    "ownership_hook",
    "ownership_ops",
    "release_table",
]

#: Called as ``hook(table, managed)`` by ``release_table``/``adopt_table`` during replays.
OwnershipHook = Callable[[str, bool], None]
_hook: ContextVar[OwnershipHook | None] = ContextVar("heron_migrations_ownership", default=None)


def _notify(table: str, managed: bool) -> None:
    hook = _hook.get()
    if hook is not None:
        hook(table, managed)
        return
    from alembic import op

    context = op.get_context()
    if context.as_sql:  # sqlmigrate: say so, as there is no SQL
        verb = "now managed" if managed else "no longer managed"
        context.impl.static_output(f"-- Table {table} is {verb} by the migrations (no SQL).\n")


def release_table(table: str) -> None:
    """The label's migrations stop managing ``table`` (``Meta.managed = False``); the
    table stays as it is. No SQL runs."""
    _notify(table, False)


def adopt_table(table: str) -> None:
    """The label's migrations manage ``table`` again (it exists already). No SQL runs."""
    _notify(table, True)


@contextlib.contextmanager
def ownership_hook(hook: OwnershipHook) -> Iterator[None]:
    """Route ``release_table``/``adopt_table`` calls to ``hook`` while the block runs."""
    token = _hook.set(hook)
    try:
        yield
    finally:
        _hook.reset(token)


class ReleaseTableOp(ops.MigrateOperation):
    """``release_table(table)`` in a migration file; its reverse adopts the table."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def reverse(self) -> AdoptTableOp:
        return AdoptTableOp(self.table_name)

    def imports(self) -> set[str]:
        """The import line the rendered call needs."""
        return {"from heron.db.migrations.ownership import release_table"}


class AdoptTableOp(ops.MigrateOperation):
    """``adopt_table(table)`` in a migration file; its reverse releases the table."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def reverse(self) -> ReleaseTableOp:
        return ReleaseTableOp(self.table_name)

    def imports(self) -> set[str]:
        """The import line the rendered call needs."""
        return {"from heron.db.migrations.ownership import adopt_table"}


@renderers.dispatch_for(ReleaseTableOp)
def _render_release(context: AutogenContext, op: ReleaseTableOp) -> str:
    return f"release_table({op.table_name!r})"


@renderers.dispatch_for(AdoptTableOp)
def _render_adopt(context: AutogenContext, op: AdoptTableOp) -> str:
    return f"adopt_table({op.table_name!r})"


def ownership_ops(
    state: SchemaState, metadata: sa.MetaData, label: str
) -> list[ReleaseTableOp | AdoptTableOp]:
    """Release the label's replayed tables whose model is now unmanaged, and adopt the
    released tables its managed models describe again. ``state`` is updated (the
    comparison that follows sees the new ownership)."""
    found: list[ReleaseTableOp | AdoptTableOp] = []
    existing = state.table_names()
    for name in sorted(state.owned(label)):
        table = metadata.tables.get(name)
        if table is not None and not table_managed(table):
            del state.owners[name]
            found.append(ReleaseTableOp(name))
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        name = table.name
        if table_label(table) == label and name in existing and name not in state.owners:
            state.owners[name] = label
            found.append(AdoptTableOp(name))
    return found
