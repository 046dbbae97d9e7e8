"""``tzinfo=`` of the date functions: reading a UTC date-time as the wall time of a zone.

``zone_name()`` turns the user's ``tzinfo`` (a ``zoneinfo.ZoneInfo``, or a fixed-offset
``datetime.timezone``) into the text written into the SQL (a constant, so ``GROUP BY``
matches its ``SELECT``): an IANA name, checked to hold only the characters such names
have, or ``+HH:MM``. ``to_local()`` and ``to_utc()`` convert on each database:
PostgreSQL's ``timezone()``, MariaDB's ``CONVERT_TZ()`` (named zones need the server's
time-zone tables), and Heron's ``heron_local``/``heron_utc`` on SQLite.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import sqlalchemy as sa

__all__ = ["to_local", "to_utc", "trunc_local", "zone_name"]

_IANA = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]*$")
_NO_TYPE = sa.types.NullType()


def zone_name(tzinfo: Any) -> str | None:
    """The zone's SQL text; ``None`` for no zone or UTC (nothing to convert)."""
    if tzinfo is None:
        return None
    if isinstance(tzinfo, zoneinfo.ZoneInfo):
        key = tzinfo.key or ""
        if key in ("UTC", "Etc/UTC"):
            return None
        return key if _IANA.match(key) else _refuse(tzinfo)
    if isinstance(tzinfo, dt.timezone):
        offset = tzinfo.utcoffset(None)
        if not offset:
            return None
        sign = "-" if offset < dt.timedelta(0) else "+"
        minutes = abs(offset) // dt.timedelta(minutes=1)
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return _refuse(tzinfo)


def _refuse(tzinfo: Any) -> str:
    raise TypeError(
        "tzinfo= takes a zoneinfo.ZoneInfo (by its IANA name) or a fixed-offset "
        f"datetime.timezone, not {tzinfo!r}."
    )


def _zone_sql(zone: str, vendor: str) -> Any:
    if vendor == "postgresql" and zone[0] in "+-":
        return sa.literal_column(f"INTERVAL '{zone}'")  # ISO sign: east of UTC is positive
    return sa.literal_column(f"'{zone}'")


def to_local(value: Any, zone: str, vendor: str) -> Any:
    """The wall time in ``zone`` of the UTC date-time ``value`` (untyped: the date
    transforms then read it as it is)."""
    if vendor == "postgresql":
        return sa.func.timezone(_zone_sql(zone, vendor), value, type_=_NO_TYPE)
    if vendor == "mysql":
        utc: Any = sa.literal_column("'+00:00'")
        return sa.func.convert_tz(value, utc, _zone_sql(zone, vendor), type_=_NO_TYPE)
    return sa.func.heron_local(value, _zone_sql(zone, vendor), type_=_NO_TYPE)


def trunc_local(local: Any, kind: str, vendor: str) -> Any:
    """PostgreSQL's truncation of a wall time (a ``timestamp``, no zone)."""
    return sa.func.date_trunc(sa.literal_column(f"'{kind}'"), local, type_=_NO_TYPE)


def to_utc(local: Any, zone: str, vendor: str, type_: Any) -> Any:
    """The UTC date-time of the wall time ``local`` in ``zone``."""
    if vendor == "postgresql":
        return sa.func.timezone(_zone_sql(zone, vendor), local, type_=type_)
    if vendor == "mysql":
        utc: Any = sa.literal_column("'+00:00'")
        return sa.func.convert_tz(local, _zone_sql(zone, vendor), utc, type_=type_)
    return sa.func.heron_utc(local, _zone_sql(zone, vendor), type_=type_)
