"""The ``Field`` base class: a model attribute backed by one column."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from heron.db.fields.dbdefault import DB_DEFAULT, default_sql, is_expression
from heron.db.fields.vendorsql import VendorSQL
from heron.db.models.exceptions import ValidationError

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["NOT_PROVIDED", "Converter", "Field", "Inline"]

Converter = Callable[[Any], Any]
Validator = Callable[[Any], None]


class Inline(NamedTuple):
    """A read converter as a Python expression, for the generated row loaders.

    ``source`` uses ``{value}`` for the column's value and ``{name}`` for each object in
    ``names``: ``Inline("{fromiso}({value} + '+00:00')", {"fromiso": ...})``. It is written
    for the usual value, with no call into Python code: for any other value it must raise
    one of ``INLINE_ERRORS``, and the loader then converts the rows with ``db_converter``,
    which must give the same result wherever the expression succeeds.
    """

    source: str
    names: Mapping[str, Any] = {}
    #: The same conversion as done by Heron's C row builder, where it has it: a kind
    #: (``"UTC_TEXT"``, ``"DECIMAL"``, ``"BOOL"``) and its decimal places.
    native: tuple[str, int] | None = None


#: What an ``Inline`` expression may raise on a value it is not written for.
INLINE_ERRORS = (ValueError, TypeError, ArithmeticError, AttributeError)


class _NotProvided:
    def __repr__(self) -> str:
        return "NOT_PROVIDED"


NOT_PROVIDED: Any = _NotProvided()
_counter = itertools.count()


class Field:
    """A model field. Subclasses set the column type and the Python/database conversions.

    On the model class a field is a non-data descriptor: a loaded value lives in the
    instance ``__dict__`` under ``attname`` (so reading it costs nothing), and only a value
    left out by ``only()``/``defer()`` reaches ``__get__``, which loads it.
    """

    empty_values: tuple[Any, ...] = (None, "", [], (), {})
    #: True when ``pre_save()`` (or the database) gives the field a value, so an empty
    #: value is fine before the first save (auto primary keys, ``auto_now`` fields)
    fills_on_save = False
    #: text fields: a new instance gets ``""`` rather than ``None`` when no default is given
    empty_strings_allowed = False
    auto_created = False
    #: Values of exactly this type pass ``get_prep_value`` unchanged (writes skip the call).
    python_type: type | None = None
    is_relation = False
    many_to_many = False
    concrete = True
    #: True for ``GeneratedField``: a column the database computes, never written
    generated = False

    def __init__(
        self,
        verbose_name: str | None = None,
        *,
        primary_key: bool = False,
        null: bool = False,
        blank: bool | None = None,
        default: Any = NOT_PROVIDED,
        unique: bool = False,
        db_index: bool = False,
        choices: Iterable[Any] | None = None,
        help_text: str = "",
        editable: bool = True,
        validators: Sequence[Validator] = (),
        column: str | None = None,
        db_column: str | None = None,
        db_comment: str | None = None,
        db_default: Any = NOT_PROVIDED,
    ) -> None:
        self.verbose_name = verbose_name
        self.primary_key = primary_key
        self.null = null
        # An empty default (``default=""``) says empty is fine, unless blank= says otherwise.
        if blank is None:
            blank = not callable(default) and _is_empty_default(default, self.empty_values)
        self.blank = blank
        self.default = default
        self.unique = unique or primary_key
        self.db_index = db_index
        self.choices = _normalise_choices(choices)
        self.help_text = help_text
        self.editable = editable
        self.validators = list(validators)
        self._column = column or db_column
        if db_comment is not None and not isinstance(db_comment, str):
            raise TypeError(f"db_comment must be a string, not {db_comment!r}.")
        #: the column's comment on PostgreSQL and MariaDB (SQLite has none)
        self.db_comment = db_comment or None
        #: the column's server default: a value or an expression (``Now()``)
        self.db_default = _checked_db_default(db_default)
        #: True when the database gives the field its value on INSERT (read back after it)
        self.db_returning = db_default is not NOT_PROVIDED
        self.creation_counter = next(_counter)
        self.name = ""
        self.attname = ""
        self.column = ""
        self.model: type[Model] | None = None

    # -- class set-up -----------------------------------------------------------------------

    def clone(self) -> Field:
        """A fresh copy for another model (abstract inheritance)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.validators = list(self.validators)
        new.model = None
        return new

    def set_attributes_from_name(self, name: str) -> None:
        """Fill ``name``, ``attname``, ``column`` and ``verbose_name`` from the attribute name."""
        self.name = name
        self.attname = self.get_attname()
        self.column = self._column or self.attname
        if self.verbose_name is None:
            self.verbose_name = name.replace("_", " ")

    def get_attname(self) -> str:
        """The instance ``__dict__`` key of the value."""
        return self.name

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        """Attach to ``model`` under ``name`` (and add ``get_<name>_display()`` for choices)."""
        self.set_attributes_from_name(name)
        self.model = model
        model._meta.add_field(self)
        if self.db_returning:
            model._meta.db_returning_fields.append(self)
        setattr(model, self.attname, self)
        if self.choices and f"get_{name}_display" not in model.__dict__:
            setattr(model, f"get_{name}_display", _display_method(self))

    def display(self, value: Any) -> str:
        """The human-readable label of ``value`` among the choices (the value itself if none)."""
        key = getattr(value, "value", value) if isinstance(value, enum.Enum) else value
        for choice, label in self.choices:
            if choice == key:
                return label
        return "" if value is None else str(value)

    # -- the column -------------------------------------------------------------------------

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        """The SQLAlchemy column type."""
        raise NotImplementedError(f"{type(self).__name__} does not define sa_type()")

    def sa_column_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``sqlalchemy.Column``."""
        return {
            "primary_key": self.primary_key,
            "nullable": self.null and not self.primary_key,
            "unique": self.unique and not self.primary_key,
            "index": self.db_index and not self.unique,
            "comment": self.db_comment,
            "server_default": self.server_default(),
        }

    def server_default(self) -> VendorSQL | None:
        """The column's ``DEFAULT`` from ``db_default`` (SQL per backend), or None."""
        if self.db_default is NOT_PROVIDED:
            return None
        return VendorSQL(build=self._default_sql)

    def _default_sql(self, vendor: str) -> str:
        return default_sql(self, self.db_default, vendor)

    def sa_column(self) -> sa.Column[Any]:
        """A new ``sqlalchemy.Column`` for the model's table."""
        return sa.Column(self.column, self.sa_type(), key=self.attname, **self.sa_column_kwargs())

    # -- conversions ------------------------------------------------------------------------

    def db_converter(self, vendor: str) -> Converter | None:
        """Turn a value read from ``vendor``'s driver into Python; ``None`` when no work."""
        return None

    def db_inline(self, vendor: str) -> Inline | None:
        """``db_converter`` as an inline expression, where it has a cheap usual case."""
        return None

    def db_preparer(self, vendor: str) -> Converter | None:
        """Turn a Python value into what ``vendor``'s driver accepts; ``None`` when no work."""
        return None

    def to_python(self, value: Any) -> Any:
        """Coerce ``value`` to this field's Python type, raising ``ValidationError``."""
        return value

    def get_prep_value(self, value: Any) -> Any:
        """Coerce a value used in a query or a save (lenient ``to_python``).

        A model instance given for a primary key (``filter(tags=tag)``) stands for its pk.
        """
        if value is None:
            return None
        if self.primary_key and hasattr(value, "_meta"):
            value = value.pk
        return self.to_python(value)

    # -- defaults and validation --------------------------------------------------------------

    @property
    def has_default(self) -> bool:
        return self.default is not NOT_PROVIDED

    @property
    def has_db_default(self) -> bool:
        return self.db_default is not NOT_PROVIDED

    def get_default(self) -> Any:
        """The default value for a new instance (calling a callable default); without one,
        ``DB_DEFAULT`` with a ``db_default``, ``""`` for a text field that is not
        ``null=True``, else ``None``."""
        if self.default is NOT_PROVIDED:
            if self.db_returning:
                return DB_DEFAULT
            return "" if self.empty_strings_allowed and not self.null else None
        if callable(self.default):
            return self.default()
        return self.default

    @property
    def reads_value_on_save(self) -> bool:
        """True when ``pre_save`` only reads the instance's value (bulk writes skip the call)."""
        return type(self).pre_save is Field.pre_save

    def pre_save(self, instance: Model, add: bool) -> Any:
        """The value to write for ``instance`` (``auto_now`` fields update it here)."""
        return instance.__dict__.get(self.attname)

    def validate(self, value: Any, instance: Model | None = None) -> None:
        """Check null/blank/choices; raise ``ValidationError`` with a readable message."""
        if value is None:
            if not self.null:
                raise ValidationError("This field cannot be null.", code="null")
            return
        if value in self.empty_values and not self.blank:
            raise ValidationError("This field cannot be blank.", code="blank")
        if self.choices and value not in self.empty_values:
            allowed = [c[0] for c in self.choices]
            if value not in allowed:
                shown = ", ".join(repr(c) for c in allowed)
                raise ValidationError(
                    f"Value {value!r} is not a valid choice (choose one of {shown}).",
                    code="invalid_choice",
                )

    def run_validators(self, value: Any) -> None:
        """Run the field's validators, collecting every message."""
        if value in self.empty_values:
            return
        messages: list[str] = []
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                messages.extend(exc.messages)
        if messages:
            raise ValidationError(messages)

    def clean(self, value: Any, instance: Model | None = None) -> Any:
        """``to_python``, ``validate`` and the validators: the cleaned value. A value left
        to the database (``DB_DEFAULT``) is not checked."""
        if value is DB_DEFAULT:
            return value
        value = self.to_python(value)
        self.validate(value, instance)
        self.run_validators(value)
        return value

    # -- descriptor -------------------------------------------------------------------------

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        # Reached only when the value is not loaded (only()/defer()).
        instance.refresh_from_db(fields=[self.attname])
        return instance.__dict__[self.attname]

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Field):
            return self.creation_counter < other.creation_counter
        return NotImplemented

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        owner = f"{self.model.__name__}." if self.model is not None else ""
        return f"<{type(self).__name__} {owner}{self.name or '?'}>"


