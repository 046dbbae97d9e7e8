"""Key examples of parameters, validation, dependencies and responses-models, as written.

No ``from __future__ import annotations`` here: the examples are run as the pages show them.
"""

import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

import heron.db
from heron import (
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    Heron,
    HTTPException,
    OAuth2PasswordBearer,
    Path,
    Query,
    Request,
    RequestValidationError,
    Security,
    SecurityScopes,
    UploadFile,
    abort,
)
from heron.db import Model, atomic, connections, fields
from heron.db.migrations.executor import create_all_tables
from heron.params import ResponseValidationError
from heron.testing import TestClient


def client_for(app: Heron, **options: Any) -> TestClient:
    app.config["TESTING"] = True
    app.config["SECRET_KEY"] = "x"
    return TestClient(app, **options)


# -- parameters.md ------------------------------------------------------------------------


class Item(BaseModel):
    name: str
    price: float


class ItemIn(BaseModel):
    name: str = Field(min_length=1)
    price: float = Field(gt=0)
    tags: list[str] = []


@dataclass
class Point:
    x: int
    y: int


class Move(TypedDict):
    dx: int
    dy: int


def parameters_app() -> Heron:
    app = Heron(__name__)

    @app.put("/shops/<int:shop_id>/items/<slug:code>")
    async def save_item(
        shop_id: int,
        code: str,
        item: Item,
        notify: bool = False,
        tags: Annotated[list[str], Query(alias="tag")] = [],  # noqa: B006
        user_agent: Annotated[str | None, Header()] = None,
    ):
        return {"shop": shop_id, "code": code, "item": item, "notify": notify, "tags": tags}

    @app.get("/users/<int:user_id>")
    async def user(user_id: int):
        return {"id": user_id}

    @app.get("/orders/<order_id>")
    async def order(order_id: int):
        return {"id": order_id}

    @app.get("/pages/<int:number>")
    async def page(number: Annotated[int, Path(ge=1, le=500)]):
        return {"page": number}

    @app.get("/search")
    async def search(q: str, page: int = 1, tag: list[str] = [], sort: str | None = None):  # noqa: B006
        tag.append("mutated")  # each request gets its own default list
        return {"q": q, "page": page, "tag": tag, "sort": sort}

    @app.get("/products")
    async def products(
        page_size: Annotated[int, Query(alias="page-size", ge=1, le=100)] = 20,
        code: Annotated[
            str | None, Query(min_length=3, max_length=8, pattern=r"^[A-Z0-9]+$")
        ] = None,
        q: Annotated[str, Query(description="Words to look for")] = "",
        legacy: Annotated[bool, Query(deprecated=True)] = False,
        debug: Annotated[bool, Query(include_in_schema=False)] = False,
    ):
        return {"page_size": page_size, "code": code}

    @app.get("/whoami")
    async def whoami(
        user_agent: Annotated[str | None, Header()] = None,
        x_token: Annotated[list[str], Header()] = [],  # noqa: B006
        x_request_id: Annotated[str | None, Header(alias="X-Request-ID")] = None,
        x_legacy_name: Annotated[str | None, Header(convert_underscores=False)] = None,
    ):
        return {"agent": user_agent, "tokens": x_token, "id": x_request_id, "raw": x_legacy_name}

    @app.get("/theme")
    async def theme(
        theme: Annotated[str, Cookie()] = "light",
        session_id: Annotated[str | None, Cookie(alias="session-id")] = None,
    ):
        return {"theme": theme, "session": session_id}

    @app.post("/items", status_code=201)
    async def create_item(item: ItemIn):
        return {"name": item.name, "price": item.price}

    @app.post("/points")
    async def add_point(point: Point):
        return {"sum": point.x + point.y}

    @app.post("/moves")
    async def move(step: Move):
        return step

    @app.put("/items/<int:item_id>")
    async def update_item(
        item_id: int,
        item: ItemIn,
        note: Annotated[str, Body(max_length=200)],
        importance: Annotated[int, Body(gt=0)] = 1,
    ):
        return {"id": item_id, "name": item.name, "note": note, "importance": importance}

    @app.post("/items/embedded")
    async def create_embedded(item: Annotated[ItemIn, Body(embed=True)]):
        return item

    @app.post("/counter")
    async def set_counter(value: Annotated[int, Body()]):
        return {"value": value}

    @app.post("/payload")
    async def payload(data: Annotated[dict[str, Any], Body()]):
        return data

    @app.post("/login")
    async def login(
        username: Annotated[str, Form()],
        password: Annotated[str, Form(min_length=8)],
        remember: Annotated[bool, Form()] = False,
    ):
        return {"username": username, "remember": remember}

    @app.post("/avatars")
    async def upload_avatar(avatar: UploadFile, caption: Annotated[str, Form()] = ""):
        data = await avatar.read()
        return {"filename": avatar.filename, "type": avatar.content_type, "size": len(data)}

    @app.post("/attachments")
    async def attach(files: list[UploadFile]):
        return {"names": [f.filename for f in files]}

    @app.post("/checksum")
    async def checksum(file: Annotated[bytes, File()]):
        return {"size": len(file)}

    @app.get("/here")
    async def here(request: Request, verbose: bool = False):
        return {"path": request.url.path, "verbose": verbose}

    return app


