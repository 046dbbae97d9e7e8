"""The functions of ``Window`` (``windows.py``): ranking (``RowNumber``, ``Rank`` …), value
(``Lag``, ``FirstValue`` …) and bucketing (``NTile``) functions, and the frames
``RowRange``/``ValueRange``. Their constant arguments (offsets, bucket counts, frame
bounds) are validated ints written into the SQL and part of ``structure()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import FrameClause, FrameClauseType

from heron.db.fields.scalars import Float, Integer
from heron.db.models.exceptions import FieldError
from heron.db.query.functions import Func

__all__ = [
    "CumeDist",
    "DenseRank",
    "FirstValue",
    "Frame",
    "Lag",
    "LastValue",
    "Lead",
    "NTile",
    "NthValue",
    "PercentRank",
    "Rank",
    "RowNumber",
    "RowRange",
    "ValueRange",
    "WindowFunction",
]

_INTEGER, _FLOAT = Integer(), Float()


def _positive(value: Any, what: str) -> int:
    """``value`` when it is a positive int (it is written into the SQL)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, not {value!r}.")
    return int(value)


# -- frames -----------------------------------------------------------------------------------


class _LiteralFrame(FrameClause):
    """A frame whose offsets are written into the SQL (SQLAlchemy would bind them)."""

    @classmethod
    def _as_literal(cls, value: Any) -> Any:
        return None if value is None else sa.literal_column(str(int(value)))


def _bound(value: int | None) -> tuple[int | None, FrameClauseType]:
    if value is None:
        return None, FrameClauseType.UNBOUNDED
    if value == 0:
        return None, FrameClauseType.CURRENT
    return abs(value), FrameClauseType.PRECEDING if value < 0 else FrameClauseType.FOLLOWING


