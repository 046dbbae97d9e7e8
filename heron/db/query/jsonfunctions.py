"""``KT``: the text at a JSON key path, as an expression (Django's ``KT``)."""

from __future__ import annotations

from typing import Any

from heron.db.fields.scalars import Text
from heron.db.models.exceptions import FieldError
from heron.db.query.functions import Func
from heron.db.query.jsonpaths import KeyPath

__all__ = ["KT"]


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
