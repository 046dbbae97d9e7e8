"""Collect what the debug page shows about an exception: its chain, frames, source, locals."""

from __future__ import annotations

import linecache
import sysconfig
import traceback
from dataclasses import dataclass, field
from types import FrameType, TracebackType

from heron.debug.safe import safe_repr

__all__ = ["ExceptionView", "FrameView", "exception_chain", "format_traceback_text"]

CONTEXT_LINES = 5
MAX_LOCALS = 40
MAX_CHAIN = 10

_LIBRARY_DIRS = tuple(
    {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)


@dataclass(slots=True)
class FrameView:
    """One traceback frame: where it is, its source around the line, its locals."""

    filename: str
    lineno: int
    function: str
    source: list[tuple[int, str, bool]] = field(default_factory=list)
    locals: list[tuple[str, str]] = field(default_factory=list)
    hidden_locals: int = 0
    library: bool = False


@dataclass(slots=True)
class ExceptionView:
    """One exception of the chain, with the sentence linking it to the next one."""

    type_name: str
    message: str
    frames: list[FrameView]
    link: str = ""


def format_traceback_text(exc: BaseException) -> str:
    """The plain-text traceback Python would print, chained exceptions included."""
    return "".join(traceback.format_exception(exc))


def _qualified_name(exc: BaseException) -> str:
    cls = type(exc)
    module = cls.__module__
    if module in ("builtins", "__main__"):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return safe_repr(exc)


def _source(frame: FrameType, filename: str, lineno: int) -> list[tuple[int, str, bool]]:
    lines = linecache.getlines(filename, frame.f_globals)
    first = max(lineno - CONTEXT_LINES, 1)
    last = min(lineno + CONTEXT_LINES, len(lines))
    return [(n, lines[n - 1].rstrip("\n"), n == lineno) for n in range(first, last + 1)]


def _frame_view(frame: FrameType, lineno: int) -> FrameView:
    code = frame.f_code
    filename = code.co_filename
    # A module-level frame's locals are its globals: noise, not clues.
    module_level = frame.f_locals is frame.f_globals
    items = [] if module_level else list(frame.f_locals.items())
    return FrameView(
        filename=filename,
        lineno=lineno,
        function=code.co_qualname,
        source=_source(frame, filename, lineno),
        locals=[(str(name), safe_repr(value)) for name, value in items[:MAX_LOCALS]],
        hidden_locals=max(len(items) - MAX_LOCALS, 0),
        library=filename.startswith(_LIBRARY_DIRS),
    )


def _frames(tb: TracebackType | None) -> list[FrameView]:
    return [_frame_view(frame, lineno) for frame, lineno in traceback.walk_tb(tb)]


def exception_chain(exc: BaseException) -> list[ExceptionView]:
    """The exceptions leading to ``exc``, oldest first, as Python prints them."""
    chain: list[ExceptionView] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen and len(chain) < MAX_CHAIN:
        seen.add(id(current))
        view = ExceptionView(
            _qualified_name(current), _message(current), _frames(current.__traceback__), link
        )
        chain.append(view)
        if current.__cause__ is not None:
            link, current = "The above exception was the direct cause of:", current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            link, current = (
                "During handling of the above exception, another occurred:",
                (current.__context__),
            )
        else:
            current = None
    chain.reverse()
    # Each sentence introduces the exception after it in reading order.
    links = [view.link for view in chain]
    for view, text in zip(chain, ["", *links[:-1]], strict=True):
        view.link = text
    return chain
