"""``Route`` and ``Router``: registration, matching (static dict + trie) and URL building.

Matching priority, most specific first: a fully literal path (one dict lookup); then,
segment by segment from the left, a literal segment before a segment mixing literal
text and converters, before a lone converter (ordered by converter weight: uuid, int,
any, float, slug, str/custom), before converters spanning slashes (``path``).
Registration order breaks the remaining ties.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from heron.routing._matcher import Matcher
from heron.routing.converters import DEFAULT_CONVERTERS, Converter
from heron.routing.exceptions import (
    AutomaticOptions,
    BuildError,
    MethodNotAllowed,
    NotFound,
    RequestRedirect,
)
from heron.routing.rules import PATH_SAFE, Rule
from heron.routing.urls import encode_query, normalize_methods, quote_fragment

# Keys of ``build`` params that are options, not URL values. The application handles
# ``_external`` and ``_scheme`` (it knows the host); the router only drops them.
_RESERVED = frozenset({"_anchor", "_method", "_external", "_scheme"})


class Route:
    """A rule bound to a handler for some methods; ``invoke`` is filled in by the application.

    ``param_names`` and ``parsed_rule`` are set when a router adds the route.
    """

    __slots__ = (
        "endpoint",
        "handler",
        "invoke",
        "methods",
        "options",
        "param_names",
        "parsed_rule",
        "rule",
    )

    def __init__(
        self,
        rule: str,
        endpoint: str,
        handler: Callable[..., Any],
        methods: Iterable[str] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.rule = rule
        self.endpoint = endpoint
        self.handler = handler
        self.methods = normalize_methods(methods)
        self.options: dict[str, Any] = dict(options or {})
        self.invoke: Callable[..., Any] | None = None
        self.param_names: tuple[str, ...] = ()
        self.parsed_rule: Rule | None = None

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.methods))
        return f"<Route {methods} {self.rule!r} endpoint={self.endpoint!r}>"


class Router:
    """Holds routes; matches ``(method, path)`` to a route and builds paths from endpoints."""

    __slots__ = ("_by_endpoint", "_converters", "_matcher", "_routes", "_static")

    def __init__(self, converters: Mapping[str, type[Converter]] | None = None) -> None:
        self._converters: dict[str, type[Converter]] = dict(DEFAULT_CONVERTERS)
        for name, cls in (converters or {}).items():
            self.add_converter(name, cls)
        self._static: dict[str, dict[str, Route]] = {}
        self._matcher = Matcher()
        self._routes: list[Route] = []
        self._by_endpoint: dict[str, list[Route]] = {}

    # -- registration ---------------------------------------------------------------------

    @property
    def converters(self) -> Mapping[str, type[Converter]]:
        """Converter classes by the name used in rules (read-only view)."""
        return dict(self._converters)

    def add_converter(self, name: str, converter: type[Converter]) -> None:
        """Make ``<name:var>`` available to rules added from now on."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"converter name must be an identifier, got {name!r}")
        if not (isinstance(converter, type) and issubclass(converter, Converter)):
            raise TypeError(f"converter {name!r} must be a Converter subclass, got {converter!r}")
        self._converters[name] = converter

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route, in registration order."""
        return tuple(self._routes)

    def add(self, route: Route) -> Route:
        """Parse the route's rule and make it matchable and buildable.

        Raises ``ValueError`` for a malformed rule, a rule+method already taken
        (``RouteConflictError``) or an endpoint name already bound to another handler.
        """
        rule = Rule(route.rule, self._converters)
        same_name = self._by_endpoint.get(route.endpoint)
        if same_name and same_name[0].handler is not route.handler:
            raise ValueError(
                f"Endpoint {route.endpoint!r} is already used by {same_name[0].handler!r} "
                f"({same_name[0].rule!r}); give the route for {route.rule!r} another name="
            )
        leaf = self._matcher.leaf_for(rule)
        leaf.add(route)  # raises on conflict, before any other change
        route.parsed_rule = rule
        route.param_names = rule.arguments
        if rule.is_static:
            self._static[route.rule] = leaf.lookup
        self._routes.append(route)
        candidates = self._by_endpoint.setdefault(route.endpoint, [])
        candidates.append(route)
        # When building, prefer the rule that uses the most of the given parameters.
        candidates.sort(key=lambda r: -len(r.param_names))
        return route

    # -- matching -----------------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Route, dict[str, Any]]:
        """The route for ``method`` and ``path`` (decoded, without root path) and its params.

        Raises ``NotFound``, ``MethodNotAllowed``, ``RequestRedirect`` (the path exists
        with a trailing slash) or ``AutomaticOptions`` (OPTIONS without an OPTIONS route).
        """
        methods = self._static.get(path)
        if methods is not None:
            route = methods.get(method)
            if route is not None:
                return route, {}
        if not path.startswith("/"):
            raise NotFound()
        allowed: set[str] = set()
        found = self._matcher.find(method, path, allowed)
        if found is not None:
            route, values = found
            return route, dict(zip(route.param_names, values))  # noqa: B905 - equal lengths
        if allowed:
            if method == "OPTIONS":
                raise AutomaticOptions(allowed)
            raise MethodNotAllowed(allowed, method)
        # "//host" would be read as another site by browsers: never redirect there.
        if not path.endswith("/") and not path.startswith("//"):
            slashed = path + "/"
            if slashed in self._static or self._matcher.find(method, slashed, allowed) or allowed:
                raise RequestRedirect(quote(slashed, safe=PATH_SAFE))
        raise NotFound()

    def allowed_methods(self, path: str) -> frozenset[str]:
        """Every method some route answers for ``path`` (empty if none matches)."""
        allowed: set[str] = set()
        if path.startswith("/"):
            self._matcher.find("", path, allowed)
        return frozenset(allowed)

    # -- building -----------------------------------------------------------------------------

    def build(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        anchor: str | None = None,
        query_extra: bool = True,
    ) -> str:
        """The path for ``endpoint`` with ``params`` filled in; extra params become the query.

        ``_anchor`` and ``_method`` may also be passed inside ``params``. Raises
        ``BuildError`` naming the endpoint and the missing or invalid parameter.
        """
        values = {k: v for k, v in (params or {}).items() if v is not None}
        if _RESERVED.intersection(values):
            anchor = values.pop("_anchor", anchor)
            method = values.pop("_method", method)
            values.pop("_external", None)
            values.pop("_scheme", None)
        candidates = self._by_endpoint.get(endpoint)
        if candidates is None:
            raise self._unknown_endpoint(endpoint, values, method)
        if method is not None:
            method = method.upper()
            candidates = [r for r in candidates if _answers(r, method)]
            if not candidates:
                raise BuildError(
                    f"Could not build URL for endpoint {endpoint!r}: no route for method {method}",
                    endpoint=endpoint,
                    params=values,
                    method=method,
                )
        route = next((r for r in candidates if all(n in values for n in r.param_names)), None)
        if route is None:
            first = candidates[-1]  # the fewest parameters: the smallest thing to ask for
            missing = ", ".join(repr(n) for n in first.param_names if n not in values)
            raise BuildError(
                f"Could not build URL for endpoint {endpoint!r} (rule {first.rule!r}): "
                f"missing parameter {missing}",
                endpoint=endpoint,
                params=values,
                method=method,
            )
        rule = route.parsed_rule
        assert rule is not None  # set by add()
        try:
            path = rule.build(values)
        except ValueError as exc:
            raise BuildError(
                f"Could not build URL for endpoint {endpoint!r} (rule {route.rule!r}): {exc}",
                endpoint=endpoint,
                params=values,
                method=method,
            ) from None
        if len(values) > len(route.param_names):
            extra = {k: v for k, v in values.items() if k not in rule.converters}
            if not query_extra:
                raise BuildError(
                    f"Could not build URL for endpoint {endpoint!r} (rule {route.rule!r}): "
                    f"unexpected parameter {', '.join(map(repr, extra))}",
                    endpoint=endpoint,
                    params=values,
                    method=method,
                )
            query = encode_query(extra)
            if query:
                path = f"{path}?{query}"
        if anchor is not None:
            path = f"{path}#{quote_fragment(anchor)}"
        return path

    def _unknown_endpoint(
        self, endpoint: str, values: Mapping[str, Any], method: str | None
    ) -> BuildError:
        message = f"Could not build URL for endpoint {endpoint!r}: no such endpoint"
        close = difflib.get_close_matches(endpoint, list(self._by_endpoint), n=3)
        if close:
            message += ". Did you mean " + " or ".join(repr(c) for c in close) + "?"
        return BuildError(message, endpoint=endpoint, params=values, method=method)


def _answers(route: Route, method: str) -> bool:
    return method in route.methods or (method == "HEAD" and "GET" in route.methods)


__all__ = ["Route", "Router"]
