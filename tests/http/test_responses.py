"""Responses: messages sent, headers, media types, redirects, cookies and JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from enum import Enum

import pydantic
import pytest

from heron.http import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    redirect,
)
from tests.http.asgi import make_scope, run

pytestmark = pytest.mark.anyio


async def test_response_sends_exactly_two_messages() -> None:
    sent = await run(Response(b"hello", headers={"X-Thing": "1"}))
    assert len(sent.messages) == 2
    assert sent.start == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"x-thing", b"1"), (b"content-length", b"5")],
    }
    assert sent.messages[1] == {"type": "http.response.body", "body": b"hello"}


async def test_text_html_and_plain_media_types() -> None:
    html = await run(HTMLResponse("<p>é</p>", status_code=201))
    assert html.status == 201
    assert html.header(b"content-type") == [b"text/html; charset=utf-8"]
    assert html.header(b"content-length") == [b"9"]
    assert html.body == "<p>é</p>".encode()
    text = await run(PlainTextResponse("hi"))
    assert text.header(b"content-type") == [b"text/plain; charset=utf-8"]
    plain = await run(Response("x"))
    assert plain.header(b"content-type") == []


async def test_custom_media_type_and_explicit_content_type_header() -> None:
    csv = await run(Response("a,b", media_type="text/csv"))
    assert csv.header(b"content-type") == [b"text/csv; charset=utf-8"]
    binary = await run(Response(b"\x00", media_type="application/octet-stream"))
    assert binary.header(b"content-type") == [b"application/octet-stream"]
    given = await run(HTMLResponse("x", headers={"Content-Type": "text/x-custom"}))
    assert given.header(b"content-type") == [b"text/x-custom"]


async def test_head_sends_headers_but_no_body() -> None:
    sent = await run(HTMLResponse("<p>hello</p>"), make_scope("HEAD"))
    assert sent.header(b"content-length") == [b"12"]
    assert sent.body == b""
    assert len(sent.messages) == 2


@pytest.mark.parametrize("status", [204, 304, 101])
async def test_no_content_length_for_bodyless_statuses(status: int) -> None:
    sent = await run(Response(status_code=status))
    assert sent.header(b"content-length") == []
    assert sent.status == status


def test_headers_view_edits_raw_headers() -> None:
    response = Response(b"x", headers=[("X-A", "1"), ("X-A", "2")])
    assert response.headers.getlist("x-a") == ["1", "2"]
    response.headers["X-A"] = "3"
    response.headers.append("Vary", "Accept")
    response.headers.add_vary_header("Cookie")
    response.headers.add_vary_header("accept")
    assert response.raw_headers == [
        (b"x-a", b"3"),
        (b"content-length", b"1"),
        (b"vary", b"Accept, Cookie"),
    ]
    del response.headers["vary"]
    assert "vary" not in response.headers


def test_body_assignment_updates_content_length() -> None:
    response = HTMLResponse("short")
    response.body = b"a much longer body"
    assert response.headers["content-length"] == "18"
    assert response.body == b"a much longer body"


def test_bad_content_type_raises() -> None:
    with pytest.raises(TypeError, match="must be str or bytes"):
        Response(123)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Evil": "a\r\nSet-Cookie: x=1"},
        {"X-Evil": "a\nb"},
        {"X-Evil": "a\rb"},
        {"Bad Name": "x"},
        {"X-Bad:": "x"},
    ],
)
def test_header_injection_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Response("x", headers=headers)


def test_mutable_headers_refuse_crlf() -> None:
    response = Response("x")
    with pytest.raises(ValueError, match="CR, LF"):
        response.headers["X-A"] = "1\r\n2"
    with pytest.raises(ValueError):
        response.headers.append("X-A", "1\n2")
    with pytest.raises(ValueError):
        response.headers.setdefault("X-A", "\r")
    with pytest.raises(ValueError):
        Response("x", media_type="text/html\r\nX: y")


def test_subclass_with_media_type_class_attribute() -> None:
    class CSVResponse(Response):
        media_type = "text/csv"

    response = CSVResponse("a,b")
    assert response.media_type == "text/csv"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert CSVResponse("x", media_type="text/tab-separated-values").media_type == (
        "text/tab-separated-values"
    )


async def test_redirect_response() -> None:
    sent = await run(RedirectResponse("/login?next=/a b&x=é#top"))
    assert sent.status == 302
    assert sent.header(b"location") == [b"/login?next=/a%20b&x=%C3%A9#top"]
    assert sent.body == b""
    permanent = redirect("https://example.com/x%20y", 301)
    assert isinstance(permanent, RedirectResponse)
    assert permanent.status_code == 301
    assert permanent.headers["location"] == "https://example.com/x%20y"


@pytest.mark.parametrize("url", ["/a\r\nSet-Cookie: x=1", "/a\nb", "/a\rb"])
def test_redirect_refuses_crlf(url: str) -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        RedirectResponse(url)
    with pytest.raises(ValueError):
        redirect(url)


async def test_set_cookie_secure_defaults_over_http_and_https() -> None:
    response = Response("x")
    response.set_cookie("sid", "abc123")
    cookie_http = (await run(response, make_scope(scheme="http"))).header(b"set-cookie")
    assert cookie_http == [b"sid=abc123; Path=/; HttpOnly; SameSite=Lax"]
    cookie_https = (await run(response, make_scope(scheme="https"))).header(b"set-cookie")
    assert cookie_https == [b"sid=abc123; Path=/; HttpOnly; SameSite=Lax; Secure"]
    # Deciding at send time does not change the response itself.
    assert response.headers["set-cookie"] == "sid=abc123; Path=/; HttpOnly; SameSite=Lax"


async def test_set_cookie_explicit_flags() -> None:
    response = Response("x")
    response.set_cookie(
        "pref",
        "dark",
        max_age=dt.timedelta(hours=1),
        expires=dt.datetime(2030, 1, 2, 3, 4, 5),
        path="/app",
        domain="example.com",
        secure=False,
        httponly=False,
        samesite="strict",
    )
    response.set_cookie("always", "1", secure=True, samesite=None)
    response.set_cookie("cross", "1", samesite="none")
    sent = await run(response, make_scope(scheme="http"))
    assert sent.header(b"set-cookie") == [
        b"pref=dark; Max-Age=3600; Expires=Wed, 02 Jan 2030 03:04:05 GMT; "
        b"Domain=example.com; Path=/app; SameSite=Strict",
        b"always=1; Path=/; Secure; HttpOnly",
        b"cross=1; Path=/; Secure; HttpOnly; SameSite=None",
    ]
    https = await run(response, make_scope(scheme="https"))
    assert https.header(b"set-cookie") == sent.header(b"set-cookie")


async def test_delete_cookie() -> None:
    response = Response()
    response.delete_cookie("sid", path="/app")
    sent = await run(response)
    assert sent.header(b"set-cookie") == [
        b"sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/app; HttpOnly; SameSite=Lax"
    ]


def test_cookie_value_needing_quotes_round_trips() -> None:
    from heron.http.cookies import parse_cookie_header

    response = Response()
    response.set_cookie("name", 'Zoë "Z"; x,y')
    pair = response.headers["set-cookie"].split("; Path=")[0]
    assert pair == 'name="Zo\\303\\253 \\"Z\\"\\073 x\\054y"'
    assert parse_cookie_header(pair) == {"name": 'Zoë "Z"; x,y'}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "bad name", "value": "x"},
        {"key": "a;b", "value": "x"},
        {"key": "sid", "value": "x\r\nSet-Cookie: y=1"},
        {"key": "sid", "value": "x\ny"},
        {"key": "sid", "value": "x", "path": "/\r\nX: 1"},
        {"key": "sid", "value": "x", "path": "/;Secure"},
        {"key": "sid", "value": "x", "domain": "a.com\nX: 1"},
        {"key": "sid", "value": "x", "expires": "Thu\r\n"},
        {"key": "sid", "value": "x", "samesite": "sometimes"},
    ],
)
def test_cookie_injection_is_refused(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie(**kwargs)  # type: ignore[arg-type]


class Colour(Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: Decimal


class Item(pydantic.BaseModel):
    name: str
    price: Decimal
    when: dt.date


async def test_json_response_serialises_common_types() -> None:
    data = {
        "when": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
        "day": dt.date(2024, 5, 6),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "price": Decimal("19.90"),
        "point": Point(1, Decimal("2.5")),
        "item": Item(name="pen", price=Decimal("1.20"), when=dt.date(2024, 1, 1)),
        "tags": {"a"},
        "colour": Colour.RED,
        1: "int key",
    }
    sent = await run(JSONResponse(data, status_code=201))
    assert sent.status == 201
    assert sent.header(b"content-type") == [b"application/json"]
    assert sent.body == (
        b'{"when":"2024-05-06T07:08:09+00:00","day":"2024-05-06",'
        b'"id":"12345678-1234-5678-1234-567812345678","price":"19.90",'
        b'"point":{"x":1,"y":"2.5"},"item":{"name":"pen","price":"1.20","when":"2024-01-01"},'
        b'"tags":["a"],"colour":"red","1":"int key"}'
    )
    assert sent.header(b"content-length") == [str(len(sent.body)).encode()]


async def test_json_response_top_level_model_and_list() -> None:
    assert (await run(JSONResponse([1, "a", None]))).body == b'[1,"a",null]'
    model = Item(name="x", price=Decimal(1), when=dt.date(2020, 2, 2))
    assert (await run(JSONResponse(model))).body == b'{"name":"x","price":"1","when":"2020-02-02"}'


def test_json_response_refuses_unknown_types() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        JSONResponse({"x": object()})


def test_repr() -> None:
    assert repr(HTMLResponse("x", 404)) == "<HTMLResponse 404 text/html>"
