"""Errors raised by models and querysets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from heron.db.errors import IntegrityError

__all__ = [
    "FieldError",
    "MultipleObjectsReturned",
    "ObjectDoesNotExist",
    "ProtectedError",
    "RestrictedError",
    "ValidationError",
]


class FieldError(Exception):
    """A query names a field or lookup that does not exist, or uses it wrongly."""


class ObjectDoesNotExist(Exception):
    """``get()`` found no row; each model has its own ``Model.DoesNotExist`` subclass."""


class MultipleObjectsReturned(Exception):
    """``get()`` found more than one row; each model has its own subclass."""


class ValidationError(ValueError):
    """Invalid values: ``messages`` is a list, ``errors`` maps field names to their messages."""

    def __init__(
        self,
        message: str | Sequence[str] | Mapping[str, Sequence[str] | str],
        code: str | None = None,
    ) -> None:
        self.code = code
        self.errors: dict[str, list[str]] = {}
        if isinstance(message, Mapping):
            for name, messages in message.items():
                items = [messages] if isinstance(messages, str) else list(messages)
                self.errors[name] = items
            self.messages = [m for items in self.errors.values() for m in items]
        elif isinstance(message, str):
            self.messages = [message]
        else:
            self.messages = list(message)
        super().__init__(self._describe())

    @property
    def message_dict(self) -> dict[str, list[str]]:
        """``errors`` under Django's name."""
        return self.errors

    def _describe(self) -> str:
        if self.errors:
            return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.errors.items())
        return " ".join(self.messages)


class ProtectedError(IntegrityError):
    """A delete was refused because rows point at it with ``on_delete=PROTECT``.

    An ``IntegrityError`` (as in Django), raised by Heron before anything is deleted;
    ``protected_objects`` holds (up to 20 of) the rows in the way.
    """

    def __init__(self, message: str, protected_objects: list[object]) -> None:
        super().__init__(message)
        self.protected_objects = protected_objects


class RestrictedError(ProtectedError):
    """A delete was refused because rows point at it with ``on_delete=RESTRICT`` and are not
    deleted by the same delete; ``restricted_objects`` holds (up to 20 of) them.

    Unlike Django's, it is a ``ProtectedError`` too (``protected_objects`` is the same list).
    """

    def __init__(self, message: str, restricted_objects: list[object]) -> None:
        super().__init__(message, restricted_objects)
        self.restricted_objects = restricted_objects
