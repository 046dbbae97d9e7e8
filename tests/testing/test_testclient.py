"""TestClient: requests, cookies, redirects, exceptions, lifespan and streaming."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from heron.testing import LifespanError, TestClient
from tests.testing.testclient_apps import (
    Boom,
    DisconnectWatcher,
    EndlessStream,
    LifespanApp,
    body_before_start,
    cookies,
    echo,
    no_lifespan,
    no_response,
    raises_after_response,
    raises_before_response,
    send_text,
)


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "heron-testclient"]


def _new_loop_threads(before: list[threading.Thread]) -> list[threading.Thread]:
    """Loop threads started since ``before`` was taken (other tests' may still be there)."""
    return [t for t in _loop_threads() if t not in before]


def test_request_reaches_app_as_asgi_scope() -> None:
    client = TestClient(echo)
    response = client.post("/a%20b/c?x=1&y=%C3%A9", content=b"hello", headers={"X-Token": "t"})
    data = response.json()
    assert response.status_code == 200
    assert response.headers["x-app"] == "echo"
    assert data["method"] == "POST"
    assert data["path"] == "/a b/c"
    assert data["raw_path"] == "/a%20b/c"
    assert data["query_string"] == "x=1&y=%C3%A9"
    assert data["body"] == "hello"
    assert ["x-token", "t"] in data["headers"]
    assert ["host", "testserver"] in data["headers"]
    assert data["client"] == ["testclient", 50000]
    assert data["server"] == ["testserver", 80]
    assert data["scheme"] == "http"
    assert data["http_version"] == "1.1"
    client.close()


def test_large_body_arrives_in_several_messages() -> None:
    payload = b"x" * (200 * 1024)
    with TestClient(echo) as client:
        data = client.put("/", content=payload).json()
    assert len(data["body"]) == len(payload)
    assert data["body_messages"] == 4


def test_base_url_https_root_path_and_default_headers() -> None:
    client = TestClient(
        echo, base_url="https://example.org:8443", root_path="/api", headers={"X-Default": "1"}
    )
    data = client.get("/users").json()
    assert data["scheme"] == "https"
    assert data["server"] == ["example.org", 8443]
    assert data["root_path"] == "/api"
    assert data["path"] == "/api/users"
    assert ["x-default", "1"] in data["headers"]
    client.close()


def test_streamed_request_body_is_read() -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b"ab"
        yield b"cd"

    with TestClient(echo) as client:
        assert client.post("/", content=chunks()).json()["body"] == "abcd"


def test_cookies_are_kept_across_requests() -> None:
    with TestClient(cookies) as client:
        assert client.get("/show").text == ""
        response = client.get("/set")
        assert response.cookies["sid"] == "abc123"
        assert client.get("/show").text == "sid=abc123"
        assert client.cookies["sid"] == "abc123"


def test_initial_cookies_are_sent() -> None:
    with TestClient(cookies, cookies={"theme": "dark"}) as client:
        assert client.get("/show").text == "theme=dark"


def test_redirects_are_followed_unless_disabled() -> None:
    with TestClient(cookies) as client:
        response = client.get("/redirect")
        assert response.status_code == 200
        assert response.url.path == "/show"
        assert [r.status_code for r in response.history] == [302]
    with TestClient(cookies, follow_redirects=False) as client:
        response = client.get("/redirect")
        assert response.status_code == 302
        assert response.headers["location"] == "/show"


def test_exception_before_response_is_raised_in_the_test() -> None:
    with TestClient(raises_before_response) as client, pytest.raises(Boom, match="before"):
        client.get("/")


def test_exception_after_500_is_raised_in_the_test() -> None:
    with TestClient(raises_after_response) as client, pytest.raises(Boom, match="after"):
        client.get("/")


def test_server_exceptions_become_500_when_not_raised() -> None:
    with TestClient(raises_before_response, raise_server_exceptions=False) as client:
        response = client.get("/")
        assert response.status_code == 500
        assert response.text == "Internal Server Error"
    with TestClient(raises_after_response, raise_server_exceptions=False) as client:
        response = client.get("/")
        assert response.status_code == 500
        assert response.text == "Internal Server Error"


def test_app_without_response() -> None:
    with TestClient(no_response) as client, pytest.raises(RuntimeError, match="without sending"):
        client.get("/")
    with TestClient(no_response, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


def test_protocol_errors_of_the_app_are_reported() -> None:
    with TestClient(body_before_start) as client, pytest.raises(RuntimeError, match="before"):
        client.get("/")


def test_head_request() -> None:
    with TestClient(echo) as client:
        response = client.head("/")
        assert response.status_code == 200
        assert response.request.method == "HEAD"


def test_lifespan_runs_only_with_with_block() -> None:
    app = LifespanApp()
    client = TestClient(app)
    assert client.get("/").json()["events"] == ["request /"]
    client.close()
    assert app.events == ["request /"]

    app = LifespanApp()
    with TestClient(app) as client:
        assert app.events == ["startup"]
        data = client.get("/one").json()
        assert data["events"] == ["startup", "request /one"]
        assert data["state"] == {"pool": "connected"}
    assert app.events == ["startup", "request /one", "shutdown"]


def test_lifespan_and_requests_share_one_loop_and_thread() -> None:
    app = LifespanApp()
    with TestClient(app) as client:
        client.get("/a")
        client.get("/b")
    assert len(app.places) == 4
    assert len(set(app.places)) == 1
    assert app.places[0][0] != threading.get_ident()


def test_requests_without_lifespan_share_one_loop() -> None:
    app = LifespanApp()
    client = TestClient(app)
    client.get("/a")
    client.get("/b")
    client.close()
    assert len(set(app.places)) == 1


def test_startup_failure_raises_in_the_test() -> None:
    app = LifespanApp(fail_startup="cannot reach the database")
    before = _loop_threads()
    with pytest.raises(LifespanError, match="cannot reach the database"), TestClient(app):
        pass  # pragma: no cover - never entered
    assert _new_loop_threads(before) == []


def test_startup_exception_raises_in_the_test() -> None:
    app = LifespanApp(raise_startup=True)
    with pytest.raises(LifespanError, match="database unreachable") as info, TestClient(app):
        pass  # pragma: no cover - never entered
    assert isinstance(info.value.__cause__, ValueError)


def test_shutdown_failure_raises_on_exit() -> None:
    app = LifespanApp(fail_shutdown=True)
    with pytest.raises(LifespanError, match="pool leaked"), TestClient(app) as client:
        assert client.get("/").status_code == 200
    assert app.events[-1] == "shutdown"


def test_app_without_lifespan_support_works_in_with_block() -> None:
    with TestClient(no_lifespan) as client:
        assert client.get("/").text == "plain"


def test_endless_stream_can_be_read_then_closed() -> None:
    app = EndlessStream()
    with TestClient(app) as client, client.stream("GET", "/events") as response:
        assert response.headers["content-type"] == "text/event-stream"
        seen = []
        for chunk in response.iter_bytes():
            seen.append(chunk)
            if len(seen) == 3:
                break
    assert seen[0] == b"data: 0\n\n"
    assert app.cancelled


def test_app_sees_disconnect_after_its_response() -> None:
    app = DisconnectWatcher()
    with TestClient(app) as client:
        assert client.get("/").text == "done"
    assert app.after_response == {"type": "http.disconnect"}


def test_portal_runs_coroutines_on_the_app_loop() -> None:
    app = LifespanApp()

    async def where() -> None:
        app._here()

    with TestClient(app) as client:
        client.portal.call(where)
        client.get("/")
    assert len(set(app.places)) == 1


def test_closing_stops_the_loop_thread() -> None:
    before = _loop_threads()  # other tests' forgotten clients may not be collected yet
    client = TestClient(echo)
    client.get("/")
    assert len(_new_loop_threads(before)) == 1
    client.close()
    assert _new_loop_threads(before) == []


def test_forgotten_client_stops_its_loop_thread() -> None:
    gc.collect()
    before = _loop_threads()
    client = TestClient(echo)
    client.get("/")
    assert len(_new_loop_threads(before)) == 1
    del client
    gc.collect()
    assert _new_loop_threads(before) == []


def test_client_class_is_not_collected_by_pytest() -> None:
    assert TestClient.__test__ is False


async def _secure_cookie_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["path"] == "/set":
        await send_text(send, "set", headers=[(b"set-cookie", b"sid=s1; Path=/; Secure; HttpOnly")])
    else:
        await send_text(send, dict(scope["headers"]).get(b"cookie", b"").decode())


def test_secure_cookies_need_an_https_base_url() -> None:
    with TestClient(_secure_cookie_app) as client:
        client.get("/set")
        assert client.get("/show").text == ""
    with TestClient(_secure_cookie_app, base_url="https://testserver") as client:
        client.get("/set")
        assert client.get("/show").text == "sid=s1"
        client.cookies.clear()
        assert client.get("/show").text == ""