class Frame:
    """The rows of the window a function sees, relative to the current row: ``None`` is
    UNBOUNDED (PRECEDING as ``start``, FOLLOWING as ``end``), ``0`` CURRENT ROW, ``-n``
    n PRECEDING, ``n`` n FOLLOWING."""

    __slots__ = ("end", "start")
    kind = ""

    def __init__(self, start: int | None = None, end: int | None = None) -> None:
        for name, value in (("start", start), ("end", end)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(
                    f"{type(self).__name__}({name}=...) takes an int or None, not {value!r}."
                )
        if start is not None and end is not None and start > end:
            raise ValueError(
                f"{type(self).__name__}(start={start}, end={end}): the frame starts after it ends."
            )
        self.start = None if start is None else int(start)
        self.end = None if end is None else int(end)

    def structure(self) -> tuple[Any, ...]:
        return (self.kind, self.start, self.end)

    def clause(self) -> FrameClause:
        (low, low_type), (high, high_type) = _bound(self.start), _bound(self.end)
        return _LiteralFrame(low, high, low_type, high_type)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(start={self.start!r}, end={self.end!r})"


class RowRange(Frame):
    """``ROWS BETWEEN ...``: offsets count rows."""

    __slots__ = ()
    kind = "rows"


class ValueRange(Frame):
    """``RANGE BETWEEN ...``: offsets are distances in the value of the (single) ordering
    term; 0 takes the current row's peers."""

    __slots__ = ()
    kind = "range_"


# -- window-only functions --------------------------------------------------------------------


class WindowFunction(Func):
    """A function computed over the window of each row; only valid inside ``Window()``."""

    __slots__ = ()
    typed_as_arguments = True
    # True when the result is a value of the first argument (``Lag``, ``FirstValue`` …).
    value_of_argument = False

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        raise FieldError(
            f"{type(self).__name__}() is a window function: use it inside Window(...), "
            f"e.g. annotate(x=Window({type(self).__name__}(...), order_by=...))."
        )

    def call(self, args: list[Any], vendor: str) -> Any:
        """The function call (without OVER) over the built ``args``."""
        type_ = args[0].type if self.value_of_argument else None
        return getattr(sa.func, self.function)(*args, type_=type_)

    def over(self, args: list[Any], window: dict[str, Any], vendor: str) -> Any:
        """``call(...) OVER (window)``; ``window`` holds ``over()``'s keyword arguments."""
        return self.call(args, vendor).over(**window)


class RowNumber(WindowFunction):
    """The number of the row in its partition, from 1."""

    __slots__ = ()
    function = "row_number"
    arity = 0
    default_output_field = _INTEGER


class Rank(WindowFunction):
    """The rank of the row in its partition, with gaps after ties (1, 1, 3)."""

    __slots__ = ()
    function = "rank"
    arity = 0
    default_output_field = _INTEGER


class DenseRank(WindowFunction):
    """The rank of the row in its partition, without gaps after ties (1, 1, 2)."""

    __slots__ = ()
    function = "dense_rank"
    arity = 0
    default_output_field = _INTEGER


class PercentRank(WindowFunction):
    """``(rank - 1) / (rows in the partition - 1)``, a float from 0 to 1."""

    __slots__ = ()
    function = "percent_rank"
    arity = 0
    default_output_field = _FLOAT


class CumeDist(WindowFunction):
    """The fraction of the partition's rows ordered before or with the row, a float."""

    __slots__ = ()
    function = "cume_dist"
    arity = 0
    default_output_field = _FLOAT


class NTile(WindowFunction):
    """The number (from 1) of the bucket the row falls in when its partition is split in
    ``num_buckets`` buckets as equal as can be."""

    __slots__ = ("num_buckets",)
    function = "ntile"
    default_output_field = _INTEGER

    def __init__(self, num_buckets: int = 1) -> None:
        super().__init__()
        self.num_buckets = _positive(num_buckets, "NTile(num_buckets)")

    def structure(self) -> tuple[Any, ...]:
        return (self.num_buckets,)

    def call(self, args: list[Any], vendor: str) -> Any:
        return sa.func.ntile(sa.literal_column(str(self.num_buckets)))

    def __repr__(self) -> str:
        return f"NTile({self.num_buckets})"


class _Shifted(WindowFunction):
    """``Lag``/``Lead``: the value ``offset`` rows away, else ``default`` (NULL if none)."""

    __slots__ = ("has_default", "offset")
    value_of_argument = True

    def __init__(self, expression: Any, offset: int = 1, default: Any = None) -> None:
        name = type(self).__name__
        self.offset = _positive(offset, f"{name}(offset)")
        self.has_default = default is not None
        if self.has_default:
            super().__init__(expression, default)
        else:
            super().__init__(expression)

    def structure(self) -> tuple[Any, ...]:
        return (self.offset, self.has_default)

    def call(self, args: list[Any], vendor: str) -> Any:
        shift: Any = sa.literal_column(str(self.offset))
        value = args[0]
        return getattr(sa.func, self.function)(value, shift, *args[1:], type_=value.type)

    def over(self, args: list[Any], window: dict[str, Any], vendor: str) -> Any:
        if vendor != "mysql" or not self.has_default:
            return super().over(args, window, vendor)
        # MariaDB's LAG/LEAD take no default: CASE on whether the row `offset` away exists.
        shifted = self.call(args[:1], vendor).over(**window)
        place = sa.func.row_number().over(
            partition_by=window.get("partition_by"), order_by=window.get("order_by")
        )
        if self.function == "lead":
            rows = sa.func.count(sa.literal_column("*")).over(
                partition_by=window.get("partition_by")
            )
            exists = rows - place >= sa.literal_column(str(self.offset))
        else:
            exists = place > sa.literal_column(str(self.offset))
        return sa.case((exists, shifted), else_=args[1])

    def __repr__(self) -> str:
        default = f", default={self.source_expressions[1]!r}" if self.has_default else ""
        return f"{type(self).__name__}({self.source_expressions[0]!r}, {self.offset}{default})"


class Lag(_Shifted):
    """The value of ``expression`` ``offset`` rows before, else ``default`` (NULL)."""

    __slots__ = ()
    function = "lag"


class Lead(_Shifted):
    """The value of ``expression`` ``offset`` rows after, else ``default`` (NULL)."""

    __slots__ = ()
    function = "lead"


class FirstValue(WindowFunction):
    """The value of ``expression`` at the first row of the frame."""

    __slots__ = ()
    function = "first_value"
    arity = 1
    value_of_argument = True


class LastValue(WindowFunction):
    """The value of ``expression`` at the last row of the frame (with an ``order_by`` and no
    frame, the frame ends at the current row's last peer)."""

    __slots__ = ()
    function = "last_value"
    arity = 1
    value_of_argument = True


class NthValue(WindowFunction):
    """The value of ``expression`` at the ``nth`` row (from 1) of the frame, else NULL."""

    __slots__ = ("nth",)
    function = "nth_value"
    value_of_argument = True

    def __init__(self, expression: Any, nth: int = 1) -> None:
        super().__init__(expression)
        self.nth = _positive(nth, "NthValue(nth)")

    def structure(self) -> tuple[Any, ...]:
        return (self.nth,)

    def call(self, args: list[Any], vendor: str) -> Any:
        value = args[0]
        return sa.func.nth_value(value, sa.literal_column(str(self.nth)), type_=value.type)

    def __repr__(self) -> str:
        return f"NthValue({self.source_expressions[0]!r}, nth={self.nth})"