@pytest.fixture(scope="module")
def params_client() -> TestClient:
    return client_for(parameters_app())


def test_first_example_reads_every_location(params_client: TestClient) -> None:
    response = params_client.put(
        "/shops/3/items/blue-pen?notify=yes&tag=a&tag=b",
        json={"name": "pen", "price": 2},
        headers={"User-Agent": "docs"},
    )
    assert response.json() == {
        "shop": 3,
        "code": "blue-pen",
        "item": {"name": "pen", "price": 2.0},
        "notify": True,
        "tags": ["a", "b"],
    }


def test_path_parameters(params_client: TestClient) -> None:
    assert params_client.get("/users/7").json() == {"id": 7}
    assert params_client.get("/users/abc").status_code == 404
    wrong = params_client.get("/orders/abc")
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["path", "order_id"]
    assert params_client.get("/orders/5").json() == {"id": 5}
    assert [params_client.get(f"/pages/{n}").status_code for n in (0, 1, 500, 501)] == [
        422,
        200,
        200,
        422,
    ]


def test_undeclared_path_parameter_fails_at_start() -> None:
    from heron.params import HandlerSignatureError

    app = Heron(__name__)

    @app.get("/users/<int:uid>")
    async def user(user_id: Annotated[int, Path()]):
        return {}

    with pytest.raises(HandlerSignatureError, match="user_id"):
        client_for(app).get("/users/1")


def test_query_parameters(params_client: TestClient) -> None:
    assert params_client.get("/search?q=heron").json() == {
        "q": "heron",
        "page": 1,
        "tag": ["mutated"],
        "sort": None,
    }
    again = params_client.get("/search?q=heron&page=3&tag=a&tag=b").json()
    assert (again["page"], again["tag"]) == (3, ["a", "b", "mutated"])
    missing = params_client.get("/search")
    assert missing.status_code == 422
    assert missing.json()["detail"] == [
        {"type": "missing", "loc": ["query", "q"], "msg": "Field required"}
    ]
    assert params_client.get("/search?q=heron&page=two").status_code == 422


def test_query_options(params_client: TestClient) -> None:
    assert params_client.get("/products?page-size=5").json() == {"page_size": 5, "code": None}
    assert params_client.get("/products?page_size=5").json()["page_size"] == 20
    bad = params_client.get("/products?page-size=0&code=ab")
    assert [(e["type"], e["loc"]) for e in bad.json()["detail"]] == [
        ("greater_than_equal", ["query", "page-size"]),
        ("string_too_short", ["query", "code"]),
    ]
    assert params_client.get("/products?code=abc1").json()["detail"][0]["type"] == (
        "string_pattern_mismatch"
    )
    assert params_client.get("/products?code=ABC1&legacy=1&debug=1").status_code == 200


