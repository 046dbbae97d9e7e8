"""FileResponse: types, validators, 304, ranges, HEAD, dispositions and streaming."""

from __future__ import annotations

import asyncio
import os
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from heron.http.files import FileResponse, content_disposition, guess_media_type
from heron.http.types import Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 4  # 1024 bytes


def scope_for(method: str = "GET", headers: dict[str, str] | None = None, **extra: Any) -> Scope:
    return {
        "type": "http",
        "method": method,
        "scheme": "http",
        "path": "/file",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        **extra,
    }


class Result:
    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        start = messages[0]
        assert start["type"] == "http.response.start"
        self.status: int = start["status"]
        self.raw: list[tuple[bytes, bytes]] = list(start["headers"])
        self.body_messages = messages[1:]
        self.body = b"".join(m.get("body", b"") for m in self.body_messages)

    def header(self, name: str) -> str | None:
        values = self.headers(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    def headers(self, name: str) -> list[str]:
        key = name.encode()
        return [v.decode("latin-1") for k, v in self.raw if k == key]


async def never_disconnect() -> Message:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def call(
    response: FileResponse,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    receive: Receive = never_disconnect,
    **extra: Any,
) -> Result:
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    await response(scope_for(method, headers, **extra), receive, send)
    return Result(messages)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


def etag_of(path: Path) -> str:
    st = path.stat()
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'


# -- full responses and headers ------------------------------------------------


async def test_full_response_headers(data_file: Path) -> None:
    result = await call(FileResponse(data_file))
    assert result.status == 200
    assert result.body == DATA
    assert result.header("content-length") == "1024"
    assert result.header("content-type") == "application/octet-stream"
    assert result.header("accept-ranges") == "bytes"
    assert result.header("etag") == etag_of(data_file)
    assert result.header("last-modified") == formatdate(data_file.stat().st_mtime, usegmt=True)
    assert result.header("content-disposition") is None
    assert result.header("cache-control") is None
    assert result.messages[-1].get("more_body", False) is False


async def test_etag_is_strong_and_changes_with_the_file(data_file: Path) -> None:
    before = FileResponse(data_file).headers["etag"]
    assert before.startswith('"')
    data_file.write_bytes(DATA + b"x")
    assert FileResponse(data_file).headers["etag"] != before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("mod.mjs", "text/javascript; charset=utf-8"),
        ("data.json", "application/json; charset=utf-8"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("logo.svg", "image/svg+xml; charset=utf-8"),
        ("photo.png", "image/png"),
        ("photo.JPG", "image/jpeg"),
        ("font.woff2", "font/woff2"),
        ("doc.pdf", "application/pdf"),
        ("archive.tar.gz", "application/gzip"),
        ("noextension", "application/octet-stream"),
        ("weird.zzzunknown", "application/octet-stream"),
    ],
)
def test_guess_media_type(name: str, expected: str) -> None:
    assert guess_media_type(name) == expected


