"""Request: scope accessors, headers, query, cookies, negotiation and path checks."""

from __future__ import annotations

import pytest

from heron.http import URL, Address, HTTPException, Request, check_path
from tests.http.asgi import Receiver, make_scope


def test_request_line_accessors() -> None:
    scope = make_scope(
        "POST",
        "/app/items/1",
        root_path="/app",
        query=b"a=1",
        headers=[("host", "example.com:8080")],
        scheme="https",
    )
    request = Request(scope)
    assert request.method == "POST"
    assert request.path == "/items/1"
    assert request.root_path == "/app"
    assert request.scheme == "https"
    assert request.is_secure is True
    assert str(request.url) == "https://example.com:8080/app/items/1?a=1"
    assert request.url.hostname == "example.com"
    assert request.url.port == 8080
    assert request.url.query == "a=1"
    assert str(request.base_url) == "https://example.com:8080/app/"
    assert request.client == Address("127.0.0.1", 50000)
    assert request.client.host == "127.0.0.1"


def test_path_with_root_path_not_prefixed_and_root_itself() -> None:
    # Older servers give path without the root_path prefix.
    assert Request(make_scope(path="/items", root_path="/app")).path == "/items"
    assert Request(make_scope(path="/app", root_path="/app")).path == "/"
    # "/application" is not under the root "/app".
    assert Request(make_scope(path="/application", root_path="/app")).path == "/application"


def test_url_without_host_header_uses_server_and_quotes_path() -> None:
    request = Request(make_scope(path="/a b/é", server=("10.0.0.1", 8000)))
    assert str(request.url) == "http://10.0.0.1:8000/a%20b/%C3%A9"
    assert Request(make_scope(server=("h", 80))).url == "http://h/"
    assert Request(make_scope(server=None)).url == URL("/")


def test_client_missing() -> None:
    assert Request(make_scope(client=None)).client is None


def test_construction_reads_nothing() -> None:
    receive = Receiver([b"x"])
    # A scope with no headers or query at all: nothing is looked at until asked for.
    request = Request({"type": "http", "method": "GET", "path": "/"}, receive)
    assert receive.calls == 0
    assert request.headers.get("host") is None
    assert len(request.query_params) == 0
    assert request.cookies == {}


def test_headers_case_insensitive_and_multi_valued() -> None:
    request = Request(make_scope(headers=[("Accept", "text/html"), ("X-Tag", "a"), ("x-tag", "b")]))
    headers = request.headers
    assert headers["accept"] == "text/html"
    assert headers["ACCEPT"] == "text/html"
    assert headers["X-Tag"] == "a"
    assert headers.getlist("x-TAG") == ["a", "b"]
    assert "x-tag" in headers
    assert "missing" not in headers
    assert headers.get("missing", "d") == "d"
    assert list(headers) == ["accept", "x-tag"]
    assert len(headers) == 2
    with pytest.raises(KeyError):
        headers["missing"]
    assert request.headers is headers


def test_query_params_multi_valued() -> None:
    request = Request(make_scope(query=b"tag=a&tag=b&q=hello+world&empty=&flag&x=%C3%A9"))
    params = request.query_params
    assert params["tag"] == "b"
    assert params.getlist("tag") == ["a", "b"]
    assert params["q"] == "hello world"
    assert params["empty"] == ""
    assert params["flag"] == ""
    assert params["x"] == "é"
    assert params.getlist("missing") == []
    assert params.multi_items()[:2] == [("tag", "a"), ("tag", "b")]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (b"a=%zz", "Invalid percent-encoding in query string"),
        (b"a=%4", "Invalid percent-encoding in query string"),
        (b"a=%ff", "Invalid UTF-8 in query string"),
        (b"a=\xff", "Invalid UTF-8 in query string"),
    ],
)
def test_bad_query_is_400(query: bytes, message: str) -> None:
    request = Request(make_scope(query=query))
    with pytest.raises(HTTPException) as info:
        request.query_params  # noqa: B018
    assert info.value.status_code == 400
    assert info.value.detail == message


def test_cookies() -> None:
    request = Request(make_scope(headers=[("cookie", 'session=abc; theme="dark"; bad; a=1=2')]))
    assert request.cookies == {"session": "abc", "theme": "dark", "a": "1=2"}


def test_cookies_from_several_headers() -> None:
    request = Request(make_scope(headers=[("cookie", "a=1"), ("cookie", "b=2")]))
    assert request.cookies == {"a": "1", "b": "2"}


def test_state_and_path_params_and_app() -> None:
    scope = make_scope()
    scope["app"] = marker = object()
    request = Request(scope)
    assert request.app is marker
    assert request.path_params == {}
    request.path_params = {"id": 3}
    assert request.path_params == {"id": 3}
    request.state.user = "ann"
    assert request.state.user == "ann"
    # State lives in the scope, so ASGI middleware and later code share it.
    assert scope["state"] == {"user": "ann"}
    assert Request(scope).state.user == "ann"
    with pytest.raises(AttributeError, match="nothing"):
        request.state.nothing  # noqa: B018


def test_content_type() -> None:
    scope = make_scope(headers=[("content-type", "Application/JSON; charset=utf-8")])
    assert Request(scope).content_type == "application/json"
    assert Request(make_scope()).content_type is None


@pytest.mark.parametrize(
    ("accept", "json_ok", "html_ok", "prefers_json"),
    [
        (None, True, True, False),
        ("text/html,application/xhtml+xml,*/*;q=0.8", True, True, False),
        ("application/json", True, False, True),
        ("application/json, text/html;q=0.5", True, True, True),
        ("text/html;q=0.1, application/*;q=0.9", True, True, True),
        ("text/*", False, True, False),
        ("*/*", True, True, False),
        ("application/json;q=0, */*", False, True, False),
    ],
)
def test_accepts_and_prefers_json(
    accept: str | None, json_ok: bool, html_ok: bool, prefers_json: bool
) -> None:
    headers = [("accept", accept)] if accept is not None else []
    request = Request(make_scope(headers=headers))
    assert request.accepts("application/json") is json_ok
    assert request.accepts("text/html") is html_ok
    assert request.prefers_json() is prefers_json


@pytest.mark.parametrize(
    "raw_path", [b"/plain", b"/caf%C3%A9", b"/a%2Fb", b"/%41?q=%zz", b"/caf\xc3\xa9"]
)
def test_check_path_accepts_valid_paths(raw_path: bytes) -> None:
    check_path(make_scope(raw_path=raw_path))


def test_check_path_without_raw_path() -> None:
    check_path(make_scope(path="/anything"))


@pytest.mark.parametrize(
    ("raw_path", "message"),
    [
        (b"/bad%zz", "Invalid percent-encoding in the request path"),
        (b"/bad%4", "Invalid percent-encoding in the request path"),
        (b"/bad%", "Invalid percent-encoding in the request path"),
        (b"/bad%ff", "Invalid UTF-8 in the request path"),
        (b"/bad\xff", "Invalid UTF-8 in the request path"),
    ],
)
def test_check_path_refuses_bad_encoding(raw_path: bytes, message: str) -> None:
    with pytest.raises(HTTPException) as info:
        check_path(make_scope(raw_path=raw_path))
    assert info.value.status_code == 400
    assert info.value.detail == message


def test_repr() -> None:
    assert repr(Request(make_scope("PUT", "/x"))) == "<Request PUT '/x'>"