def test_headers_and_cookies(params_client: TestClient) -> None:
    response = params_client.get(
        "/whoami",
        headers=[
            ("User-Agent", "docs"),
            ("X-Token", "a"),
            ("X-Token", "b"),
            ("X-Request-ID", "r1"),
            ("x_legacy_name", "old"),
        ],
    )
    assert response.json() == {"agent": "docs", "tokens": ["a", "b"], "id": "r1", "raw": "old"}
    assert params_client.get("/theme").json() == {"theme": "light", "session": None}
    cookies = {"theme": "dark", "session-id": "s1"}
    assert TestClient(params_client.app, cookies=cookies).get("/theme").json() == {
        "theme": "dark",
        "session": "s1",
    }


def test_json_bodies(params_client: TestClient) -> None:
    created = params_client.post("/items", json={"name": "pen", "price": 2})
    assert (created.status_code, created.json()) == (201, {"name": "pen", "price": 2.0})
    assert params_client.post("/points", json={"x": 1, "y": 2}).json() == {"sum": 3}
    assert params_client.post("/moves", json={"dx": 1, "dy": "2"}).json() == {"dx": 1, "dy": 2}
    missing = params_client.post("/items")
    assert missing.json()["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required"}
    ]


def test_several_and_embedded_body_values(params_client: TestClient) -> None:
    body = {"item": {"name": "pen", "price": 2}, "note": "restocked", "importance": 3}
    assert params_client.put("/items/4", json=body).json() == {
        "id": 4,
        "name": "pen",
        "note": "restocked",
        "importance": 3,
    }
    embedded = params_client.post("/items/embedded", json={"item": {"name": "a", "price": 1}})
    assert embedded.json() == {"name": "a", "price": 1.0, "tags": []}
    assert params_client.post("/counter", json=5).json() == {"value": 5}
    assert params_client.post("/payload", json={"a": [1]}).json() == {"a": [1]}


def test_forms_and_files(params_client: TestClient) -> None:
    form = {"username": "ann", "password": "long enough", "remember": "on"}
    assert params_client.post("/login", data=form).json() == {"username": "ann", "remember": True}
    short = params_client.post("/login", data={"username": "ann", "password": "short"})
    assert short.json()["detail"][0]["loc"] == ["body", "password"]
    avatar = params_client.post(
        "/avatars", files={"avatar": ("me.png", b"12345", "image/png")}, data={"caption": "hi"}
    )
    assert avatar.json() == {"filename": "me.png", "type": "image/png", "size": 5}
    files = [("files", ("a.txt", b"1")), ("files", ("b.txt", b"2"))]
    assert params_client.post("/attachments", files=files).json() == {"names": ["a.txt", "b.txt"]}
    assert params_client.post("/checksum", files={"file": ("f", b"abc")}).json() == {"size": 3}


def test_request_parameter(params_client: TestClient) -> None:
    assert params_client.get("/here?verbose=on").json() == {"path": "/here", "verbose": True}


# -- validation.md ------------------------------------------------------------------------


class PricedItem(BaseModel):
    name: str
    price: float = Field(gt=0)


def validation_app() -> Heron:
    app = Heron(__name__)

    @app.put("/items/<item_id>")
    async def update_item(item_id: int, item: PricedItem, notify: Annotated[bool, Query()] = False):
        return {"id": item_id, "name": item.name}

    @app.post("/accounts/<name>")
    async def create_account(name: str):
        abort(409, "That name is taken")

    @app.post("/login")
    async def login(username: Annotated[str, Form()]):
        return {"username": username}

    return app


