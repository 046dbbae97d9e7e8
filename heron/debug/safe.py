"""Bounded, never-failing ``repr`` for values shown on the debug page."""

from __future__ import annotations

import reprlib

__all__ = ["safe_repr"]

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 200
_REPR.maxother = 200
_REPR.maxlong = 200
for _attr in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque", "maxarray"):
    setattr(_REPR, _attr, 20)


def safe_repr(value: object, limit: int = 200) -> str:
    """``repr(value)`` cut to ``limit`` characters; a failing ``repr`` yields a placeholder."""
    try:
        text = _REPR.repr(value)
    except Exception as exc:  # a broken __repr__ must not break the error page
        text = f"<{type(value).__name__} object; repr() raised {type(exc).__name__}>"
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text
