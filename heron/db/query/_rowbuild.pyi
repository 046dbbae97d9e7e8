"""Heron's C row builder (optional): see _rowbuild.c and loading.py."""

from collections.abc import Callable, Sequence
from typing import Any

PLAIN: int
CALL: int
UTC_TEXT: int
DECIMAL: int
BOOL: int

class Builder:
    def __init__(
        self,
        cls: type,
        columns: tuple[tuple[str, int, int, Callable[[Any], Any] | None, int], ...],
        tail: tuple[tuple[str, Any], ...],
        hooks: list[Any],
        announce: Callable[[Any], Any],
    ) -> None: ...
    def one(self, row: Sequence[Any]) -> Any: ...
    def many(self, rows: Sequence[Sequence[Any]]) -> list[Any]: ...