def test_every_error_in_one_answer() -> None:
    client = client_for(validation_app())
    response = client.put("/items/abc?notify=maybe", json={"price": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": [
            {
                "type": "int_parsing",
                "loc": ["path", "item_id"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            },
            {
                "type": "bool_parsing",
                "loc": ["query", "notify"],
                "msg": "Input should be a valid boolean, unable to interpret input",
            },
            {"type": "missing", "loc": ["body", "name"], "msg": "Field required"},
            {
                "type": "greater_than",
                "loc": ["body", "price"],
                "msg": "Input should be greater than 0",
            },
        ]
    }


def test_body_media_types() -> None:
    client = client_for(validation_app())
    body = b'{"name": "pen", "price": 1}'
    for content_type in (None, "application/json; charset=utf-8", "application/merge-patch+json"):
        headers = {"content-type": content_type} if content_type else {}
        assert client.put("/items/1", content=body, headers=headers).status_code == 200
    refused = client.put("/items/1", content=body, headers={"content-type": "text/plain"})
    assert (refused.status_code, refused.headers["content-type"]) == (415, "application/json")
    browser = {"content-type": "text/plain", "accept": "text/html,application/xhtml+xml"}
    page = client.put("/items/1", content=body, headers=browser)
    assert page.headers["content-type"].startswith("text/html")
    assert client.post("/login", json={"username": "ann"}).status_code == 415
    broken = client.put("/items/1", content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["type"] == "json_invalid"
    assert broken.json()["detail"][0]["loc"] == ["body"]


def test_body_size_limit() -> None:
    app = validation_app()
    app.config["MAX_BODY_SIZE"] = 100
    client = client_for(app)
    too_big = client.put("/items/1", json={"name": "x" * 200, "price": 1})
    assert too_big.status_code == 413


def test_json_or_html_errors() -> None:
    client = client_for(validation_app())
    by_accept = client.post("/accounts/ann", headers={"Accept": "application/json"})
    assert by_accept.json() == {"detail": "That name is taken"}
    by_body = client.post("/accounts/ann", json={"x": 1})
    assert (by_body.status_code, by_body.json()) == (409, {"detail": "That name is taken"})
    page = client.post("/accounts/ann", headers={"Accept": "text/html"}, data={"a": "b"})
    assert page.headers["content-type"].startswith("text/html")
    assert "That name is taken" in page.text


def test_problem_details() -> None:
    app = validation_app()
    app.config["PROBLEM_DETAILS"] = True
    client = client_for(app)
    invalid = client.put("/items/1", json={"price": 1})
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json() == {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "The request did not validate",
        "errors": [{"type": "missing", "loc": ["body", "name"], "msg": "Field required"}],
    }
    conflict = client.post("/accounts/ann", json={})
    assert conflict.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "That name is taken",
    }


def test_custom_validation_error_handler() -> None:
    app = validation_app()

    @app.errorhandler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        fields = {
            ".".join(str(part) for part in error["loc"][1:]) or error["loc"][0]: error["msg"]
            for error in exc.errors
        }
        return {"error": "invalid input", "fields": fields}, 400

    response = client_for(app).put("/items/abc", json={"price": 0})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid input",
        "fields": {
            "item_id": "Input should be a valid integer, unable to parse string as an integer",
            "name": "Field required",
            "price": "Input should be greater than 0",
        },
    }


# -- dependencies.md ----------------------------------------------------------------------


def pagination(
    page: Annotated[int, Query(ge=1)] = 1, per_page: Annotated[int, Query(ge=1, le=100)] = 20
) -> dict[str, int]:
    return {"offset": (page - 1) * per_page, "limit": per_page}


async def current_user(x_user: Annotated[str | None, Header()] = None) -> str:
    if x_user is None:
        raise HTTPException(401, "Sign in first", headers={"WWW-Authenticate": "Bearer"})
    return x_user


async def admin_user(user: Annotated[str, Depends(current_user)]) -> str:
    if user != "root":
        raise HTTPException(403, "Administrators only")
    return user


def new_token() -> str:
    return secrets.token_hex(8)


class Paging:
    def __init__(self, page: int = 1, size: Annotated[int, Query(le=100)] = 10) -> None:
        self.page = page
        self.size = size


class RequireWord:
    def __init__(self, word: str) -> None:
        self.word = word

    def __call__(self, q: str = "") -> bool:
        return self.word in q


