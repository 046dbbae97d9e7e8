"""Relations: ``ForeignKey`` and the deletion behaviours it can ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.fields.base import Converter, Field
from heron.db.models.registry import registry

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = [
    "CASCADE",
    "DO_NOTHING",
    "PROTECT",
    "RESTRICT",
    "SET_DEFAULT",
    "SET_NULL",
    "ForeignKey",
    "OnDelete",
]


class OnDelete:
    """What happens to rows pointing at a deleted row; ``sql`` is the database's own clause."""

    def __init__(self, name: str, sql: str | None) -> None:
        self.name = name
        self.sql = sql

    def __repr__(self) -> str:
        return self.name


CASCADE = OnDelete("CASCADE", "CASCADE")
SET_NULL = OnDelete("SET_NULL", "SET NULL")
RESTRICT = OnDelete("RESTRICT", "RESTRICT")
# PROTECT and SET_DEFAULT are enforced by Heron before the delete; DO_NOTHING leaves it to
# the database (an error if a constraint exists and rows still point at the deleted one).
PROTECT = OnDelete("PROTECT", None)
SET_DEFAULT = OnDelete("SET_DEFAULT", None)
DO_NOTHING = OnDelete("DO_NOTHING", None)


class ForeignKey(Field):
    """A many-to-one relation: ``author = ForeignKey(User, on_delete=CASCADE)``.

    ``to`` is a model class, ``"label.Model"``, ``"Model"`` (same label) or ``"self"``.
    The column holds the target's primary key; ``instance.author_id`` reads it without a
    query, ``instance.author`` loads (and caches) the related object.
    """

    is_relation = True
    many_to_one = True
    one_to_one = False

    def __init__(
        self,
        to: type[Model] | str,
        *args: Any,
        on_delete: OnDelete,
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_constraint: bool = True,
        **kwargs: Any,
    ) -> None:
        if not isinstance(on_delete, OnDelete):
            raise TypeError("on_delete must be one of heron.db.fields.CASCADE, PROTECT, ...")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)
        self.to = to
        self.on_delete = on_delete
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.db_constraint = db_constraint
        self.remote_model: type[Model] | None = None

    def get_attname(self) -> str:
        return f"{self.name}_id"

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        super().contribute_to_class(model, name)
        setattr(model, name, ForwardRelation(self))
        if model._meta.abstract:
            return
        if self.to == "self":
            self.to = model
        model._meta.pending_relations += 1
        if isinstance(self.to, str):
            label, _, model_name = self.to.rpartition(".")
            registry.lazy(label or model._meta.label, model_name, self.resolve)
        else:
            target = self.to
            if target._meta.abstract:
                raise TypeError(f"{name} cannot point at the abstract model {target.__name__}.")
            if target is model:
                # The model registers itself once its class is complete.
                registry.lazy(model._meta.label, model._meta.model_name, self.resolve)
            else:
                self.resolve(target)

    def resolve(self, target: type[Model]) -> None:
        """Called once the target model exists: finish the column, add the reverse side."""
        assert self.model is not None
        self.remote_model = target
        self.to = target
        target._meta.related_objects.append(self)
        self.contribute_reverse(target)
        self.model._meta.relation_resolved()

    def contribute_reverse(self, target: type[Model]) -> None:
        """Add the reverse accessor (``user.posts``) unless ``related_name`` ends in ``+``."""
        from heron.db.fields.reverse import install_reverse_accessor

        install_reverse_accessor(self, target)

    @property
    def reverse_name(self) -> str:
        """The accessor name on the target model."""
        assert self.model is not None
        return self.related_name or f"{self.model._meta.model_name}_set"

    @property
    def reverse_query_name(self) -> str:
        """The name used for this relation in queries on the target model."""
        assert self.model is not None
        return self.related_query_name or self.related_name or self.model._meta.model_name

    @property
    def target_field(self) -> Field:
        """The field this one points at (the target's primary key)."""
        assert self.remote_model is not None
        return self.remote_model._meta.pk

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        target = self.target_field
        from heron.db.fields.scalars import AutoField, BigAutoField, BigInteger, Integer

        if isinstance(target, BigAutoField):
            return BigInteger().sa_type()
        if isinstance(target, AutoField):
            return Integer().sa_type()
        return target.sa_type()

    def sa_column(self) -> sa.Column[Any]:
        assert self.remote_model is not None
        args: list[Any] = []
        if self.db_constraint:
            meta = self.remote_model._meta
            args.append(
                sa.ForeignKey(
                    f"{meta.table_name}.{self.target_field.column}",
                    ondelete=self.on_delete.sql,
                )
            )
        return sa.Column(
            self.column, self.sa_type(), *args, key=self.attname, **self.sa_column_kwargs()
        )

    def db_converter(self, vendor: str) -> Converter | None:
        return self.target_field.db_converter(vendor)

    def db_preparer(self, vendor: str) -> Converter | None:
        return self.target_field.db_preparer(vendor)

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if hasattr(value, "_meta"):
            return value.pk
        return self.target_field.to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is not None and hasattr(value, "_meta"):
            return value.pk
        return super().get_prep_value(value)


class ForwardRelation:
    """``post.author``: the related object, loaded on first access and cached."""

    def __init__(self, field: ForeignKey) -> None:
        self.field = field
        self.cache_name = f"_cache_{field.name}"

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self.field
        data = instance.__dict__
        try:
            return data[self.cache_name]
        except KeyError:
            pass
        value = data.get(self.field.attname)
        if value is None:
            return None
        remote = self.field.remote_model
        assert remote is not None
        obj = remote._default_manager.using(instance._db).get(pk=value)
        data[self.cache_name] = obj
        return obj

    def __set__(self, instance: Model, value: Any) -> None:
        remote = self.field.remote_model
        if value is None:
            if not self.field.null:
                raise ValueError(f"{self.field.name} cannot be set to None (null=False).")
            instance.__dict__[self.field.attname] = None
        elif remote is not None and not isinstance(value, remote):
            raise TypeError(
                f"{self.field.name} must be a {remote.__name__} instance, "
                f"not {type(value).__name__}."
            )
        else:
            instance.__dict__[self.field.attname] = value.pk
        instance.__dict__[self.cache_name] = value
