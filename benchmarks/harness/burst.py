"""A burst of concurrent one-shot requests, as TechEmpower's `siege -c 512 -r 1` sends them.

Used by the query-count check: every request must succeed, and the database's counters
are compared with what that many requests must have asked for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from harness.cells import HOST


@dataclass(slots=True)
class BurstResult:
    """How many requests got a 200, and what went wrong with the others."""

    ok: int = 0
    failures: list[str] = field(default_factory=list)


async def _one(port: int, request: bytes, timeout: float) -> str | None:
    """Send one request on a new connection; None when the answer is a 200, else why not."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    except (OSError, TimeoutError) as exc:
        return f"connect: {exc!r}"
    try:
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)  # to EOF: Connection: close
    except (OSError, TimeoutError) as exc:
        return f"read: {exc!r}"
    finally:
        writer.close()
    status = data.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"200":
        return f"status line {data[:40]!r}"
    return None


async def _burst(port: int, path: str, accept: str, count: int, timeout: float) -> BurstResult:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: {accept}\r\n"
        "User-Agent: heron-bench\r\nConnection: close\r\n\r\n"
    ).encode()
    outcomes = await asyncio.gather(*(_one(port, request, timeout) for _ in range(count)))
    result = BurstResult()
    for outcome in outcomes:
        if outcome is None:
            result.ok += 1
        else:
            result.failures.append(outcome)
    return result


def burst(
    port: int, path: str, accept: str, count: int = 512, timeout: float = 20.0
) -> BurstResult:
    """`count` requests for `path`, all started at once, each on its own connection."""
    return asyncio.run(_burst(port, path, accept, count, timeout))