mentions_heron = RequireWord("heron")


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    if authorization is None or not authorization.startswith("Bearer "):
        raise HTTPException(401, headers={"WWW-Authenticate": "Bearer"})
    return authorization.removeprefix("Bearer ")


EVENTS: list[str] = []


async def resource() -> AsyncIterator[str]:
    EVENTS.append("open")
    try:
        yield "resource"
        EVENTS.append("success")
    except Exception as exc:
        EVENTS.append(f"failed: {type(exc).__name__}")
        raise
    finally:
        EVENTS.append("closed")


async def transaction() -> AsyncIterator[None]:
    async with atomic():
        yield


def dependencies_app() -> Heron:
    app = Heron(__name__)

    @app.get("/posts")
    async def posts(
        page: Annotated[dict[str, int], Depends(pagination)],
        user: Annotated[str, Depends(current_user)],
    ):
        return {"user": user, **page}

    @app.get("/admin/stats")
    def stats(
        admin: Annotated[str, Depends(admin_user)], user: Annotated[str, Depends(current_user)]
    ):
        return {"admin": admin, "same_user": admin == user}

    @app.get("/tokens")
    async def tokens(
        a: Annotated[str, Depends(new_token)],
        b: Annotated[str, Depends(new_token)],
        c: Annotated[str, Depends(new_token, use_cache=False)],
    ):
        return {"a_is_b": a == b, "a_is_c": a == c}

    @app.get("/articles")
    async def articles(paging: Annotated[Paging, Depends()]):
        return {"page": paging.page, "size": paging.size}

    @app.get("/mentions")
    async def mentions(found: Annotated[bool, Depends(mentions_heron)]):
        return {"found": found}

    @app.get("/use")
    async def use(res: Annotated[str, Depends(resource)], fail: bool = False):
        if fail:
            abort(409, "conflict")
        return {"using": res}

    @app.after_request
    def after(response: Any) -> Any:
        EVENTS.append("after_request")
        return response

    @app.get("/reports")
    async def reports(
        token: Annotated[str, Security(bearer_token, scopes=["reports:read"])],
    ):
        return {"token": token}

    return app


def test_dependencies_with_parameters() -> None:
    client = client_for(dependencies_app())
    ok = client.get("/posts?page=3&per_page=10", headers={"X-User": "ann"})
    assert ok.json() == {"user": "ann", "offset": 20, "limit": 10}
    anonymous = client.get("/posts")
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    too_many = client.get("/posts?per_page=1000", headers={"X-User": "ann"})
    assert too_many.json()["detail"][0]["loc"] == ["query", "per_page"]


def test_nested_and_cached_dependencies() -> None:
    client = client_for(dependencies_app())
    assert client.get("/admin/stats", headers={"X-User": "ann"}).status_code == 403
    root = client.get("/admin/stats", headers={"X-User": "root"})
    assert root.json() == {"admin": "root", "same_user": True}
    assert client.get("/tokens").json() == {"a_is_b": True, "a_is_c": False}


def test_class_and_instance_dependencies() -> None:
    client = client_for(dependencies_app())
    assert client.get("/articles?page=2").json() == {"page": 2, "size": 10}
    assert client.get("/articles?size=500").status_code == 422
    assert client.get("/mentions", params={"q": "a grey heron"}).json() == {"found": True}
    assert client.get("/mentions?q=duck").json() == {"found": False}


def test_generator_cleanup_after_response_and_on_errors() -> None:
    client = client_for(dependencies_app())
    EVENTS.clear()
    assert client.get("/use").json() == {"using": "resource"}
    assert EVENTS == ["open", "after_request", "success", "closed"]
    EVENTS.clear()
    assert client.get("/use?fail=1").status_code == 409
    assert EVENTS == ["open", "failed: HTTPException", "closed"]


