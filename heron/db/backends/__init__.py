"""Database backends: ``Database`` per alias, one module per vendor (sqlite, postgresql, mysql).

Vendor modules import their drivers, so they are loaded only when a database of that
vendor is configured; ``Database(url)`` picks the right one.
"""

from heron.db.backends.base import Database, Params, QueryListener, Row

__all__ = ["Database", "Params", "QueryListener", "Row"]
