"""``GeneratedField``: a column the database computes from the row's other columns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.fields.base import Converter, Field, Inline
from heron.db.fields.dbdefault import is_expression
from heron.db.fields.vendorsql import VendorSQL, expression_sql

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["GeneratedField"]


class GeneratedField(Field):
    """A column computed by the database (``GENERATED ALWAYS AS (...)``), Django 5's
    ``GeneratedField``: ``expression`` is written with ``F()`` and functions over the
    model's own columns, ``output_field`` says the column's type and how its values
    are read, and ``db_persist`` chooses a stored (True) or virtual (False) column.

    Never written by Heron: its value is read back after ``save()``. PostgreSQL before 18
    has stored columns only.
    """

    fills_on_save = True
    generated = True

    def __init__(
        self,
        *,
        expression: Any,
        output_field: Field,
        db_persist: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if not is_expression(expression):
            raise TypeError(f"GeneratedField's expression must be an expression: {expression!r}")
        if not isinstance(output_field, Field) or output_field.generated:
            raise TypeError("GeneratedField needs output_field=<a field instance>.")
        if db_persist not in (True, False):
            raise ValueError("GeneratedField needs db_persist=True (stored) or False (virtual).")
        for option in ("default", "db_default", "primary_key", "unique", "choices"):
            if option in kwargs:
                raise TypeError(f"GeneratedField does not take {option}=.")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(**kwargs)
        self.expression = expression
        self.output_field = output_field
        self.db_persist = db_persist
        self.db_returning = True
        self.python_type = output_field.python_type
        self.empty_values = output_field.empty_values

    def clone(self) -> Field:
        new = super().clone()
        assert isinstance(new, GeneratedField)
        new.output_field = self.output_field.clone()
        return new

    def set_attributes_from_name(self, name: str) -> None:
        super().set_attributes_from_name(name)
        self.output_field.set_attributes_from_name(name)
        self.output_field.column = self.column

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        super().contribute_to_class(model, name)
        self.output_field.model = model

    # -- the column -------------------------------------------------------------------------

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return self.output_field.sa_type()

    def sa_column_kwargs(self) -> dict[str, Any]:
        kwargs = super().sa_column_kwargs()
        kwargs["nullable"] = True  # the expression decides
        return kwargs

    def sa_column(self) -> sa.Column[Any]:
        computed = sa.Computed(VendorSQL(build=self._sql), persisted=self.db_persist)
        return sa.Column(
            self.column, self.sa_type(), computed, key=self.attname, **self.sa_column_kwargs()
        )

    def _sql(self, vendor: str) -> str:
        # A virtual column on PostgreSQL (before 18) is refused by SQLAlchemy's DDL.
        return expression_sql(self.expression, self.model, vendor, field=self.output_field)

    # -- conversions: the output field's ----------------------------------------------------

    def db_converter(self, vendor: str) -> Converter | None:
        return self.output_field.db_converter(vendor)

    def db_inline(self, vendor: str) -> Inline | None:
        return self.output_field.db_inline(vendor)

    def db_preparer(self, vendor: str) -> Converter | None:
        return self.output_field.db_preparer(vendor)

    def to_python(self, value: Any) -> Any:
        return self.output_field.to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        return self.output_field.get_prep_value(value)

    # -- the value is the database's ----------------------------------------------------------

    def validate(self, value: Any, instance: Model | None = None) -> None:
        """Nothing to check: the database computes the value."""

    def clean(self, value: Any, instance: Model | None = None) -> Any:
        return value

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.attname]
        except KeyError:  # left out by only()/defer()
            return super().__get__(instance, owner)

    def __set__(self, instance: Model, value: Any) -> None:
        raise AttributeError(
            f"{type(instance).__name__}.{self.name} is a GeneratedField: the database "
            "computes its value, which cannot be assigned."
        )
