"""The segment trie that matches dynamic paths in time independent of the number of routes.

Each node maps literal segments to children through a dict, then tries its dynamic
children (a converter, or literal text mixed with converters, for one segment) in
priority order, then its "tails" (patterns containing a converter that spans slashes,
matched against the rest of the path). Search is depth-first with backtracking, so a
literal segment always wins over a converter at the same position.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from heron.routing.converters import StringConverter
from heron.routing.rules import Param, Rule, Token

if TYPE_CHECKING:
    from heron.routing.router import Route


class RouteConflictError(ValueError):
    """Two routes with the same pattern shape claim the same method."""


class Leaf:
    """The routes of one path shape, by method, with HEAD answered by GET where not declared."""

    __slots__ = ("allowed", "lookup", "routes")

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.lookup: dict[str, Route] = {}
        self.allowed: frozenset[str] = frozenset()

    def add(self, route: Route) -> None:
        for method in route.methods:
            other = self.routes.get(method)
            if other is not None:
                raise RouteConflictError(
                    f"Route conflict: {method} {route.rule!r} (endpoint {route.endpoint!r}) "
                    f"is already handled by {other.rule!r} (endpoint {other.endpoint!r})"
                )
        for method in route.methods:
            self.routes[method] = route
        # Updated in place: the router's static-path dict holds this very mapping.
        self.lookup.update(self.routes)
        if "GET" in self.routes and "HEAD" not in self.routes:
            self.lookup["HEAD"] = self.routes["GET"]
        self.allowed = frozenset(self.lookup) | {"OPTIONS"}


def _regex_for(tokens: tuple[Token, ...]) -> tuple[re.Pattern[str], tuple[Param, ...]]:
    parts: list[str] = []
    params: list[Param] = []
    for tok in tokens:
        if isinstance(tok, str):
            parts.append(re.escape(tok))
        else:
            parts.append(f"(?P<_{len(params)}>{tok.converter.regex})")
            params.append(tok)
    return re.compile("".join(parts)), tuple(params)


def _static_chars(tokens: tuple[Token, ...]) -> int:
    return sum(len(tok) for tok in tokens if isinstance(tok, str))


class Dynamic:
    """A child reached through one segment containing at least one converter."""

    __slots__ = ("converter", "fullmatch", "node", "params", "plain", "sort_key")

    def __init__(self, tokens: tuple[Token, ...], order: int) -> None:
        regex, self.params = _regex_for(tokens)
        self.fullmatch = regex.fullmatch
        self.node = Node()
        single = len(tokens) == 1
        conv = self.params[0].converter
        self.converter = conv if single else None
        # A lone default ``<name>`` accepts any non-empty segment: no regex, no conversion.
        self.plain = single and type(conv) is StringConverter and conv.regex == "[^/]+"
        if single:
            self.sort_key: tuple[int, ...] = (1, 0, conv.weight, order)
        else:
            weight = min(p.converter.weight for p in self.params)
            self.sort_key = (0, -_static_chars(tokens), weight, order)

    def convert(self, segment: str) -> list[Any] | None:
        """The converted values if ``segment`` matches, else None."""
        if self.plain:
            return [segment] if segment else None
        m = self.fullmatch(segment)
        if m is None:
            return None
        try:
            if self.converter is not None:
                return [self.converter.to_python(segment)]
            return [p.converter.to_python(m[f"_{i}"]) for i, p in enumerate(self.params)]
        except ValueError:
            return None


class Tail:
    """A pattern for the rest of the path, used once a converter may span slashes."""

    __slots__ = ("fullmatch", "leaf", "params", "sort_key")

    def __init__(self, tokens: tuple[Token, ...], order: int) -> None:
        regex, self.params = _regex_for(tokens)
        self.fullmatch = regex.fullmatch
        self.leaf = Leaf()
        self.sort_key = (-_static_chars(tokens), order)

    def convert(self, rest: str) -> list[Any] | None:
        m = self.fullmatch(rest)
        if m is None:
            return None
        values = []
        try:
            for i, p in enumerate(self.params):
                text = m[f"_{i}"]
                if not p.converter.slashes and "/" in text:
                    return None
                values.append(p.converter.to_python(text))
        except ValueError:
            return None
        return values


class Node:
    """A trie node: literal children by dict, then dynamic children, then tails."""

    __slots__ = ("_dynamic_keys", "_tail_keys", "branches", "dynamic", "leaf", "static", "tails")

    def __init__(self) -> None:
        self.branches = False  # has dynamic children or tails, so search may backtrack here
        self.static: dict[str, Node] = {}
        self.dynamic: list[Dynamic] = []
        self.tails: list[Tail] = []
        self.leaf: Leaf | None = None
        self._dynamic_keys: dict[Hashable, Dynamic] = {}
        self._tail_keys: dict[Hashable, Tail] = {}


def _key(tokens: tuple[Token, ...]) -> Hashable:
    return tuple(tok if isinstance(tok, str) else tok.key for tok in tokens)


class Matcher:
    """Insert rules, then find the route and converted values for a method and path."""

    __slots__ = ("_count", "root")

    def __init__(self) -> None:
        self.root = Node()
        self._count = 0

    def leaf_for(self, rule: Rule) -> Leaf:
        """The leaf for ``rule``'s shape, creating trie nodes as needed."""
        node = self.root
        segments = rule.segments
        for index, tokens in enumerate(segments):
            if any(isinstance(t, Param) and t.converter.slashes for t in tokens):
                return self._tail(node, segments[index:])
            if all(isinstance(t, str) for t in tokens):
                text = "".join(t for t in tokens if isinstance(t, str))
                node = node.static.setdefault(text, Node())
                continue
            key = _key(tokens)
            dyn = node._dynamic_keys.get(key)
            if dyn is None:
                self._count += 1
                dyn = node._dynamic_keys[key] = Dynamic(tokens, self._count)
                node.dynamic.append(dyn)
                node.branches = True
                node.dynamic.sort(key=lambda d: d.sort_key)
            node = dyn.node
        if node.leaf is None:
            node.leaf = Leaf()
        return node.leaf

    def _tail(self, node: Node, segments: tuple[tuple[Token, ...], ...]) -> Leaf:
        tokens: list[Token] = []
        for i, seg in enumerate(segments):
            if i:
                tokens.append("/")
            tokens.extend(seg)
        merged: list[Token] = []
        for tok in tokens:  # join adjacent literal pieces so the key is canonical
            if merged and isinstance(tok, str) and isinstance(merged[-1], str):
                merged[-1] = merged[-1] + tok
            else:
                merged.append(tok)
        flat = tuple(merged)
        key = _key(flat)
        tail = node._tail_keys.get(key)
        if tail is None:
            self._count += 1
            tail = node._tail_keys[key] = Tail(flat, self._count)
            node.tails.append(tail)
            node.branches = True
            node.tails.sort(key=lambda t: t.sort_key)
        return tail.leaf

    def find(self, method: str, path: str, allowed: set[str]) -> tuple[Route, list[Any]] | None:
        """The first route (by priority) matching ``path`` and ``method``.

        When shapes match but no route takes ``method``, their allowed methods are
        added to ``allowed`` so the caller can answer 405 or OPTIONS.
        """
        segments = path[1:].split("/")
        values: list[Any] = []
        route = _walk(self.root, segments, 0, len(segments), path, values, method, allowed)
        return None if route is None else (route, values)


