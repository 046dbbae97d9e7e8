"""Turn a user handler into a fast ``invoke(request)`` coroutine, analysing its signature once."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from heron.http.exceptions import RequestValidationError
from heron.http.request import Request
from heron.params.endpoint import EndpointSpec, analyse_endpoint
from heron.params.markers import SecurityScopes
from heron.params.responses import ResponseSpec
from heron.params.spec import CallSpec, DependencySpec, analyse_call
from heron.params.values import ParamsReader

Invoker = Callable[[Request], Awaitable[Any]]
Overrides = Mapping[Callable[..., Any], Callable[..., Any]]


async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking callable in the default thread pool; context variables follow it."""
    return await asyncio.to_thread(func, *args, **kwargs)


def _settle_sync(rv: Any) -> Any:
    """In a worker thread: evaluate a lazy sequence (a QuerySet) the handler returned."""
    kind = type(rv)
    if hasattr(kind, "__await__") and hasattr(kind, "__iter__"):
        return list(rv)
    return rv


class _Resolution:
    """One request's dependency state: cached values, the validated body, and one
    ``contextvars.Context`` shared by its sync calls (so ``with atomic(): yield`` in a sync
    dependency is still open in the sync handler and its cleanup)."""

    __slots__ = ("body", "cache", "context", "request")

    def __init__(self, request: Request, body: dict[str, Any]) -> None:
        self.request = request
        self.body = body
        self.cache: dict[Any, Any] = {}
        self.context: contextvars.Context | None = None

    def run_sync(self, func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """Run ``func`` in the thread pool, in this request's shared context."""
        if self.context is None:
            self.context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(None, self.context.run, func, *args)


class CallSolver:
    """Builds one callable's keyword arguments for a request (its dependencies first)."""

    def __init__(
        self,
        spec: CallSpec,
        overrides: Overrides,
        model_name: str,
        path_params: frozenset[str],
        scopes: tuple[str, ...] = (),
    ) -> None:
        self.spec = spec
        self.scopes = scopes  # of the Security(...) markers above, outermost first
        self.scopes_args = spec.scopes_args
        # A value that depends on the scopes is cached per scope list, not shared.
        self.cache_key: Any = (spec.call, scopes) if spec.reads_scopes() else spec.call
        self.path_params = path_params
        self.call = spec.call
        self.overrides = overrides
        self.model_name = model_name
        self.reader = ParamsReader(spec.params, model_name) if spec.params else None
        self.request_args = spec.request_args
        self.body_args = [(field.name, field.alias) for field in spec.body]
        self.path_rest = spec.var_keyword
        self.taken = {p.alias for p in spec.params if p.location == "path"}
        self.dependencies = [
            (
                dep,
                CallSolver(
                    sub, overrides, f"{model_name}_{dep.name}", path_params, (*scopes, *dep.scopes)
                ),
            )
            for dep, sub in spec.dependencies
        ]
        self._override_solvers: dict[tuple[Any, tuple[str, ...]], CallSolver] = {}

    def own_arguments(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Request, path/query/header/cookie and body arguments (no dependencies)."""
        kwargs = self.plain_arguments(request)
        for name, alias in self.body_args:
            kwargs[name] = body[alias]
        return kwargs

    def plain_arguments(self, request: Request) -> dict[str, Any]:
        """Request, path, query, header and cookie arguments."""
        kwargs = self.reader.read(request) if self.reader is not None else {}
        for name in self.request_args:
            kwargs[name] = request
        for name in self.scopes_args:
            kwargs[name] = SecurityScopes(self.scopes)
        if self.path_rest:
            for name, value in request.path_params.items():
                if name not in self.taken and name not in kwargs:
                    kwargs[name] = value
        return kwargs

    async def dependency_values(self, resolution: _Resolution) -> dict[str, Any]:
        """Run the dependencies (cached per request); their values by argument name."""
        values: dict[str, Any] = {}
        for dep, solver in self.dependencies:
            value = await self._dependency_value(dep, solver, resolution)
            if dep.name:
                values[dep.name] = value
        return values

    async def _dependency_value(
        self, dep: DependencySpec, solver: CallSolver, resolution: _Resolution
    ) -> Any:
        override = self.overrides.get(dep.call) if self.overrides else None
        if override is not None:
            solver = self._override_solver(override, solver.scopes)
        key = solver.cache_key
        if dep.use_cache and key in resolution.cache:
            return resolution.cache[key]
        value = await solver.run(resolution)
        if dep.use_cache:
            resolution.cache[key] = value
        return value

    def _override_solver(self, override: Callable[..., Any], scopes: tuple[str, ...]) -> CallSolver:
        solver = self._override_solvers.get((override, scopes))
        if solver is None:
            spec = analyse_call(override, self.path_params)
            name = f"{self.model_name}_override"
            solver = CallSolver(spec, self.overrides, name, self.path_params, scopes)
            self._override_solvers[(override, scopes)] = solver
        return solver

    async def run(self, resolution: _Resolution) -> Any:
        """Call this dependency; a generator's cleanup is deferred until after the response.

        Its own dependencies run first, then its parameters are read (as for handlers).
        """
        values = await self.dependency_values(resolution)
        kwargs = self.own_arguments(resolution.request, resolution.body)
        kwargs.update(values)
        spec = self.spec
        if spec.is_generator:
            return await self._enter(kwargs, resolution)
        if spec.is_async:
            return await self.call(**kwargs)
        return await resolution.run_sync(functools.partial(self.call, **kwargs))

    async def _enter(self, kwargs: dict[str, Any], resolution: _Resolution) -> Any:
        request = resolution.request
        if self.spec.is_async:
            acm = contextlib.asynccontextmanager(self.call)(**kwargs)
            value = await acm.__aenter__()

            async def aexit(error: BaseException | None) -> None:
                try:
                    await acm.__aexit__(type(error) if error else None, error, None)
                except BaseException as exc:
                    if exc is not error:  # re-raising the request's own error is expected
                        raise

            request.call_after_response(aexit)
            return value
        cm = contextlib.contextmanager(self.call)(**kwargs)
        value = await resolution.run_sync(cm.__enter__)

        async def exit_(error: BaseException | None) -> None:
            try:
                await resolution.run_sync(cm.__exit__, type(error) if error else None, error, None)
            except BaseException as exc:
                if exc is not error:
                    raise

        request.call_after_response(exit_)
        return value


def compile_handler(
    handler: Callable[..., Any],
    path_params: Collection[str],
    *,
    rule: str = "",
    options: Mapping[str, Any] | None = None,
    overrides: Overrides | None = None,
) -> Invoker:
    """Return ``invoke(request)`` that calls ``handler`` with what its signature asks for.

    Arguments come from the path, query string, headers, cookies, body and dependencies
    (see ``analyse_call``); a response model validates and serialises the result. Sync
    handlers run in the thread pool, together with their response serialisation.
    """
    spec = analyse_endpoint(handler, path_params, rule=rule, options=options)
    return build_invoker(spec, overrides if overrides is not None else {}, frozenset(path_params))


def build_invoker(spec: EndpointSpec, overrides: Overrides, path_params: frozenset[str]) -> Invoker:
    """The request-time coroutine for an analysed endpoint."""
    call = spec.call
    handler = call.call
    response = spec.response
    is_async = call.is_async
    simple = (
        not call.dependencies
        and spec.body is None
        and call.params == []
        and not call.scopes_args
        and not response
    )
    if simple and not call.var_keyword:
        return _request_only(handler, call.request_args, is_async)
    solver = CallSolver(call, overrides, "Params", path_params)
    body = spec.body
    has_dependencies = bool(call.dependencies)
    dependencies_read_body = any(sub.body for sub in call.walk() if sub is not call)

    async def invoke(request: Request) -> Any:
        errors: list[dict[str, Any]] = []
        values: dict[str, Any] = {}
        if body is not None:
            try:
                values = await body.read(request)
            except RequestValidationError as exc:
                errors = exc.errors
        resolution = None
        if has_dependencies:  # before the handler's own parameters: authentication first
            if errors and dependencies_read_body:
                raise RequestValidationError(errors)
            resolution = _Resolution(request, values)
            dependency_values = await solver.dependency_values(resolution)
        try:
            kwargs = solver.plain_arguments(request)
        except RequestValidationError as exc:
            errors = exc.errors + errors
        if errors:
            raise RequestValidationError(errors)
        for name, alias in solver.body_args:
            kwargs[name] = values[alias]
        if resolution is not None:
            kwargs.update(dependency_values)
        if is_async:
            rv = await handler(**kwargs)
            if response is None:
                return rv
            if hasattr(type(rv), "__await__"):  # a lazy query: evaluate it here, on the loop
                rv = await rv
            return response.render(rv)
        if resolution is not None:
            return await resolution.run_sync(_call_sync, handler, kwargs, response)
        return await run_sync(_call_sync, handler, kwargs, response)

    return invoke


def _call_sync(
    handler: Callable[..., Any], kwargs: dict[str, Any], response: ResponseSpec | None
) -> Any:
    rv = _settle_sync(handler(**kwargs))
    return response.render(rv) if response is not None else rv


def _request_only(handler: Callable[..., Any], takes_request: list[str], is_async: bool) -> Invoker:
    if not takes_request:
        if is_async:
            return lambda request: handler()
        return lambda request: run_sync(_call_sync, handler, {}, None)
    if len(takes_request) == 1:
        name = takes_request[0]
        if is_async:
            return lambda request: handler(**{name: request})
        return lambda request: run_sync(_call_sync, handler, {name: request}, None)

    def arguments(request: Request) -> dict[str, Any]:
        return {name: request for name in takes_request}

    if is_async:
        return lambda request: handler(**arguments(request))
    return lambda request: run_sync(_call_sync, handler, arguments(request), None)
