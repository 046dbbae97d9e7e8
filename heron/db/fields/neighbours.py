"""``get_next_by_<field>()`` and ``get_previous_by_<field>()``: the instance before or
after this one by a date or date-time that cannot be NULL, as in Django (ties broken by
primary key), with async twins ``aget_next_by_<field>()`` and ``aget_previous_by_<field>()``.
Keyword arguments filter the candidates: ``post.get_next_by_created(author=ann)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heron.db.fields.base import Field

__all__ = ["neighbour_methods"]


def neighbour_methods(field: Field) -> dict[str, Callable[..., Any]]:
    """The four methods a model gets for ``field``, by name."""
    methods: dict[str, Callable[..., Any]] = {}
    for direction, later in (("next", True), ("previous", False)):
        name = f"get_{direction}_by_{field.name}"
        methods[name] = _sync(field, later, name)
        methods[f"a{name}"] = _async(field, later, name)
    return methods


def _candidates(field: Field, instance: Any, later: bool, filters: dict[str, Any]) -> Any:
    """The rows after (or before) ``instance`` by ``field``, then by primary key, nearest first."""
    from heron.db.query.expressions import Q

    if instance.pk is None:
        raise ValueError(
            f"{type(instance).__name__} has no primary key yet: save it before asking for "
            "the next or previous one."
        )
    value = instance.__dict__[field.attname]
    op = "gt" if later else "lt"
    beyond = Q(**{f"{field.name}__{op}": value}) | Q(
        **{field.name: value, f"pk__{op}": instance.pk}
    )
    sign = "" if later else "-"
    manager = type(instance)._default_manager.using(instance._db)
    return manager.filter(beyond, **filters).order_by(f"{sign}{field.name}", f"{sign}pk")


def _missing(instance: Any, name: str) -> Exception:
    model = type(instance)
    error: Exception = model.DoesNotExist(
        f"{model.__name__}.{name}(): there is no such {model.__name__}."
    )
    return error


def _sync(field: Field, later: bool, name: str) -> Callable[..., Any]:
    def neighbour(self: Any, **filters: Any) -> Any:
        found = _candidates(field, self, later, filters).first()
        if found is None:
            raise _missing(self, name)
        return found

    neighbour.__name__ = neighbour.__qualname__ = name
    neighbour.__doc__ = f"The {'next' if later else 'previous'} instance by {field.name}."
    return neighbour


def _async(field: Field, later: bool, name: str) -> Callable[..., Any]:
    async def neighbour(self: Any, **filters: Any) -> Any:
        found = await _candidates(field, self, later, filters).afirst()
        if found is None:
            raise _missing(self, name)
        return found

    neighbour.__name__ = neighbour.__qualname__ = f"a{name}"
    neighbour.__doc__ = f"``{name}()`` on the async driver."
    return neighbour
