"""QuerySets, managers, query expressions and ``Prefetch``."""

from heron.db.query.expressions import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from heron.db.query.functions import Coalesce, Length, Lower, Upper
from heron.db.query.manager import Manager
from heron.db.query.prefetch import Prefetch, prefetch_related_objects
from heron.db.query.queryset import QuerySet
from heron.db.query.raw import RawQuerySet

__all__ = [
    "Avg",
    "Case",
    "Coalesce",
    "Count",
    "Exists",
    "F",
    "Length",
    "Lower",
    "Manager",
    "Max",
    "Min",
    "OuterRef",
    "Prefetch",
    "Q",
    "QuerySet",
    "RawQuerySet",
    "Subquery",
    "Sum",
    "Upper",
    "Value",
    "When",
    "prefetch_related_objects",
]
