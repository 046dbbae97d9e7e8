"""GZipMiddleware: negotiation, what is and is not compressed, streaming, validation."""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Any

import httpx
import pytest

from heron.middleware import GZipMiddleware

BIG = b"Heron compresses this line nicely. " * 100  # 3,500 bytes, very compressible


def hdr(messages: list[dict[str, Any]], name: bytes) -> list[bytes]:
    return [v for k, v in messages[0]["headers"] if k.lower() == name]


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.mark.anyio
async def test_large_body_is_compressed_for_gzip_clients(make_app: Any) -> None:
    app = GZipMiddleware(make_app(BIG))
    async with client(app) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.content == BIG  # httpx decodes gzip
    assert int(response.headers["content-length"]) < len(BIG)


@pytest.mark.anyio
async def test_content_length_matches_compressed_body(drive: Any, make_app: Any) -> None:
    app = GZipMiddleware(make_app(BIG))
    messages = await drive(app, headers=[("accept-encoding", "gzip, deflate")])
    body = messages[1]["body"]
    assert hdr(messages, b"content-length") == [str(len(body)).encode()]
    assert gzip.decompress(body) == BIG
    assert len(messages) == 2


@pytest.mark.anyio
async def test_small_body_is_not_compressed(drive: Any, make_app: Any) -> None:
    app = GZipMiddleware(make_app(b"tiny"))
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"content-encoding") == []
    assert messages[1]["body"] == b"tiny"
    assert hdr(messages, b"content-length") == [b"4"]


@pytest.mark.anyio
async def test_minimum_size_is_configurable(drive: Any, make_app: Any) -> None:
    body = b"a" * 100
    messages = await drive(
        GZipMiddleware(make_app(body), minimum_size=50), headers=[("accept-encoding", "gzip")]
    )
    assert hdr(messages, b"content-encoding") == [b"gzip"]
    messages = await drive(
        GZipMiddleware(make_app(body), minimum_size=101), headers=[("accept-encoding", "gzip")]
    )
    assert hdr(messages, b"content-encoding") == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("accept", "compressed"),
    [
        (None, False),
        ("identity", False),
        ("br", False),
        ("gzip", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("br, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, br", False),
        ("*", True),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=bogus", False),
    ],
)
async def test_accept_encoding_negotiation(
    drive: Any, make_app: Any, accept: str | None, compressed: bool
) -> None:
    headers = [] if accept is None else [("accept-encoding", accept)]
    messages = await drive(GZipMiddleware(make_app(BIG)), headers=headers)
    assert (hdr(messages, b"content-encoding") == [b"gzip"]) is compressed


@pytest.mark.anyio
async def test_head_is_not_compressed(make_app: Any) -> None:
    app = GZipMiddleware(make_app(BIG))
    async with client(app) as c:
        response = await c.head("/", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(BIG))


@pytest.mark.anyio
@pytest.mark.parametrize("status", [204, 304])
async def test_bodiless_statuses_are_untouched(drive: Any, make_app: Any, status: int) -> None:
    app = GZipMiddleware(make_app(b"", status=status, content_length=False), minimum_size=0)
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert messages[0]["status"] == status
    assert hdr(messages, b"content-encoding") == []
    assert hdr(messages, b"vary") == []
    assert messages[1]["body"] == b""


@pytest.mark.anyio
async def test_304_with_headers_is_untouched_over_http(make_app: Any) -> None:
    app = GZipMiddleware(make_app(b"", status=304, headers=[(b"etag", b'"v1"')]))
    async with client(app) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 304
    assert "content-encoding" not in response.headers
    assert response.headers["etag"] == '"v1"'


@pytest.mark.anyio
async def test_already_encoded_response_is_untouched(drive: Any, make_app: Any) -> None:
    encoded = gzip.compress(BIG)
    app = GZipMiddleware(make_app(encoded, headers=[(b"Content-Encoding", b"gzip")]))
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert messages[1]["body"] == encoded  # not compressed twice
    assert hdr(messages, b"content-encoding") == [b"gzip"]


