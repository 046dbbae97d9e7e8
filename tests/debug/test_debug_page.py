"""The debug page: exception chain, frames, locals, request details, escaping, redaction."""

from __future__ import annotations

import re
import traceback
from typing import Any

import pytest

from heron.debug import format_traceback_text, render_debug_page
from heron.http import FormData, Request

HOSTILE = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


def make_request(
    path: str = "/orders/7",
    query: bytes = b"page=2",
    headers: list[tuple[str, str]] | None = None,
    method: str = "POST",
) -> Request:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers or []]
    scope = {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *raw],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }
    return Request(scope)


def caught(func: Any, *args: Any) -> BaseException:
    try:
        func(*args)
    except BaseException as exc:
        return exc
    raise AssertionError("no exception")  # pragma: no cover


def divide(total: int, count: int) -> float:
    label = "average"  # noqa: F841 - shown as a local on the page
    return total / count


def test_page_shows_exception_frames_source_and_locals() -> None:
    exc = caught(divide, 10, 0)
    page = render_debug_page(exc, make_request())
    assert page.startswith("<!doctype html>")
    assert "<title>ZeroDivisionError · Heron debug</title>" in page
    assert "division by zero" in page
    assert "test_debug_page.py" in page
    assert "divide" in page
    current = re.findall(r'<span class="current"><span class="no">\d+</span>([^<]*)</span>', page)
    assert [line.strip() for line in current] == ["func(*args)", "return total / count"]
    # Lines around the failing one are shown too.
    assert "label = &#34;average&#34;" in page or "label = &quot;average&quot;" in page
    assert '<td class="k">total</td><td class="v">10</td>' in page
    assert '<td class="k">label</td><td class="v">&#39;average&#39;</td>' in page


def test_page_shows_the_request() -> None:
    exc = caught(divide, 1, 0)
    request = make_request(headers=[("X-Trace", "abc")])
    page = render_debug_page(exc, request)
    assert "POST http://testserver/orders/7?page=2" in page
    assert '<td class="k">x-trace</td><td class="v">abc</td>' in page
    assert '<td class="k">page</td><td class="v">2</td>' in page


def test_chained_exceptions_are_all_shown_in_order() -> None:
    def load() -> None:
        try:
            {}["missing"]
        except KeyError as error:
            raise LookupError("config not found") from error

    def handle_with_context() -> None:
        try:
            load()
        except LookupError:
            raise RuntimeError("request failed")  # noqa: B904

    page = render_debug_page(caught(handle_with_context), None)
    key, lookup, runtime = (
        page.index("KeyError"),
        page.index("LookupError: config not found"),
        page.index("RuntimeError: request failed"),
    )
    assert key < lookup < runtime
    assert "The above exception was the direct cause of:" in page
    assert "During handling of the above exception, another occurred:" in page
    assert "<title>RuntimeError · Heron debug</title>" in page


def test_suppressed_context_is_not_shown() -> None:
    def hides() -> None:
        try:
            raise KeyError("hidden")
        except KeyError:
            raise ValueError("shown") from None

    page = render_debug_page(caught(hides), None)
    titles = re.findall(r'<p class="exc-title">([^<]*)</p>', page)
    assert titles == ["ValueError: shown"]


def test_cyclic_chain_terminates() -> None:
    first, second = ValueError("one"), TypeError("two")
    first.__context__ = second
    second.__context__ = first
    page = render_debug_page(first, None)
    assert page.count('<p class="exc-title">') == 2


def test_hostile_strings_are_escaped_everywhere() -> None:
    def fails(payload: str) -> None:
        raise ValueError(payload)

    exc = caught(fails, HOSTILE)
    request = make_request(
        path="/" + HOSTILE,
        query=b"q=%3Cscript%3Ealert(1)%3C/script%3E",
        headers=[("X-Evil", HOSTILE), ("Cookie", "theme=" + HOSTILE.replace(";", ""))],
    )
    form = FormData([("comment", HOSTILE)])
    page = render_debug_page(exc, request, form=form)
    assert page.count("<script") == 1  # the page's own copy-button script
    assert "alert(1)</script>" not in page
    assert ESCAPED in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the query value
    # In the local variables and the plain-text traceback too.
    assert '<td class="k">payload</td>' in page
    assert "<textarea" in page and HOSTILE not in page


