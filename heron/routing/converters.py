"""Path-parameter converters: the regex a parameter must match and its Python <-> URL forms.

A converter turns one captured piece of the path into a Python value (``to_python``)
and a value back into URL text (``to_url``). ``to_python`` raising ``ValueError``
means "this route does not match", so the router moves on to the next candidate.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar


@lru_cache(maxsize=256)
def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


class Converter:
    """Base class for path converters; subclass it and register it by name.

    ``regex`` is what the captured text must match. Unless ``slashes`` is true, a
    converter only ever sees a single path segment (text without ``/``). ``weight``
    orders converters tried at the same position: lower weights are tried first.
    Subclasses may take arguments, written in the rule as ``<name(arg, key=value):var>``.
    """

    regex: str = "[^/]+"
    weight: ClassVar[int] = 50
    slashes: ClassVar[bool] = False

    def to_python(self, value: str) -> Any:
        """Convert the matched text; raise ``ValueError`` to reject the match."""
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value into the (unquoted) text that stands for it in a URL."""
        return str(value)

    def accepts(self, text: str) -> bool:
        """True if ``text`` matches this converter's regex (used when building URLs)."""
        matched = _compile(self.regex).fullmatch(text) is not None
        return matched and (self.slashes or "/" not in text)


class StringConverter(Converter):
    """The default: any non-empty segment, optionally bounded with ``minlength``/``maxlength``."""

    def __init__(
        self, minlength: int = 1, maxlength: int | None = None, length: int | None = None
    ) -> None:
        if length is not None:
            minlength = maxlength = length
        if minlength < 1 or (maxlength is not None and maxlength < minlength):
            raise ValueError("string converter: need 1 <= minlength <= maxlength")
        if minlength != 1 or maxlength is not None:
            upper = "" if maxlength is None else str(maxlength)
            self.regex = f"[^/]{{{minlength},{upper}}}"


def _check_bounds(value: float, lo: float | None, hi: float | None) -> None:
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError("out of bounds")


class IntegerConverter(Converter):
    """Non-negative integers (``signed=True`` allows a leading ``-``), within ``min``/``max``."""

    regex = "[0-9]+"
    weight = 20

    def __init__(
        self, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        self.min, self.max, self.signed = min, max, signed
        if signed:
            self.regex = "-?[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if self.min is not None or self.max is not None:
            _check_bounds(number, self.min, self.max)
        return number

    def to_url(self, value: Any) -> str:
        try:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            number = int(value)
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
        _check_bounds(number, self.min, self.max)
        if number < 0 and not self.signed:
            raise ValueError(f"negative integer {number} for an unsigned converter")
        return str(number)


class FloatConverter(Converter):
    """Decimal numbers written with digits and an optional fraction (``3``, ``2.5``)."""

    regex = r"[0-9]+(?:\.[0-9]+)?"
    weight = 30

    def __init__(
        self, min: float | None = None, max: float | None = None, signed: bool = False
    ) -> None:
        self.min, self.max, self.signed = min, max, signed
        if signed:
            self.regex = "-?" + type(self).regex

    def to_python(self, value: str) -> float:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        _check_bounds(number, self.min, self.max)
        return number

    def to_url(self, value: Any) -> str:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{number!r} cannot appear in a URL")
        if number < 0 and not self.signed:
            raise ValueError(f"negative number {number!r} for an unsigned converter")
        _check_bounds(number, self.min, self.max)
        # Positional notation only: repr() may say 1e+20, which the regex refuses.
        return format(Decimal(repr(number)), "f")


class PathConverter(Converter):
    """The rest of the path, slashes included (``docs/guide/intro.md``); never empty."""

    regex = "[^/].*"
    weight = 90
    slashes = True


class UUIDConverter(Converter):
    """A UUID in its canonical 8-4-4-4-12 hex form; the handler gets a ``uuid.UUID``."""

    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    weight = 10

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class SlugConverter(Converter):
    """ASCII letters, digits, hyphens and underscores (``my-first-post``)."""

    regex = "[-a-zA-Z0-9_]+"
    weight = 40


class AnyConverter(Converter):
    """One of a fixed set of words: ``<any(about, help):page>``."""

    weight = 15

    def __init__(self, *items: str) -> None:
        if not items or not all(isinstance(i, str) and i and "/" not in i for i in items):
            raise ValueError("any converter: give one or more words without '/'")
        self.items = frozenset(items)
        self.regex = "(?:" + "|".join(re.escape(i) for i in sorted(items)) + ")"

    def to_url(self, value: Any) -> str:
        text = str(value)
        if text not in self.items:
            raise ValueError(f"{text!r} is not one of {sorted(self.items)}")
        return text


DEFAULT_CONVERTERS: Mapping[str, type[Converter]] = {
    "str": StringConverter,
    "string": StringConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "path": PathConverter,
    "uuid": UUIDConverter,
    "slug": SlugConverter,
    "any": AnyConverter,
}

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "Converter",
    "FloatConverter",
    "IntegerConverter",
    "PathConverter",
    "SlugConverter",
    "StringConverter",
    "UUIDConverter",
]
