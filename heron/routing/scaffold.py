"""``Scaffold``: what ``Heron`` and ``Blueprint`` share — route decorators, hooks, error
handlers and the folders resolved from the import name."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from heron.routing.urls import normalize_methods

F = TypeVar("F", bound=Callable[..., Any])
ErrorKey = int | type[BaseException]


def get_root_path(import_name: str) -> str:
    """The directory holding the module ``import_name`` (the cwd when it has no file)."""
    module = sys.modules.get(import_name)
    filename: str | None = getattr(module, "__file__", None) if module is not None else None
    if filename is None and module is None:
        try:
            spec = importlib.util.find_spec(import_name)
        except (ImportError, ValueError):
            spec = None
        filename = spec.origin if spec is not None and spec.has_location else None
    if not filename:
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


class Scaffold:
    """Route decorators, request hooks and error handlers shared by apps and blueprints.

    Subclasses decide what registering a route means by overriding ``_register_route``:
    the application adds it to its router, a blueprint records it.
    """

    def __init__(
        self,
        import_name: str,
        *,
        root_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self._template_folder = os.fspath(template_folder) if template_folder else None
        self._static_folder = os.fspath(static_folder) if static_folder else None
        self._static_url_path = static_url_path
        self.before_request_funcs: list[Callable[..., Any]] = []
        self.after_request_funcs: list[Callable[..., Any]] = []
        self.teardown_request_funcs: list[Callable[..., Any]] = []
        self.error_handlers: dict[ErrorKey, Callable[..., Any]] = {}

    # -- folders -----------------------------------------------------------------------------

    @property
    def template_folder(self) -> str | None:
        """Absolute path of the templates folder, or None when there is none."""
        if self._template_folder is None:
            return None
        return os.path.join(self.root_path, self._template_folder)

    @template_folder.setter
    def template_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._template_folder = os.fspath(value) if value else None

    @property
    def static_folder(self) -> str | None:
        """Absolute path of the static files folder, or None when there is none."""
        if self._static_folder is None:
            return None
        return os.path.join(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = os.fspath(value) if value else None

    @property
    def static_url_path(self) -> str | None:
        """The URL path static files are served under (default: ``/`` + the folder's name)."""
        if self._static_url_path is not None:
            return self._static_url_path.rstrip("/")
        if self._static_folder is not None:
            return "/" + os.path.basename(self._static_folder.rstrip("/\\"))
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = value

    # -- routes ------------------------------------------------------------------------------

    def route(
        self,
        rule: str,
        methods: Iterable[str] | None = None,
        name: str | None = None,
        **options: Any,
    ) -> Callable[[F], F]:
        """Decorate a handler to serve ``rule`` for ``methods`` (GET by default).

        ``name`` is the endpoint used by ``url_for`` (default: the function's name);
        other keyword options, such as ``status_code``, are kept on the route.
        """

        def decorator(handler: F) -> F:
            self.add_route(rule, handler, methods=methods, name=name, **options)
            return handler

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError(
                f"{method.lower()}() serves {method} only; use route(rule, methods=[...]) "
                "for several methods"
            )
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["GET"])`` (HEAD is answered too)."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    def add_route(
        self,
        rule: str,
        handler: Callable[..., Any],
        methods: Iterable[str] | None = None,
        name: str | None = None,
        **options: Any,
    ) -> None:
        """Register ``handler`` for ``rule`` without a decorator (same arguments as ``route``)."""
        if not isinstance(rule, str):
            raise TypeError(f"rule must be a string such as '/users/<int:id>', got {rule!r}")
        if not callable(handler):
            raise TypeError(f"handler for {rule!r} must be callable, got {handler!r}")
        endpoint = name if name is not None else getattr(handler, "__name__", None)
        if not isinstance(endpoint, str) or not endpoint:
            raise TypeError(f"cannot name the endpoint for {handler!r}; pass name='...'")
        self._register_route(rule, endpoint, handler, normalize_methods(methods), options)

    def _register_route(
        self,
        rule: str,
        endpoint: str,
        handler: Callable[..., Any],
        methods: frozenset[str],
        options: dict[str, Any],
    ) -> object:
        """Store one declared route; ``Heron`` and ``Blueprint`` say what that means."""
        raise NotImplementedError

    # -- hooks and error handlers -----------------------------------------------------------

    def before_request(self, func: F) -> F:
        """Register ``func`` to run before each handler (the app defines how it is called)."""
        self.before_request_funcs.append(func)
        return func

    def after_request(self, func: F) -> F:
        """Register ``func`` to run after each handler, to inspect or replace the response."""
        self.after_request_funcs.append(func)
        return func

    def teardown_request(self, func: F) -> F:
        """Register ``func`` to run at the end of every request, even a failed one."""
        self.teardown_request_funcs.append(func)
        return func

    def errorhandler(self, code_or_exception: ErrorKey) -> Callable[[F], F]:
        """Decorate a handler for an HTTP error status or an exception class."""

        def decorator(func: F) -> F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    def register_error_handler(self, code_or_exception: ErrorKey, func: Callable[..., Any]) -> None:
        """Handle an HTTP error status (400-599) or an exception class with ``func``."""
        key = code_or_exception
        if isinstance(key, bool) or not isinstance(key, int | type):
            raise TypeError(
                f"errorhandler() takes a status code or an exception class, got {key!r}"
            )
        if isinstance(key, int) and not 400 <= key <= 599:
            raise ValueError(f"{key} is not an HTTP error status (400-599)")
        if isinstance(key, type) and not issubclass(key, BaseException):
            raise TypeError(f"{key!r} is not an exception class")
        if not callable(func):
            raise TypeError(f"error handler for {key!r} must be callable")
        self.error_handlers[key] = func


__all__ = ["Scaffold", "get_root_path"]
