"""Query-string filters and ordering of a ``ModelAPI`` list, declared on the class.

``filter_fields = ["published", "author_id"]`` allows ``?published=true`` and
``?author_id__in=1&author_id__in=2``; ``{"created": ["gte", "lte"]}`` picks lookups.
``ordering_fields = ["created", "title"]`` allows ``?ordering=-created``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from heron.api.schemas.types import Text, input_type
from heron.db import Model, QuerySet, fields
from heron.params import Query

__all__ = ["DEFAULT_LOOKUPS", "FilterParam", "build_filters", "ordering_parameter"]

DEFAULT_LOOKUPS = ("exact", "in")
_TEXT_LOOKUPS = ("contains", "icontains", "startswith", "istartswith", "endswith", "iendswith")
_RANGE_LOOKUPS = ("gt", "gte", "lt", "lte")
LOOKUPS = frozenset(("exact", "in", "isnull", *_TEXT_LOOKUPS, *_RANGE_LOOKUPS))

FilterSpec = Sequence[str] | Mapping[str, Sequence[str]]


@dataclasses.dataclass(frozen=True)
class FilterParam:
    """One query parameter: ``?<param>=`` filters ``<field>__<lookup>``."""

    param: str
    lookup: str  # the ORM keyword, e.g. "author__in"
    annotation: Any

    def parameter(self) -> inspect.Parameter:
        return inspect.Parameter(
            self.param,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[self.annotation | None, Query()],
        )


def _annotation(field: fields.Field, lookup: str) -> Any:
    if lookup == "isnull":
        return bool
    if lookup in _TEXT_LOOKUPS:
        return Text
    value = input_type(field)
    return list[value] if lookup == "in" else value  # type: ignore[valid-type]


def build_filters(model: type[Model], spec: FilterSpec) -> list[FilterParam]:
    """The filter parameters a class declares, checked against the model."""
    items = spec.items() if isinstance(spec, Mapping) else ((n, DEFAULT_LOOKUPS) for n in spec)
    found: list[FilterParam] = []
    for name, lookups in items:
        field = model._meta.get_field(name)
        if not field.concrete or isinstance(field, (fields.JSON, fields.Binary)):
            raise TypeError(f"{model.__name__}.{field.name} cannot be filtered on.")
        for lookup in lookups:
            if lookup not in LOOKUPS:
                raise TypeError(f"Unknown filter lookup {lookup!r} (use {sorted(LOOKUPS)}).")
            param = field.attname if lookup == "exact" else f"{field.attname}__{lookup}"
            orm = field.name if lookup == "exact" else f"{field.name}__{lookup}"
            found.append(FilterParam(param, orm, _annotation(field, lookup)))
    return found


def apply_filters(
    qs: QuerySet[Any], filters: list[FilterParam], values: Mapping[str, Any]
) -> QuerySet[Any]:
    """``qs`` narrowed by the filter parameters the request gave."""
    lookups = {f.lookup: values[f.param] for f in filters if values.get(f.param) is not None}
    return qs.filter(**lookups) if lookups else qs


def ordering_choices(model: type[Model], names: Sequence[str]) -> dict[str, str]:
    """``{"-created": "-created", "author_id": "author", ...}``: wire value → ORM key."""
    choices: dict[str, str] = {}
    for name in names:
        field = model._meta.get_field(name)
        choices[field.attname] = field.name
        choices[f"-{field.attname}"] = f"-{field.name}"
    return choices


def ordering_parameter(choices: Mapping[str, str]) -> inspect.Parameter:
    """``ordering: Literal[...] | None = None`` for the allowed orderings."""
    allowed = Literal[tuple(choices)]  # type: ignore[valid-type]
    return inspect.Parameter(
        "ordering",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            allowed | None, Query(description="Sort by this field (- for descending).")
        ],
    )


def with_tiebreak(ordering: Sequence[str]) -> list[str]:
    """``ordering`` ending with the primary key, so pages never overlap."""
    keys = list(ordering)
    if not any(key.lstrip("-") in ("pk", "id") for key in keys):
        keys.append("pk")
    return keys
