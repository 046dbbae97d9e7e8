"""``Manager``: the ``Model.objects`` entry point; every QuerySet method starts here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from heron.db.query.queryset import QuerySet

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["Manager"]

M = TypeVar("M", bound="Model")

_PROXIED = frozenset(
    [
        "none",
        "using",
        "filter",
        "exclude",
        "order_by",
        "reverse",
        "distinct",
        "select_related",
        "prefetch_related",
        "only",
        "defer",
        "values",
        "values_list",
        "annotate",
        "select_for_update",
        "get",
        "first",
        "last",
        "count",
        "exists",
        "iterator",
        "create",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "update",
        "delete",
        "in_bulk",
        "aggregate",
        "earliest",
        "latest",
        "get_or_404",
        "explain",
        "aget",
        "afirst",
        "alast",
        "acount",
        "aexists",
        "aiterator",
        "acreate",
        "aget_or_create",
        "aupdate_or_create",
        "abulk_create",
        "abulk_update",
        "aupdate",
        "adelete",
        "ain_bulk",
        "aaggregate",
        "aearliest",
        "alatest",
        "aget_or_404",
        "aexplain",
    ]
)


class Manager(Generic[M]):
    """Declared on a model (``objects = Manager()``) and bound to it by the metaclass.

    Subclass it and override ``get_queryset()`` to change what ``Model.objects`` starts from.
    """

    queryset_class: type[QuerySet[Any]] = QuerySet

    def __init__(self) -> None:
        self.model: type[M] | None = None
        self.name = ""

    def bind(self, model: type[M], name: str) -> Manager[M]:
        """A copy of this manager attached to ``model``."""
        bound = object.__new__(type(self))
        bound.__dict__.update(self.__dict__)
        bound.model = model
        bound.name = name
        return bound

    def get_queryset(self) -> QuerySet[M]:
        """The QuerySet every call starts from."""
        assert self.model is not None, "manager is not attached to a model"
        return self.queryset_class(self.model)  # type: ignore[return-value]

    def all(self) -> QuerySet[M]:
        return self.get_queryset()

    def raw(self, sql: str, params: Any = (), using: str | None = None) -> Any:
        """Model instances from your own SQL (parameters bound, never interpolated)."""
        from heron.db.query.raw import RawQuerySet

        assert self.model is not None
        return RawQuerySet(self.model, sql, params, using)

    def __getattr__(self, name: str) -> Any:
        if name in _PROXIED:
            return getattr(self.get_queryset(), name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __get__(self, instance: Any, owner: type[Any]) -> Manager[M]:
        if instance is not None:
            raise AttributeError(
                f"Manager isn't accessible via {owner.__name__} instances; "
                f"use {owner.__name__}.{self.name}."
            )
        return self

    def __repr__(self) -> str:
        model = self.model.__name__ if self.model else "?"
        return f"<Manager {model}.{self.name}>"
