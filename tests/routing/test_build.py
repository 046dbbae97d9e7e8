"""Router.build: paths, escaping, query extras, anchors, methods and BuildError messages."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import pytest

from heron.routing import BuildError, Route, Router, encode_query, external_url, qualify_endpoint


def handler() -> None:
    return None


def index() -> None:
    return None


@pytest.fixture
def router() -> Router:
    router = Router()
    router.add(Route("/", "index", index))
    router.add(Route("/users/<int:user_id>", "user", handler))
    router.add(Route("/tags/<tag>", "tag", lambda: None))
    router.add(Route("/files/<path:name>", "file", lambda: None))
    router.add(Route("/orders/<uuid:oid>", "order", lambda: None))
    router.add(Route("/price/<float:amount>", "price", lambda: None))
    router.add(Route("/posts/<slug:slug>", "post", lambda: None))
    router.add(Route("/café", "cafe", lambda: None))
    return router


def test_static_and_dynamic_paths(router: Router) -> None:
    assert router.build("index") == "/"
    assert router.build("user", {"user_id": 42}) == "/users/42"
    assert router.build("user", {"user_id": "42"}) == "/users/42"
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert router.build("order", {"oid": value}) == f"/orders/{value}"
    assert router.build("price", {"amount": 2.5}) == "/price/2.5"
    assert router.build("price", {"amount": 1e20}) == "/price/100000000000000000000"
    assert router.build("price", {"amount": 1e-7}) == "/price/0.0000001"


def test_built_paths_match_back(router: Router) -> None:
    cases: list[tuple[str, dict[str, object]]] = [
        ("user", {"user_id": 7}),
        ("tag", {"tag": "c++ & ü?#"}),
        ("file", {"name": "a b/c%d.txt"}),
        ("price", {"amount": 0.1}),
    ]
    for endpoint, params in cases:
        path = router.build(endpoint, params)
        route, matched = router.match("GET", unquote(path))
        assert route.endpoint == endpoint
        assert matched == params


def test_segment_values_are_escaped(router: Router) -> None:
    assert router.build("tag", {"tag": "a b?c#d%e"}) == "/tags/a%20b%3Fc%23d%25e"
    assert router.build("tag", {"tag": "ü"}) == "/tags/%C3%BC"
    assert router.build("tag", {"tag": "a+b:c@d"}) == "/tags/a+b:c@d"


def test_slash_in_a_segment_value_is_refused(router: Router) -> None:
    with pytest.raises(BuildError, match="parameter 'tag'"):
        router.build("tag", {"tag": "a/b"})


def test_path_converter_keeps_slashes(router: Router) -> None:
    assert router.build("file", {"name": "docs/a b.md"}) == "/files/docs/a%20b.md"


def test_static_rule_text_is_escaped(router: Router) -> None:
    assert router.build("cafe") == "/caf%C3%A9"


def test_extra_params_become_the_query_string(router: Router) -> None:
    assert router.build("user", {"user_id": 1, "tab": "posts"}) == "/users/1?tab=posts"
    assert router.build("index", {"q": "a b&c", "page": 2}) == "/?q=a+b%26c&page=2"
    assert router.build("index", {"tag": ["x", "y"], "n": (1, 2)}) == "/?tag=x&tag=y&n=1&n=2"
    assert router.build("index", {"skip": None}) == "/"


def test_query_extra_false_refuses_unknown_params(router: Router) -> None:
    with pytest.raises(BuildError, match="unexpected parameter 'tab'"):
        router.build("user", {"user_id": 1, "tab": "x"}, query_extra=False)


def test_anchor(router: Router) -> None:
    assert router.build("user", {"user_id": 1}, anchor="top") == "/users/1#top"
    assert router.build("index", {"_anchor": "a b", "q": 1}) == "/?q=1#a%20b"


def test_external_and_scheme_are_left_to_the_app(router: Router) -> None:
    assert router.build("index", {"_external": True, "_scheme": "https"}) == "/"
    assert external_url("https", "example.com", "/users/1", "/app/") == (
        "https://example.com/app/users/1"
    )


def test_missing_parameter_names_rule_and_parameter(router: Router) -> None:
    with pytest.raises(BuildError) as info:
        router.build("user")
    message = str(info.value)
    assert "'user'" in message
    assert "'/users/<int:user_id>'" in message
    assert "missing parameter 'user_id'" in message
    assert info.value.endpoint == "user"


def test_none_counts_as_missing(router: Router) -> None:
    with pytest.raises(BuildError, match="missing parameter 'user_id'"):
        router.build("user", {"user_id": None})


def test_invalid_value_names_the_parameter(router: Router) -> None:
    with pytest.raises(BuildError, match="parameter 'user_id': expected an integer, got 'x'"):
        router.build("user", {"user_id": "x"})
    with pytest.raises(BuildError, match="parameter 'oid'"):
        router.build("order", {"oid": "nope"})
    with pytest.raises(BuildError, match="parameter 'slug'"):
        router.build("post", {"slug": "not a slug"})
    with pytest.raises(BuildError, match="parameter 'amount'"):
        router.build("price", {"amount": float("nan")})
    with pytest.raises(BuildError, match="parameter 'amount'"):
        router.build("price", {"amount": -1})
    with pytest.raises(BuildError, match="parameter 'user_id'"):
        router.build("user", {"user_id": True})


def test_int_bounds_apply_when_building() -> None:
    router = Router()
    router.add(Route("/p/<int(min=1):n>", "page", handler))
    with pytest.raises(BuildError, match="parameter 'n'"):
        router.build("page", {"n": 0})
    assert router.build("page", {"n": 1}) == "/p/1"


def test_unknown_endpoint_suggests_near_matches(router: Router) -> None:
    with pytest.raises(BuildError) as info:
        router.build("usr", {"user_id": 1})
    assert "no such endpoint" in str(info.value)
    assert "Did you mean 'user'" in str(info.value)
    with pytest.raises(BuildError, match=r"no such endpoint$"):
        router.build("zzzzzzzz")


def test_rule_using_the_most_given_params_is_chosen() -> None:
    router = Router()
    router.add(Route("/users/", "users", handler))
    router.add(Route("/users/page/<int:page>", "users", handler))
    assert router.build("users") == "/users/"
    assert router.build("users", {"page": 3}) == "/users/page/3"
    assert router.build("users", {"page": 3, "q": "x"}) == "/users/page/3?q=x"


def test_build_for_a_method() -> None:
    router = Router()
    router.add(Route("/things", "things", handler, ["GET"]))
    router.add(Route("/things/new", "things", handler, ["POST"]))
    assert router.build("things", method="POST") == "/things/new"
    assert router.build("things", {"_method": "get"}) == "/things"
    assert router.build("things", method="HEAD") == "/things"
    with pytest.raises(BuildError, match="no route for method DELETE"):
        router.build("things", method="DELETE")


def test_encode_query_and_qualify_endpoint() -> None:
    assert encode_query({"a": 1, "b": [1, None, 2], "c": None}) == "a=1&b=1&b=2"
    assert qualify_endpoint(".index", "admin") == "admin.index"
    assert qualify_endpoint(".index", None) == "index"
    assert qualify_endpoint("other.index", "admin") == "other.index"
