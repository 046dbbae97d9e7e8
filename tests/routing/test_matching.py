"""Router.match: patterns, priorities, HEAD/OPTIONS, 404/405/308 and conflicts."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from heron.http.exceptions import HTTPException
from heron.routing import (
    AutomaticOptions,
    MethodNotAllowed,
    NotFound,
    RequestRedirect,
    Route,
    RouteConflictError,
    Router,
)


def handler() -> None:
    return None


def other() -> None:
    return None


def make(*specs: tuple[str, str] | tuple[str, str, Iterable[str]]) -> Router:
    """Routes from (rule, endpoint[, methods]) tuples."""
    router = Router()
    for spec in specs:
        rule, endpoint = spec[0], spec[1]
        methods = spec[2] if len(spec) == 3 else None
        router.add(Route(rule, endpoint, handler, methods))
    return router


def endpoint(router: Router, path: str, method: str = "GET") -> str:
    return router.match(method, path)[0].endpoint


# -- patterns -------------------------------------------------------------------------------


def test_static_and_root_paths() -> None:
    router = make(("/", "index"), ("/about", "about"), ("/a/b/c", "deep"))
    assert router.match("GET", "/") == (router.routes[0], {})
    assert endpoint(router, "/about") == "about"
    assert endpoint(router, "/a/b/c") == "deep"


def test_params_are_converted_and_named() -> None:
    router = make(("/users/<int:user_id>/posts/<slug:slug>", "post"))
    route, params = router.match("GET", "/users/3/posts/hello-world")
    assert route.endpoint == "post"
    assert params == {"user_id": 3, "slug": "hello-world"}
    assert route.param_names == ("user_id", "slug")


def test_segment_mixing_text_and_params() -> None:
    router = make(("/files/<name>.<ext>", "file"), ("/v<int:version>/status", "status"))
    assert router.match("GET", "/files/report.final.pdf")[1] == {
        "name": "report.final",
        "ext": "pdf",
    }
    assert router.match("GET", "/v2/status")[1] == {"version": 2}
    with pytest.raises(NotFound):
        router.match("GET", "/files/report")
    with pytest.raises(NotFound):
        router.match("GET", "/vx/status")


def test_unicode_and_special_characters_in_paths() -> None:
    router = make(("/café", "cafe"), ("/tags/<tag>", "tag"))
    assert endpoint(router, "/café") == "cafe"
    assert router.match("GET", "/tags/c++ & ü")[1] == {"tag": "c++ & ü"}


def test_params_dict_is_fresh_each_time() -> None:
    router = make(("/static", "s"), ("/d/<x>", "d"))
    first = router.match("GET", "/static")[1]
    first["mutated"] = True
    assert router.match("GET", "/static")[1] == {}
    second = router.match("GET", "/d/1")[1]
    second["x"] = "changed"
    assert router.match("GET", "/d/1")[1] == {"x": "1"}


def test_same_shape_with_different_names_shares_the_path() -> None:
    router = Router()
    router.add(Route("/items/<int:item_id>", "show", handler, ["GET"]))
    router.add(Route("/items/<int:pk>", "update", other, ["PUT"]))
    assert router.match("GET", "/items/1") == (router.routes[0], {"item_id": 1})
    assert router.match("PUT", "/items/1") == (router.routes[1], {"pk": 1})


# -- priorities -----------------------------------------------------------------------------


def test_static_beats_dynamic_whatever_the_order() -> None:
    router = make(("/users/<name>", "by_name"), ("/users/me", "me"))
    assert endpoint(router, "/users/me") == "me"
    assert endpoint(router, "/users/ada") == "by_name"


def test_literal_segment_wins_position_by_position() -> None:
    router = make(("/<a>/edit", "any_edit"), ("/posts/<b>", "post"))
    # The leftmost literal segment decides: /posts/edit is the post named "edit".
    assert router.match("GET", "/posts/edit")[0].endpoint == "post"
    assert endpoint(router, "/pages/edit") == "any_edit"


def test_backtracks_when_the_literal_branch_fails() -> None:
    router = make(("/users/me/settings", "settings"), ("/users/<name>/posts", "posts"))
    assert endpoint(router, "/users/me/settings") == "settings"
    assert router.match("GET", "/users/me/posts") == (router.routes[1], {"name": "me"})


def test_more_specific_converter_first() -> None:
    router = make(
        ("/things/<thing>", "by_str"),
        ("/things/<slug:s>", "by_slug"),
        ("/things/<float:f>", "by_float"),
        ("/things/<int:i>", "by_int"),
        ("/things/<uuid:u>", "by_uuid"),
    )
    assert endpoint(router, "/things/12") == "by_int"
    assert endpoint(router, "/things/1.5") == "by_float"
    assert endpoint(router, "/things/a-b") == "by_slug"
    assert endpoint(router, "/things/a b") == "by_str"
    assert endpoint(router, "/things/12345678-1234-1234-1234-123456789abc") == "by_uuid"


def test_mixed_segment_before_lone_converter() -> None:
    router = make(("/f/<name>", "plain"), ("/f/<name>.json", "json"))
    assert endpoint(router, "/f/data.json") == "json"
    assert endpoint(router, "/f/data.xml") == "plain"


def test_path_converter_comes_last() -> None:
    router = make(("/<path:p>", "catch_all"), ("/api/<int:id>", "api"), ("/", "index"))
    assert endpoint(router, "/api/3") == "api"
    assert endpoint(router, "/") == "index"
    assert endpoint(router, "/api/x") == "catch_all"
    assert endpoint(router, "/a/b/c") == "catch_all"


def test_longer_literal_tail_first() -> None:
    router = make(("/r/<path:f>", "show"), ("/r/<path:f>/raw", "raw"))
    assert endpoint(router, "/r/a/b/raw") == "raw"
    assert endpoint(router, "/r/a/b") == "show"


def test_registration_order_breaks_ties() -> None:
    router = make(("/t/<string(minlength=2):a>", "long"), ("/t/<b>", "short"))
    assert endpoint(router, "/t/xy") == "long"
    assert endpoint(router, "/t/x") == "short"
    reversed_router = make(("/t/<b>", "short"), ("/t/<string(minlength=2):a>", "long"))
    assert endpoint(reversed_router, "/t/xy") == "short"


def test_same_shape_same_method_conflicts() -> None:
    router = make(("/t/<a>", "first"))
    with pytest.raises(RouteConflictError, match=r"GET '/t/<c>'.*'/t/<a>'"):
        router.add(Route("/t/<c>", "second", other))
    assert endpoint(router, "/t/1") == "first"


def test_method_found_on_a_lower_priority_route() -> None:
    router = make(("/items/<int:i>", "show", ["GET"]), ("/items/<name>", "create", ["POST"]))
    assert endpoint(router, "/items/5", "POST") == "create"
    assert endpoint(router, "/items/5", "GET") == "show"


# -- HEAD, OPTIONS, 405 ---------------------------------------------------------------------


def test_head_is_answered_by_get() -> None:
    router = make(("/page", "page"), ("/d/<int:x>", "dyn"))
    assert endpoint(router, "/page", "HEAD") == "page"
    assert router.match("HEAD", "/d/4") == (router.routes[1], {"x": 4})


def test_explicit_head_route_wins_over_get() -> None:
    router = make(("/page", "get_page", ["GET"]), ("/page", "head_page", ["HEAD"]))
    assert endpoint(router, "/page", "HEAD") == "head_page"
    assert endpoint(router, "/page", "GET") == "get_page"


def test_head_is_not_answered_by_post() -> None:
    router = make(("/form", "form", ["POST"]))
    with pytest.raises(MethodNotAllowed):
        router.match("HEAD", "/form")


def test_method_not_allowed_lists_methods() -> None:
    router = make(("/items", "items", ["GET", "POST"]), ("/items/<int:i>", "item", ["DELETE"]))
    with pytest.raises(MethodNotAllowed) as info:
        router.match("PATCH", "/items")
    exc = info.value
    assert isinstance(exc, HTTPException)
    assert exc.status_code == 405
    assert exc.allowed == {"GET", "HEAD", "OPTIONS", "POST"}
    assert exc.headers == {"Allow": "GET, HEAD, OPTIONS, POST"}
    assert "PATCH" in str(exc.detail)
    with pytest.raises(MethodNotAllowed) as info:
        router.match("GET", "/items/3")
    assert info.value.headers == {"Allow": "DELETE, OPTIONS"}


def test_405_merges_methods_from_every_matching_route() -> None:
    router = make(("/x/<int:i>", "a", ["PUT"]), ("/x/<name>", "b", ["POST"]))
    with pytest.raises(MethodNotAllowed) as info:
        router.match("GET", "/x/1")
    assert info.value.allowed == {"PUT", "POST", "OPTIONS"}


def test_405_for_a_static_path_with_another_dynamic_method() -> None:
    router = make(("/users/me", "me", ["GET"]), ("/users/<name>", "rename", ["PUT"]))
    assert endpoint(router, "/users/me", "PUT") == "rename"
    with pytest.raises(MethodNotAllowed) as info:
        router.match("DELETE", "/users/me")
    assert info.value.allowed == {"GET", "HEAD", "PUT", "OPTIONS"}


def test_automatic_options() -> None:
    router = make(("/items", "items", ["GET", "POST"]), ("/d/<int:x>", "d", ["PUT"]))
    with pytest.raises(AutomaticOptions) as info:
        router.match("OPTIONS", "/items")
    assert info.value.allowed == {"GET", "HEAD", "POST", "OPTIONS"}
    assert info.value.status_code == 200
    assert info.value.headers == {"Allow": "GET, HEAD, OPTIONS, POST"}
    with pytest.raises(AutomaticOptions) as info:
        router.match("OPTIONS", "/d/1")
    assert info.value.allowed == {"PUT", "OPTIONS"}


def test_explicit_options_route() -> None:
    router = make(("/items", "items"), ("/items", "preflight", ["OPTIONS"]))
    assert endpoint(router, "/items", "OPTIONS") == "preflight"


def test_options_on_unknown_path_is_404() -> None:
    router = make(("/items", "items"))
    with pytest.raises(NotFound):
        router.match("OPTIONS", "/nothing")


def test_allowed_methods() -> None:
    router = make(("/items", "items", ["GET", "POST"]))
    assert router.allowed_methods("/items") == {"GET", "HEAD", "POST", "OPTIONS"}
    assert router.allowed_methods("/missing") == frozenset()


# -- 404 and trailing slashes ---------------------------------------------------------------


def test_unknown_paths_are_404() -> None:
    router = make(("/a", "a"), ("/u/<int:i>", "u"))
    for path in ("/b", "/a/b", "/u", "/u/x", "", "a", "//a", "/u/1/2"):
        with pytest.raises(NotFound) as info:
            router.match("GET", path)
        assert info.value.status_code == 404


def test_empty_router_is_404() -> None:
    with pytest.raises(NotFound):
        Router().match("GET", "/")


def test_missing_trailing_slash_redirects_with_308() -> None:
    router = make(("/docs/", "docs"), ("/u/<int:i>/", "user", ["POST"]))
    with pytest.raises(RequestRedirect) as info:
        router.match("GET", "/docs")
    assert info.value.status_code == 308
    assert info.value.new_path == "/docs/"
    assert info.value.headers == {"Location": "/docs/"}
    with pytest.raises(RequestRedirect) as info:
        router.match("POST", "/u/5")
    assert info.value.new_path == "/u/5/"


def test_redirect_path_is_percent_encoded() -> None:
    router = make(("/café/", "cafe"), ("/t/<tag>/", "tag"))
    with pytest.raises(RequestRedirect) as info:
        router.match("GET", "/café")
    assert info.value.new_path == "/caf%C3%A9/"
    with pytest.raises(RequestRedirect) as info:
        router.match("GET", "/t/a b?%")
    assert info.value.new_path == "/t/a%20b%3F%25/"


def test_no_redirect_to_a_protocol_relative_url() -> None:
    router = make(("/<path:anything>/", "catch_all"), ("//<host>/", "odd"))
    assert endpoint(router, "//evil.example/") == "odd"
    with pytest.raises(NotFound):
        router.match("GET", "//evil.example")


def test_extra_trailing_slash_is_404() -> None:
    router = make(("/docs", "docs"), ("/u/<int:i>", "user"))
    for path in ("/docs/", "/u/5/"):
        with pytest.raises(NotFound):
            router.match("GET", path)


def test_both_forms_declared_are_distinct() -> None:
    router = make(("/a", "no_slash"), ("/a/", "slash"))
    assert endpoint(router, "/a") == "no_slash"
    assert endpoint(router, "/a/") == "slash"


# -- registration errors --------------------------------------------------------------------


def test_duplicate_static_route_conflicts() -> None:
    router = make(("/a", "a"))
    with pytest.raises(RouteConflictError, match="already handled"):
        router.add(Route("/a", "b", other, ["GET", "POST"]))
    # Nothing of the failed route was registered.
    with pytest.raises(MethodNotAllowed):
        router.match("POST", "/a")
    assert len(router.routes) == 1


def test_endpoint_reused_by_another_handler_is_an_error() -> None:
    router = make(("/a", "a"))
    with pytest.raises(ValueError, match="Endpoint 'a' is already used"):
        router.add(Route("/b", "a", other))


def test_same_handler_may_serve_several_rules() -> None:
    router = make(("/users/", "users"), ("/users/page/<int:page>", "users"))
    assert endpoint(router, "/users/page/2") == "users"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("users", "must be a string starting with '/'"),
        ("/a/<int:x", "malformed parameter"),
        ("/a/<>", "malformed parameter"),
        ("/a/<1x>", "malformed parameter"),
        ("/a/x>", "malformed parameter"),
        ("/a/<x>/<int:x>", "parameter 'x' appears twice"),
    ],
)
def test_malformed_rules(rule: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Router().add(Route(rule, "e", handler))


def test_route_methods_are_normalized() -> None:
    route = Route("/a", "a", handler, ["get", "Post"])
    assert route.methods == frozenset({"GET", "POST"})
    assert Route("/a", "a", handler).methods == frozenset({"GET"})
    with pytest.raises(TypeError, match="list of strings"):
        Route("/a", "a", handler, "GET")
    with pytest.raises(ValueError, match="at least one"):
        Route("/a", "a", handler, [])
    with pytest.raises(ValueError, match="invalid HTTP method"):
        Route("/a", "a", handler, ["GE T"])


def test_route_slots_and_defaults() -> None:
    route = Route("/u/<int:i>", "u", handler, options={"status_code": 201})
    assert route.invoke is None
    assert route.options == {"status_code": 201}
    assert route.parsed_rule is None  # param_names and parsed_rule are set by Router.add
    with pytest.raises(AttributeError):
        route.extra = 1  # type: ignore[attr-defined]
    Router().add(route)
    assert route.param_names == ("i",)
    assert route.parsed_rule is not None and route.parsed_rule.arguments == ("i",)
