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
    Case,
    Coalesce,
    Count,
    Exists,
    F,
    Length,
    Lower,
    Manager,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    RawQuerySet,
    Subquery,
    Sum,
    Upper,
    Value,
    When,
)
from heron.db.transaction import atomic, get_rollback, in_atomic_block, on_commit, set_rollback

__all__ = [
    "AsyncContextError",
    "Avg",
    "Case",
    "CheckConstraint",
    "Coalesce",
    "Count",
    "DataError",
    "Database",
    "DatabaseError",
    "Exists",
    "F",
    "FieldError",
    "ImproperlyConfigured",
    "Index",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "Length",
    "Lower",
    "Manager",
    "Max",
    "Min",
    "Model",
    "MultipleObjectsReturned",
    "NotSupportedError",
    "ObjectDoesNotExist",
    "OperationalError",
    "OuterRef",
    "Prefetch",
    "ProgrammingError",
    "ProtectedError",
    "Q",
    "QuerySet",
    "RawQuerySet",
    "RestrictedError",
    "Subquery",
    "Sum",
    "TransactionManagementError",
    "UniqueConstraint",
    "Upper",
    "ValidationError",
    "Value",
    "When",
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
