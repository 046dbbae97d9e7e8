"""Relations: ``ForeignKey``, ``OneToOneField`` and the deletion behaviours they ask for.

``ManyToManyField`` lives in ``many_to_many.py``; the reverse accessors (``user.posts``)
in ``reverse.py``.
"""

from __future__ import annotations

from asyncio import _get_running_loop
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.errors import AsyncContextError
from heron.db.fields.base import Converter, Field, Inline
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
    "ForwardRelation",
    "OnDelete",
    "OneToOneField",
    "lazy_model",
    "missing_related_error",
    "related_name_for",
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


def lazy_model(reference: type[Model] | str, owner: type[Model], callback: Any, what: str) -> None:
    """Call ``callback(model)`` once the model ``reference`` names exists.

    ``reference`` is a model class, ``"label.Model"``, ``"Model"`` (the owner's label) or
    ``"self"``.
    """
    if reference == "self":
        reference = owner
    if isinstance(reference, str):
        label, _, model_name = reference.rpartition(".")
        registry.lazy(label or owner._meta.label, model_name, callback)
        return
    if not (isinstance(reference, type) and hasattr(reference, "_meta")):
        raise TypeError(f"{what} must be a model class or a 'label.Model' string.")
    if reference._meta.abstract:
        raise TypeError(f"{what} cannot point at the abstract model {reference.__name__}.")
    # The owner (or a model being built) registers itself once its class is complete.
    meta = reference._meta
    registry.lazy(meta.label, meta.model_name, callback)


def related_name_for(template: str | None, model: type[Model]) -> str | None:
    """``related_name`` with ``%(class)s`` and ``%(label)s`` filled in (abstract models)."""
    if template is None:
        return None
    meta = model._meta
    return template % {
        "class": meta.model_name,
        "model_name": meta.model_name,
        "label": meta.label,
        "app_label": meta.label,
    }


class RelationNames:
    """The names a relation gives its reverse side, from ``related_name`` and friends."""

    model: type[Model] | None
    related_name: str | None
    related_query_name: str | None

    @property
    def reverse_name(self) -> str:
        """The accessor (or manager) name on the target model (``<model>_set`` by default)."""
        assert self.model is not None
        meta = self.model._meta
        default = related_name_for(meta.default_related_name, self.model)
        return self.related_name or default or f"{meta.model_name}_set"

    @property
    def reverse_query_name(self) -> str:
        """The name used for this relation in queries on the target model."""
        assert self.model is not None
        meta = self.model._meta
        return (
            self.related_query_name
            or self.related_name
            or related_name_for(meta.default_related_name, self.model)
            or meta.model_name
        )

    @property
    def hidden(self) -> bool:
        """True when the target gets no reverse accessor (``related_name`` ends in ``+``)."""
        return bool(self.related_name and self.related_name.endswith("+"))


