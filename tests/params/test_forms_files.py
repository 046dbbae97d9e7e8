"""Form fields and uploaded files."""

from __future__ import annotations

from typing import Annotated

from heron import File, Form, Heron, UploadFile
from heron.testing import TestClient


def test_form_fields_are_validated(app: Heron, client: TestClient) -> None:
    @app.post("/login")
    async def login(
        username: Annotated[str, Form(min_length=3)],
        remember: Annotated[bool, Form()] = False,
    ) -> dict:
        return {"username": username, "remember": remember}

    response = client.post("/login", data={"username": "alice", "remember": "on"})
    assert response.json() == {"username": "alice", "remember": True}
    response = client.post("/login", data={"username": "al"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "username"]
    assert client.post("/login", data={}).json()["detail"][0]["type"] == "missing"


def test_form_route_refuses_json_with_415(app: Heron, client: TestClient) -> None:
    @app.post("/login")
    async def login(username: Annotated[str, Form()]) -> dict:
        return {}

    response = client.post("/login", json={"username": "alice"})
    assert response.status_code == 415


def test_upload_file_and_form_field(app: Heron, client: TestClient) -> None:
    @app.post("/upload")
    async def upload(document: UploadFile, title: Annotated[str, Form()] = "untitled") -> dict:
        return {"name": document.filename, "size": len(await document.read()), "title": title}

    files = {"document": ("report.txt", b"hello world", "text/plain")}
    response = client.post("/upload", files=files, data={"title": "Report"})
    assert response.json() == {"name": "report.txt", "size": 11, "title": "Report"}
    assert client.post("/upload", files={"other": ("a", b"x")}).json()["detail"][0]["loc"] == [
        "body",
        "document",
    ]


def test_many_files_and_bytes(app: Heron, client: TestClient) -> None:
    @app.post("/many")
    async def many(
        attachments: Annotated[list[UploadFile], File()],
        raw: Annotated[bytes, File()] = b"",
    ) -> dict:
        return {"names": [f.filename for f in attachments], "raw": raw.decode()}

    files = [
        ("attachments", ("a.txt", b"a", "text/plain")),
        ("attachments", ("b.txt", b"b", "text/plain")),
        ("raw", ("r.bin", b"raw-bytes", "application/octet-stream")),
    ]
    assert client.post("/many", files=files).json() == {
        "names": ["a.txt", "b.txt"],
        "raw": "raw-bytes",
    }


def test_text_where_a_file_is_expected_is_422(app: Heron, client: TestClient) -> None:
    @app.post("/upload")
    async def upload(document: UploadFile) -> dict:
        return {}

    response = client.post("/upload", data={"document": "not a file"}, files={"x": ("x", b"")})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "document"]
