"""``Model._meta``: what Heron knows about a model, read from its fields and ``Meta``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.models.registry import registry

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.fields.many_to_many import ManyToManyField
    from heron.db.fields.related import ForeignKey
    from heron.db.models.base import Model

__all__ = ["META_OPTIONS", "Options"]

META_OPTIONS = frozenset(
    {
        "abstract",
        "label",
        "table",
        "db_table",
        "ordering",
        "indexes",
        "constraints",
        "unique_together",
        "verbose_name",
        "verbose_name_plural",
        "get_latest_by",
        "default_related_name",
        "managed",
        "db_table_comment",
        "proxy",
    }
)


class Options:
    """Fields, table and settings of one model class."""

    def __init__(self, meta: type | None, model: type[Model], label: str) -> None:
        values: dict[str, Any] = {}
        if meta is not None:
            for key, value in vars(meta).items():
                if key.startswith("_"):
                    continue
                if key not in META_OPTIONS:
                    raise TypeError(f"{model.__name__}.Meta has an unknown option '{key}'.")
                values[key] = value
        self.model = model
        self.object_name = model.__name__
        self.model_name = model.__name__.lower()
        self.abstract: bool = bool(values.get("abstract", False))
        self.label: str = values.get("label") or label
        self.table_name: str = (
            values.get("table") or values.get("db_table") or f"{self.label}_{self.model_name}"
        )
        self.ordering: list[str] = _as_list(model, "ordering", values.get("ordering", []))
        self.indexes: list[Any] = _as_list(model, "indexes", values.get("indexes", []))
        self.constraints: list[Any] = _as_list(model, "constraints", values.get("constraints", []))
        self.unique_together: list[tuple[str, ...]] = _normalise_together(
            values.get("unique_together", [])
        )
        self.verbose_name: str = values.get("verbose_name") or _split_words(model.__name__)
        self.verbose_name_plural: str = values.get("verbose_name_plural") or f"{self.verbose_name}s"
        self.get_latest_by: str | None = values.get("get_latest_by")
        self.default_related_name: str | None = values.get("default_related_name")
        #: False (``Meta.managed = False``): migrations never create, alter or drop the
        #: table (an auto-created link table follows the model declaring the field)
        self.managed: bool = _flag(model, "managed", values.get("managed", True))
        #: ``Meta.db_table_comment``: the table's comment on PostgreSQL and MariaDB
        self.db_table_comment: str | None = _comment(
            model, "Meta.db_table_comment", values.get("db_table_comment")
        )
        #: ``Meta.proxy``: the model shares the table, fields and key of its concrete parent
        self.proxy: bool = _flag(model, "proxy", values.get("proxy", False))
        #: the model whose table this one reads and writes (itself unless a proxy)
        self.concrete_model: type[Model] = model
        #: a proxy's direct non-abstract parent (Django's name); None for other models
        self.proxy_for_model: type[Model] | None = None
        #: the model's unbound managers by attribute name, the default first (inherited
        #: by its proxies)
        self.declared_managers: dict[str, Any] = {}
        self.fields: list[Field] = []
        self.many_to_many: list[Field] = []
        self.fields_map: dict[str, Field] = {}
        #: foreign keys (and one-to-ones) of other models pointing at this one
        self.related_objects: list[ForeignKey] = []
        #: many-to-many fields of other models (or this one) pointing at this one
        self.related_many_to_many: list[ManyToManyField] = []
        self.pk: Field = None  # type: ignore[assignment]  # set when the fields are added
        #: True for the through models Heron creates for many-to-many fields
        self.auto_created = False
        self.pending_relations = 0
        #: the concrete relation fields (foreign keys, one-to-ones), set by ``finish()``
        self.forward_relations: list[Field] = []
        self._table: sa.Table | None = None
        #: fields the database fills on INSERT (``db_default``, ``GeneratedField``)
        self.db_returning_fields: list[Field] = []

    # -- fields -----------------------------------------------------------------------------

    def add_field(self, field: Field) -> None:
        """Record a field (concrete or many-to-many)."""
        self._check_name(field)
        if field.many_to_many:
            self.many_to_many.append(field)
        else:
            self._check_column(field)
            self.fields.append(field)
            self.fields.sort()
            if field.primary_key:
                if self.pk is not None and self.pk is not field:
                    raise TypeError(f"{self.object_name} has more than one primary key.")
                self.pk = field
        self.fields_map[field.name] = field
        self.fields_map[field.attname] = field

    def _check_name(self, field: Field) -> None:
        """Refuse the field names Django's system checks refuse (E001-E003)."""
        name = field.name
        problem = None
        if name == "pk":
            problem = "'pk' is a reserved word that cannot be used as a field name"
        elif name.endswith("_"):
            problem = "field names must not end with an underscore"
        elif "__" in name:
            problem = "field names must not contain '__'"
        if problem:
            raise TypeError(f"{self.object_name}.{name}: {problem}.")

    def _check_column(self, field: Field) -> None:
        """Two fields may not share a column."""
        for other in self.fields:
            if other.column == field.column and other.name != field.name:
                raise TypeError(
                    f"{self.object_name}.{field.name} uses the column '{field.column}' of "
                    f"{self.object_name}.{other.name}: set column= to tell them apart."
                )

    def get_field(self, name: str) -> Field:
        """The field called ``name`` (``pk`` means the primary key), or ``FieldError``."""
        if name == "pk":
            return self.pk
        try:
            return self.fields_map[name]
        except KeyError:
            from heron.db.models.exceptions import FieldError

            choices = ", ".join(sorted(self.query_names()))
            raise FieldError(
                f"{self.object_name} has no field '{name}'. Choices are: {choices}."
            ) from None

    def query_names(self) -> list[str]:
        """Every name usable in a filter on this model, reverse relations included."""
        names = [f.name for f in self.fields] + [f.name for f in self.many_to_many]
        for rel in self.relations_in():
            if not rel.reverse_query_name.endswith("+"):
                names.append(rel.reverse_query_name)
        return names

    def reverse_relation(self, name: str) -> ForeignKey | ManyToManyField | None:
        """The relation pointing at this model whose query name is ``name`` (a foreign key,
        one-to-one or many-to-many field of the other model)."""
        if name.endswith("+") and name.startswith("+"):  # "+" alone names no relation
            return None
        for rel in self.relations_in():
            if rel.reverse_query_name == name:
                return rel
        return None

    def relations_in(self) -> list[ForeignKey | ManyToManyField]:
        """Every relation of another model (or this one) pointing at this model."""
        return [*self.related_objects, *self.related_many_to_many]

    @property
    def label_model(self) -> str:
        """``"label.ModelName"``, as in deletion counts and ``registry.get_model()``."""
        return f"{self.label}.{self.object_name}"

    @property
    def concrete_fields(self) -> list[Field]:
        return self.fields

    # -- the table ----------------------------------------------------------------------------

    def relation_resolved(self) -> None:
        """One lazy relation found its target; build the table once none is pending."""
        self.pending_relations -= 1
        if self.pending_relations == 0 and self._table is None and self.registered:
            self.build_table()

    registered = False

    def finish(self) -> None:
        """Called once the class is complete: register it, build the table when possible."""
        self.registered = True
        self._check_ordering()
        if self.proxy:  # no table of its own: the concrete model's serves
            registry.register(self.model)
            return
        self.forward_relations = [f for f in self.fields if f.is_relation]
        try:
            registry.register(self.model)  # may refuse a relation that waited for this model
        finally:
            if self.pending_relations == 0 and self._table is None:
                try:
                    self.build_table()
                except Exception:  # the class statement fails: no model is left behind
                    registry.unregister(self.model)
                    raise

    def build_table(self) -> sa.Table:
        """Create the model's ``sqlalchemy.Table`` in the registry's MetaData."""
        from heron.db.models.constraints import table_items

        columns = [field.sa_column() for field in self.fields]
        items = table_items(self)
        self._table = sa.Table(
            self.table_name,
            registry.metadata,
            *columns,
            *items,
            comment=self.db_table_comment,
            info={"label": self.label, "model": self.model},
        )
        for field in self.many_to_many:
            field.model_table_ready()  # type: ignore[attr-defined]
        return self._table

    def _check_ordering(self) -> None:
        """Every ``Meta.ordering`` entry names a field (``"?"``, ``"pk"`` and ``"-x"`` too)."""
        for entry in self.ordering:
            if not isinstance(entry, str) or entry == "?":
                continue  # an expression
            name = entry.lstrip("-").split("__", 1)[0]
            if name != "pk" and name not in self.fields_map:
                from heron.db.models.exceptions import FieldError

                raise FieldError(
                    f"{self.object_name}.Meta.ordering refers to the unknown field '{name}'."
                )

    @property
    def table(self) -> sa.Table:
        """The model's ``sqlalchemy.Table`` (a proxy's is its concrete model's)."""
        if self.proxy:
            return self.concrete_model._meta.table
        if self._table is None:
            missing = registry.unresolved()
            raise LookupError(
                f"{self.object_name}'s table is not ready: it points at models not defined "
                f"yet ({', '.join(missing) or 'none'})."
            )
        return self._table

    def __repr__(self) -> str:
        return f"<Options for {self.object_name}>"


def _split_words(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append(" ")
        out.append(ch.lower())
    return "".join(out)


def _flag(model: type[Model], option: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{model.__name__}.Meta.{option} must be True or False.")
    return value


def _comment(model: type[Model], where: str, value: Any) -> str | None:
    """A comment option: a string (an empty one means none) or None."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{model.__name__}.{where} must be a string.")
    return value or None


def _as_list(model: type[Model], option: str, value: Any) -> list[Any]:
    """A list/tuple Meta option as a list; a lone string is an error, as in Django."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{model.__name__}.Meta.{option} must be a list or tuple.")
    return list(value)


def _normalise_together(value: Any) -> list[tuple[str, ...]]:
    if not value:
        return []
    if all(isinstance(v, str) for v in value):
        return [tuple(value)]
    return [tuple(v) for v in value]
