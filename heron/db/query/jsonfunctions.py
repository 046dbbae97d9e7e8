"""``KT``: the text at a JSON key path, as an expression (Django's ``KT``); ``JSONObject``:
an object built from expressions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from heron.db.fields.scalars import Text
from heron.db.fields.special import JSON
from heron.db.models.exceptions import FieldError
from heron.db.query.functions import Func
from heron.db.query.jsonpaths import KeyPath
from heron.db.query.sqltext import Literal

__all__ = ["KT", "JSONObject"]


class KT(Func):
    """The value at a JSON key path as text, strings unquoted:
    ``annotate(owner=KT("data__owner__name"))`` (``None`` when the key is missing)."""

    arity = 1
    default_output_field = Text()

    def __init__(self, path: str) -> None:
        if not isinstance(path, str):
            raise TypeError(f"KT() takes a key path such as 'data__owner', not {path!r}.")
        super().__init__(path)

    def sql(self, args: list[Any], vendor: str) -> Any:
        target = args[0]
        if not isinstance(target, KeyPath):
            raise FieldError(
                f"KT() needs a key of a JSON field, not {self.source_expressions[0]!r}."
            )
        return target.as_form("text")


class JSONObject(Func):
    """A JSON object of the given keys and values (field names or expressions):
    ``annotate(card=JSONObject(name="name", pages=F("pages") * 2))``, read as a ``dict``."""

    __slots__ = ("keys",)
    default_output_field = JSON()

    def __init__(self, **fields: Any) -> None:
        super().__init__(*fields.values())
        self.keys = tuple(fields)

    def structure(self) -> tuple[Any, ...]:
        return self.keys

    def sql(self, args: list[Any], vendor: str) -> Any:
        pairs = [
            part for key, arg in zip(self.keys, args, strict=True) for part in (Literal(key), arg)
        ]
        if vendor == "postgresql":
            return sa.func.jsonb_build_object(*pairs)
        return sa.func.json_object(*pairs)

    def __repr__(self) -> str:
        pairs = ", ".join(
            f"{k}={v!r}" for k, v in zip(self.keys, self.source_expressions, strict=True)
        )
        return f"JSONObject({pairs})"
