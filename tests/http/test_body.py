"""Request bodies: body(), stream(), json(), size limits and disconnects."""

from __future__ import annotations

import pytest

from heron.http import ClientDisconnect, HTTPException, Request
from tests.http.asgi import Receiver, make_scope

pytestmark = pytest.mark.anyio


def _request(
    chunks: list[bytes], headers: list[tuple[str, str]] | None = None, **kwargs: object
) -> tuple[Request, Receiver]:
    receive = Receiver(chunks, **kwargs)  # type: ignore[arg-type]
    return Request(make_scope("POST", headers=headers or []), receive), receive


async def test_body_joins_chunks_and_caches() -> None:
    request, receive = _request([b"hel", b"", b"lo"])
    assert await request.body() == b"hello"
    assert receive.calls == 3
    assert await request.body() == b"hello"
    assert receive.calls == 3


async def test_empty_body_with_default_receive() -> None:
    assert await Request(make_scope()).body() == b""


async def test_stream_yields_chunks_as_they_arrive() -> None:
    request, receive = _request([b"a", b"b", b"c"])
    seen = []
    async for chunk in request.stream():
        seen.append((chunk, receive.calls))
    assert seen == [(b"a", 1), (b"b", 2), (b"c", 3)]


async def test_stream_after_body_replays_cached_body() -> None:
    request, _ = _request([b"abc"])
    await request.body()
    assert [chunk async for chunk in request.stream()] == [b"abc"]


async def test_body_after_stream_is_an_error() -> None:
    request, _ = _request([b"abc"])
    assert [chunk async for chunk in request.stream()] == [b"abc"]
    with pytest.raises(RuntimeError, match="already been consumed"):
        await request.body()


async def test_json() -> None:
    request, _ = _request([b'{"a": [1, 2', b"]}"])
    assert await request.json() == {"a": [1, 2]}
    assert await request.json() == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            b'{"a": 1,\n  "b": }',
            "Invalid JSON: unexpected character, expected a JSON value at line 2 column 8",
        ),
        (b"", "Invalid JSON: Input is a zero-length, empty document at line 1 column 1"),
        (b"[1, 2", "Invalid JSON: unexpected end of data at line 1 column 6"),
        (
            b'"\xff"',
            "Invalid JSON: str is not valid UTF-8: surrogates not allowed at line 1 column 1",
        ),
    ],
)
async def test_malformed_json_is_400_with_position(body: bytes, detail: str) -> None:
    request, _ = _request([body])
    with pytest.raises(HTTPException) as info:
        await request.json()
    assert info.value.status_code == 400
    assert info.value.detail.startswith("Invalid JSON: ")
    assert info.value.detail == detail


async def test_declared_content_length_over_limit_is_413_before_reading() -> None:
    request, receive = _request([b"x" * 10], headers=[("content-length", "100")])
    request.max_body_size = 50
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 413
    assert receive.calls == 0


async def test_streamed_body_over_limit_is_413_without_reading_it_all() -> None:
    # No Content-Length (chunked upload): counted while reading.
    request, receive = _request([b"x" * 40] * 10)
    request.max_body_size = 100
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 413
    assert info.value.detail == "Request body exceeds 100 bytes"
    assert receive.calls == 3


async def test_lying_content_length_is_still_counted() -> None:
    request, receive = _request([b"x" * 40] * 10, headers=[("content-length", "10")])
    request.max_body_size = 100
    with pytest.raises(HTTPException) as info:
        await request.json()
    assert info.value.status_code == 413
    assert receive.calls == 3


async def test_stream_over_limit_is_413() -> None:
    request, receive = _request([b"x" * 40] * 10)
    request.max_body_size = 100
    got = []
    with pytest.raises(HTTPException) as info:
        async for chunk in request.stream():
            got.append(chunk)
    assert info.value.status_code == 413
    assert len(got) == 2
    assert receive.calls == 3


async def test_limit_given_to_constructor() -> None:
    receive = Receiver([b"x" * 11])
    request = Request(make_scope("POST"), receive, max_body_size=10)
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 413


async def test_body_exactly_at_limit_is_fine() -> None:
    request, _ = _request([b"x" * 10], headers=[("content-length", "10")])
    request.max_body_size = 10
    assert await request.body() == b"x" * 10


@pytest.mark.parametrize("value", ["abc", "-1", "+5", "1_0", ""])
async def test_invalid_content_length_is_400(value: str) -> None:
    request, _ = _request([b"x"], headers=[("content-length", value)])
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 400


async def test_disconnect_while_reading_raises_client_disconnect() -> None:
    request, _ = _request([b"partial"], complete=False, disconnect=True)
    with pytest.raises(ClientDisconnect):
        await request.body()


async def test_disconnect_while_streaming_raises_client_disconnect() -> None:
    request, _ = _request([b"partial"], complete=False, disconnect=True)
    with pytest.raises(ClientDisconnect):
        async for _ in request.stream():
            pass