def test_failing_and_huge_reprs_do_not_break_the_page() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("repr exploded")

    def fails(broken: Broken, big: str, many: list[int]) -> None:
        raise ValueError("boom")

    page = render_debug_page(caught(fails, Broken(), "y" * 10_000, list(range(10_000))), None)
    assert (
        "<Broken object; repr() raised RuntimeError>".replace("<", "&lt;").replace(">", "&gt;")
        in page
    )
    big = re.search(r'<td class="k">big</td><td class="v">([^<]*)</td>', page)
    assert big is not None
    assert len(big.group(1)) <= 220
    assert "y" * 10_000 not in page
    assert "9999" not in page


def test_number_of_locals_is_capped() -> None:
    namespace: dict[str, Any] = {}
    names = [f"v{i}" for i in range(60)]
    source = "def many():\n" + "".join(f"    {n} = {i}\n" for i, n in enumerate(names))
    source += "    raise ValueError('many')\n"
    exec(compile(source, "<generated>", "exec"), namespace)
    page = render_debug_page(caught(namespace["many"]), None)
    assert '<td class="k">v39</td>' in page
    assert '<td class="k">v40</td>' not in page
    assert "and 20 more local variables" in page


def test_credentials_are_redacted() -> None:
    request = make_request(
        headers=[
            ("Authorization", "Bearer s3cr3t-token"),
            ("Cookie", "sessionid=abc; csrftoken=def; theme=dark; auth_token=ghi"),
            ("X-CSRF-Token", "jkl"),
        ]
    )
    form = FormData([("username", "ann"), ("password", "hunter2")])
    page = render_debug_page(caught(divide, 1, 0), request, form=form)
    for secret in ("s3cr3t-token", "sessionid=abc", "=def", "ghi", "jkl", "hunter2"):
        assert secret not in page
    assert '<td class="k">authorization</td><td class="v">[redacted]</td>' in page
    assert '<td class="k">cookie</td><td class="v">[redacted]</td>' in page
    assert '<td class="k">sessionid</td><td class="v">[redacted]</td>' in page
    assert '<td class="k">csrftoken</td><td class="v">[redacted]</td>' in page
    assert '<td class="k">theme</td><td class="v">dark</td>' in page
    assert '<td class="k">username</td><td class="v">ann</td>' in page
    assert '<td class="k">password</td><td class="v">[redacted]</td>' in page
    assert "hunter2" not in page
    assert "s3cr3t" not in page


def test_redacted_names_are_configurable() -> None:
    request = make_request(headers=[("Cookie", "sessionid=abc; theme=dark")])
    page = render_debug_page(caught(divide, 1, 0), request, redact_names=["theme"])
    assert '<td class="k">theme</td><td class="v">[redacted]</td>' in page
    assert '<td class="k">sessionid</td><td class="v">abc</td>' in page


def test_unparsable_request_parts_do_not_break_the_page() -> None:
    request = make_request(query=b"q=%FF%FE")
    page = render_debug_page(caught(divide, 1, 0), request)
    assert "Query parameters" in page
    assert "(unreadable)" in page


def test_without_request_there_is_no_request_section() -> None:
    page = render_debug_page(caught(divide, 1, 0), None)
    assert "<h2>Request</h2>" not in page
    assert "<h2>Headers</h2>" not in page


def test_page_is_self_contained() -> None:
    page = render_debug_page(caught(divide, 1, 0), make_request())
    for needle in ("src=", "href=", "url(", "@import", "<link"):
        assert needle not in page
    assert "<style>" in page
    assert 'id="copy"' in page
    assert "navigator.clipboard" in page


def test_page_includes_the_plain_text_traceback() -> None:
    exc = caught(divide, 1, 0)
    text = format_traceback_text(exc)
    assert text == "".join(traceback.format_exception(exc))
    page = render_debug_page(exc, None)
    textarea = re.search(r'<textarea id="traceback" readonly>(.*?)</textarea>', page, re.S)
    assert textarea is not None
    assert "Traceback (most recent call last):" in textarea.group(1)
    assert "ZeroDivisionError: division by zero" in textarea.group(1)


def test_format_traceback_text_includes_the_chain() -> None:
    def chained() -> None:
        try:
            raise KeyError("inner")
        except KeyError as error:
            raise ValueError("outer") from error

    text = format_traceback_text(caught(chained))
    assert "KeyError: 'inner'" in text
    assert "direct cause" in text
    assert text.rstrip().endswith("ValueError: outer")


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3), ValueError()])
def test_exceptions_without_traceback_or_message(exc: BaseException) -> None:
    page = render_debug_page(exc, None)
    assert type(exc).__name__ in page
