"""Context-local access to the current request and app, for code that cannot take a parameter.

Handlers receive ``request`` as a parameter; these proxies exist for helpers deep in a
call stack and for Flask users. They resolve through a ``ContextVar`` set per request,
so they are correct across concurrent requests and in sync handlers run in threads.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from heron.app import Heron
    from heron.http.datastructures import State
    from heron.http.request import Request

T = TypeVar("T")

request_var: ContextVar[Request] = ContextVar("heron.request")
app_var: ContextVar[Heron] = ContextVar("heron.app")


def get_request() -> Request:
    """The request being handled, or a ``RuntimeError`` saying there is none."""
    try:
        return request_var.get()
    except LookupError:
        raise RuntimeError(
            "Working outside of a request: heron.request and heron.g exist only while a "
            "request is handled. In a handler, take `request: Request` as a parameter."
        ) from None


def get_app() -> Heron:
    """The application handling the current request or running its lifespan."""
    try:
        return cast("Heron", request_var.get().app)
    except LookupError:
        pass
    try:
        return app_var.get()
    except LookupError:
        raise RuntimeError(
            "Working outside of an application: heron.current_app exists while a request "
            "is handled, during start-up and shutdown, and in `heron shell`."
        ) from None


class _Proxy(Generic[T]):
    """Forwards attribute access to the object a getter returns at call time."""

    __slots__ = ("_getter",)

    def __init__(self, getter: Any) -> None:
        object.__setattr__(self, "_getter", getter)

    def _get(self) -> T:
        return cast(T, self._getter())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get(), name)

    def __repr__(self) -> str:
        try:
            return repr(self._get())
        except RuntimeError:
            return "<unbound heron proxy>"

    def __bool__(self) -> bool:
        try:
            self._get()
        except RuntimeError:
            return False
        return True


def _get_g() -> State:
    return get_request().state


request = cast("Request", _Proxy(get_request))
g = cast("State", _Proxy(_get_g))
current_app = cast("Heron", _Proxy(get_app))
