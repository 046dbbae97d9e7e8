"""Turning rows into model instances, dicts or tuples with as little Python per row as possible."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model

__all__ = ["ModelLoader", "RelatedLoader", "converters_for"]

Row = Sequence[Any]


def converters_for(
    fields: Sequence[Field], vendor: str, start: int = 0
) -> tuple[tuple[int, str, Callable[[Any], Any]], ...]:
    """``(row index, attname, converter)`` for the fields that need a conversion."""
    result = []
    for offset, field in enumerate(fields):
        conv = field.db_converter(vendor)
        if conv is not None:
            result.append((start + offset, field.attname, conv))
    return tuple(result)


class RelatedLoader:
    """A ``select_related`` model within a row: columns ``start:stop``, cached under ``cache``."""

    __slots__ = ("cache", "children", "converters", "model", "names", "pk_index", "start", "stop")

    def __init__(
        self, model: type[Model], fields: Sequence[Field], cache: str, start: int, vendor: str
    ) -> None:
        self.model = model
        self.names = tuple(f.attname for f in fields)
        self.start = start
        self.stop = start + len(fields)
        self.cache = cache
        self.converters = converters_for(fields, vendor)
        self.pk_index = self.names.index(model._meta.pk.attname)
        self.children: list[RelatedLoader] = []

    def attach(self, parent: Model, row: Row, alias: str | None) -> None:
        part = row[self.start : self.stop]
        if part[self.pk_index] is None:
            parent.__dict__[self.cache] = None
            return
        data = dict(zip(self.names, part, strict=True))
        for index, name, conv in self.converters:
            value = part[index]
            data[name] = None if value is None else conv(value)
        data["_persisted"] = True
        if alias is not None:
            data["_db"] = alias
        obj = self.model.__new__(self.model)
        obj.__dict__ = data
        parent.__dict__[self.cache] = obj
        for child in self.children:
            child.attach(obj, row, alias)


class ModelLoader:
    """Build instances of ``model`` from rows whose first columns are ``fields``."""

    __slots__ = ("alias", "converters", "model", "names", "related", "width")

    def __init__(
        self, model: type[Model], fields: Sequence[Field], vendor: str, alias: str | None
    ) -> None:
        self.model = model
        self.names = tuple(f.attname for f in fields)
        self.width = len(fields)
        self.converters = converters_for(fields, vendor)
        self.alias = alias if alias != "default" else None
        self.related: list[RelatedLoader] = []

    def __call__(self, rows: Sequence[Row]) -> list[Any]:
        model = self.model
        new = model.__new__
        names = self.names
        converters = self.converters
        alias = self.alias
        related = self.related
        width = self.width
        out = []
        append = out.append
        for row in rows:
            data = dict(zip(names, row[:width] if related else row, strict=True))
            for index, name, conv in converters:
                value = row[index]
                if value is not None:
                    data[name] = conv(value)
            data["_persisted"] = True
            if alias is not None:
                data["_db"] = alias
            obj = new(model)
            obj.__dict__ = data
            for rel in related:
                rel.attach(obj, row, alias)
            append(obj)
        return out

    def one(self, row: Row) -> Any:
        """A single instance."""
        return self((row,))[0]