class ForeignKey(RelationNames, Field):
    """A many-to-one relation: ``author = ForeignKey(User, on_delete=CASCADE)``.

    ``to`` is a model class, ``"label.Model"``, ``"Model"`` (same label) or ``"self"``.
    The column holds the target's primary key; ``instance.author_id`` reads it without a
    query, ``instance.author`` loads (and caches) the related object. ``related_name``
    names the reverse accessor on the target (``user.posts``; ``"+"`` for none) and may
    contain ``%(class)s``/``%(label)s`` in abstract models.
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
            raise TypeError(
                "on_delete must be one of heron.db.fields.CASCADE, PROTECT, RESTRICT, "
                "SET_NULL, SET_DEFAULT or DO_NOTHING."
            )
        if on_delete is SET_NULL and not kwargs.get("null"):
            raise TypeError("on_delete=SET_NULL needs null=True.")
        if on_delete is SET_DEFAULT and "default" not in kwargs:
            raise TypeError("on_delete=SET_DEFAULT needs a default.")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)
        self.to = to
        self.on_delete = on_delete
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.db_constraint = db_constraint
        self.remote_model: type[Model] | None = None
        self._missing: type[Exception] | None = None

    def clone(self) -> Field:
        new = super().clone()
        assert isinstance(new, ForeignKey)
        new.remote_model = None
        new._missing = None
        return new

    @property
    def RelatedObjectDoesNotExist(self) -> type[Exception]:
        """Raised reading a required relation that has no value (``Post().author``)."""
        if self._missing is None:
            assert self.remote_model is not None
            self._missing = missing_related_error(self.remote_model)
        return self._missing

    def get_attname(self) -> str:
        return f"{self.name}_id"

    @property
    def reverse_cache_name(self) -> str:
        """Where a target instance caches the reverse side of a one-to-one (``user.profile``)."""
        return f"_cache_rev_{self.reverse_name}"

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        super().contribute_to_class(model, name)
        setattr(model, name, ForwardRelation(self))
        if model._meta.abstract:
            return
        self.related_name = related_name_for(self.related_name, model)
        self.related_query_name = related_name_for(self.related_query_name, model)
        model._meta.pending_relations += 1
        lazy_model(self.to, model, self.resolve, f"{model.__name__}.{name}")

    def resolve(self, target: type[Model]) -> None:
        """Called once the target model exists: finish the column, add the reverse side
        (refused, with the target untouched, if its names clash there)."""
        from heron.db.fields.reverse import check_reverse_names

        assert self.model is not None
        check_reverse_names(self, target)
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
    def target_field(self) -> Field:
        """The field this one points at (the target's primary key)."""
        return self.target()

    @property
    def python_type(self) -> type | None:  # type: ignore[override]
        """The target key's type: a value of it is written as it is."""
        return self.target().python_type if self.remote_model is not None else None

    def target(self) -> Field:
        """``target_field`` as a method (mypy applies ``Field.__get__`` to properties
        returning a ``Field``)."""
        assert self.remote_model is not None, f"{self!r} points at a model not defined yet"
        return self.remote_model._meta.pk

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        target = self.target()
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
                    f"{meta.table_name}.{self.target().column}",
                    ondelete=self.on_delete.sql,
                )
            )
        return sa.Column(
            self.column, self.sa_type(), *args, key=self.attname, **self.sa_column_kwargs()
        )

    def db_converter(self, vendor: str) -> Converter | None:
        return self.target().db_converter(vendor)

    def db_inline(self, vendor: str) -> Inline | None:
        return self.target().db_inline(vendor)

    def db_preparer(self, vendor: str) -> Converter | None:
        return self.target().db_preparer(vendor)

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if hasattr(value, "_meta"):
            return self._pk_of(value)
        return self.target().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is not None and hasattr(value, "_meta"):
            return self._pk_of(value)
        return super().get_prep_value(value)

    def _pk_of(self, obj: Any) -> Any:
        """The primary key of ``obj``, which must be an instance of the related model."""
        remote = self.remote_model
        if remote is not None and not isinstance(obj, remote._meta.concrete_model):
            owner = self.model.__name__ if self.model is not None else "?"
            raise ValueError(
                f'Cannot use "{obj!r}": "{owner}.{self.name}" must be a "{remote.__name__}" '
                "instance."
            )
        return obj.pk


def missing_related_error(model: type[Model]) -> type[Exception]:
    """``RelatedObjectDoesNotExist``: ``model.DoesNotExist`` that is also an
    ``AttributeError`` (so ``hasattr()`` is False), as in Django."""
    return type(
        "RelatedObjectDoesNotExist",
        (model.DoesNotExist, AttributeError),
        {"__module__": model.__module__},
    )