async def test_content_type_from_filename_then_explicit(tmp_path: Path) -> None:
    blob = tmp_path / "a1b2c3"
    blob.write_bytes(b"%PDF-1.4")
    assert FileResponse(blob, filename="report.pdf").headers["content-type"] == "application/pdf"
    response = FileResponse(blob, media_type="text/csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.media_type == "text/csv"
    assert FileResponse(blob, media_type="image/png").headers["content-type"] == "image/png"
    html = tmp_path / "page.html"
    html.write_text("<p>")
    assert FileResponse(html).media_type == "text/html"


async def test_user_headers_and_cache_control(data_file: Path) -> None:
    response = FileResponse(
        data_file, cache_control="no-cache", headers={"X-Extra": "1", "ETag": '"custom"'}
    )
    result = await call(response)
    assert result.header("cache-control") == "no-cache"
    assert result.header("x-extra") == "1"
    assert result.header("etag") == '"custom"'
    revalidated = await call(response, headers={"If-None-Match": '"custom"'})
    assert revalidated.status == 304


def test_header_injection_is_refused(data_file: Path) -> None:
    with pytest.raises(ValueError):
        FileResponse(data_file, headers={"X-A": "a\r\nSet-Cookie: x=1"})
    with pytest.raises(ValueError):
        FileResponse(data_file, cache_control="public\r\nX: y")


def test_missing_file_and_directory_raise(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileResponse(tmp_path / "missing.txt")
    with pytest.raises(IsADirectoryError):
        FileResponse(tmp_path)


async def test_stat_result_is_used(data_file: Path, tmp_path: Path) -> None:
    st = data_file.stat()
    response = FileResponse(data_file, stat_result=st)
    assert response.stat_result is st
    assert response.path == str(data_file)


async def test_head_sends_headers_only(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="HEAD")
    assert result.status == 200
    assert result.header("content-length") == "1024"
    assert result.body == b""
    assert len(result.body_messages) == 1


async def test_head_ignores_range(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="HEAD", headers={"Range": "bytes=0-9"})
    assert result.status == 200
    assert result.header("content-length") == "1024"


async def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = await call(FileResponse(path))
    assert result.status == 200
    assert result.body == b""
    assert result.header("content-length") == "0"


async def test_other_status_skips_conditionals(data_file: Path) -> None:
    response = FileResponse(data_file, status_code=404)
    result = await call(response, headers={"If-None-Match": "*", "Range": "bytes=0-1"})
    assert result.status == 404
    assert result.body == DATA


# -- conditional requests ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "{etag}",
        "W/{etag}",
        '"other", {etag}',
        '"a",W/{etag} , "b"',
        "*",
    ],
)
async def test_if_none_match_gives_304(data_file: Path, value: str) -> None:
    header = value.format(etag=etag_of(data_file))
    result = await call(
        FileResponse(data_file, cache_control="no-cache"), headers={"If-None-Match": header}
    )
    assert result.status == 304
    assert result.body == b""
    assert result.header("etag") == etag_of(data_file)
    assert result.header("cache-control") == "no-cache"
    assert result.header("content-length") is None
    assert result.header("content-type") is None


@pytest.mark.parametrize("value", ['"nope"', 'W/"nope"', "", "garbage"])
async def test_if_none_match_mismatch_gives_200(data_file: Path, value: str) -> None:
    result = await call(FileResponse(data_file), headers={"If-None-Match": value})
    assert result.status == 200
    assert result.body == DATA


async def test_if_none_match_also_for_head(data_file: Path) -> None:
    result = await call(
        FileResponse(data_file), method="HEAD", headers={"If-None-Match": etag_of(data_file)}
    )
    assert result.status == 304


async def test_if_none_match_ignored_for_post(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="POST", headers={"If-None-Match": "*"})
    assert result.status == 200


async def test_if_modified_since(data_file: Path) -> None:
    mtime = data_file.stat().st_mtime
    same = formatdate(mtime, usegmt=True)
    later = formatdate(mtime + 60, usegmt=True)
    earlier = formatdate(mtime - 60, usegmt=True)
    response = FileResponse(data_file)
    assert (await call(response, headers={"If-Modified-Since": same})).status == 304
    assert (await call(response, headers={"If-Modified-Since": later})).status == 304
    assert (await call(response, headers={"If-Modified-Since": earlier})).status == 200
    assert (await call(response, headers={"If-Modified-Since": "not a date"})).status == 200


async def test_if_none_match_takes_precedence_over_if_modified_since(data_file: Path) -> None:
    later = formatdate(data_file.stat().st_mtime + 60, usegmt=True)
    result = await call(
        FileResponse(data_file), headers={"If-None-Match": '"other"', "If-Modified-Since": later}
    )
    assert result.status == 200


# -- ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, 1023),
        ("bytes=1000-5000", 1000, 1023),
        ("bytes=-10", 1014, 1023),
        ("bytes=-5000", 0, 1023),
        ("BYTES = 5-9", 5, 9),
        ("bytes=1023-1023", 1023, 1023),
        ("bytes=0-99999999999999999999999999", 0, 1023),
    ],
)
async def test_single_range_gives_206(data_file: Path, spec: str, start: int, end: int) -> None:
    result = await call(FileResponse(data_file), headers={"Range": spec})
    assert result.status == 206
    assert result.body == DATA[start : end + 1]
    assert result.header("content-range") == f"bytes {start}-{end}/1024"
    assert result.header("content-length") == str(end - start + 1)
    assert result.header("etag") == etag_of(data_file)


