"""Filters on window annotations (``rank__lte=2``): SQL computes windows after WHERE, so a
condition reading a window is applied by an outer query over the windowed rows.

Which side a condition goes to depends only on its lookup keys, its ``Q`` structure and
the annotations, all part of the statement-cache shape; it is decided when a statement is
built. An AND is split (its ordinary conditions still limit the rows the window sees); an
OR or a negation reading a window goes outside whole. Conditions are built in collection
order whichever side they go to: the binder numbers the parameters in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ColumnClause, Label
from sqlalchemy.sql.selectable import Exists, ScalarSelect, SelectBase

from heron.db.errors import NotSupportedError
from heron.db.query.expressions import Q, condition_reads_window, names_window

__all__ = ["WindowFilters", "fetch_only", "window_filters", "windowed"]


def windowed(annotations: Mapping[str, Any]) -> list[str]:
    """The names of the ``annotations`` computed from a window."""
    return [name for name in annotations if names_window(name, annotations)]


def fetch_only(plan: WindowFilters, nodes: Iterable[Any]) -> NotSupportedError:
    """The error of an operation that builds no outer query (``update()``, ``delete()``,
    ``Subquery()`` …) on a QuerySet filtered on a window."""
    return NotSupportedError(
        f"A QuerySet filtered on a window expression ({plan.first_key(nodes)}) can only be "
        "fetched (instances, values(), count(), exists(), aggregate()): SQL evaluates WHERE "
        "before window functions, so the filter is applied by an outer query, which "
        "update(), delete(), Subquery() and Exists() don't build. Filter the fetched rows "
        "in Python instead ([row for row in qs if ...]), or update/delete by primary key: "
        "Model.objects.filter(pk__in=list(qs.values_list('pk', flat=True)))."
    )


def window_filters(annotations: Mapping[str, Any], nodes: Iterable[Any]) -> WindowFilters | None:
    """The plan of a query whose filter ``nodes`` read a window annotation, else None."""
    plan = WindowFilters(annotations)
    return plan if any(plan.reads(node) for node in nodes) else None


class WindowFilters:
    """Where each condition of a query filtered on windows goes; ``outer`` collects the
    built conditions the outer query applies."""

    __slots__ = ("annotations", "outer")

    def __init__(self, annotations: Mapping[str, Any]) -> None:
        self.annotations = annotations
        self.outer: list[Any] = []

    def reads(self, node: Any) -> bool:
        """Whether the filter ``node`` reads a window (so it must go outside)."""
        return condition_reads_window(node, self.annotations)

    def first_key(self, nodes: Iterable[Any]) -> str:
        """The first lookup reading a window (for error messages)."""
        for node in nodes:
            leaves = node.leaves() if isinstance(node, Q) else [node]
            for leaf in leaves:
                if isinstance(leaf, tuple) and self.reads(leaf):
                    return str(leaf[0])
        return "?"

    def place(self, builder: Any, nodes: Sequence[Any]) -> Any:
        """The AND of the conditions of ``nodes`` that stay inside (None when none do),
        built in order with ``builder`` (a ``WhereBuilder``); the others go to ``outer``."""
        inner: list[Any] = []
        for node in nodes:
            self._place(builder, node, inner)
        return sa.and_(*inner) if inner else None

    def _place(self, builder: Any, node: Any, inner: list[Any]) -> None:
        if not self.reads(node):
            inner.append(builder.build([node]))
        elif isinstance(node, Q) and node.connector == Q.AND and not node.negated:
            for child in node.children:
                self._place(builder, child, inner)
        else:
            self.outer.append(builder.build([node]))

    def outer_select(
        self, inner: Any, terms: Sequence[Any], labels: Iterable[Any], name: str = "w"
    ) -> tuple[Any, list[Any]]:
        """``SELECT <inner's columns> FROM (inner) AS name WHERE <outer conditions>`` and
        the ORDER BY ``terms`` rewritten to read its columns. What the conditions and terms
        read that ``inner`` doesn't select (the annotation ``labels``, table columns) is
        selected too, under a name of its own (``w0``, ``w1`` …)."""
        selected = list(inner.selected_columns)
        known: dict[int, int] = {}
        for index, column in enumerate(selected):
            known.setdefault(id(column), index)
            if isinstance(column, Label):
                known.setdefault(id(column.element), index)
        annotation_ids = {id(label) for label in labels}
        extras: list[Any] = []

        def collect(elem: Any) -> Any:
            if isinstance(elem, BindParameter) or id(elem) in known:
                return elem
            if isinstance(elem, (SelectBase, ScalarSelect, Exists)):
                raise NotSupportedError(
                    "A condition on a window expression can't hold a subquery (a multi-valued "
                    "relation in exclude(), Exists(), Subquery()); filter it separately."
                )
            if id(elem) in annotation_ids or (
                isinstance(elem, ColumnClause) and elem.table is not None
            ):
                known[id(elem)] = len(selected) + len(extras)
                extras.append(elem)
                return elem
            return None

        for expr in (*self.outer, *terms):
            _rewrite(expr, collect)
        columns = [c.label(f"w{i}") for i, c in enumerate([*selected, *extras])]
        derived = inner.with_only_columns(*columns).subquery(name)

        def swap(elem: Any) -> Any:
            if isinstance(elem, BindParameter):
                return elem
            index = known.get(id(elem))
            return None if index is None else derived.c[f"w{index}"]

        outer = sa.select(
            *[derived.c[f"w{i}"].label(_column_name(c, i)) for i, c in enumerate(selected)]
        ).select_from(derived)
        conditions = [_rewrite(e, swap) for e in self.outer]
        if conditions:
            outer = outer.where(*conditions)
        return outer, [_rewrite(t, swap) for t in terms]


def _rewrite(expr: Any, replace: Any) -> Any:
    """A copy of ``expr`` with what ``replace`` returns (not None) in place of each part."""
    opts: dict[str, Any] = {}
    return visitors.replacement_traverse(expr, opts, replace)


def _column_name(column: Any, index: int) -> str:
    name = getattr(column, "name", None)
    return name if isinstance(name, str) and name else f"w{index}"
