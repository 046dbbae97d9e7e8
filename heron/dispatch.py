"""What the request path needs, decided once: compiled routes and hooks, error answers.

Everything that can be decided before the first request is decided in
``Dispatcher.__init__`` and ``compile_route``. The hot path itself is
``Heron.__call__``, which calls in here for errors, teardown and non-HTTP scopes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from heron.errors import (
    ErrorHandlers,
    find_error_handler,
    http_error_response,
    server_error_response,
)
from heron.hooks import Callback, adapt_callback
from heron.http.exceptions import HTTPException
from heron.http.request import Request
from heron.http.responses import RedirectResponse, Response
from heron.http.types import Receive, Scope, Send
from heron.middleware.security import SecurityHeaders
from heron.params import analyse_endpoint, build_invoker
from heron.returns import make_response
from heron.routing import AutomaticOptions, NotFound, RequestRedirect, Route

if TYPE_CHECKING:
    from heron.app import Heron
    from heron.routing import Scaffold


class _Hooks:
    """One scaffold's adapted hooks and error handlers (the app's, or a blueprint's)."""

    __slots__ = ("after", "before", "errors", "teardown")

    def __init__(self, scaffold: Scaffold) -> None:
        self.before = [adapt_callback(f, 1) for f in scaffold.before_request_funcs]
        self.after = [adapt_callback(f, 2) for f in reversed(scaffold.after_request_funcs)]
        self.teardown = [adapt_callback(f, 2) for f in reversed(scaffold.teardown_request_funcs)]
        self.errors: dict[Any, Callback] = {
            key: adapt_callback(f, 2) for key, f in scaffold.error_handlers.items()
        }


