"""QuerySets, managers, query expressions and ``Prefetch``."""

from heron.db.query.expressions import Avg, Count, F, Max, Min, Q, Sum, Value
from heron.db.query.manager import Manager
from heron.db.query.prefetch import Prefetch, prefetch_related_objects
from heron.db.query.queryset import QuerySet
from heron.db.query.raw import RawQuerySet

__all__ = [
    "Avg",
    "Count",
    "F",
    "Manager",
    "Max",
    "Min",
    "Prefetch",
    "Q",
    "QuerySet",
    "RawQuerySet",
    "Sum",
    "Value",
    "prefetch_related_objects",
]
