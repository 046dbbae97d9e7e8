"""StreamingResponse: sync and async iterables, HEAD, disconnects and errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from heron.http import StreamingResponse
from heron.http.concurrency import iterate_in_threadpool
from tests.http.asgi import Receiver, make_scope, run

pytestmark = pytest.mark.anyio


async def test_async_iterable_streams_each_chunk() -> None:
    async def numbers() -> AsyncIterator[str | bytes]:
        yield "one,"
        yield b"two,"
        yield "trois é"

    sent = await run(StreamingResponse(numbers(), media_type="text/csv"))
    assert sent.status == 200
    assert sent.header(b"content-type") == [b"text/csv; charset=utf-8"]
    assert sent.header(b"content-length") == []
    assert [m["body"] for m in sent.messages[1:]] == [b"one,", b"two,", "trois é".encode(), b""]
    assert [m["more_body"] for m in sent.messages[1:]] == [True, True, True, False]


async def test_sync_iterable_runs_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def chunks() -> Iterator[bytes]:
        for part in (b"a", b"b"):
            threads.append(threading.get_ident())
            yield part

    sent = await run(StreamingResponse(chunks()))
    assert sent.body == b"ab"
    assert threads and all(t != loop_thread for t in threads)


async def test_blocking_sync_iterator_does_not_block_the_loop() -> None:
    released = threading.Event()

    def waits_for_the_loop() -> Iterator[bytes]:
        # Only an event-loop task can set this; a blocked loop would time out.
        assert released.wait(timeout=5)
        yield b"done"

    async def release_soon() -> None:
        await asyncio.sleep(0)
        released.set()

    helper = asyncio.ensure_future(release_soon())
    sent = await run(StreamingResponse(waits_for_the_loop()))
    await helper
    assert sent.body == b"done"


async def test_plain_list_is_accepted() -> None:
    sent = await run(StreamingResponse([b"x", "y"], headers={"X-A": "1"}))
    assert sent.body == b"xy"
    assert sent.header(b"x-a") == [b"1"]


async def test_head_sends_no_body_and_closes_the_iterator() -> None:
    state = {"started": False, "closed": False}

    async def gen() -> AsyncIterator[bytes]:
        state["started"] = True
        try:
            yield b"never"
        finally:
            state["closed"] = True

    iterator = gen()
    sent = await run(StreamingResponse(iterator), make_scope("HEAD"))
    assert sent.body == b""
    assert len(sent.messages) == 2
    assert state["started"] is False
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()


async def test_client_disconnect_stops_an_endless_async_stream() -> None:
    closed = asyncio.Event()

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick"
                await asyncio.sleep(0.001)
        finally:
            closed.set()

    receive = Receiver([], complete=False, disconnect=True)
    sent = await run(StreamingResponse(forever()), receive=receive)
    assert closed.is_set()
    assert sent.messages[-1].get("more_body") is not False


async def test_client_disconnect_closes_an_endless_sync_generator() -> None:
    closed = threading.Event()

    def forever() -> Iterator[bytes]:
        try:
            while True:
                yield b"tick"
        finally:
            closed.set()

    receive = Receiver([], complete=False, disconnect=True)
    await run(StreamingResponse(forever()), receive=receive)
    assert await asyncio.to_thread(closed.wait, 5)


async def test_iterator_errors_propagate() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"ok"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await run(StreamingResponse(broken()))


async def test_iterate_in_threadpool_closes_when_abandoned() -> None:
    closed = threading.Event()

    def gen() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            closed.set()

    iterator = iterate_in_threadpool(gen())
    assert await iterator.__anext__() == 0
    await iterator.aclose()  # type: ignore[attr-defined]
    assert closed.is_set()
