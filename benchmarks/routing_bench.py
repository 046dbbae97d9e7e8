"""Time ``Router.match`` with 10 and with 1,000 registered routes.

Run: ``python benchmarks/routing_bench.py``. Prints microseconds per match for a
static and a dynamic path at both sizes, and the 1000/10 ratio (1.0 means matching
cost does not grow with the number of routes).
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from heron.routing import Route, Router


def _handler() -> None:
    return None


# Rule shapes seen in real apps; ``{i}`` makes each registration distinct.
SHAPES = (
    ("GET", "/api/v1/resource{i}/<int:id>"),
    ("GET", "/pages/page{i}"),
    ("POST", "/api/v1/resource{i}"),
    ("GET", "/blog/{i}/<slug:slug>"),
    ("GET", "/users/<int:user_id>/items{i}/<uuid:item_id>"),
    ("GET", "/docs{i}/<path:page>"),
    ("PUT", "/api/v2/things{i}/<int:id>/parts/<name>"),
    ("GET", "/about/team{i}"),
    ("DELETE", "/api/v1/resource{i}/<int:id>"),
    ("GET", "/files{i}/<name>.<ext>"),
)

# The last-registered instance of a shape at each size, so a linear scan would show.
STATIC_PATH = "/pages/page{last}"
DYNAMIC_PATH = "/api/v1/resource{last}/42"


def make_router(count: int) -> Router:
    """A router with ``count`` routes cycling through ``SHAPES``."""
    router = Router()
    for n in range(count):
        method, shape = SHAPES[n % len(SHAPES)]
        i = n // len(SHAPES)
        router.add(Route(shape.format(i=i), f"e{n}", _handler, [method]))
    return router


def per_call_us(router: Router, method: str, path: str) -> float:
    """Best-of-5 microseconds per ``router.match(method, path)``."""
    match = router.match
    timer = timeit.Timer(lambda: match(method, path))
    number, _ = timer.autorange()
    number = max(number, 100_000)
    best = min(timer.repeat(repeat=5, number=number))
    return best / number * 1e6


def main() -> None:
    results: dict[tuple[str, int], float] = {}
    kinds = {"static": STATIC_PATH, "dynamic": DYNAMIC_PATH}
    for size in (10, 1000):
        router = make_router(size)
        last = size // len(SHAPES) - 1
        for kind, template in kinds.items():
            method, path = "GET", template.format(last=last)
            route: Any = router.match(method, path)[0]
            assert route.endpoint, route
            results[kind, size] = per_call_us(router, method, path)
    print(f"Router.match  (Python {sys.version.split()[0]})")
    print(f"{'path':<8} {'10 routes':>12} {'1000 routes':>12} {'1000/10':>8}")
    for kind in kinds:
        small, big = results[kind, 10], results[kind, 1000]
        print(f"{kind:<8} {small:>9.3f} µs {big:>9.3f} µs {big / small:>8.2f}")


if __name__ == "__main__":
    main()