@pytest.mark.parametrize(
    "spec", ["bytes=1024-", "bytes=5000-6000", "bytes=-0", "bytes=99999999999999999999999-"]
)
async def test_unsatisfiable_range_gives_416(data_file: Path, spec: str) -> None:
    result = await call(FileResponse(data_file), headers={"Range": spec})
    assert result.status == 416
    assert result.header("content-range") == "bytes */1024"
    assert result.header("content-length") == "0"
    assert result.body == b""


@pytest.mark.parametrize(
    "spec",
    [
        "bytes=0-1,5-6",  # several ranges: the whole file (documented)
        "items=0-5",  # unknown unit
        "bytes=5-1",  # last before first
        "bytes=abc",
        "bytes=a-b",
        "bytes=-",
        "bytes=",
        "bytes=\u0661-\u0662",  # non-ASCII digits
        "0-5",
    ],
)
async def test_ignored_range_gives_full_200(data_file: Path, spec: str) -> None:
    result = await call(FileResponse(data_file), headers={"Range": spec})
    assert result.status == 200
    assert result.body == DATA
    assert result.header("content-range") is None


async def test_range_on_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    assert (await call(FileResponse(path), headers={"Range": "bytes=0-"})).status == 416
    assert (await call(FileResponse(path), headers={"Range": "bytes=-5"})).status == 200


async def test_if_range_with_matching_etag_gives_206(data_file: Path) -> None:
    headers = {"Range": "bytes=0-3", "If-Range": etag_of(data_file)}
    result = await call(FileResponse(data_file), headers=headers)
    assert result.status == 206
    assert result.body == DATA[:4]


@pytest.mark.parametrize(
    "if_range", ['"stale"', "W/{etag}", "Mon, 01 Jan 2001 00:00:00 GMT", "junk"]
)
async def test_if_range_mismatch_gives_full_200(data_file: Path, if_range: str) -> None:
    headers = {"Range": "bytes=0-3", "If-Range": if_range.format(etag=etag_of(data_file))}
    result = await call(FileResponse(data_file), headers=headers)
    assert result.status == 200
    assert result.body == DATA


async def test_if_range_with_matching_date_gives_206(data_file: Path) -> None:
    date = formatdate(data_file.stat().st_mtime, usegmt=True)
    result = await call(FileResponse(data_file), headers={"Range": "bytes=4-7", "If-Range": date})
    assert result.status == 206
    assert result.body == DATA[4:8]


async def test_not_modified_wins_over_range(data_file: Path) -> None:
    headers = {"Range": "bytes=0-3", "If-None-Match": etag_of(data_file)}
    assert (await call(FileResponse(data_file), headers=headers)).status == 304


# -- streaming -------------------------------------------------------------------------


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(300 * 1024 + 123))
    return path


async def test_large_file_is_streamed_in_chunks(big_file: Path) -> None:
    result = await call(FileResponse(big_file))
    assert result.body == big_file.read_bytes()
    chunks = result.body_messages
    assert len(chunks) == 5  # 4 x 64 KiB + the rest
    assert all(len(m["body"]) <= 64 * 1024 for m in chunks)
    assert all(m["more_body"] for m in chunks[:-1])
    assert chunks[-1]["more_body"] is False


async def test_large_range_is_streamed(big_file: Path) -> None:
    content = big_file.read_bytes()
    result = await call(FileResponse(big_file), headers={"Range": "bytes=1000-200000"})
    assert result.status == 206
    assert result.body == content[1000:200001]
    assert len(result.body_messages) == 4  # 199,001 bytes in 64 KiB chunks
    assert result.body_messages[-1]["more_body"] is False


async def test_custom_chunk_size(data_file: Path) -> None:
    class SmallChunks(FileResponse):
        __slots__ = ()
        chunk_size = 100

    result = await call(SmallChunks(data_file))
    assert result.body == DATA
    assert len(result.body_messages) == 11


async def test_streaming_stops_when_client_disconnects(big_file: Path) -> None:
    sent: list[Message] = []
    disconnected = asyncio.Event()

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) == 2:
            disconnected.set()
            await asyncio.sleep(0.05)

    response = FileResponse(big_file)
    await response(scope_for(), receive, send)
    assert sent[0]["status"] == 200
    assert 2 <= len(sent) < 6  # stopped before the whole file was sent


