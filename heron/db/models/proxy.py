"""Proxy models (``Meta.proxy = True``): a subclass of a concrete model sharing its table.

A proxy adds behaviour (methods, managers, ``Meta.ordering``…) to an existing model: its
``_meta`` shares the concrete model's fields, primary key, relations and table, and its
queries return instances of the proxy class. Checks and messages follow Django's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from heron.db.models.exceptions import FieldError
from heron.db.models.options import Options

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model

__all__ = ["declares_proxy", "proxy_managers", "proxy_options"]

#: Options a proxy takes from its parent unless its own ``Meta`` sets them (as Django does
#: for a child of a concrete model).
_INHERITED = ("ordering", "get_latest_by")
#: Options describing the table, which a proxy cannot have apart from its concrete model.
_TABLE_OPTIONS = (
    "abstract",
    "table",
    "db_table",
    "indexes",
    "constraints",
    "unique_together",
    "db_table_comment",
    "managed",
)


#: What a proxy's ``_meta`` keeps of its own; every other attribute (fields, key,
#: relations, table settings) is its concrete model's.
_OWN = frozenset(
    {
        "model",
        "object_name",
        "model_name",
        "label",
        "ordering",
        "verbose_name",
        "verbose_name_plural",
        "get_latest_by",
        "default_related_name",
        "proxy",
        "proxy_for_model",
        "declared_managers",
        "registered",
        "auto_created",
        "pending_relations",
        "_table",
    }
)


def declares_proxy(meta_class: type | None) -> bool:
    """True when the class's own ``Meta`` says ``proxy = True``."""
    return meta_class is not None and vars(meta_class).get("proxy", False) is True


def proxy_options(
    cls: type[Model], meta_class: type, parents: list[type], declared: dict[str, Field], label: str
) -> Options:
    """The ``_meta`` of the proxy ``cls``: its own names and ``Meta`` settings over the
    fields, relations and table of the concrete model it stands for."""
    name = cls.__name__
    if declared:
        raise FieldError(f"Proxy model '{name}' contains model fields.")
    base = _proxied_parent(name, parents)
    concrete: Options = base._meta
    for option in _TABLE_OPTIONS:
        if option in vars(meta_class):
            raise TypeError(
                f"{name}.Meta.{option} cannot be set on a proxy model: it shares the table "
                f"of {concrete.concrete_model.__name__}."
            )
    attrs = {k: v for k, v in vars(meta_class).items() if not k.startswith("_")}
    for option in _INHERITED:
        attrs.setdefault(option, getattr(concrete, option))
    meta = Options(type("Meta", (), attrs), cls, label)
    _share(meta, concrete)
    meta.proxy_for_model = base
    return meta


def _proxied_parent(name: str, parents: list[type]) -> Any:
    """The one non-abstract parent (abstract ones may add methods and managers only)."""
    base: Any = None
    for parent in parents:
        meta = parent.__dict__.get("_meta")
        if meta is None:  # Model itself
            continue
        if meta.abstract:
            if getattr(parent, "_abstract_fields", None):
                raise TypeError(
                    "Abstract base class containing model fields not permitted for proxy "
                    f"model '{name}'."
                )
            continue
        if base is None:
            base = parent
        elif meta.concrete_model is not base._meta.concrete_model:
            raise TypeError(
                f"Proxy model '{name}' has more than one non-abstract model base class."
            )
    if base is None:
        raise TypeError(f"Proxy model '{name}' has no non-abstract model base class.")
    return base


def _share(meta: Options, concrete: Options) -> None:
    """Point ``meta`` at the concrete model's fields, relations, table settings and
    ``concrete_model`` (the same lists, so relations resolved later reach every proxy)."""
    for attr, value in vars(concrete).items():
        if attr not in _OWN:
            setattr(meta, attr, value)


def proxy_managers(
    own: dict[str, Any], abstract: dict[str, Any], parents: list[type]
) -> dict[str, Any]:
    """A proxy's managers: its own first (the first is the default), then those of its
    abstract parents, then its model parents' (their default first), as in Django."""
    managers = dict(own)
    for source in (abstract, *(_declared(p) for p in parents)):
        for attr, manager in source.items():
            managers.setdefault(attr, manager)
    return managers


def _declared(parent: type) -> dict[str, Any]:
    meta = parent.__dict__.get("_meta")
    return meta.declared_managers if meta is not None and not meta.abstract else {}