def _checked_db_default(value: Any) -> Any:
    """``db_default`` as given; an expression reading columns is refused (a default
    cannot read the row), as in Django."""
    if value is NOT_PROVIDED or not is_expression(value):
        return value
    from heron.db.query.compiler import expr_shape

    if "('F'," in repr(expr_shape(value, [])):
        raise ValueError(f"db_default={value!r} cannot refer to fields (F()).")
    return value


def _is_empty_default(default: Any, empty_values: tuple[Any, ...]) -> bool:
    if default is NOT_PROVIDED or default is None:
        return False
    try:
        return any(type(default) is type(e) and default == e for e in empty_values)
    except TypeError:
        return False


def _display_method(field: Field) -> Callable[[Any], str]:
    def get_display(self: Any) -> str:
        return field.display(self.__dict__.get(field.attname))

    get_display.__name__ = f"get_{field.name}_display"
    get_display.__doc__ = f"The label of ``{field.name}`` among its choices."
    return get_display


def enum_label(member: enum.Enum) -> str:
    """A member's ``label`` attribute, else its name in words (``DARK_RED`` → ``Dark red``)."""
    label = getattr(member, "label", None)
    if isinstance(label, str) and label:
        return label
    return member.name.replace("_", " ").capitalize()


def _normalise_choices(choices: Iterable[Any] | None) -> list[tuple[Any, str]]:
    """Choices as a flat ``[(value, label)]`` from pairs, groups, a mapping (``{value:
    label}``, ``{group: {...}}``), plain values or an Enum; anything else is a ``TypeError``."""
    if choices is None:
        return []
    if isinstance(choices, (str, bytes)) or not isinstance(choices, Iterable):
        raise TypeError(f"choices must be pairs (value, label) or an Enum, not {choices!r}.")
    if isinstance(choices, Mapping):
        choices = choices.items()
    result: list[tuple[Any, str]] = []
    for choice in choices:
        if isinstance(choice, enum.Enum):
            result.append((choice.value, enum_label(choice)))
        elif isinstance(choice, (tuple, list)):
            result.extend(_choice_pair(choice))
        else:
            result.append((choice, str(choice)))
    return result


def _choice_pair(choice: tuple[Any, ...] | list[Any]) -> list[tuple[Any, str]]:
    """One ``(value, label)`` pair, or the pairs of a named group ``(name, [...])``."""
    if len(choice) != 2:
        raise TypeError(f"Each choice must be a (value, label) pair, not {choice!r}.")
    value, label = choice
    if isinstance(label, (list, tuple, Mapping)):  # a named group of choices
        return _normalise_choices(label)
    return [(value, str(label))]
