"""Indexes and constraints from ``Meta``: Index, UniqueConstraint, CheckConstraint.

Names may contain ``%(class)s`` (the model name, lower case) and ``%(label)s`` so an
abstract model can declare them for each of its children. An Index or UniqueConstraint
with ``condition=Q(...)`` is a partial index, built from the same serialised Q as a
check constraint, on the databases that have partial indexes. The PostgreSQL options
(``deferrable``, ``nulls_distinct``, ``include``) and what the other databases do with
them are described in ``heron.db.models.indexes``.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import hashlib
import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

from heron.db.fields.dbdefault import DB_DEFAULT
from heron.db.models.exceptions import FieldError
from heron.db.models.indexes import (
    ConstraintOptionWarning,
    covering,
    expression_terms,
    index_expressions,
)
from heron.db.query.expressions import Aggregate, Combined, F, Q, Value
from heron.db.query.lookups import LOOKUPS, TEXT_LOOKUPS, prepare_value

if TYPE_CHECKING:
    from heron.db.models.options import Options

__all__ = [
    "PARTIAL_DIALECTS",
    "CheckConstraint",
    "ConstraintOptionWarning",
    "Deferrable",
    "Index",
    "QCheck",
    "UniqueConstraint",
    "ViolationMessage",
    "condition_fields",
    "heron_check",
    "index_condition",
    "matches",
    "only_where_partial",
    "partial_index",
    "table_items",
    "unique_message",
]

# PostgreSQL truncates identifiers at 63 bytes, MariaDB/MySQL refuse more than 64.
MAX_NAME = 60


class Deferrable(enum.Enum):
    """When PostgreSQL checks a deferrable unique constraint: at commit (``DEFERRED``) or
    after each statement unless ``SET CONSTRAINTS ... DEFERRED`` (``IMMEDIATE``)."""

    DEFERRED = "deferred"
    IMMEDIATE = "immediate"


class ViolationMessage(str):
    """A constraint's violation message carrying its ``violation_error_code`` as ``code``
    (the messages of ``ValidationError.errors`` are these when a code is given)."""

    code: str | None

    def __new__(cls, message: str, code: str | None = None) -> ViolationMessage:
        made = super().__new__(cls, message)
        made.code = code
        return made

    def __reduce__(self) -> tuple[type[ViolationMessage], tuple[str, str | None]]:
        return (type(self), (str(self), self.code))  # copies and pickles keep the code


class Index:
    """An index on ``fields`` (``"-field"`` for descending); ``unique=True`` for a unique one.

    Or on expressions, given positionally (``Index(Lower("title"), F("pages").desc(),
    name=...)``; a string is a field): those need a ``name``, and MariaDB cannot build them.
    ``condition=Q(...)`` makes it a partial index, holding only the rows that match (it
    then needs a ``name``). PostgreSQL and SQLite build it; MariaDB/MySQL have no partial
    indexes, so there it is not created. ``include=[...]`` adds non-key fields to the
    index (PostgreSQL's covering ``INCLUDE``; the other databases leave them out).
    """

    def __init__(
        self,
        *expressions: Any,
        fields: Sequence[str] = (),
        name: str | None = None,
        unique: bool = False,
        condition: Q | None = None,
        include: Sequence[str] = (),
    ) -> None:
        self.expressions = index_expressions(expressions, fields, name, "An Index")
        _check_condition(condition, name, "An Index")
        self.fields = list(fields)
        self.name = name
        self.unique = unique
        self.condition = condition
        self.include = _checked_include(include, self, "An Index")

    def build(self, meta: Options) -> sa.Index:
        """The ``sqlalchemy.Index`` for the model's table."""
        columns: list[Any] = expression_terms(self.expressions, meta)
        for spec in self.fields:
            column = meta.get_field(spec.lstrip("-")).column
            columns.append(sa.column(column).desc() if spec.startswith("-") else column)
        name = _resolve(self.name, meta) or _name(meta, "idx", [f.lstrip("-") for f in self.fields])
        if self.condition is not None:
            where = _condition(self.condition, meta, f"the index {name}")
            return partial_index(name, columns, where, unique=self.unique)
        return sa.Index(name, *columns, unique=self.unique, **covering(self.include, meta))

    def __repr__(self) -> str:
        where = f" where {self.condition!r}" if self.condition is not None else ""
        on = list(self.expressions) or self.fields
        return f"<Index {self.name or ''} on {on}{where}>"


class UniqueConstraint:
    """Rows must differ on ``fields`` taken together (checked by the database and by
    ``Model.validate_unique()``).

    Or on expressions, given positionally (``UniqueConstraint(Lower("email"), name=...)``):
    a unique index on them, which needs a ``name`` and which MariaDB cannot build.
    ``condition=Q(...)`` limits the rule to the rows that match it (one active row per
    user, say); it then needs a ``name``. PostgreSQL and SQLite enforce it with a partial
    unique index; MariaDB/MySQL cannot, so there only ``validate_unique()`` checks it.
    ``violation_error_message`` replaces the message ``validate_unique()`` gives
    (``%(name)s`` is the constraint's name), ``violation_error_code`` is its ``code``.

    On fields, PostgreSQL also takes ``deferrable=Deferrable.DEFERRED`` (checked at
    commit), ``nulls_distinct=False`` (NULLs clash like values; PostgreSQL 15+) and
    ``include=[...]`` (non-key fields in its index); see ``heron.db.models.indexes`` for
    the other databases.
    """

    def __init__(
        self,
        *expressions: Any,
        fields: Sequence[str] = (),
        name: str | None = None,
        condition: Q | None = None,
        deferrable: Deferrable | None = None,
        include: Sequence[str] = (),
        nulls_distinct: bool | None = None,
        violation_error_message: str | None = None,
        violation_error_code: str | None = None,
    ) -> None:
        self.expressions = index_expressions(expressions, fields, name, "A UniqueConstraint")
        _check_condition(condition, name, "A UniqueConstraint")
        self.fields = list(fields)
        self.name = name
        self.condition = condition
        self.include = _checked_include(include, self, "A UniqueConstraint")
        self.deferrable = _checked_deferrable(deferrable, self)
        if nulls_distinct is not None and not isinstance(nulls_distinct, bool):
            raise ValueError("A UniqueConstraint's nulls_distinct is True, False or None.")
        if nulls_distinct is False and (self.condition is not None or self.expressions):
            raise ValueError(
                "A UniqueConstraint with nulls_distinct=False takes fields=[...] without a "
                "condition (Heron does not combine them yet)."
            )
        self.nulls_distinct = nulls_distinct
        self.violation_error_message = violation_error_message
        self.violation_error_code = violation_error_code

    def build(self, meta: Options) -> sa.UniqueConstraint | sa.Index:
        """The ``sqlalchemy.UniqueConstraint`` for the model's table (a unique
        ``sqlalchemy.Index`` when there is a condition or an expression)."""
        if self.expressions:
            columns: list[Any] = expression_terms(self.expressions, meta)
        else:
            columns = [meta.get_field(f).column for f in self.fields]
        name = _resolve(self.name, meta) or _name(meta, "uniq", self.fields)
        if self.condition is not None:
            where = _condition(self.condition, meta, f"the unique constraint {name}")
            return partial_index(name, columns, where, unique=True)
        if self.expressions:
            return sa.Index(name, *columns, unique=True)
        return sa.UniqueConstraint(*columns, name=name, **self._options(meta))

    def _options(self, meta: Options) -> dict[str, Any]:
        """The SQLAlchemy arguments of ``deferrable``, ``nulls_distinct`` and ``include``."""
        options = covering(self.include, meta)
        if self.deferrable is not None:
            options.update(deferrable=True, initially=self.deferrable.name)
        if self.nulls_distinct is False:
            options["postgresql_nulls_not_distinct"] = True
        return options

    def violation_message(self, meta: Options) -> str | None:
        """``violation_error_message`` with the constraint's name filled in, if given (on
        expressions, which name no field, a message naming the constraint otherwise; with
        only a ``violation_error_code``, the usual message), carrying the code."""
        message = _filled(self.violation_error_message, self.name, meta)
        if message is None and self.expressions:
            message = f"Constraint {_resolve(self.name, meta)!r} is violated."
        if message is None and self.violation_error_code is not None:
            message = unique_message(meta, self.fields)
        return _coded(message, self.violation_error_code)

    def __repr__(self) -> str:
        where = f" where {self.condition!r}" if self.condition is not None else ""
        on = list(self.expressions) or self.fields
        return f"<UniqueConstraint {self.name or ''} on {on}{where}>"


class CheckConstraint:
    """A condition every row must satisfy, enforced by the database.

    ``condition`` is a ``Q`` on the model's own columns (``Q(price__gte=0)``,
    ``Q(start__lte=F("end"))``, combined with ``&``, ``|``, ``~``) or SQL text in terms
    of column names (``"price >= 0"``); ``check=`` is the older name of the same argument.
    Name it uniquely: MariaDB/MySQL check-constraint names share one namespace per database.
    """

    def __init__(
        self,
        *,
        condition: Q | str | None = None,
        name: str,
        check: Q | str | None = None,
        violation_error_message: str | None = None,
        violation_error_code: str | None = None,
    ) -> None:
        if condition is not None and check is not None:
            raise ValueError("A CheckConstraint takes condition= or check=, not both.")
        value = condition if condition is not None else check
        if isinstance(value, Q):
            if not value:
                raise ValueError("A CheckConstraint needs a non-empty Q.")
        elif not value or not isinstance(value, str):
            raise ValueError("A CheckConstraint needs condition=Q(...) or '<SQL condition>'.")
        if not name:
            raise ValueError("A CheckConstraint needs a name.")
        self.condition: Q | str = value
        self.name = name
        #: What ``full_clean()`` reports when the instance breaks the condition
        #: (``%(name)s`` is the constraint's name).
        self.violation_error_message = violation_error_message
        #: The ``code`` of that message.
        self.violation_error_code = violation_error_code

    @property
    def check(self) -> Q | str:
        """The condition (its name before Django 5.1)."""
        return self.condition

    def violation_message(self, meta: Options) -> str:
        """What ``full_clean()`` reports when an instance breaks the condition."""
        message = _filled(self.violation_error_message, self.name, meta)
        message = message or f"The values break the check constraint {_resolve(self.name, meta)!r}."
        code = self.violation_error_code
        return message if code is None else ViolationMessage(message, code)

    def broken_by(self, instance: Any, skip: set[str]) -> bool:
        """Whether ``instance``'s own values make the condition false, as the database
        would judge its row (NULL, unknown, passes). SQL-text conditions are left to the
        database, as are conditions reading a field in ``skip`` (excluded or invalid)."""
        if isinstance(self.condition, str):
            return False
        meta = instance._meta
        names = condition_fields(self.condition)
        read = {_column(meta, n, "condition", "check constraint").name for n in names}
        if skip & (read | names):
            return False
        return matches(self.condition, instance) is False

    def build(self, meta: Options) -> sa.CheckConstraint:
        """The ``sqlalchemy.CheckConstraint`` for the model's table."""
        name = _resolve(self.name, meta)
        if isinstance(self.condition, str):
            return sa.CheckConstraint(self.condition, name=name)
        return sa.CheckConstraint(
            QCheck(_serialise(self.condition, meta, "check constraint")), name=name
        )

    def __repr__(self) -> str:
        return f"<CheckConstraint {self.name}: {self.condition!r}>"


# -- CHECK constraints from a Q --------------------------------------------------------------
#
# A Q becomes, once, a tree of plain Python values that holds everything the SQL needs:
# ``(connector, negated, (child, ...))`` nodes and ``(column, lookup, rhs)`` leaves, where
# ``rhs`` is a bool for ``isnull``, else a tuple of terms (a value already converted as the
# field stores it, or ``("F", column)``), or a dict ``{vendor: terms}`` when the converted
# values differ per backend (dates on SQLite are text, for instance). ``QCheck`` compiles
# the tree for the dialect at hand with Heron's lookups; values are rendered by SQLAlchemy
# as literals. Migration files hold the same tree (``heron_check(...)``), so they rebuild
# the condition on every backend without the models.

VENDORS = ("sqlite", "postgresql", "mysql")
_NOT_ALLOWED = frozenset({"regex", "iregex"})  # SQLite's REGEXP is a per-connection function
_LITERALS = (
    bool,
    int,
    float,
    str,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    type(None),
)


class QCheck(ColumnElement[bool]):
    """A CHECK condition compiled per dialect from a serialised Q (see ``heron_check``)."""

    inherit_cache = False
    type = sa.Boolean()

    def __init__(self, tree: Any) -> None:
        self.tree = tree

    def clause(self, vendor: str) -> Any:
        """The SQLAlchemy condition for ``vendor``."""
        return _clause(self.tree, vendor)


def heron_check(tree: Any) -> QCheck:
    """The condition a migration file writes for a ``CheckConstraint(condition=Q(...))``."""
    return QCheck(tree)


@compiles(QCheck)
def _compile_qcheck(element: QCheck, compiler: Any, **kw: Any) -> str:
    name = compiler.dialect.name
    vendor = "mysql" if name in ("mysql", "mariadb") else name
    if vendor not in VENDORS:
        vendor = "postgresql"  # standard SQL (Alembic's generic rendering)
    kw["literal_binds"] = True
    return str(compiler.process(element.clause(vendor), **kw))


def _clause(node: Any, vendor: str) -> Any:
    if isinstance(node[1], bool):
        connector, negated, children = node
        parts = [_clause(child, vendor) for child in children]
        clause = sa.and_(*parts) if connector == Q.AND else sa.or_(*parts)
        return sa.not_(clause) if negated else clause
    column_name, lookup, rhs = node
    column: Any = sa.column(column_name)
    if lookup == "isnull":
        return column.is_(None) if rhs else column.is_not(None)
    terms = rhs[vendor] if isinstance(rhs, dict) else rhs
    if lookup == "exact" and terms == (None,):
        return column.is_(None)
    values = [sa.column(t[1]) if isinstance(t, tuple) else sa.literal(t) for t in terms]
    return LOOKUPS[lookup](column, values, vendor)


def _serialise(q: Q, meta: Options, kind: str) -> Any:
    """The tree of ``q`` (see above); ``kind`` names what it is for in error messages."""
    children = tuple(
        _serialise(child, meta, kind)
        if isinstance(child, Q)
        else _leaf(*_lookup(child, kind), meta, kind)
        for child in q.children
    )
    return (q.connector, q.negated, children)


def _lookup(child: Any, kind: str) -> tuple[str, Any]:
    """A Q's ``(key, value)`` child; an expression (``Exists``, say) is refused."""
    if not isinstance(child, tuple):
        raise FieldError(
            f"A {kind} takes field lookups of the same row, not {type(child).__name__}."
            f"{_as_text(kind)}"
        )
    return child


def _as_text(kind: str) -> str:
    """The way out an error message suggests: only a check constraint takes SQL text."""
    return " Write the condition as SQL text instead." if kind == "check constraint" else ""


def _column(meta: Options, name: str, what: str, kind: str) -> Any:
    """The field of one of the model's own columns (a foreign key's own column included)."""
    try:
        field: Any = meta.get_field(name)
    except Exception:
        field = next((f for f in meta.fields if getattr(f, "attname", None) == name), None)
        if field is None:
            raise FieldError(
                f"{meta.object_name} has no field {name!r} (in the {kind} {what})."
            ) from None
    if field.many_to_many or not getattr(field, "column", None):
        raise FieldError(
            f"A {kind} can only use {meta.object_name}'s own columns: {name!r} "
            f"is not one (in {what})."
        )
    return field


def _leaf(key: str, value: Any, meta: Options, kind: str) -> Any:
    shown = repr(value) if isinstance(value, (*_LITERALS, F, list, tuple)) else type(value).__name__
    what = f"{key}={shown}"
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    if lookup != "isnull" and lookup not in LOOKUPS:
        raise FieldError(
            f"A {kind} cannot follow relations or use transforms ({key}): it is "
            f"checked on one row of {meta.object_name}'s table. Use its own columns "
            f"(a foreign key's own column is fine).{_as_text(kind)}"
        )
    if lookup in _NOT_ALLOWED:
        raise FieldError(f"The lookup {lookup!r} is not supported in a {kind}.")
    field = _column(meta, name, what, kind)
    column = field.column
    if lookup == "isnull":
        if not isinstance(value, bool):
            raise FieldError(f"{key} takes True or False.")
        return (column, lookup, value)
    if isinstance(value, F):
        if "__" in value.name:
            raise FieldError(f"A {kind} cannot follow relations ({value!r} in {what}).")
        return (column, lookup, (("F", _column(meta, value.name, what, kind).column),))
    if isinstance(value, (Combined, Aggregate, Value)) or hasattr(value, "_as_subquery"):
        raise FieldError(
            f"A {kind} takes values and F('field') of the same row, not "
            f"{type(value).__name__} ({what}).{_as_text(kind)}"
        )
    if lookup in ("in", "range"):
        items = list(value)
        if lookup == "range" and len(items) != 2:
            raise FieldError(f"{key} takes two values.")
        if not items:
            raise FieldError(f"{key} needs at least one value.")
    else:
        items = [value]
    if value is None and lookup != "exact":
        raise FieldError(f"None is only allowed with exact or isnull lookups ({key}).")
    per_vendor = {
        vendor: tuple(_convert(field, lookup, v, vendor, what, kind) for v in items)
        for vendor in VENDORS
    }
    distinct = set(map(repr, per_vendor.values()))
    return (column, lookup, per_vendor["sqlite"] if len(distinct) == 1 else per_vendor)


def _convert(field: Any, lookup: str, value: Any, vendor: str, what: str, kind: str) -> Any:
    if value is not None:
        if lookup in TEXT_LOOKUPS:
            prep = prepare_value(lookup, vendor)
            value = prep(value) if prep is not None else value
        else:
            if hasattr(value, "_meta"):
                value = value.pk
            value = field.get_prep_value(value)
            to_db = field.db_preparer(vendor) if value is not None else None
            value = to_db(value) if to_db is not None else value
    if not isinstance(value, _LITERALS):
        raise FieldError(
            f"A {kind} cannot hold the value {value!r} ({what}): it takes numbers, "
            f"text, booleans, dates, times and None.{_as_text(kind)}"
        )
    return value


# -- partial indexes (a condition on an Index or a UniqueConstraint) -------------------------

#: The databases that build partial indexes: MariaDB/MySQL have none.
PARTIAL_DIALECTS = ("sqlite", "postgresql")


def _check_condition(condition: Q | None, name: str | None, what: str) -> None:
    if condition is None:
        return
    if not isinstance(condition, Q) or not condition:
        raise ValueError(f"{what}'s condition must be a non-empty Q.")
    if not name:
        raise ValueError(f"{what} with a condition needs a name.")


def _condition(q: Q, meta: Options, what: str) -> QCheck:
    return QCheck(_serialise(q, meta, f"condition of {what}"))


def partial_index(
    name: str, columns: Sequence[Any], condition: QCheck, *, unique: bool
) -> sa.Index:
    """An index holding the rows that match ``condition``, created on PostgreSQL and SQLite
    only (``ddl_if``: elsewhere it would be a plain index, enforcing more than asked)."""
    index = sa.Index(
        name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition
    )
    return only_where_partial(index)


def only_where_partial(index: sa.Index) -> sa.Index:
    """``index``, created by ``create_all()`` only on the databases in ``PARTIAL_DIALECTS``."""
    return index.ddl_if(dialect=PARTIAL_DIALECTS)  # type: ignore[arg-type]  # a tuple is fine


def index_condition(index: sa.Index) -> QCheck | None:
    """The condition of a partial index built by ``partial_index``, else None."""
    condition = index.kwargs.get("sqlite_where")
    return condition if isinstance(condition, QCheck) else None


def _checked_include(include: Sequence[str], item: Any, what: str) -> list[str]:
    """The ``include`` fields, refused where Heron cannot build them."""
    if isinstance(include, str) or not all(isinstance(f, str) for f in include):
        raise ValueError(f"{what}'s include is a list of field names.")
    if include and (item.condition is not None or item.expressions):
        raise ValueError(
            f"{what} with include=[...] takes fields=[...] without a condition (Heron does "
            "not combine them yet)."
        )
    return list(include)


def _checked_deferrable(deferrable: Any, constraint: UniqueConstraint) -> Deferrable | None:
    """``deferrable``, refused with what PostgreSQL cannot defer (a unique index)."""
    if deferrable is None:
        return None
    if not isinstance(deferrable, Deferrable):
        raise ValueError("A UniqueConstraint's deferrable is a Deferrable (or None).")
    for option, given in (
        ("a condition", constraint.condition is not None),
        ("expressions", bool(constraint.expressions)),
        ("include", bool(constraint.include)),
    ):
        if given:
            raise ValueError(
                f"A deferrable UniqueConstraint cannot have {option} ({constraint.name}): "
                "PostgreSQL defers constraints, not unique indexes."
            )
    return deferrable


def _coded(message: str | None, code: str | None) -> str | None:
    """``message`` carrying ``code`` (a ``ViolationMessage``) when there is one."""
    if message is None or code is None:
        return message
    return ViolationMessage(message, code)


def unique_message(meta: Options, fields: Sequence[str]) -> str:
    """The usual message of a clash on ``fields``: "Book with this title and author..."."""
    labels = [str(meta.get_field(n).verbose_name or n) for n in fields]
    joined = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    model = str(meta.verbose_name)
    return f"{model[:1].upper()}{model[1:]} with this {joined} already exists."


def _filled(message: str | None, name: str | None, meta: Options) -> str | None:
    """A ``violation_error_message`` with the constraint's name filled in, if given."""
    if message is None:
        return None
    return message.replace("%(name)s", _resolve(name, meta) or "")


def condition_fields(q: Q) -> set[str]:
    """The names of the fields a condition reads (``F()`` targets included)."""
    found: set[str] = set()
    for child in q.children:
        if isinstance(child, Q):
            found |= condition_fields(child)
            continue
        key, value = _lookup(child, "condition")
        found.add(key.partition("__")[0])
        if isinstance(value, F):
            found.add(value.name)
    return found


def matches(q: Q, instance: Any) -> bool | None:
    """Whether ``instance``'s own values satisfy ``q`` as a database judges its row: True,
    False or None (unknown, as a comparison with NULL is). Only True puts a row in a
    partial index."""
    results = [
        matches(child, instance)
        if isinstance(child, Q)
        else _leaf_matches(instance, *_lookup(child, "condition"))
        for child in q.children
    ]
    if q.connector == Q.AND:
        result = False if False in results else None if None in results else True
    else:
        result = True if True in results else None if None in results else False
    return None if result is None else result != q.negated


def _leaf_matches(instance: Any, key: str, value: Any) -> bool | None:
    meta = instance._meta
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    kind = "condition"
    field = _column(meta, name, key, kind)
    stored = instance.__dict__.get(field.attname)
    if stored is DB_DEFAULT:  # the database will fill it: its value is not known yet
        return None
    actual = _python(field, stored)
    if lookup == "isnull":
        return (actual is None) == bool(value)
    if isinstance(value, F):
        other = _column(meta, value.name, key, kind)
        items = [_python(other, instance.__dict__.get(other.attname))]
    else:
        items = [_python(field, v) for v in (value if lookup in ("in", "range") else [value])]
    if lookup == "exact" and items == [None]:
        return actual is None
    if actual is None or None in items:
        return None
    try:
        return _compare(lookup, actual, items)
    except TypeError:
        return None


def _python(field: Any, value: Any) -> Any:
    """A value as the field stores it, for comparing in Python."""
    if hasattr(value, "_meta"):
        value = value.pk
    try:
        return field.get_prep_value(value)
    except Exception:
        return value


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_TEXT: dict[str, Callable[[str, str], bool]] = {
    "exact": operator.eq,
    "contains": operator.contains,
    "startswith": str.startswith,
    "endswith": str.endswith,
}


def _compare(lookup: str, actual: Any, items: list[Any]) -> bool:
    if lookup in TEXT_LOOKUPS:
        a, b = str(actual), str(items[0])
        if lookup.startswith("i"):
            a, b, lookup = a.lower(), b.lower(), lookup[1:]
        return bool(_TEXT[lookup](a, b))
    if lookup == "in":
        return actual in items
    if lookup == "range":
        return bool(items[0] <= actual <= items[1])
    return bool(_ORDER[lookup](actual, items[0]))


def _resolve(name: str | None, meta: Options) -> str | None:
    if name is None:
        return None
    return name % {"class": meta.model_name, "label": meta.label, "app_label": meta.label}


def _name(meta: Options, kind: str, fields: Sequence[str]) -> str:
    """``<table>_<fields>_<kind>``, shortened with a hash when too long."""
    name = f"{meta.table_name}_{'_'.join(fields)}_{kind}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - len(kind) - 10]}_{digest}_{kind}"


def table_items(meta: Options) -> list[Any]:
    """The SQLAlchemy indexes and constraints for a model's table."""
    items: list[Any] = []
    for together in meta.unique_together:
        items.append(UniqueConstraint(fields=together).build(meta))
    for constraint in meta.constraints:
        items.append(constraint.build(meta))
    for index in meta.indexes:
        items.append(index.build(meta))
    return items
