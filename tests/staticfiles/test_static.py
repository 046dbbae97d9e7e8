"""StaticFiles: path safety, serving, cache headers and content-hash versions."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from heron.http import HTTPException, Request
from heron.http.files import FileResponse
from heron.http.types import Message
from heron.staticfiles import IMMUTABLE_CACHE_CONTROL, StaticFiles

CSS = b"body { color: red }\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A static folder next to a secret file outside it."""
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_bytes(CSS)
    (root / "app.js").write_text("console.log(1)")
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "deeper" / "x.txt").write_text("x")
    (tmp_path / "secret.txt").write_text("top secret")
    return root


def request_for(query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/static/x",
            "query_string": query,
            "headers": headers or [],
        }
    )


def assert_404(static: StaticFiles, filename: str) -> None:
    with pytest.raises(HTTPException) as info:
        static.resolve(filename)
    assert info.value.status_code == 404


# -- resolve ---------------------------------------------------------------------------


def test_resolve_finds_files(site: Path) -> None:
    static = StaticFiles(site)
    assert static.resolve("css/site.css") == (site / "css" / "site.css").resolve()
    assert static.resolve("sub/deeper/x.txt").read_text() == "x"


@pytest.mark.parametrize(
    "filename",
    [
        "../secret.txt",  # plain traversal
        "css/../../secret.txt",
        "..",
        "css/..",
        "../static/css/site.css",  # leaves and comes back: still refused
        "..%2fsecret.txt".replace("%2f", "/"),  # "..%2f" after the router's one decoding
        "%2e%2e/secret.txt".replace("%2e", "."),  # "%2e%2e" after decoding
        "..\\secret.txt",  # backslash
        "css\\site.css",
        "css/site.css\x00.png",  # NUL byte
        "\x00",
        "/etc/passwd",  # absolute
        "//etc/passwd",
        "C:/Windows/win.ini",  # drive letters
        "C:secret.txt",
        "c:\\boot.ini",
        "css/site.css::$DATA",  # NTFS stream
        "",
        "./app.js",
        "css//site.css",
        "css/./site.css",
        "css/",
        "css",  # a directory
        "sub/deeper",
        "missing.css",
        "css/missing.css",
        "app.js/extra",  # a file used as a folder
        "a" * 5000,  # name too long for the OS
    ],
)
def test_resolve_refuses(site: Path, filename: str) -> None:
    assert_404(StaticFiles(site), filename)


def test_still_encoded_names_are_not_decoded_again(site: Path) -> None:
    # A literal "%2e%2e" (double-encoded in the URL) is just an odd, missing file name.
    assert_404(StaticFiles(site), "%2e%2e/secret.txt")
    (site / "%2e%2e").mkdir()
    (site / "%2e%2e" / "ok.txt").write_text("fine")
    assert StaticFiles(site).resolve("%2e%2e/ok.txt").read_text() == "fine"


def test_symlink_to_outside_is_refused(site: Path) -> None:
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")
    (site / "leakdir").symlink_to(site.parent)
    static = StaticFiles(site)
    assert_404(static, "leak.txt")
    assert_404(static, "leakdir/secret.txt")


def test_symlink_inside_is_served(site: Path) -> None:
    (site / "alias.css").symlink_to(site / "css" / "site.css")
    (site / "styles").symlink_to(site / "css")
    static = StaticFiles(site)
    assert static.resolve("alias.css").read_bytes() == CSS
    assert static.resolve("styles/site.css").read_bytes() == CSS


def test_follow_symlinks_allows_outside_targets(site: Path) -> None:
    (site / "shared.txt").symlink_to(site.parent / "secret.txt")
    assert StaticFiles(site, follow_symlinks=True).resolve("shared.txt").read_text() == "top secret"
    # ...but never ".." itself.
    assert_404(StaticFiles(site, follow_symlinks=True), "../secret.txt")


def test_dangling_symlink_is_404(site: Path) -> None:
    (site / "gone.css").symlink_to(site / "nowhere.css")
    assert_404(StaticFiles(site), "gone.css")
    assert_404(StaticFiles(site, follow_symlinks=True), "gone.css")


def test_folder_given_through_a_symlink(site: Path, tmp_path: Path) -> None:
    link = tmp_path / "public"
    link.symlink_to(site)
    assert StaticFiles(link).resolve("css/site.css").read_bytes() == CSS


def test_sibling_folder_with_common_prefix_is_refused(site: Path) -> None:
    sibling = site.parent / "static-private"
    sibling.mkdir()
    (sibling / "key.pem").write_text("key")
    (site / "k").symlink_to(sibling / "key.pem")
    assert_404(StaticFiles(site), "k")


def test_missing_folder_gives_404(tmp_path: Path) -> None:
    assert_404(StaticFiles(tmp_path / "nope"), "a.css")


