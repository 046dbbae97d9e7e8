"""Headers, MultiDict, QueryParams, URL, State; exceptions and status phrases."""

from __future__ import annotations

import pytest

from heron.http import (
    URL,
    Headers,
    HTTPException,
    MultiDict,
    MutableHeaders,
    QueryParams,
    State,
    abort,
)
from heron.http.cookies import parse_cookie_header
from heron.http.status import HTTP_404_NOT_FOUND, phrase


def test_headers_read_only_mapping() -> None:
    headers = Headers([(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
    assert dict(headers.items()) == {"a": "1", "b": "2"}
    assert headers.multi_items() == [("a", "1"), ("b", "2"), ("a", "3")]
    assert headers.raw[0] == (b"a", b"1")
    assert headers == Headers([(b"b", b"2"), (b"a", b"1"), (b"a", b"3")])
    assert headers != Headers([(b"a", b"1")])
    assert headers == {"a": "1", "b": "2"}
    assert headers.__contains__(3) is False
    assert repr(Headers([(b"x", b"y")])) == "Headers([('x', 'y')])"


def test_mutable_headers_from_mapping_and_pairs() -> None:
    headers = MutableHeaders({"Content-Type": "text/plain"})
    assert headers.raw == [(b"content-type", b"text/plain")]
    headers = MutableHeaders([("X-A", "1"), ("x-a", "2")])
    assert headers.getlist("X-A") == ["1", "2"]
    headers["x-a"] = "3"
    assert headers.raw == [(b"x-a", b"3")]
    assert headers.setdefault("x-a", "9") == "3"
    assert headers.setdefault("x-b", "4") == "4"
    assert headers.pop("x-b") == "4"
    with pytest.raises(KeyError):
        del headers["nope"]
    headers.update({"X-C": "5"})
    assert headers["x-c"] == "5"


def test_mutable_headers_refuse_non_latin1_and_bad_names() -> None:
    headers = MutableHeaders()
    with pytest.raises(ValueError, match="latin-1"):
        headers["x"] = "snow ☃"
    with pytest.raises(ValueError, match="Invalid header name"):
        headers["x y"] = "1"
    with pytest.raises(ValueError, match="Invalid header name"):
        headers.append("x\r\ny", "1")
    with pytest.raises(ValueError):
        headers["x"] = "a\x00b"


def test_multidict() -> None:
    data = MultiDict([("a", 1), ("b", 2), ("a", 3)])
    assert data["a"] == 3
    assert data.getlist("a") == [1, 3]
    assert list(data) == ["a", "b"]
    assert len(data) == 2
    assert "b" in data
    assert data.get("z", 0) == 0
    assert data == MultiDict([("b", 2), ("a", 1), ("a", 3)])
    assert data != MultiDict([("a", 3), ("b", 2)])
    assert MultiDict({"x": 1}).multi_items() == [("x", 1)]


def test_query_params_construction_and_str() -> None:
    assert QueryParams("a=1&a=2").getlist("a") == ["1", "2"]
    params = QueryParams([("q", "a b&c"), ("x", "é")])
    assert str(params) == "q=a+b%26c&x=%C3%A9"
    assert QueryParams(str(params)) == params
    assert QueryParams({"k": "v"})["k"] == "v"
    assert QueryParams(b"") == QueryParams()


def test_url_parts_and_replace() -> None:
    url = URL("https://user:pw@example.com:8443/a/b?x=1&y=2#frag")
    assert (url.scheme, url.netloc, url.hostname, url.port) == (
        "https",
        "user:pw@example.com:8443",
        "example.com",
        8443,
    )
    assert (url.path, url.query, url.fragment) == ("/a/b", "x=1&y=2", "frag")
    assert url.is_secure
    assert (
        str(url.replace(scheme="http", port=None)) == "http://user:pw@example.com/a/b?x=1&y=2#frag"
    )
    assert (
        str(url.replace(hostname="other.org")) == "https://user:pw@other.org:8443/a/b?x=1&y=2#frag"
    )
    assert (
        str(url.replace(path="/c", query="", fragment="")) == "https://user:pw@example.com:8443/c"
    )
    assert url == "https://user:pw@example.com:8443/a/b?x=1&y=2#frag"
    assert hash(url) == hash(URL(str(url)))
    assert repr(URL("/x")) == "URL('/x')"


def test_url_include_query_params() -> None:
    url = URL("/search?q=old&page=1")
    assert str(url.include_query_params(q="new words", sort="date")) == (
        "/search?page=1&q=new+words&sort=date"
    )


def test_url_remove_query_params() -> None:
    url = URL("http://h/items?cursor=abc&limit=2&cursor=def&empty=")
    assert str(url.remove_query_params("cursor")) == "http://h/items?limit=2&empty="
    assert str(url.remove_query_params("cursor", "limit", "empty")) == "http://h/items"
    assert str(URL("/plain").remove_query_params("x")) == "/plain"


def test_state() -> None:
    state = State()
    state.user = "ann"
    assert state.user == "ann"
    assert "user" in state
    del state.user
    assert "user" not in state
    with pytest.raises(AttributeError):
        del state.user
    with pytest.raises(AttributeError, match="missing"):
        state.missing  # noqa: B018
    assert repr(State({"a": 1})) == "State({'a': 1})"


def test_http_exception_defaults_and_abort() -> None:
    exc = HTTPException(404)
    assert exc.status_code == 404
    assert exc.detail == "Not Found"
    assert exc.headers is None
    assert str(exc) == "404 Not Found"
    assert repr(exc) == "HTTPException(status_code=404, detail='Not Found')"
    with pytest.raises(HTTPException) as info:
        abort(403, {"reason": "nope"}, headers={"X-Why": "1"})
    assert info.value.status_code == 403
    assert info.value.detail == {"reason": "nope"}
    assert info.value.headers == {"X-Why": "1"}
    assert HTTPException(599).detail == ""


def test_status_constants_and_phrases() -> None:
    assert HTTP_404_NOT_FOUND == 404
    assert phrase(413) == "Request Entity Too Large"
    assert phrase(299) == ""


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("a=1;a=2", {"a": "1"}),
        (" spaced = value ;", {"spaced": "value"}),
        ('q="quoted \\"inner\\""', {"q": 'quoted "inner"'}),
        ('o="\\303\\251t\\303\\251"', {"o": "été"}),
        ("novalue; =x; ok=1", {"ok": "1"}),
        ("", {}),
    ],
)
def test_parse_cookie_header(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected
