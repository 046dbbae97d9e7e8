"""QuerySets, managers and query expressions."""

from heron.db.query.expressions import Avg, Count, F, Max, Min, Q, Sum, Value
from heron.db.query.manager import Manager
from heron.db.query.queryset import QuerySet

__all__ = ["Avg", "Count", "F", "Manager", "Max", "Min", "Q", "QuerySet", "Sum", "Value"]