# -- version ---------------------------------------------------------------------------


def test_version_is_a_short_content_hash(site: Path) -> None:
    version = StaticFiles(site).version("css/site.css")
    assert version == hashlib.sha256(CSS).hexdigest()[:12]


def test_version_changes_when_the_file_changes(site: Path) -> None:
    static = StaticFiles(site)
    path = site / "css" / "site.css"
    first = static.version("css/site.css")
    assert static.version("css/site.css") == first
    path.write_bytes(b"body { color: blue }\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = static.version("css/site.css")
    assert second != first
    assert second == hashlib.sha256(b"body { color: blue }\n").hexdigest()[:12]


def test_version_is_cached_while_the_file_is_unchanged(site: Path) -> None:
    static = StaticFiles(site)
    path = site / "css" / "site.css"
    first = static.version("css/site.css")
    st = path.stat()
    # Same size and mtime: the cached hash is reused without reading the file.
    path.write_bytes(CSS.upper())
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert static.version("css/site.css") == first


def test_version_of_missing_file_is_a_clear_error(site: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.css"):
        StaticFiles(site).version("nope.css")
    with pytest.raises(FileNotFoundError):
        StaticFiles(site).version("../secret.txt")


# -- serve -----------------------------------------------------------------------------


async def run(response: FileResponse, request: Request) -> tuple[int, dict[str, str], bytes]:
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        messages.append(message)

    await response(request.scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
    return messages[0]["status"], headers, b"".join(m.get("body", b"") for m in messages[1:])


@pytest.mark.anyio
async def test_serve_revalidates_by_default(site: Path) -> None:
    static = StaticFiles(site)
    request = request_for()
    response = await static.serve(request, "css/site.css")
    status, headers, body = await run(response, request)
    assert status == 200
    assert body == CSS
    assert headers["cache-control"] == "no-cache"
    assert headers["content-type"] == "text/css; charset=utf-8"
    assert "content-disposition" not in headers
    assert "etag" in headers


@pytest.mark.anyio
async def test_serve_long_cache_for_matching_version(site: Path) -> None:
    static = StaticFiles(site)
    version = static.version("css/site.css")
    response = await static.serve(request_for(b"v=" + version.encode()), "css/site.css")
    assert response.headers["cache-control"] == IMMUTABLE_CACHE_CONTROL
    assert IMMUTABLE_CACHE_CONTROL == "public, max-age=31536000, immutable"


@pytest.mark.anyio
async def test_serve_computes_version_when_not_cached(site: Path) -> None:
    version = hashlib.sha256(CSS).hexdigest()[:12]
    response = await StaticFiles(site).serve(request_for(b"v=" + version.encode()), "css/site.css")
    assert response.headers["cache-control"] == IMMUTABLE_CACHE_CONTROL


@pytest.mark.anyio
@pytest.mark.parametrize("query", [b"v=0123456789ab", b"v=", b"v=stale&x=1", b"other=1"])
async def test_serve_short_cache_for_other_versions(site: Path, query: bytes) -> None:
    static = StaticFiles(site)
    static.version("css/site.css")
    response = await static.serve(request_for(query), "css/site.css")
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.anyio
async def test_stale_version_after_edit_is_not_long_cached(site: Path) -> None:
    static = StaticFiles(site)
    old = static.version("css/site.css")
    path = site / "css" / "site.css"
    path.write_bytes(b"new content!")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    response = await static.serve(request_for(b"v=" + old.encode()), "css/site.css")
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.anyio
async def test_serve_conditional_request_gets_304(site: Path) -> None:
    static = StaticFiles(site)
    first = await static.serve(request_for(), "css/site.css")
    etag = first.headers["etag"]
    request = request_for(headers=[(b"if-none-match", etag.encode())])
    status, headers, body = await run(await static.serve(request, "css/site.css"), request)
    assert status == 304
    assert body == b""
    assert headers["cache-control"] == "no-cache"


@pytest.mark.anyio
@pytest.mark.parametrize("filename", ["../secret.txt", "css", "nope.js", "a\\b", "x\x00"])
async def test_serve_refuses_with_404(site: Path, filename: str) -> None:
    with pytest.raises(HTTPException) as info:
        await StaticFiles(site).serve(request_for(), filename)
    assert info.value.status_code == 404


@pytest.mark.anyio
async def test_serve_bad_query_is_400(site: Path) -> None:
    with pytest.raises(HTTPException) as info:
        await StaticFiles(site).serve(request_for(b"v=%zz"), "css/site.css")
    assert info.value.status_code == 400


def test_repr_and_attributes(site: Path) -> None:
    static = StaticFiles(site, follow_symlinks=True)
    assert static.directory == site
    assert static.follow_symlinks is True
    assert "static" in repr(static)