async def test_send_errors_propagate(big_file: Path) -> None:
    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("broken pipe")

    with pytest.raises(OSError, match="broken pipe"):
        await FileResponse(big_file)(scope_for(), never_disconnect, send)


async def test_pathsend_extension_is_used_when_offered(data_file: Path) -> None:
    result = await call(FileResponse(data_file), extensions={"http.response.pathsend": {}})
    assert result.status == 200
    assert result.messages[1] == {"type": "http.response.pathsend", "path": str(data_file)}
    ranged = await call(
        FileResponse(data_file),
        headers={"Range": "bytes=0-1"},
        extensions={"http.response.pathsend": {}},
    )
    assert ranged.status == 206
    assert ranged.body == DATA[:2]


# -- Content-Disposition ---------------------------------------------------------------


def test_disposition_plain_ascii() -> None:
    assert content_disposition("attachment", "report.pdf") == 'attachment; filename="report.pdf"'
    assert content_disposition("inline", "a b.txt") == 'inline; filename="a b.txt"'


def test_disposition_unicode_name() -> None:
    value = content_disposition("attachment", "résumé €.pdf")
    assert value.startswith('attachment; filename="resume .pdf"; ')
    assert value.endswith("filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.pdf")
    value.encode("ascii")


@pytest.mark.parametrize(
    "name",
    [
        'evil".html',
        "back\\slash.txt",
        "line\r\nSet-Cookie: a=b.txt",
        "nul\x00.txt",
        'quote"\r\n";x.txt',
    ],
)
def test_disposition_hostile_names(name: str) -> None:
    value = content_disposition("attachment", name)
    assert "\r" not in value and "\n" not in value and "\x00" not in value
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert "\\" not in fallback
    rest = value.split('filename="', 1)[1].split('"', 1)[1]
    assert rest == "" or rest.startswith("; filename*=UTF-8''")
    if rest:
        assert unquote(rest.split("''", 1)[1]) == "".join(c for c in name if c >= " ")


def test_disposition_name_without_ascii_letters() -> None:
    value = content_disposition("attachment", "日本語")
    assert (
        value == "attachment; filename=\"download\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E"
    )


def test_disposition_kind_is_validated(data_file: Path) -> None:
    with pytest.raises(ValueError):
        content_disposition("evil", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FileResponse(data_file, filename="x", content_disposition="evil")  # type: ignore[arg-type]


async def test_response_sets_disposition(data_file: Path) -> None:
    attachment = FileResponse(data_file, filename="ünïcode.bin")
    assert attachment.headers["content-disposition"] == (
        "attachment; filename=\"unicode.bin\"; filename*=UTF-8''%C3%BCn%C3%AFcode.bin"
    )
    inline = FileResponse(data_file, filename="x.png", content_disposition="inline")
    assert inline.headers["content-disposition"] == 'inline; filename="x.png"'
    assert inline.headers["content-type"] == "image/png"


# -- through httpx ----------------------------------------------------------------------


def file_app(path: Path, **options: Any) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await FileResponse(path, **options)(scope, receive, send)

    return app


async def test_through_httpx(big_file: Path) -> None:
    transport = httpx.ASGITransport(app=file_app(big_file, filename="big.bin"))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        full = await client.get("/")
        assert full.status_code == 200
        assert full.content == big_file.read_bytes()
        assert full.headers["content-disposition"] == 'attachment; filename="big.bin"'
        etag = full.headers["etag"]
        cached = await client.get("/", headers={"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.content == b""
        part = await client.get("/", headers={"Range": "bytes=10-19"})
        assert part.status_code == 206
        assert part.content == big_file.read_bytes()[10:20]
        head = await client.head("/")
        assert head.status_code == 200
        assert head.headers["content-length"] == str(big_file.stat().st_size)
        assert head.content == b""
        bad = await client.get("/", headers={"Range": "bytes=999999999-"})
        assert bad.status_code == 416


def test_disposition_percent_goes_to_extended_form_only() -> None:
    value = content_disposition("attachment", "100%25 sure.txt")
    assert value == "attachment; filename=\"10025 sure.txt\"; filename*=UTF-8''100%2525%20sure.txt"


async def test_streaming_survives_a_receive_that_never_blocks(big_file: Path) -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    result = await asyncio.wait_for(call(FileResponse(big_file), receive=receive), timeout=10)
    assert result.body == big_file.read_bytes()