def _walk(
    node: Node,
    segments: list[str],
    index: int,
    count: int,
    path: str,
    values: list[Any],
    method: str,
    allowed: set[str],
) -> Route | None:
    # Stretches of literal-only nodes need no backtracking: follow them in a loop.
    while index < count and not node.branches:
        next_node = node.static.get(segments[index])
        if next_node is None:
            return None
        node = next_node
        index += 1
    if index == count:
        leaf = node.leaf
        if leaf is not None:
            route = leaf.lookup.get(method)
            if route is not None:
                return route
            allowed.update(leaf.allowed)
        return None
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        route = _walk(child, segments, index + 1, count, path, values, method, allowed)
        if route is not None:
            return route
    for dyn in node.dynamic:
        converted = dyn.convert(segment)
        if converted is None:
            continue
        mark = len(values)
        values.extend(converted)
        route = _walk(dyn.node, segments, index + 1, count, path, values, method, allowed)
        if route is not None:
            return route
        del values[mark:]
    if node.tails:
        # Offset of segment ``index`` in ``path``: the leading "/" plus each earlier segment
        # and its separator.
        start = 1 + index + sum(len(s) for s in segments[:index])
        rest = path[start:]
        for tail in node.tails:
            converted = tail.convert(rest)
            if converted is None:
                continue
            route = tail.leaf.lookup.get(method)
            if route is not None:
                values.extend(converted)
                return route
            allowed.update(tail.leaf.allowed)
    return None
