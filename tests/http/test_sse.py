"""Server-sent events: framing, validation, headers and keep-alive pings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from heron.http import EventSourceResponse, ServerSentEvent
from tests.http.asgi import make_scope, run


def test_event_framing() -> None:
    event = ServerSentEvent("hello", event="greeting", id=7, retry=3000)
    assert event.encode() == b"id: 7\nevent: greeting\nretry: 3000\ndata: hello\n\n"


@pytest.mark.parametrize("data", ["line one\nline two\r\nline three\rfour", b"line one\nline two"])
def test_multi_line_data_becomes_several_data_lines(data: str | bytes) -> None:
    encoded = ServerSentEvent(data).encode()
    assert encoded.startswith(b"data: line one\ndata: line two\n")
    assert encoded.endswith(b"\n\n")
    assert b"\r" not in encoded


def test_non_string_data_is_json() -> None:
    assert ServerSentEvent({"a": [1, 2]}).encode() == b'data: {"a":[1,2]}\n\n'


def test_comment_and_empty_data() -> None:
    assert ServerSentEvent(comment="hi\nthere").encode() == b": hi\n: there\n\n"
    assert ServerSentEvent("").encode() == b"data: \n\n"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"event": "a\nb"},
        {"event": "a\rb"},
        {"id": "1\r\n2"},
        {"id": "a\x00"},
        {"retry": -1},
        {"retry": "10"},
    ],
)
def test_invalid_fields_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ServerSentEvent("x", **kwargs)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_event_source_response_streams_events() -> None:
    async def events() -> AsyncIterator[object]:
        yield ServerSentEvent("first", event="start", id="1")
        yield "two\nlines"
        yield {"n": 3}

    sent = await run(EventSourceResponse(events()))
    assert sent.header(b"content-type") == [b"text/event-stream; charset=utf-8"]
    assert sent.header(b"cache-control") == [b"no-cache"]
    assert sent.header(b"x-accel-buffering") == [b"no"]
    assert sent.header(b"content-length") == []
    assert sent.body == (
        b'id: 1\nevent: start\ndata: first\n\ndata: two\ndata: lines\n\ndata: {"n":3}\n\n'
    )


@pytest.mark.anyio
async def test_sync_events_and_user_cache_control() -> None:
    def events() -> Iterator[str]:
        yield "a"

    response = EventSourceResponse(events(), headers={"Cache-Control": "no-store"})
    sent = await run(response)
    assert sent.header(b"cache-control") == [b"no-store"]
    assert sent.body == b"data: a\n\n"


@pytest.mark.anyio
async def test_pings_are_sent_while_idle() -> None:
    async def slow() -> AsyncIterator[str]:
        await asyncio.sleep(0.2)
        yield "late"

    sent = await run(EventSourceResponse(slow(), ping=0.02))
    bodies = [m["body"] for m in sent.messages[1:]]
    assert b": ping\n\n" in bodies
    assert bodies.index(b": ping\n\n") < bodies.index(b"data: late\n\n")
    assert bodies[-1] == b""


@pytest.mark.anyio
async def test_head_sends_no_events() -> None:
    sent = await run(EventSourceResponse(iter(["a"])), make_scope("HEAD"))
    assert sent.body == b""
