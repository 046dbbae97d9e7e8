"""The statistics aggregates ``StdDev`` and ``Variance``: of the population, or of a sample
(``sample=True``); read as ``Avg`` is (a float, a ``Decimal`` over decimal fields), built by
``aggregates._call`` (``heron_*`` Python aggregates on SQLite)."""

from __future__ import annotations

from typing import Any

from heron.db.query.expressions import Aggregate, Combinable

__all__ = ["StdDev", "Variance"]


class _Spread(Aggregate):
    """A population statistic, or the sample's with ``sample=True`` (an instance of the
    ``Sample`` subclass, so the two differ in the statement-cache shape)."""

    __slots__ = ()
    noun = ""  # the default alias's suffix
    Sample: type[_Spread]

    def __new__(cls, *args: Any, sample: bool = False, **kwargs: Any) -> Any:
        return super().__new__(cls.Sample if sample else cls)

    def __init__(self, field: str | Combinable, *, sample: bool = False, **kwargs: Any) -> None:
        super().__init__(field, **kwargs)

    @property
    def sample(self) -> bool:
        return self.function.endswith("_SAMP")

    def default_alias(self) -> str:
        return super().default_alias().rpartition("__")[0] + f"__{self.noun}"

    def __repr__(self) -> str:
        public = next(c for c in type(self).__mro__ if not c.__name__.startswith("_"))
        text = super().__repr__().replace(type(self).__name__, public.__name__, 1)
        return text[:-1] + (", sample=True)" if self.sample else ")")


class StdDev(_Spread):
    """Standard deviation of a field: of the population, or ``sample=True``."""

    __slots__ = ()
    function = "STDDEV_POP"
    noun = "stddev"


class _StdDevSample(StdDev):
    __slots__ = ()
    function = "STDDEV_SAMP"


class Variance(_Spread):
    """Variance of a field: of the population, or ``sample=True``."""

    __slots__ = ()
    function = "VAR_POP"
    noun = "variance"


class _VarianceSample(Variance):
    __slots__ = ()
    function = "VAR_SAMP"


StdDev.Sample = _StdDevSample
Variance.Sample = _VarianceSample
