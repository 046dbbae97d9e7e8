"""``init_app(app)``: what ``app.install(heron.db)`` does.

It configures ``connections`` from the app's settings (``DATABASE_URL``, ``DATABASES``,
relative SQLite paths against ``app.root_path``), closes the pools at shutdown, and with
``ATOMIC_REQUESTS`` runs each handler inside ``atomic()``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from heron.db.backends.settings import DEFAULT_URL
from heron.db.connections import connections
from heron.db.errors import ImproperlyConfigured
from heron.db.models.exceptions import ValidationError
from heron.db.transaction import Atomic, set_rollback
from heron.http.responses import Response
from heron.params import is_async_callable

if TYPE_CHECKING:
    from heron.app import Heron
    from heron.routing import Route

F = TypeVar("F", bound=Callable[..., Any])

_NON_ATOMIC = "_heron_non_atomic_requests"
_ALL = frozenset({"*"})


def init_app(app: Heron) -> None:
    """Set up ``heron.db`` for ``app``: databases, shutdown, ``ATOMIC_REQUESTS``.

    Call it (or ``app.install(heron.db)``) before the app serves its first request.
    """
    config = app.config
    config.setdefault("DATABASE_URL", DEFAULT_URL)
    config.setdefault("DATABASES", None)
    config.setdefault("ATOMIC_REQUESTS", False)
    connections.configure_from(config, app.root_path)
    app.extensions["heron.db"] = connections
    app.on_shutdown(connections.aclose_all)
    app.handler_wrappers.append(functools.partial(_atomic_requests, app))
    if ValidationError not in app.error_handlers:
        app.register_error_handler(ValidationError, validation_error_response)


async def validation_error_response(exc: ValidationError) -> tuple[dict[str, Any], int]:
    """An uncaught ``ValidationError`` (``full_clean()`` in a handler) is a 422 listing
    the messages per field (``__all__`` for the instance as a whole)."""
    errors = exc.errors or {"__all__": list(exc.messages)}
    return {"detail": "Validation failed.", "errors": errors}, 422


def atomic_request_aliases(setting: Any) -> tuple[str, ...]:
    """The aliases an ``ATOMIC_REQUESTS`` value names: ``True`` is every configured one."""
    if not setting:
        return ()
    if setting is True:
        return tuple(connections)
    aliases = (setting,) if isinstance(setting, str) else tuple(setting)
    unknown = [alias for alias in aliases if alias not in connections]
    if unknown:
        raise ImproperlyConfigured(
            f"ATOMIC_REQUESTS names unknown database alias(es) {', '.join(unknown)}; "
            f"configured aliases: {', '.join(connections)}"
        )
    return aliases


def non_atomic_requests(func: F | None = None, *, using: str | Iterable[str] | None = None) -> Any:
    """Exclude a handler from ``ATOMIC_REQUESTS`` (for every alias, or those in ``using``).

    Use as ``@non_atomic_requests`` or ``@non_atomic_requests(using="other")``, below the
    route decorator.
    """
    aliases = _ALL if using is None else frozenset((using,) if isinstance(using, str) else using)

    def mark(handler: F) -> F:
        setattr(handler, _NON_ATOMIC, aliases)
        return handler

    return mark(func) if func is not None else mark


def _atomic_requests(app: Heron, handler: Callable[..., Any], route: Route) -> Callable[..., Any]:
    """The handler wrapper: run ``handler`` inside ``atomic()`` on the configured aliases."""
    aliases = atomic_request_aliases(app.config.get("ATOMIC_REQUESTS"))
    if route.endpoint == "static" or route.endpoint.endswith(".static"):
        return handler  # static files read no database
    excluded: frozenset[str] = getattr(handler, _NON_ATOMIC, frozenset())
    if excluded is _ALL or "*" in excluded:
        return handler
    aliases = tuple(alias for alias in aliases if alias not in excluded)
    if not aliases:
        return handler
    if is_async_callable(handler):
        return _async_atomic(handler, aliases)
    return _sync_atomic(handler, aliases)


def _is_server_error(rv: Any) -> bool:
    if isinstance(rv, Response):
        return rv.status_code >= 500
    if isinstance(rv, tuple) and len(rv) >= 2 and isinstance(rv[1], int):
        return rv[1] >= 500
    return False


def _sync_atomic(handler: Callable[..., Any], aliases: tuple[str, ...]) -> Callable[..., Any]:
    # Sync handlers run in a worker thread: the block is entered there, around the call.
    @functools.wraps(handler)
    def atomic_handler(*args: Any, **kwargs: Any) -> Any:
        with contextlib.ExitStack() as stack:
            for alias in aliases:
                stack.enter_context(Atomic(alias))
            rv = handler(*args, **kwargs)
            if _is_server_error(rv):
                for alias in aliases:
                    set_rollback(True, using=alias)
            return rv

    return atomic_handler


def _async_atomic(handler: Callable[..., Any], aliases: tuple[str, ...]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def atomic_handler(*args: Any, **kwargs: Any) -> Any:
        async with contextlib.AsyncExitStack() as stack:
            for alias in aliases:
                await stack.enter_async_context(Atomic(alias))
            rv = await handler(*args, **kwargs)
            if _is_server_error(rv):
                for alias in aliases:
                    set_rollback(True, using=alias)
            return rv

    return atomic_handler