class OneToOneField(ForeignKey):
    """A unique foreign key: ``user = OneToOneField(User, on_delete=CASCADE)``.

    The reverse accessor (``user.profile``, named after the model unless
    ``related_name`` says otherwise) is the one related object, or raises the related
    model's ``DoesNotExist``.
    """

    many_to_one = False
    one_to_one = True

    def __init__(self, to: type[Model] | str, *args: Any, **kwargs: Any) -> None:
        kwargs["unique"] = True
        kwargs.setdefault("db_index", False)
        super().__init__(to, *args, **kwargs)

    @property
    def reverse_name(self) -> str:
        assert self.model is not None
        meta = self.model._meta
        default = related_name_for(meta.default_related_name, self.model)
        return self.related_name or default or meta.model_name

    def contribute_reverse(self, target: type[Model]) -> None:
        from heron.db.fields.reverse import install_reverse_one_to_one

        install_reverse_one_to_one(self, target)


class ForwardRelation:
    """``post.author``: the related object, loaded on first access and cached.

    The cache is dropped when ``author_id`` changes. Loading runs a query on the sync
    driver; in async code use ``select_related("author")`` or ``await
    Author.objects.aget(pk=post.author_id)``.
    """

    def __init__(self, field: ForeignKey) -> None:
        self.field = field
        self.cache_name = f"_cache_{field.name}"
        self.unsaved_name = f"_cache_{field.name}+unsaved"  # dropped with the cache

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self.field
        data = instance.__dict__
        value = data.get(self.field.attname)
        cached = data.get(self.cache_name, _MISSING)
        # The cache holds while it matches the id: the same pk, or no id and either nothing
        # or an object assigned before it was saved.
        if cached is not _MISSING and (
            _same(cached, value)
            if value is not None
            else cached is None or data.get(self.unsaved_name, False)
        ):
            return cached
        if value is None:
            if self.field.null:
                return None
            raise self.field.RelatedObjectDoesNotExist(
                f"{type(instance).__name__} has no {self.field.name}."
            )
        remote = self.field.remote_model
        assert remote is not None
        if _get_running_loop() is not None:
            raise AsyncContextError(
                f"Loading {type(instance).__name__}.{self.field.name} lazily",
                f"select_related({self.field.name!r}) or `await "
                f"{remote.__name__}.objects.aget(pk=obj.{self.field.attname})`",
            )
        obj = remote._base_manager.using(instance._db).get(pk=value)
        if self.field.one_to_one and not self.field.hidden:
            obj.__dict__[self.field.reverse_cache_name] = instance
        data[self.cache_name] = obj
        return obj

    def __set__(self, instance: Model, value: Any) -> None:
        remote = self.field.remote_model
        if value is None:
            if not self.field.null:
                raise ValueError(
                    f"{type(instance).__name__}.{self.field.name} cannot be set to None "
                    "(the field is not null=True)."
                )
            instance.__dict__[self.field.attname] = None
        elif remote is not None and not isinstance(value, remote._meta.concrete_model):
            raise TypeError(
                f"{type(instance).__name__}.{self.field.name} must be a {remote.__name__} "
                f"instance, not {type(value).__name__}."
            )
        else:
            instance.__dict__[self.field.attname] = value.pk
        if self.field.one_to_one and not self.field.hidden:
            self._point_reverse_cache(instance, value)
        instance.__dict__[self.cache_name] = value
        instance.__dict__[self.unsaved_name] = value is not None and value.pk is None

    def _point_reverse_cache(self, instance: Model, target: Model | None) -> None:
        """Keep a one-to-one's reverse side in step: the new target caches ``instance``
        (``user.profile`` without a query), the target it replaces forgets it."""
        reverse_cache: str = self.field.reverse_cache_name
        old = instance.__dict__.get(self.cache_name)
        if old is not None and old is not target and old.__dict__.get(reverse_cache) is instance:
            del old.__dict__[reverse_cache]
        if target is not None:
            target.__dict__[reverse_cache] = instance


_MISSING: Any = object()


def _same(obj: Any, pk: Any) -> bool:
    return obj is not None and obj.pk == pk
