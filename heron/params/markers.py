"""Parameter markers: where a handler argument comes from, and how it is constrained.

Used as defaults (``page: int = Query(1, ge=1)``) or inside ``Annotated``
(``page: Annotated[int, Query(ge=1)] = 1``). Constraints are pydantic's, so they
validate the value and appear in the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

Undefined: Any = PydanticUndefined

_FIELD_OPTIONS = (
    "title",
    "description",
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "examples",
)


class Param:
    """Base marker: a value taken from one part of the request (``location``)."""

    location: ClassVar[str] = ""

    def __init__(
        self,
        default: Any = Undefined,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        examples: list[Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.title = title
        self.description = description
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le
        self.multiple_of = multiple_of
        self.min_length, self.max_length = min_length, max_length
        self.pattern = pattern
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema

    def field_info(self, default: Any) -> FieldInfo:
        """The pydantic ``Field`` carrying this marker's constraints and documentation."""
        options = {name: getattr(self, name) for name in _FIELD_OPTIONS}
        options = {name: value for name, value in options.items() if value is not None}
        if self.default_factory is not None:
            return Field(default_factory=self.default_factory, **options)  # type: ignore[no-any-return]
        return Field(default, **options)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        default = "" if self.default is Undefined else repr(self.default)
        return f"{type(self).__name__}({default})"


class Path(Param):
    """A path parameter (taken by name from the route's rule)."""

    location = "path"


class Query(Param):
    """A query-string parameter; a ``list[...]`` annotation takes every repeated value."""

    location = "query"


class Header(Param):
    """A request header; ``user_agent`` reads ``User-Agent`` (``convert_underscores=False``
    keeps the name as it is)."""

    location = "header"

    def __init__(
        self, default: Any = Undefined, *, convert_underscores: bool = True, **options: Any
    ) -> None:
        super().__init__(default, **options)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A cookie value by name."""

    location = "cookie"


class Body(Param):
    """A JSON body value. ``embed=True`` reads it from a key named after the parameter."""

    location = "body"
    media_type: ClassVar[str] = "application/json"

    def __init__(self, default: Any = Undefined, *, embed: bool = False, **options: Any) -> None:
        super().__init__(default, **options)
        self.embed = embed


class Form(Body):
    """A field of a url-encoded or multipart form."""

    location = "form"
    media_type = "application/x-www-form-urlencoded"


class File(Form):
    """An uploaded file (``UploadFile``, ``bytes`` or a list of them) from a multipart form."""

    location = "file"
    media_type = "multipart/form-data"


class Depends:
    """A value computed by ``dependency`` (sync or async, possibly a generator).

    Its own parameters are resolved like a handler's. With ``use_cache`` (the default)
    it runs at most once per request however many parameters depend on it.
    """

    __slots__ = ("dependency", "use_cache")

    def __init__(self, dependency: Callable[..., Any] | None = None, *, use_cache: bool = True):
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__qualname__", repr(self.dependency))
        return f"Depends({name})"


class Security(Depends):
    """``Depends`` that also names OAuth2 scopes the operation needs (documented in OpenAPI)."""

    __slots__ = ("scopes",)

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        scopes: list[str] | None = None,
        use_cache: bool = True,
    ):
        super().__init__(dependency, use_cache=use_cache)
        self.scopes = list(scopes or ())


class SecurityScopes:
    """The OAuth2 scopes a dependency is asked to check, injected by annotation.

    A dependency with a parameter annotated ``SecurityScopes`` receives the scopes of every
    ``Security(..., scopes=[...])`` on the way from the handler down to it, outermost first.
    """

    __slots__ = ("scopes",)

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or ())

    @property
    def scope_str(self) -> str:
        """The scopes separated by spaces, as a ``WWW-Authenticate`` challenge writes them."""
        return " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes({self.scopes!r})"
