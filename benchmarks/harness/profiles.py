"""Reads py-spy's collapsed stacks and cProfile stats into "where the time goes" Markdown.

By default py-spy samples without stopping the server (`--nonblocking`, Python frames only), so
time spent in C (syscalls, JSON encoding, the GC) lands on the Python function that caused it,
and the samples split the server's whole CPU time. With `--native`, py-spy must stop the
process for each sample, which over-represents time inside syscalls; those samples are then
set aside and the rest split only the *user-space* time, measured from the server's CPU
counters.
"""

from __future__ import annotations

import io
import pstats
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_LOOP_FILES = ("asyncio/", "uvloop/", "<frozen", "threading.py", "concurrent/")
_SYSCALLS = frozenset(
    ("read", "write", "writev", "readv", "send", "recv", "sendmsg", "recvmsg", "sendto",
     "recvfrom", "epoll_wait", "epoll_pwait", "epoll_ctl", "poll", "select", "__libc_read",
     "__libc_write", "__libc_send", "__libc_recv")
)  # fmt: skip
FRAMEWORK = "framework"
OWNERS = (
    FRAMEWORK,
    "app handlers",
    "server (Python side)",
    "event loop, HTTP parsing (C)",
    "garbage collector",
    "other Python (stdlib, libraries)",
)


_NO_FRAME = "(no Python frame: event loop C code) (<native>)"


def _file_of(frame: str) -> str:
    """`func (path/to/file.py:12)` -> `path/to/file.py`."""
    start = frame.rfind(" (")
    return frame[start + 2 :].rstrip(")").rsplit(":", 1)[0] if start >= 0 else ""


def _is_code(path: str) -> bool:
    return path.endswith((".py", ".pyx")) or path.startswith("<frozen")


def _owner(frame: str, framework: str, handler_file: str) -> str:
    path = _file_of(frame)
    if path.endswith(handler_file):
        return "app handlers"
    if path.startswith(f"{framework}/") or f"/{framework}/" in path:
        return FRAMEWORK
    if "uvicorn/" in path or "granian/" in path:
        return "server (Python side)"
    if path == "<native>" or "httptools" in path or any(m in path for m in _LOOP_FILES):
        return "event loop, HTTP parsing (C)"
    return "other Python (stdlib, libraries)"


def _leaf_owner(frames: list[str], framework: str, handler_file: str) -> str | None:
    """Who a sample's time is charged to; None for a syscall. Native code other than the GC
    is charged to the nearest Python (or Cython) frame above it."""
    leaf = frames[-1]
    if _is_code(_file_of(leaf)):
        return _owner(leaf, framework, handler_file)
    name = leaf.split(" (", 1)[0]
    if name in _SYSCALLS:
        return None
    if name.startswith(("gc_", "_PyGC", "collect")):
        return "garbage collector"
    for frame in reversed(frames[:-1]):
        if _is_code(_file_of(frame)):
            return _owner(frame, framework, handler_file)
    return "event loop, HTTP parsing (C)"


@dataclass(slots=True)
class StackProfile:
    """py-spy samples outside syscalls: per-function self/inclusive counts, per-owner counts."""

    user: int = 0  # samples not inside a syscall
    syscalls: int = 0
    self_counts: Counter[str] = field(default_factory=Counter)
    incl_counts: Counter[str] = field(default_factory=Counter)
    owners: Counter[str] = field(default_factory=Counter)


def read_collapsed(path: Path, framework: str, handler_file: str) -> StackProfile:
    """Parse py-spy `--format raw` output (one `f1;f2;...;fn count` line per distinct stack)."""
    prof = StackProfile()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # --subprocesses puts a `process PID:"argv"` frame at the root of every stack.
        frames = [f for f in stack.split(";") if not f.startswith("process ")] or [_NO_FRAME]
        owner = _leaf_owner(frames, framework, handler_file)
        if owner is None:
            prof.syscalls += count
            continue
        prof.user += count
        prof.owners[owner] += count
        prof.self_counts[frames[-1]] += count
        for frame in set(frames):
            prof.incl_counts[frame] += count
    return prof


@dataclass(slots=True)
class Measured:
    """One app on one endpoint: unprofiled throughput and CPU per request, and its samples."""

    app: str
    framework: str
    rps: float
    user_us: float  # user CPU microseconds per request
    sys_us: float  # system (kernel) CPU microseconds per request
    profile: StackProfile
    native: bool

    @property
    def base_us(self) -> float:
        """The CPU time per request that the samples split."""
        return self.user_us if self.native else self.user_us + self.sys_us


def render_summary(rows: list[Measured]) -> str:
    """A table with one column per app: req/s, CPU per request, and the user time by owner."""
    head = "| per request | " + " | ".join(m.app for m in rows) + " |"
    lines = [head, "|" + " --- |" + " ---: |" * len(rows)]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    row("req/s without the profiler", [f"{m.rps:,.0f}" for m in rows])
    row("server CPU, µs (user + kernel)", [f"{m.user_us + m.sys_us:.1f}" for m in rows])
    row("kernel: sockets, epoll (syscalls)", [f"{m.sys_us:.1f}" for m in rows])
    row("user space", [f"{m.user_us:.1f}" for m in rows])
    what = "user space" if rows and rows[0].native else "all CPU time, syscalls included"
    row(f"*sampled split of {what}:*", ["" for _ in rows])
    for owner in OWNERS:
        if not any(m.profile.owners.get(owner) for m in rows):
            continue
        values = []
        for m in rows:
            n = m.profile.owners.get(owner, 0)
            share = n / m.profile.user if m.profile.user else 0.0
            values.append("—" if m.framework == "" and owner == FRAMEWORK else
                          f"{share * m.base_us:.1f} ({share:.0%})")  # fmt: skip
        row("the framework" if owner == FRAMEWORK else owner, values)
    return "\n".join(lines)


def render_functions(m: Measured, top: int) -> str:
    """Top functions by self time (user-space samples), then the framework's own by inclusive."""
    p = m.profile
    total = p.user or 1
    skipped = f"; {p.syscalls} more were inside syscalls" if m.native else ""
    lines = [
        f"**{m.app}**: top {top} functions by self time ({p.user} samples{skipped}):",
        "",
        "| function | self | inclusive |",
        "| --- | ---: | ---: |",
    ]
    for frame, n in p.self_counts.most_common(top):
        lines.append(f"| `{frame}` | {n / total:.1%} | {p.incl_counts[frame] / total:.1%} |")
    if m.framework:
        own = [
            (f, n)
            for f, n in p.incl_counts.most_common()
            if _owner(f, m.framework, "") == FRAMEWORK
        ]
        if own:
            lines += ["", f"{m.framework}'s own functions by inclusive time:", "",
                      "| function | inclusive | self |", "| --- | ---: | ---: |"]  # fmt: skip
            for frame, n in own[:top]:
                lines.append(
                    f"| `{frame}` | {n / total:.1%} | {p.self_counts[frame] / total:.1%} |"
                )
    return "\n".join(lines)


def render_cprofile(stats_file: Path, top: int) -> str:
    """Markdown code block with cProfile's top functions by own time and by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=out)
    stats.strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    body = "\n".join(ln for ln in out.getvalue().splitlines() if ln.strip())
    return "```\n" + body + "\n```"
