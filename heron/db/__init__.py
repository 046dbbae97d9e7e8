"""Heron's ORM: Django's model API on SQLAlchemy Core, sync and async.

```python
from heron.db import Model, fields

class Post(Model):
    title = fields.String(max_length=200)
```
"""

from heron.db import fields, validators
from heron.db.backends import Database
from heron.db.connections import connections
from heron.db.errors import (
    AsyncContextError,
    DatabaseError,
    DataError,
    ImproperlyConfigured,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    TransactionManagementError,
)
from heron.db.holding import hold_connection
from heron.db.integration import init_app, non_atomic_requests
from heron.db.models.base import Model
from heron.db.models.constraints import CheckConstraint, Index, UniqueConstraint
from heron.db.models.exceptions import (
    FieldError,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ProtectedError,
    RestrictedError,
    ValidationError,
)
from heron.db.models.registry import registry
from heron.db.query import (
    Avg,
    Count,
    F,
    Manager,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    RawQuerySet,
    Sum,
    Value,
)
from heron.db.transaction import atomic, get_rollback, in_atomic_block, on_commit, set_rollback

__all__ = [
    "AsyncContextError",
    "Avg",
    "CheckConstraint",
    "Count",
    "DataError",
    "Database",
    "DatabaseError",
    "F",
    "FieldError",
    "ImproperlyConfigured",
    "Index",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "Manager",
    "Max",
    "Min",
    "Model",
    "MultipleObjectsReturned",
    "NotSupportedError",
    "ObjectDoesNotExist",
    "OperationalError",
    "Prefetch",
    "ProgrammingError",
    "ProtectedError",
    "Q",
    "QuerySet",
    "RawQuerySet",
    "RestrictedError",
    "Sum",
    "TransactionManagementError",
    "UniqueConstraint",
    "ValidationError",
    "Value",
    "atomic",
    "connections",
    "fields",
    "get_rollback",
    "hold_connection",
    "in_atomic_block",
    "init_app",
    "non_atomic_requests",
    "on_commit",
    "registry",
    "set_rollback",
    "validators",
]
