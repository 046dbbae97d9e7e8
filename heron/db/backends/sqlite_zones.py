"""``heron_local`` and ``heron_utc``: SQLite's time-zone conversions, in Python.

Heron stores a date-time on SQLite as UTC text (``2024-03-31 00:30:00.000000``).
``heron_local(text, zone)`` is the same instant's wall time in ``zone`` (an IANA name such
as ``Europe/Paris``, or a fixed offset ``+05:30``), in the same form; ``heron_utc`` reads
a wall time in ``zone`` back to UTC text. A wall time a daylight-saving change skips or
repeats is read with ``fold=0``, as ``zoneinfo`` does.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache
from typing import Any

__all__ = ["ZONE_FUNCTIONS"]

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    """``Europe/Paris`` as a ``ZoneInfo``, ``+05:30`` as a fixed offset."""
    if name[:1] in "+-" and name[1:3].isdigit():
        sign = -1 if name[0] == "-" else 1
        hours, _, minutes = name[1:].partition(":")
        return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes or 0)))
    return zoneinfo.ZoneInfo(name)


def _parse(text: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).replace(tzinfo=None)


def heron_local(text: Any, zone: Any) -> str | None:
    """UTC text → the wall time in ``zone``."""
    if text is None or zone is None:
        return None
    moment = _parse(text).replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone(str(zone))).replace(tzinfo=None).strftime(_FORMAT)


def heron_utc(text: Any, zone: Any) -> str | None:
    """A wall time in ``zone`` → UTC text."""
    if text is None or zone is None:
        return None
    wall = _parse(text).replace(tzinfo=_zone(str(zone)))
    return wall.astimezone(dt.UTC).replace(tzinfo=None).strftime(_FORMAT)


ZONE_FUNCTIONS = {"heron_local": (2, heron_local), "heron_utc": (2, heron_utc)}
