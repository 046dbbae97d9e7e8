"""The reverse side of a foreign key: ``user.posts`` is a manager of that user's posts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from heron.db.query.manager import Manager
from heron.db.query.queryset import QuerySet

if TYPE_CHECKING:
    from heron.db.fields.related import ForeignKey
    from heron.db.models.base import Model

__all__ = ["RelatedManager", "ReverseRelation", "install_reverse_accessor"]


class RelatedManager(Manager[Any]):
    """Rows of ``field.model`` whose foreign key ``field`` points at ``instance``."""

    def __init__(self, field: ForeignKey, instance: Model) -> None:
        super().__init__()
        self.field = field
        self.instance = instance
        self.model = field.model
        self.name = field.reverse_name

    def get_queryset(self) -> QuerySet[Any]:
        assert self.model is not None
        cache = self.instance.__dict__.get("_prefetched", {}).get(self.field.reverse_name)
        qs: QuerySet[Any] = self.model._default_manager.get_queryset().using(self.instance._db)
        qs = qs.filter(**{self.field.attname: self.instance.pk})
        if cache is not None:
            qs._result_cache = list(cache)
        return qs

    def _bind(self, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, self.field.attname: self.instance.pk}

    def create(self, **values: Any) -> Any:
        """Create a related row pointing at the instance."""
        return self.get_queryset().create(**self._bind(values))

    async def acreate(self, **values: Any) -> Any:
        """``create()`` on the async driver."""
        return await self.get_queryset().acreate(**self._bind(values))


class ReverseRelation:
    """The descriptor behind ``user.posts``."""

    def __init__(self, field: ForeignKey) -> None:
        self.field = field

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        if instance.pk is None:
            raise ValueError(
                f"{type(instance).__name__} needs a primary key value before "
                f"'{self.field.reverse_name}' can be used."
            )
        return RelatedManager(self.field, instance)


def install_reverse_accessor(field: ForeignKey, target: type[Model]) -> None:
    """Put ``ReverseRelation`` on the target model unless ``related_name`` ends in ``+``."""
    name = field.reverse_name
    if name.endswith("+"):
        return
    setattr(target, name, ReverseRelation(field))