def test_dependency_overrides() -> None:
    app = dependencies_app()
    client = client_for(app)
    assert client.get("/posts").status_code == 401
    app.dependency_overrides[current_user] = lambda: "tester"
    try:
        response = client.get("/posts")
        assert response.json() == {"user": "tester", "offset": 0, "limit": 20}
        assert client.get("/admin/stats").status_code == 403  # nested uses are replaced too
    finally:
        app.dependency_overrides.clear()
    assert client.get("/posts").status_code == 401


def test_security_dependency() -> None:
    client = client_for(dependencies_app())
    assert client.get("/reports").status_code == 401
    allowed = client.get("/reports", headers={"Authorization": "Bearer abc"})
    assert allowed.json() == {"token": "abc"}


def scopes_app() -> Heron:
    """The SecurityScopes example, with a token format of "user:scope,scope"."""
    app = Heron(__name__)
    oauth2 = OAuth2PasswordBearer(token_url="/token", scopes={"read": "Read", "me": "Me"})

    def decode_token(token: str) -> tuple[str, list[str]]:
        user, _, granted = token.partition(":")
        return user, granted.split(",")

    def current_user(security_scopes: SecurityScopes, token: str = Depends(oauth2)) -> str:
        user, granted = decode_token(token)
        for scope in security_scopes.scopes:
            if scope not in granted:
                raise HTTPException(
                    403,
                    "Not enough permissions",
                    headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
                )
        return user

    def active_user(user: Annotated[str, Security(current_user, scopes=["me"])]) -> str:
        return user

    @app.get("/reports")
    async def reports(user: Annotated[str, Security(active_user, scopes=["read"])]):
        return {"user": user}

    return app


def test_security_scopes_example() -> None:
    client = client_for(scopes_app())
    allowed = client.get("/reports", headers={"Authorization": "Bearer ann:read,me"})
    assert allowed.json() == {"user": "ann"}
    denied = client.get("/reports", headers={"Authorization": "Bearer ann:read"})
    assert denied.status_code == 403
    assert denied.headers["www-authenticate"] == 'Bearer scope="read me"'


# -- responses-models.md ------------------------------------------------------------------


class UserIn(BaseModel):
    name: str
    password: str


class UserOut(BaseModel):
    id: int
    name: str
    email: str | None = None


class Profile(BaseModel):
    id: int
    name: str
    bio: str = ""
    website: str | None = None


def responses_app() -> Heron:
    app = Heron(__name__)

    @app.post("/users", status_code=201)
    async def create_user(user: UserIn) -> UserOut:
        saved = {"id": 1, "name": user.name, "password": user.password}
        return saved  # type: ignore[return-value]

    @app.get("/users/<int:user_id>", response_model=UserOut)
    async def get_user(user_id: int) -> dict[str, object]:
        return {"id": user_id, "name": "ann", "password": "secret"}

    @app.put("/users/<int:user_id>")
    async def replace_user(user_id: int, user: UserIn) -> UserOut:
        created = user_id > 100
        body = {"id": user_id, "name": user.name}
        return body, (201 if created else 200), {"X-User-Id": str(user_id)}  # type: ignore[return-value]

    @app.delete("/users/<int:user_id>")
    async def delete_user(user_id: int) -> None:
        return None

    @app.get("/profiles/<int:profile_id>", response_model_exclude_none=True)
    async def profile(profile_id: int) -> Profile:
        return {"id": profile_id, "name": "ann"}  # type: ignore[return-value]

    @app.get("/profiles/<int:profile_id>/short", response_model_exclude_unset=True)
    async def profile_short(profile_id: int) -> Profile:
        return {"id": profile_id, "name": "ann"}  # type: ignore[return-value]

    @app.get("/broken")
    async def broken() -> UserOut:
        return {"id": "x"}  # type: ignore[return-value]

    return app


