"""Built-in and user converters, through the router."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from heron.routing import Converter, NotFound, Route, Router


def handler() -> None:
    return None


def router_with(*rules: str, converters: dict[str, type[Converter]] | None = None) -> Router:
    router = Router(converters=converters)
    for i, rule in enumerate(rules):
        router.add(Route(rule, f"e{i}", handler))
    return router


def params(router: Router, path: str) -> dict[str, Any]:
    return router.match("GET", path)[1]


def test_default_str_converter_takes_one_segment() -> None:
    router = router_with("/users/<name>")
    assert params(router, "/users/ada") == {"name": "ada"}
    assert params(router, "/users/a b!") == {"name": "a b!"}
    with pytest.raises(NotFound):
        router.match("GET", "/users/ada/posts")
    with pytest.raises(NotFound):
        router.match("GET", "/users/")


def test_str_converter_length_arguments() -> None:
    router = router_with(
        "/codes/<string(length=3):code>", "/names/<str(minlength=2, maxlength=4):n>"
    )
    assert params(router, "/codes/abc") == {"code": "abc"}
    assert params(router, "/names/abcd") == {"n": "abcd"}
    for path in ("/codes/ab", "/codes/abcd", "/names/a", "/names/abcde"):
        with pytest.raises(NotFound):
            router.match("GET", path)


def test_int_converter() -> None:
    router = router_with("/items/<int:item_id>")
    assert params(router, "/items/42") == {"item_id": 42}
    assert params(router, "/items/007") == {"item_id": 7}
    for bad in ("/items/-1", "/items/4.2", "/items/x", "/items/", "/items/٣"):
        with pytest.raises(NotFound):
            router.match("GET", bad)


def test_int_converter_bounds_and_sign() -> None:
    router = router_with("/page/<int(min=1, max=10):n>", "/delta/<int(signed=True):d>")
    assert params(router, "/page/1") == {"n": 1}
    assert params(router, "/delta/-5") == {"d": -5}
    for bad in ("/page/0", "/page/11"):
        with pytest.raises(NotFound):
            router.match("GET", bad)


def test_huge_int_is_a_404_not_a_crash() -> None:
    router = router_with("/items/<int:item_id>")
    with pytest.raises(NotFound):
        router.match("GET", "/items/" + "9" * 5000)


def test_float_converter() -> None:
    router = router_with("/price/<float:amount>")
    assert params(router, "/price/2.5") == {"amount": 2.5}
    assert params(router, "/price/3") == {"amount": 3.0}
    for bad in ("/price/-2.5", "/price/1e5", "/price/nan", "/price/inf", "/price/.5"):
        with pytest.raises(NotFound):
            router.match("GET", bad)


def test_float_converter_rejects_overflow_to_infinity() -> None:
    router = router_with("/price/<float:amount>")
    with pytest.raises(NotFound):
        router.match("GET", "/price/" + "9" * 400)


def test_path_converter_spans_slashes() -> None:
    router = router_with("/docs/<path:page>", "/repo/<path:file>/edit")
    assert params(router, "/docs/guide/intro.md") == {"page": "guide/intro.md"}
    assert params(router, "/docs/a") == {"page": "a"}
    assert params(router, "/repo/src/x.py/edit") == {"file": "src/x.py"}
    with pytest.raises(NotFound):
        router.match("GET", "/docs/")


def test_uuid_converter() -> None:
    router = router_with("/orders/<uuid:order_id>")
    value = uuid.uuid4()
    assert params(router, f"/orders/{value}") == {"order_id": value}
    assert params(router, f"/orders/{str(value).upper()}") == {"order_id": value}
    with pytest.raises(NotFound):
        router.match("GET", "/orders/not-a-uuid")


def test_slug_converter() -> None:
    router = router_with("/posts/<slug:slug>")
    assert params(router, "/posts/my-first_post-2") == {"slug": "my-first_post-2"}
    with pytest.raises(NotFound):
        router.match("GET", "/posts/hello world")


def test_any_converter_with_bare_words() -> None:
    router = router_with("/<any(about, help):page>")
    assert params(router, "/about") == {"page": "about"}
    assert params(router, "/help") == {"page": "help"}
    with pytest.raises(NotFound):
        router.match("GET", "/contact")
    assert router.build("e0", {"page": "help"}) == "/help"


class HexConverter(Converter):
    regex = "[0-9a-f]+"

    def to_python(self, value: str) -> int:
        return int(value, 16)

    def to_url(self, value: Any) -> str:
        return format(value, "x")


class EvenConverter(Converter):
    regex = "[0-9]+"
    weight = 5  # tried before int (20) at the same position

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValueError("odd")
        return number


class RangeConverter(Converter):
    """A converter with arguments of its own."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not self.lo <= number <= self.hi:
            raise ValueError("out of range")
        return number


def test_user_converter_registered_in_constructor() -> None:
    router = router_with("/colors/<hex:rgb>", converters={"hex": HexConverter})
    assert params(router, "/colors/ff00") == {"rgb": 0xFF00}
    assert router.build("e0", {"rgb": 255}) == "/colors/ff"
    with pytest.raises(NotFound):
        router.match("GET", "/colors/xyz")


def test_user_converter_registered_later() -> None:
    router = Router()
    router.add_converter("even", EvenConverter)
    router.add(Route("/n/<even:n>", "even", handler))
    router.add(Route("/n/<int:n>", "any_int", handler))
    assert router.match("GET", "/n/4")[0].endpoint == "even"
    # to_python raising ValueError means "not this route": the next candidate matches.
    assert router.match("GET", "/n/5")[0].endpoint == "any_int"


def test_user_converter_with_arguments() -> None:
    router = router_with("/r/<range(1, hi=5):n>", converters={"range": RangeConverter})
    assert params(router, "/r/5") == {"n": 5}
    with pytest.raises(NotFound):
        router.match("GET", "/r/6")


def test_converter_that_does_not_span_slashes_only_sees_one_segment() -> None:
    class Greedy(Converter):
        regex = ".+"

    router = router_with("/g/<greedy:x>", converters={"greedy": Greedy})
    assert params(router, "/g/abc") == {"x": "abc"}
    with pytest.raises(NotFound):
        router.match("GET", "/g/a/b")


def test_add_converter_validates() -> None:
    router = Router()
    with pytest.raises(TypeError, match="Converter subclass"):
        router.add_converter("bad", int)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="identifier"):
        router.add_converter("not valid", HexConverter)


def test_unknown_converter_is_named() -> None:
    router = Router()
    with pytest.raises(ValueError, match="unknown converter 'hex'"):
        router.add(Route("/x/<hex:v>", "x", handler))


def test_bad_converter_arguments_are_reported_with_the_rule() -> None:
    router = Router()
    with pytest.raises(ValueError, match=r"'/x/<int\(mn=1\):v>'"):
        router.add(Route("/x/<int(mn=1):v>", "x", handler))
    with pytest.raises(ValueError, match="invalid converter arguments"):
        router.add(Route("/y/<int(min=):v>", "y", handler))
    with pytest.raises(ValueError, match="invalid converter arguments"):
        router.add(Route("/z/<int(__import__('os')):v>", "z", handler))
