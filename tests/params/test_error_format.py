"""How request errors are answered: JSON for APIs, pages for browsers, RFC 9457 on request."""

from pydantic import BaseModel

from heron import Heron, RequestValidationError, abort
from heron.testing import TestClient


class Item(BaseModel):
    name: str


def test_validation_errors_are_json_even_for_browsers(app: Heron, client: TestClient) -> None:
    @app.get("/")
    async def handler(page: int) -> str:
        return "page"

    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"


def test_api_routes_answer_other_errors_in_json(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item) -> Item:
        abort(409, "Duplicate item")

    @app.get("/page")
    async def page() -> str:
        abort(409, "Duplicate item")

    assert client.post("/items", json={"name": "a"}).json() == {"detail": "Duplicate item"}
    curl = client.post("/items", content=b"x=1", headers={"Content-Type": "text/plain"})
    assert (curl.status_code, curl.headers["content-type"]) == (415, "application/json")
    browser = client.get("/page", headers={"Accept": "text/html"})
    assert browser.headers["content-type"].startswith("text/html")


def test_problem_details_option(app: Heron, client: TestClient) -> None:
    app.config["PROBLEM_DETAILS"] = True

    @app.post("/items")
    async def create(item: Item) -> Item:
        abort(409, "Duplicate item")

    invalid = client.post("/items", json={})
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json() == {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "The request did not validate",
        "errors": [{"type": "missing", "loc": ["body", "name"], "msg": "Field required"}],
    }
    conflict = client.post("/items", json={"name": "a"})
    assert conflict.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Duplicate item",
    }


def test_custom_handler_for_validation_errors(app: Heron, client: TestClient) -> None:
    @app.errorhandler(RequestValidationError)
    async def flat(request: object, exc: RequestValidationError) -> tuple[dict, int]:
        return {"fields": [".".join(map(str, e["loc"])) for e in exc.errors]}, 400

    @app.get("/")
    async def handler(page: int) -> str:
        return ""

    response = client.get("/?page=x")
    assert (response.status_code, response.json()) == (400, {"fields": ["query.page"]})