@pytest.mark.anyio
async def test_server_sent_events_pass_through_untouched(drive: Any, make_app: Any) -> None:
    chunks = [b"data: one\n\n", b"data: two\n\n" * 100, b""]
    app = GZipMiddleware(
        make_app(chunks, headers=[(b"content-type", b"text/event-stream; charset=utf-8")]),
        minimum_size=0,
    )
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"content-encoding") == []
    assert [m["body"] for m in messages[1:]] == chunks
    assert [m["more_body"] for m in messages[1:]] == [True, True, False]


@pytest.mark.anyio
async def test_streamed_body_is_compressed_incrementally(drive: Any, make_app: Any) -> None:
    chunks = [b"first chunk " * 10, b"second chunk " * 10, b"last"]
    app = GZipMiddleware(make_app(chunks), minimum_size=10_000)  # size limit: single bodies only
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"content-encoding") == [b"gzip"]
    assert hdr(messages, b"content-length") == []
    assert hdr(messages, b"vary") == [b"Accept-Encoding"]
    bodies = messages[1:]
    assert [m.get("more_body", False) for m in bodies] == [True, True, False]
    # Every chunk is flushed: what arrived so far decompresses to what was sent so far.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert inflater.decompress(bodies[0]["body"]) == chunks[0]
    assert inflater.decompress(bodies[1]["body"]) == chunks[1]
    assert inflater.decompress(bodies[2]["body"]) + inflater.flush() == chunks[2]
    assert inflater.eof


@pytest.mark.anyio
async def test_streamed_body_over_httpx(make_app: Any) -> None:
    chunks = [b"x" * 1000, b"y" * 1000]
    async with client(GZipMiddleware(make_app(chunks))) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == b"".join(chunks)


@pytest.mark.anyio
async def test_existing_vary_is_extended(drive: Any, make_app: Any) -> None:
    app = GZipMiddleware(make_app(BIG, headers=[(b"vary", b"Cookie")]))
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"vary") == [b"Cookie, Accept-Encoding"]


@pytest.mark.anyio
async def test_strong_etag_is_weakened(drive: Any, make_app: Any) -> None:
    app = GZipMiddleware(make_app(BIG, headers=[(b"etag", b'"abc"')]))
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"etag") == [b'W/"abc"']


@pytest.mark.anyio
async def test_incompressible_body_is_sent_as_is(drive: Any, make_app: Any) -> None:
    noise = os.urandom(4000)
    messages = await drive(GZipMiddleware(make_app(noise)), headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"content-encoding") == []
    assert messages[1]["body"] == noise


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-range", b"bytes 0-3499/9000")],
        [(b"cache-control", b"public, no-transform")],
    ],
)
async def test_ranges_and_no_transform_are_not_compressed(
    drive: Any, make_app: Any, headers: list[tuple[bytes, bytes]]
) -> None:
    status = 206 if headers[0][0] == b"content-range" else 200
    app = GZipMiddleware(make_app(BIG, status=status, headers=headers))
    messages = await drive(app, headers=[("accept-encoding", "gzip")])
    assert hdr(messages, b"content-encoding") == []
    assert messages[1]["body"] == BIG


@pytest.mark.anyio
async def test_prebuilt_header_list_is_not_mutated(drive: Any) -> None:
    shared = [(b"content-type", b"text/plain"), (b"content-length", str(len(BIG)).encode())]
    original = list(shared)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": shared})
        await send({"type": "http.response.body", "body": BIG})

    for _ in range(2):
        messages = await drive(GZipMiddleware(app), headers=[("accept-encoding", "gzip")])
        assert hdr(messages, b"content-encoding") == [b"gzip"]
    assert shared == original


@pytest.mark.anyio
async def test_non_body_message_after_start_flushes_start(drive: Any) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.pathsend", "path": "/tmp/x"})

    messages = await drive(GZipMiddleware(app), headers=[("accept-encoding", "gzip")])
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.pathsend"]
    assert messages[0]["headers"] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"minimum_size": -1}, "minimum_size"),
        ({"minimum_size": "500"}, "minimum_size"),
        ({"compresslevel": 0}, "compresslevel"),
        ({"compresslevel": 10}, "compresslevel"),
        ({"compresslevel": True}, "compresslevel"),
    ],
)
def test_invalid_options_are_refused(make_app: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GZipMiddleware(make_app(), **options)
