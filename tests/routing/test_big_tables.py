"""Large route tables: every route still matches and builds correctly."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from heron.routing import MethodNotAllowed, NotFound, Route, Router

ITEM = uuid.UUID("12345678-1234-5678-1234-567812345678")

# (method, rule, a concrete path, the params it should yield)
SHAPES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/resource{i}/<int:id>", "/api/v1/resource{i}/42", {"id": 42}),
    ("GET", "/pages/page{i}", "/pages/page{i}", {}),
    ("POST", "/api/v1/resource{i}", "/api/v1/resource{i}", {}),
    ("GET", "/blog/{i}/<slug:slug>", "/blog/{i}/a-post", {"slug": "a-post"}),
    ("GET", "/u/<int:uid>/items{i}/<uuid:iid>", f"/u/7/items{{i}}/{ITEM}", {"uid": 7, "iid": ITEM}),
    ("GET", "/docs{i}/<path:page>", "/docs{i}/a/b.md", {"page": "a/b.md"}),
    (
        "PUT",
        "/api/v2/things{i}/<int:id>/parts/<name>",
        "/api/v2/things{i}/3/parts/x",
        {"id": 3, "name": "x"},
    ),
    ("GET", "/files{i}/<name>.<ext>", "/files{i}/a.txt", {"name": "a", "ext": "txt"}),
    ("GET", "/x{i}-<int:n>", "/x{i}-5", {"n": 5}),
]


def handler() -> None:
    return None


@pytest.fixture(scope="module")
def big() -> tuple[Router, list[tuple[str, str, str, dict[str, Any]]]]:
    router = Router()
    cases = []
    for i in range(250):
        for n, (method, rule, path, params) in enumerate(SHAPES):
            endpoint = f"e{i}_{n}"
            router.add(Route(rule.format(i=i), endpoint, handler, [method]))
            cases.append((method, path.format(i=i), endpoint, params))
    return router, cases


def test_every_route_matches_its_own_path(
    big: tuple[Router, list[tuple[str, str, str, dict[str, Any]]]],
) -> None:
    router, cases = big
    assert len(router.routes) == 250 * len(SHAPES)
    for method, path, endpoint, params in cases:
        route, matched = router.match(method, path)
        assert (route.endpoint, matched) == (endpoint, params), path


def test_every_route_builds_its_own_path(
    big: tuple[Router, list[tuple[str, str, str, dict[str, Any]]]],
) -> None:
    router, cases = big
    for _method, path, endpoint, params in cases:
        assert router.build(endpoint, params) == path


def test_misses_in_a_big_table(
    big: tuple[Router, list[tuple[str, str, str, dict[str, Any]]]],
) -> None:
    router, _ = big
    for path in ("/api/v1/resource999/1", "/pages/page250", "/api/v1/resource3/x", "/x1-y"):
        with pytest.raises(NotFound):
            router.match("GET", path)
    with pytest.raises(MethodNotAllowed) as info:
        router.match("DELETE", "/api/v1/resource3")
    assert info.value.allowed == {"POST", "OPTIONS"}