def test_response_model_filters_and_status() -> None:
    client = client_for(responses_app())
    created = client.post("/users", json={"name": "ann", "password": "secret"})
    assert (created.status_code, created.json()) == (201, {"id": 1, "name": "ann", "email": None})
    assert client.get("/users/2").json() == {"id": 2, "name": "ann", "email": None}
    replaced = client.put("/users/101", json={"name": "bo", "password": "p"})
    assert (replaced.status_code, replaced.headers["x-user-id"]) == (201, "101")
    assert replaced.json() == {"id": 101, "name": "bo", "email": None}
    assert client.put("/users/5", json={"name": "bo", "password": "p"}).status_code == 200
    deleted = client.delete("/users/5")
    assert (deleted.status_code, deleted.content) == (204, b"")


def test_response_model_dump_options() -> None:
    client = client_for(responses_app())
    assert client.get("/profiles/1").json() == {"id": 1, "name": "ann", "bio": ""}
    assert client.get("/profiles/1/short").json() == {"id": 1, "name": "ann"}


def test_wrong_return_value_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    app = responses_app()
    with pytest.raises(ResponseValidationError, match="broken returned"):
        client_for(app).get("/broken")
    quiet = TestClient(app, raise_server_exceptions=False)
    app.config["TESTING"] = False
    with caplog.at_level(logging.ERROR, logger="heron.error"):
        response = quiet.get("/broken")
    assert response.status_code == 500
    assert "id" not in response.text
    assert "ResponseValidationError" in caplog.text


class DocsBook(Model):
    title = fields.String(max_length=200)
    year = fields.Integer()
    isbn = fields.String(max_length=20, default="")

    class Meta:
        label = "paramsdocs"


class BookOut(BaseModel):
    id: int
    title: str
    year: int


@pytest.fixture
def books_app(tmp_path: FilePath) -> Iterator[Heron]:
    app = Heron(__name__)
    app.config["DATABASE_URL"] = f"sqlite:///{tmp_path / 'books.sqlite3'}"
    app.install(heron.db)
    create_all_tables(labels=["paramsdocs"])
    DocsBook.objects.all().delete()
    DocsBook.objects.create(title="Dune", year=1965, isbn="x")
    DocsBook.objects.create(title="Beloved", year=1987)

    @app.get("/books")
    async def books() -> list[BookOut]:
        return DocsBook.objects.order_by("title")  # type: ignore[return-value]

    @app.get("/books-sync")
    def books_sync() -> list[BookOut]:
        return DocsBook.objects.order_by("title")  # type: ignore[return-value]

    @app.get("/books/<int:book_id>")
    async def book(book_id: int) -> BookOut:
        return await DocsBook.objects.aget_or_404(id=book_id)  # type: ignore[return-value]

    @app.get("/books/all")
    async def all_books():
        return await DocsBook.objects.order_by("id")

    yield app
    connections.reset()


def test_orm_objects_through_a_schema(books_app: Heron) -> None:
    client = client_for(books_app)
    listed = client.get("/books").json()
    assert [(b["title"], b["year"]) for b in listed] == [("Beloved", 1987), ("Dune", 1965)]
    assert all(set(b) == {"id", "title", "year"} for b in listed)
    assert client.get("/books-sync").json() == listed
    first = listed[1]["id"]
    assert client.get(f"/books/{first}").json() == listed[1]
    assert client.get("/books/999999", headers={"Accept": "application/json"}).status_code == 404


def test_orm_objects_without_a_schema(books_app: Heron) -> None:
    rows = client_for(books_app).get("/books/all").json()
    assert [(r["title"], r["year"], r["isbn"]) for r in rows] == [
        ("Dune", 1965, "x"),
        ("Beloved", 1987, ""),
    ]


def test_transaction_dependency_rolls_back(books_app: Heron) -> None:
    @books_app.post("/transfers", status_code=201)
    async def transfer(tx: Annotated[None, Depends(transaction)], fail: bool = False):
        await DocsBook.objects.acreate(title="Draft", year=2024)
        if fail:
            abort(409)

    client = client_for(books_app)
    assert client.post("/transfers?fail=1").status_code == 409
    assert not DocsBook.objects.filter(title="Draft").exists()
    assert client.post("/transfers").status_code == 201
    assert DocsBook.objects.filter(title="Draft").count() == 1