class Dispatcher:
    """A built application's request-time tables: limits, compiled hooks, error handlers."""

    def __init__(self, app: Heron) -> None:
        self.app = app
        self.router = app.router
        self.mounts = app.mounts
        config = app.config
        self.max_body_size = int(config["MAX_BODY_SIZE"])
        self.max_upload_size = int(config["MAX_UPLOAD_SIZE"])
        propagate = config.get("PROPAGATE_EXCEPTIONS")
        self.propagate = bool(config.get("TESTING")) if propagate is None else bool(propagate)
        security = config.get("SECURITY_HEADERS")
        self.security = (
            None
            if security is None or security is False
            else SecurityHeaders(**(security if security is not True else {}))
        )
        self.app_hooks = _Hooks(app)
        self.bp_hooks = {name: _Hooks(bp) for name, bp in app.blueprints.items()}
        self.teardown_by_bp: dict[str | None, Sequence[Callback]] = {
            name: [t for hooks in self._bp_chain(name) for t in hooks.teardown]
            + self.app_hooks.teardown
            for name in self.bp_hooks
        }
        self.teardown_by_bp[None] = self.app_hooks.teardown
        self.has_teardown = any(self.teardown_by_bp.values())
        # Routes with a typed body or response model: their errors default to JSON.
        self.api_routes: set[Route] = set()

    def _bp_chain(self, name: str | None) -> list[_Hooks]:
        """Hooks of a dotted blueprint name and its parents, innermost first."""
        chain: list[_Hooks] = []
        while name:
            hooks = self.bp_hooks.get(name)
            if hooks is not None:
                chain.append(hooks)
            name = name.rpartition(".")[0]
        return chain

    def compile_route(self, route: Route) -> None:
        """Give ``route`` its ``invoke`` coroutine, with hooks folded in when there are any."""
        handler = route.handler
        for wrap in self.app.handler_wrappers:
            handler = wrap(handler, route)
        spec = analyse_endpoint(handler, route.param_names, rule=route.rule, options=route.options)
        if spec.body is not None or spec.response is not None:
            self.api_routes.add(route)
        handler = build_invoker(spec, self.app.dependency_overrides, frozenset(route.param_names))
        bp_chain = self._bp_chain(route.options.get("blueprint"))
        before = self.app_hooks.before + [h for bp in reversed(bp_chain) for h in bp.before]
        after = [h for bp in bp_chain for h in bp.after] + self.app_hooks.after
        status = int(route.options.get("status_code", 200))
        route.invoke = _with_hooks(handler, before, after, status) if before or after else handler

    def _error_chain(self, route: Route | None) -> list[ErrorHandlers]:
        blueprint = route.options.get("blueprint") if route is not None else None
        chain: list[ErrorHandlers] = [hooks.errors for hooks in self._bp_chain(blueprint)]
        chain.append(self.app_hooks.errors)
        return chain

    async def send_error(
        self,
        request: Request,
        route: Route | None,
        exc: Exception,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Answer an exception from routing or a handler; testing mode re-raises unhandled ones."""
        handled = await self._handle_error(request, route, exc, scope, receive, send)
        if handled is None:
            return
        response, unhandled = handled
        if self.security is not None:
            response.raw_headers = self.security.apply(response.raw_headers, scope.get("scheme"))
        await response(scope, receive, send)
        if unhandled is not None and self.propagate:
            raise unhandled

    async def _handle_error(
        self,
        request: Request,
        route: Route | None,
        exc: Exception,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> tuple[Response, Exception | None] | None:
        """The response for an error, and the exception no handler took (None: a mount answered)."""
        if isinstance(exc, AutomaticOptions):
            return Response(headers={"Allow": ", ".join(sorted(exc.allowed))}), None
        if isinstance(exc, RequestRedirect):
            return self._trailing_slash_redirect(request, exc), None
        if isinstance(exc, NotFound) and route is None and self.mounts:
            found = self.mounts.find(request.path)
            if found is not None:
                await self.mounts.forward(found[0], found[1], scope, receive, send)
                return None
        handler = find_error_handler(exc, self._error_chain(route))
        if handler is not None:
            try:
                return make_response(await handler(request, exc), _status_of(exc)), None
            except HTTPException as nested:
                return http_error_response(request, nested), None
            except Exception as nested:  # a broken error handler must not go unnoticed
                return server_error_response(request, nested, self.app.config), nested
        if isinstance(exc, HTTPException):
            return http_error_response(request, exc, api=route in self.api_routes), None
        return server_error_response(request, exc, self.app.config), exc

    def _trailing_slash_redirect(self, request: Request, exc: RequestRedirect) -> Response:
        location = request.root_path.rstrip("/") + exc.new_path
        query = request.scope.get("query_string")
        if query:
            location += "?" + query.decode("latin-1")
        return RedirectResponse(location, status_code=308)

    async def teardown(
        self, request: Request, route: Route | None, error: BaseException | None
    ) -> None:
        """Run the teardown hooks that apply to ``route`` (the app's when there is none)."""
        blueprint = route.options.get("blueprint") if route is not None else None
        for hook in self.teardown_by_bp.get(blueprint, self.teardown_by_bp[None]):
            await hook(request, error)

    async def serve_other(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Scopes other than HTTP: websockets go to a mounted app, or are closed."""
        if scope["type"] == "websocket" and self.mounts:
            path = scope["path"]
            root_path = scope.get("root_path") or ""
            if root_path and path.startswith(root_path):
                path = path[len(root_path) :] or "/"
            found = self.mounts.find(path)
            if found is not None:
                await self.mounts.forward(found[0], found[1], scope, receive, send)
                return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})


def _status_of(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, HTTPException) else 500


def _with_hooks(
    handler: Callable[[Request], Awaitable[Any]],
    before: Sequence[Callback],
    after: Sequence[Callback],
    status: int,
) -> Callable[[Request], Awaitable[Response]]:
    """Fold before/after-request hooks around a handler into one coroutine."""

    async def invoke(request: Request) -> Response:
        rv = None
        for hook in before:
            rv = await hook(request)
            if rv is not None:
                break
        if rv is None:
            rv = await handler(request)
            if not isinstance(rv, Response) and hasattr(type(rv), "__await__"):
                rv = await rv  # a lazy query returned by an async handler
        response = make_response(rv, status)
        for hook in after:
            replaced = await hook(request, response)
            if replaced is not None:
                response = make_response(replaced, status)
        return response

    return invoke
