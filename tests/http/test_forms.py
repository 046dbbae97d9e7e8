"""Forms: url-encoded and multipart bodies, uploads, spooling, limits, bad input."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from heron.http import FormData, HTTPException, JSONResponse, Request, UploadFile
from heron.http.types import Receive, Scope, Send
from tests.http.asgi import Receiver, make_scope

pytestmark = pytest.mark.anyio

BOUNDARY = "heronboundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _encoded(**kwargs: Any) -> tuple[str, bytes]:
    """Let httpx encode a form the way a real client would."""
    built = httpx.Request("POST", "http://testserver/", **kwargs)
    return built.headers["content-type"], built.read()


def _chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _form_request(
    content_type: str, body: bytes, *, chunk: int = 1000, content_length: bool = True, **kw: Any
) -> tuple[Request, Receiver]:
    headers = [("content-type", content_type)]
    if content_length:
        headers.append(("content-length", str(len(body))))
    receive = Receiver(_chunked(body, chunk), **kw)
    return Request(make_scope("POST", headers=headers), receive), receive


def _part(name: str, value: bytes, filename: str | None = None, ctype: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def _end() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


async def test_urlencoded_form() -> None:
    ctype, body = _encoded(data={"name": "Ann Lee", "tag": ["a", "b"], "city": "Zürich"})
    request, _ = _form_request(ctype, body)
    form = await request.form()
    assert isinstance(form, FormData)
    assert form["name"] == "Ann Lee"
    assert form.getlist("tag") == ["a", "b"]
    assert form["city"] == "Zürich"
    assert await request.form() is form


async def test_urlencoded_bad_encoding_is_400() -> None:
    request, _ = _form_request("application/x-www-form-urlencoded", b"a=%zz")
    with pytest.raises(HTTPException) as info:
        await request.form()
    assert info.value.status_code == 400
    assert info.value.detail == "Invalid percent-encoding in form body"


async def test_urlencoded_over_limit_is_413() -> None:
    request, receive = _form_request(
        "application/x-www-form-urlencoded", b"a=" + b"x" * 500, chunk=100, content_length=False
    )
    request.max_body_size = 150
    with pytest.raises(HTTPException) as info:
        await request.form()
    assert info.value.status_code == 413
    assert receive.calls == 2


async def test_other_content_type_gives_empty_form_without_reading() -> None:
    request, receive = _form_request("application/json", b"{}")
    assert len(await request.form()) == 0
    assert receive.calls == 0
    assert await request.json() == {}


async def test_multipart_fields_and_files() -> None:
    ctype, body = _encoded(
        data={"title": "Holiday", "tag": ["sea", "sun"]},
        files=[
            ("photo", ("beach.png", b"\x89PNG-data", "image/png")),
            ("docs", ("a.txt", b"first", "text/plain")),
            ("docs", ("b.txt", b"second", "text/plain")),
        ],
    )
    request, _ = _form_request(ctype, body, chunk=7)
    form = await request.form()
    assert form["title"] == "Holiday"
    assert form.getlist("tag") == ["sea", "sun"]
    photo = form["photo"]
    assert isinstance(photo, UploadFile)
    assert photo.filename == "beach.png"
    assert photo.content_type == "image/png"
    assert photo.headers["content-type"] == "image/png"
    assert photo.size == len(b"\x89PNG-data")
    assert await photo.read() == b"\x89PNG-data"
    docs = form.getlist("docs")
    assert [d.filename for d in docs if isinstance(d, UploadFile)] == ["a.txt", "b.txt"]
    second = docs[1]
    assert isinstance(second, UploadFile)
    assert await second.read(3) == b"sec"
    await second.seek(0)
    assert await second.read() == b"second"
    await form.close()
    assert photo.file.closed


async def test_multipart_utf8_names_default_content_type_and_empty_filename() -> None:
    body = (
        _part("名前", "値".encode())
        + _part("upload", b"raw", filename="résumé.pdf")
        + _part("empty", b"", filename="")
        + _end()
    )
    request, _ = _form_request(MULTIPART, body)
    form = await request.form()
    assert form["名前"] == "値"
    upload = form["upload"]
    assert isinstance(upload, UploadFile)
    assert upload.filename == "résumé.pdf"
    assert upload.content_type == "application/octet-stream"
    empty = form["empty"]
    assert isinstance(empty, UploadFile)
    assert empty.filename == ""
    assert empty.size == 0


async def test_small_upload_stays_in_memory_large_one_spools_to_disk() -> None:
    small = b"s" * 100
    large = os.urandom(5000)
    body = (
        _part("small", small, filename="s.bin")
        + _part("large", large, filename="l.bin", ctype="application/octet-stream")
        + _end()
    )
    request, _ = _form_request(MULTIPART, body, chunk=512)
    form = await request.form(spool_size=1024)
    small_file, large_file = form["small"], form["large"]
    assert isinstance(small_file, UploadFile)
    assert isinstance(large_file, UploadFile)
    assert small_file.in_memory is True
    assert large_file.in_memory is False
    # On disk means a real file descriptor backs it.
    assert os.fstat(large_file.file.fileno()).st_size == 5000
    assert large_file.size == 5000
    assert await large_file.read() == large
    assert await small_file.read() == small
    await request.close()
    assert large_file.file.closed


async def test_upload_limit_is_413_without_reading_everything() -> None:
    body = _part("f", b"x" * 10_000, filename="big.bin") + _end()
    request, receive = _form_request(MULTIPART, body, chunk=500, content_length=False)
    request.max_upload_size = 2000
    with pytest.raises(HTTPException) as info:
        await request.form()
    assert info.value.status_code == 413
    assert receive.calls < 10


async def test_file_parts_do_not_count_against_max_body_size() -> None:
    body = _part("f", b"x" * 5000, filename="big.bin") + _part("note", b"hi") + _end()
    request, _ = _form_request(MULTIPART, body, chunk=500)
    request.max_body_size = 1000
    form = await request.form()
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.size == 5000
    assert form["note"] == "hi"


async def test_field_data_over_max_body_size_is_413() -> None:
    body = _part("note", b"x" * 5000) + _end()
    request, receive = _form_request(MULTIPART, body, chunk=500, content_length=False)
    request.max_body_size = 1000
    with pytest.raises(HTTPException) as info:
        await request.form()
    assert info.value.status_code == 413
    assert receive.calls < 5


async def test_declared_length_over_both_limits_is_413_before_reading() -> None:
    request, receive = _form_request(MULTIPART, _part("a", b"1") + _end())
    request.max_body_size = 1
    request.max_upload_size = 1
    with pytest.raises(HTTPException) as info:
        await request.form()
    assert info.value.status_code == 413
    assert receive.calls == 0


async def test_too_many_files_and_fields() -> None:
    body = b"".join(_part("f", b"x", filename=f"{i}.txt") for i in range(3)) + _end()
    request, _ = _form_request(MULTIPART, body)
    with pytest.raises(HTTPException) as info:
        await request.form(max_files=2)
    assert info.value.status_code == 413
    body = b"".join(_part(f"f{i}", b"x") for i in range(3)) + _end()
    request, _ = _form_request(MULTIPART, body)
    with pytest.raises(HTTPException) as info:
        await request.form(max_fields=2)
    assert info.value.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("multipart/form-data", _part("a", b"1") + _end(), "has no boundary"),
        (MULTIPART, _part("a", b"1"), "ended before the closing boundary"),
        (MULTIPART, _part("a", b"1")[:30], "ended before the closing boundary"),
        (MULTIPART, b"", "ended before the closing boundary"),
        (
            MULTIPART,
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n".encode() + _end(),
            "no Content-Disposition",
        ),
        (
            MULTIPART,
            f"--{BOUNDARY}\r\nContent-Disposition: attachment\r\n\r\nx\r\n".encode() + _end(),
            "not form-data with a name",
        ),
        (
            MULTIPART,
            f"--{BOUNDARY}\r\nNo colon here\r\n\r\nx\r\n".encode() + _end(),
            "Malformed multipart body",
        ),
        (MULTIPART, b"garbage before any boundary", "Malformed multipart body"),
        (MULTIPART, _part("a", b"\xff\xfe") + _end(), "field value is not valid UTF-8"),
        (
            MULTIPART,
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"; filename="'.encode()
            + b'\xff\xfe"\r\n\r\nx\r\n'
            + _end(),
            "filename is not valid UTF-8",
        ),
    ],
)
async def test_malformed_multipart_is_400(content_type: str, body: bytes, message: str) -> None:
    request, _ = _form_request(content_type, body, chunk=16)
    with pytest.raises(HTTPException) as info:
        await request.form()
    assert info.value.status_code == 400
    assert info.value.detail.startswith("Malformed multipart body: ")
    assert message in info.value.detail


async def test_failed_parse_closes_uploads() -> None:
    opened: list[UploadFile] = []
    body = _part("f", b"x" * 3000, filename="a.bin") + _part("bad", b"\xff") + _end()
    request, _ = _form_request(MULTIPART, body)
    original_init = UploadFile.__init__

    def tracking_init(self: UploadFile, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        opened.append(self)

    UploadFile.__init__ = tracking_init  # type: ignore[method-assign]
    try:
        with pytest.raises(HTTPException):
            await request.form(spool_size=100)
    finally:
        UploadFile.__init__ = original_init  # type: ignore[method-assign]
    assert len(opened) == 1
    assert opened[0].file.closed


async def form_echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A raw ASGI app that builds a Request and reports what the form held."""
    request = Request(scope, receive, max_upload_size=10_000)
    try:
        form = await request.form(spool_size=100)
    except HTTPException as exc:
        await JSONResponse({"error": exc.detail}, exc.status_code)(scope, receive, send)
        return
    summary: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            summary[key] = [value.filename, value.content_type, len(data), value.in_memory]
        else:
            summary[key] = value
    await request.close()
    await JSONResponse(summary)(scope, receive, send)


async def test_through_httpx_asgi_transport() -> None:
    transport = httpx.ASGITransport(app=form_echo_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/",
            data={"a": "1"},
            files={"doc": ("notes.md", b"# hi" * 100, "text/markdown")},
        )
        assert response.status_code == 200
        assert response.json() == {"a": "1", "doc": ["notes.md", "text/markdown", 400, False]}
        response = await client.post("/", files={"doc": ("big", b"x" * 20_000)})
        assert response.status_code == 413
        response = await client.post(
            "/", content=b"--x\r\n", headers={"content-type": "multipart/form-data"}
        )
        assert response.status_code == 400
        assert "boundary" in response.json()["error"]
