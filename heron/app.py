"""The ``Heron`` application: configuration, routes, hooks, errors, lifespan, ASGI entry."""

from __future__ import annotations

import contextlib
import gc
import secrets
import warnings
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from heron.config import DEFAULTS, Config, ConfigError
from heron.dispatch import Dispatcher
from heron.globals import app_var, request_var
from heron.http.exceptions import ClientDisconnect
from heron.http.request import Request, check_path
from heron.http.responses import Response
from heron.http.types import ASGIApp, Receive, Scope, Send
from heron.lifespan import run_lifespan
from heron.mounts import Mounts
from heron.openapi_app import openapi_for_app
from heron.params import is_async_callable, run_sync
from heron.returns import make_response
from heron.routing import Blueprint, Converter, Route, Router, Scaffold

if TYPE_CHECKING:
    from heron.staticfiles import StaticFiles
    from heron.templating import Templates

LifespanFactory = Callable[["Heron"], contextlib.AbstractAsyncContextManager[Any]]
HandlerWrapper = Callable[[Callable[..., Any], Route], Callable[..., Any]]


class Heron(Scaffold):
    """A Heron application: ``app = Heron(__name__)``, then declare routes on it."""

    def __init__(
        self,
        import_name: str,
        *,
        root_path: str | None = None,
        template_folder: str | None = "templates",
        static_folder: str | None = "static",
        static_url_path: str = "/static",
    ) -> None:
        super().__init__(
            import_name,
            template_folder=template_folder,
            static_folder=static_folder,
            static_url_path=static_url_path,
            root_path=root_path,
        )
        self.config = Config(self.root_path, DEFAULTS)
        self.config.load_environment()
        self.router = Router()
        self.extensions: dict[str, Any] = {}
        self.blueprints: dict[str, Blueprint] = {}
        self.mounts = Mounts()
        self._middleware: list[tuple[type[Any], dict[str, Any]]] = []
        self._startup: list[Callable[[], Any]] = []
        self._shutdown: list[Callable[[], Any]] = []
        self._lifespans: list[LifespanFactory] = []
        self._exit_stack: contextlib.AsyncExitStack | None = None
        self._static: dict[str, StaticFiles] = {}
        self._templates: Templates | None = None
        self._template_folders: list[str] = []
        if self.template_folder:
            self._template_folders.append(str(self.template_folder))
        self._dispatcher: Dispatcher | None = None
        # ``wrap(handler, route) -> handler`` functions applied in order to every route's
        # handler when the route is compiled (before the first request): the hook through
        # which extensions such as heron.db (ATOMIC_REQUESTS) wrap handlers.
        self.handler_wrappers: list[HandlerWrapper] = []
        # ``{dependency: replacement}``, consulted on every request (for tests).
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        # The middleware chain around this app, None when there is none; until the app is
        # built it is ``_enter``, so the first call builds.
        self._stack: ASGIApp | None = self._enter
        if self.static_folder:
            self._add_static_route("static", static_url_path, self.static_folder)

    # -- configuration --------------------------------------------------------------------

    @property
    def debug(self) -> bool:
        """``DEBUG`` from the configuration."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value

    def install(self, extension: Any) -> Any:
        """Install a battery or extension: calls ``extension.init_app(self)`` and returns it."""
        extension.init_app(self)
        return extension

    # -- routes -----------------------------------------------------------------------------

    def _register_route(
        self,
        rule: str,
        endpoint: str,
        handler: Callable[..., Any],
        methods: frozenset[str],
        options: dict[str, Any],
    ) -> None:
        route = Route(rule, endpoint, handler, methods, options)
        self.router.add(route)
        if self._dispatcher is not None:
            self._dispatcher.compile_route(route)

    def register_blueprint(
        self, blueprint: Blueprint, url_prefix: str | None = None, name: str | None = None
    ) -> None:
        """Add a blueprint (and those nested in it): routes, hooks, errors, templates, static."""
        setups = blueprint.walk(url_prefix, name)
        for setup in setups:
            if setup.name in self.blueprints:
                raise ValueError(
                    f"a blueprint named {setup.name!r} is already registered; "
                    "pass name= to register it again under another name"
                )
        for record in blueprint.flatten(url_prefix, name):
            self._register_route(
                record.rule, record.endpoint, record.handler, record.methods, record.options
            )
        for setup in setups:
            self.blueprints[setup.name] = setup.blueprint
            folder = setup.blueprint.template_folder
            if folder:
                self._template_folders.append(folder)
                if self._templates is not None:
                    self._templates.add_search_path(folder)
            static_folder = setup.blueprint.static_folder
            if static_folder:
                static_path = setup.blueprint.static_url_path or "/static"
                self._add_static_route(
                    f"{setup.name}.static", setup.url_prefix + static_path, static_folder
                )

    def _add_static_route(self, endpoint: str, url_path: str, folder: str) -> None:
        from heron.staticfiles import StaticFiles

        static = StaticFiles(folder)
        self._static[endpoint] = static

        async def serve_static(request: Any, filename: str) -> Any:
            return await static.serve(request, filename)

        blueprint = endpoint.rpartition(".")[0] or None
        options: dict[str, Any] = {"include_in_schema": False}
        if blueprint:
            options["blueprint"] = blueprint
        self._register_route(
            url_path.rstrip("/") + "/<path:filename>",
            endpoint,
            serve_static,
            frozenset({"GET"}),
            options,
        )

    def add_converter(self, name: str, converter: type[Converter]) -> None:
        """Register a path converter usable in rules as ``<name:var>``."""
        self.router.add_converter(name, converter)

    def mount(
        self, prefix: str, app: Any, *, name: str | None = None, wsgi: bool | None = None
    ) -> None:
        """Serve another ASGI app (or a WSGI app, through a2wsgi) under ``prefix``."""
        self.mounts.add(prefix, app, name=name, wsgi=wsgi)

    def url_for(
        self,
        endpoint: str,
        *,
        _external: bool = False,
        _scheme: str | None = None,
        _anchor: str | None = None,
        **values: Any,
    ) -> str:
        """Build the URL of ``endpoint``; extra values become the query string."""
        request = request_var.get(None)
        if endpoint.startswith("."):
            endpoint = self._relative_endpoint(endpoint, request)
        url = self.router.build(endpoint, values, anchor=_anchor)
        if request is not None:
            url = request.root_path.rstrip("/") + url
        if _external or _scheme:
            url = self._origin(request, _scheme) + url
        return url

    def _relative_endpoint(self, endpoint: str, request: Any) -> str:
        if request is None:
            return endpoint[1:]
        try:
            route, _ = self.router.match(request.method, request.path)
        except Exception:
            return endpoint[1:]
        blueprint = route.options.get("blueprint")
        return f"{blueprint}{endpoint}" if blueprint else endpoint[1:]

    def _origin(self, request: Any, scheme: str | None) -> str:
        if request is not None:
            return f"{scheme or request.url.scheme}://{request.url.netloc}"
        server_name = self.config.get("SERVER_NAME")
        if not server_name:
            raise RuntimeError(
                "url_for(_external=True) outside a request needs the SERVER_NAME setting "
                "(e.g. HERON_SERVER_NAME=example.com)"
            )
        return f"{scheme or self.config['PREFERRED_URL_SCHEME']}://{server_name}"

    def static_url(self, filename: str, endpoint: str = "static") -> str:
        """The URL of a static file, with a content hash so browsers may cache it for ever."""
        static = self._static.get(endpoint)
        if static is None:
            raise ValueError(f"no static folder is registered under the endpoint {endpoint!r}")
        try:
            version: str | None = static.version(filename)
        except Exception:
            version = None
        if version is None:
            return self.url_for(endpoint, filename=filename)
        return self.url_for(endpoint, filename=filename, v=version)

    # -- templates ---------------------------------------------------------------------------

    @property
    def templates(self) -> Templates:
        """The Jinja2 environment, created on first use from the app's and blueprints' folders."""
        if self._templates is None:
            from heron.templating import Templates

            auto_reload = self.config.get("TEMPLATES_AUTO_RELOAD")
            self._templates = Templates(
                self._template_folders,
                auto_reload=self.debug if auto_reload is None else bool(auto_reload),
                globals={
                    "url_for": self.url_for,
                    "static_url": self.static_url,
                    "config": self.config,
                },
            )
        return self._templates

    # -- middleware and lifespan -----------------------------------------------------------------

    def add_middleware(self, middleware_class: type[Any], **options: Any) -> None:
        """Wrap the app in a pure-ASGI middleware; the last one added is the outermost."""
        if self._dispatcher is not None:
            raise RuntimeError(
                "add_middleware() was called after the application started serving; "
                "add middleware before the first request"
            )
        self._middleware.append((middleware_class, options))

    def on_startup(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` (sync or async) when the server starts; a failure stops the server."""
        self._startup.append(func)
        return func

    def on_shutdown(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` (sync or async) when the server shuts down."""
        self._shutdown.append(func)
        return func

    def lifespan(
        self, func: Callable[[Heron], AsyncIterator[Any]]
    ) -> Callable[[Heron], AsyncIterator[Any]]:
        """Register an async generator ``func(app)``: code before ``yield`` runs at start-up."""
        self._lifespans.append(contextlib.asynccontextmanager(func))
        return func

    async def startup(self) -> None:
        """Build the app and run start-up hooks and lifespan contexts (the server calls this)."""
        self.build()
        app_var.set(self)
        stack = contextlib.AsyncExitStack()
        await stack.__aenter__()
        try:
            for factory in self._lifespans:
                await stack.enter_async_context(factory(self))
            for func in self._startup:
                await _call(func)
        except BaseException:
            await stack.aclose()
            raise
        self._exit_stack = stack
        if not self.config.get("TESTING"):
            tune_garbage_collector(self.config.get("GC_FREEZE"), self.config.get("GC_THRESHOLD"))

    async def shutdown(self) -> None:
        """Run shutdown hooks, then leave the lifespan contexts in reverse order."""
        try:
            for func in self._shutdown:
                await _call(func)
        finally:
            if self._exit_stack is not None:
                stack, self._exit_stack = self._exit_stack, None
                await stack.aclose()

    # -- serving -------------------------------------------------------------------------------

    def build(self) -> None:
        """Check the configuration and compose the ASGI stack; done once, before serving."""
        if self._dispatcher is not None:
            return
        self._check_secret_key()
        dispatcher = Dispatcher(self)
        for route in self.router.routes:
            dispatcher.compile_route(route)
        stack: ASGIApp = self
        for middleware_class, options in self._middleware:
            stack = middleware_class(stack, **options)
        self._dispatcher = dispatcher
        self._stack = None if stack is self else stack

    def _check_secret_key(self) -> None:
        if self.config.get("SECRET_KEY"):
            return
        if not (self.config.get("DEBUG") or self.config.get("TESTING")):
            raise ConfigError(
                "SECRET_KEY is not set. Heron refuses to run in production without one. "
                "Set it in the environment, e.g. "
                "HERON_SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_hex(32))')\", "
                "or as SECRET_KEY in your settings (HERON_SETTINGS); "
                "for local development set HERON_DEBUG=1."
            )
        if not self.config.get("TESTING"):
            warnings.warn(
                "SECRET_KEY is not set: using a random key for this process (debug/testing "
                "only); signed cookies will not survive a restart",
                stacklevel=3,
            )
        self.config["SECRET_KEY"] = secrets.token_hex(32)

    async def _enter(self, scope: Scope, receive: Receive, send: Send) -> None:
        """All but the plain-HTTP fast path: lifespan, the first call, middleware, websockets."""
        if scope["type"] == "lifespan":
            await run_lifespan(self, scope, receive, send)
            return
        self.build()
        stack = self._stack
        if stack is not None and scope.get("app") is not self:
            scope["app"] = self  # the chain's innermost app is this one again
            await stack(scope, receive, send)
        elif scope["type"] == "http":
            scope["app"] = self
            await self(scope, receive, send)
        else:
            assert self._dispatcher is not None
            await self._dispatcher.serve_other(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry; plain HTTP requests take the fast path written out here."""
        if scope["type"] != "http" or (self._stack is not None and scope.get("app") is not self):
            await self._enter(scope, receive, send)
            return
        scope["app"] = self
        dispatcher: Dispatcher = self._dispatcher  # type: ignore[assignment]
        request = Request(scope, receive, dispatcher.max_body_size, dispatcher.max_upload_size)
        token = request_var.set(request)
        route: Route | None = None
        error: Exception | None = None
        try:
            try:
                raw_path = scope.get("raw_path")
                if raw_path is not None and (b"%" in raw_path or not raw_path.isascii()):
                    check_path(scope)
                path = scope["path"]
                root_path = scope.get("root_path")
                if root_path and path.startswith(root_path):
                    path = path[len(root_path) :] or "/"
                route, request.path_params = self.router.match(scope["method"], path)
                rv = await route.invoke(request)  # type: ignore[misc]
                if not isinstance(rv, Response):
                    if hasattr(type(rv), "__await__"):  # a lazy query returned by an async handler
                        rv = await rv
                    rv = make_response(rv, route.options.get("status_code", 200))
                if dispatcher.security is not None:
                    rv.raw_headers = dispatcher.security.apply(rv.raw_headers, scope.get("scheme"))
            except ClientDisconnect:
                return
            except Exception as exc:
                error = exc
                await dispatcher.send_error(request, route, exc, scope, receive, send)
                return
            await rv(scope, receive, send)
        finally:
            if request._after_response is not None:
                await request.run_after_response(error)
            if dispatcher.has_teardown:
                await dispatcher.teardown(request, route, error)
            if request.parsed_form is not None:
                await request.close()
            request_var.reset(token)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this application's routes (built once, cached)."""
        return openapi_for_app(self)

    def test_client(self, **options: Any) -> Any:
        """A ``heron.testing.TestClient`` for this app."""
        from heron.testing import TestClient

        return TestClient(self, **options)

    def __repr__(self) -> str:
        return f"<Heron {self.import_name!r}>"


def tune_garbage_collector(freeze: Any, threshold: Any) -> None:
    """Freeze the start-up heap and raise the young-generation threshold (see architecture.md).

    Objects alive after start-up (modules, routes, templates) live as long as the worker,
    so ``gc.freeze()`` keeps full collections from rescanning them; per-request garbage
    is acyclic and freed by reference counting, so collecting young objects every 700
    allocations is wasted work for a web worker.
    """
    if freeze:
        gc.freeze()
    if threshold:
        _, middle, old = gc.get_threshold()
        gc.set_threshold(int(threshold), middle, old)


async def _call(func: Callable[[], Any]) -> None:
    if is_async_callable(func):
        await func()
    else:
        await run_sync(func)
