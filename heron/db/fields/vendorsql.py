"""SQL text per backend for DDL: column defaults, generated columns, indexed expressions.

A ``VendorSQL`` element compiles to the text of the backend compiling it: texts given as a
migration file states them (``vendor_sql({...})``), or built on first use from a model
(its table must exist first). ``expression_sql()`` builds such a text from one of Heron's
expressions over a model's row, with the query compiler, and has SQLAlchemy write its
values in as quoted literals. Texts hold single ``%`` signs (rendered with named
parameters); the compile hook doubles them for a driver whose parameters are ``%s``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import replacement_traverse

from heron.db.models.exceptions import FieldError

if TYPE_CHECKING:
    from heron.db.fields.base import Field

__all__ = ["VENDORS", "VendorSQL", "dialect_vendor", "expression_sql", "render", "vendor_sql"]

VENDORS = ("sqlite", "postgresql", "mysql")


def dialect_vendor(name: str) -> str:
    """Heron's vendor for a SQLAlchemy dialect name (other dialects: standard SQL)."""
    vendor = "mysql" if name in ("mysql", "mariadb") else name
    return vendor if vendor in VENDORS else "postgresql"


class VendorSQL(ColumnElement[Any]):
    """SQL text chosen by the dialect compiling it: ``texts`` (vendor → SQL), or ``build``
    called with the vendor the first time each one is needed. ``parenthesized`` ones are
    written in parentheses (an indexed expression)."""

    inherit_cache = False
    type = sa.types.NullType()
    parenthesized = False
    #: How a migration file writes one: ``vendor_sql({...})``.
    writer = "vendor_sql"

    def __init__(
        self,
        texts: Mapping[str, str] | None = None,
        build: Callable[[str], str] | None = None,
    ) -> None:
        self.texts: dict[str, str] = dict(texts or {})
        self.build = build

    def text(self, vendor: str) -> str:
        """The SQL for ``vendor``."""
        found = self.texts.get(vendor)
        if found is None:
            if self.build is None:
                raise KeyError(f"No SQL for {vendor} in {self.texts!r}.")
            found = self.texts[vendor] = self.build(vendor)
        return found

    def all_texts(self) -> dict[str, str]:
        """The SQL for every backend (what a migration file states)."""
        return {vendor: self.text(vendor) for vendor in VENDORS}

    def __repr__(self) -> str:
        return f"{self.writer}({self.all_texts()!r})"


def vendor_sql(texts: Mapping[str, str]) -> VendorSQL:
    """A default or generation expression as a migration file writes it (vendor → SQL)."""
    return VendorSQL(texts)


@compiles(VendorSQL)
def _compile_vendor_sql(element: VendorSQL, compiler: Any, **kw: Any) -> str:
    text = element.text(dialect_vendor(compiler.dialect.name))
    if compiler.preparer._double_percents:  # "%s" parameters: a "%" is written "%%"
        text = text.replace("%", "%%")
    return f"({text})" if element.parenthesized else text


@functools.cache
def _dialect(vendor: str) -> Any:
    """A dialect of ``vendor`` with named parameters, so "%" signs stay single."""
    return importlib.import_module(f"sqlalchemy.dialects.{vendor}").dialect(paramstyle="named")


def render(clause: Any, vendor: str) -> str:
    """A SQLAlchemy clause as ``vendor``'s SQL text, values written in as literals."""
    compiled = clause.compile(
        dialect=_dialect(vendor), compile_kwargs={"literal_binds": True, "include_table": False}
    )
    return str(compiled)


def expression_sql(expression: Any, model: Any, vendor: str, field: Field | None = None) -> str:
    """``expression`` (Heron's, over ``model``'s own columns) as ``vendor``'s SQL text,
    values as literals; with ``field``, as the value written to that field (the cast and
    rounding ``QuerySet.update()`` would apply)."""
    from heron.db.query.compiler import Binder, WhereBuilder, expr_shape
    from heron.db.query.paths import Joins
    from heron.db.query.update import assigned

    values: list[Any] = []
    expr_shape(expression, values)
    binder = Binder()
    joins = Joins(model)
    builder = WhereBuilder(joins, binder, vendor)
    built: Any = (
        assigned(builder, field, expression)
        if field is not None
        else builder.expression(expression, None)
    )
    if joins.joins:
        raise FieldError(f"{expression!r} cannot follow relations in a table's definition.")
    literals = {
        f"p{i}": sa.null() if value is None else sa.literal(value)
        for i, (value, prep) in enumerate(zip(values, binder.preps, strict=True))
        for value in [prep(value) if prep is not None and value is not None else value]
    }
    if literals:

        def inline(element: Any, **kw: Any) -> Any:
            if isinstance(element, BindParameter) and element.key in literals:
                return literals[element.key]
            return None

        built = replacement_traverse(built, {}, inline)
    return render(built, vendor)
