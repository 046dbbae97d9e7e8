"""Content negotiation on the ``Accept`` header (used to pick HTML or JSON error pages)."""

from __future__ import annotations

__all__ = ["accept_quality"]


def _q(params: list[str]) -> float | None:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0.0 <= q <= 1.0 else None
    return 1.0


def accept_quality(accept: str | None, media_type: str) -> float:
    """How much the client wants ``media_type`` (0.0-1.0) by the most specific
    matching range of ``accept``; a missing or empty header accepts everything."""
    if not accept or not accept.strip():
        return 1.0
    wanted_type, _, wanted_subtype = media_type.lower().partition("/")
    best_specificity = -1
    best_q = 0.0
    for media_range in accept.split(","):
        range_type, *params = media_range.split(";")
        main, _, sub = range_type.strip().lower().partition("/")
        if main == "*" and sub in ("*", ""):
            specificity = 0
        elif main == wanted_type and sub == "*":
            specificity = 1
        elif main == wanted_type and sub == wanted_subtype:
            specificity = 2
        else:
            continue
        q = _q(params)
        if q is not None and specificity > best_specificity:
            best_specificity, best_q = specificity, q
    return best_q
