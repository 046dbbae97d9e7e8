"""Blueprint: recording routes, name validation, prefixes, nesting and flattening."""

from __future__ import annotations

import os

import pytest

from heron.routing import Blueprint, Route, Router, RouteRecord

HERE = os.path.dirname(os.path.abspath(__file__))


def load(router: Router, records: list[RouteRecord]) -> Router:
    """What the application does with flattened records."""
    for rec in records:
        router.add(Route(rec.rule, rec.endpoint, rec.handler, rec.methods, rec.options))
    return router


def test_records_routes_as_declared() -> None:
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.get("/items/<int:item_id>", status_code=200)
    def item(item_id: int) -> None:
        return None

    @bp.route("/cart", methods=["GET", "POST"], name="basket")
    def cart() -> None:
        return None

    assert bp.routes == [
        RouteRecord("/items/<int:item_id>", "item", item, frozenset({"GET"}), {"status_code": 200}),
        RouteRecord("/cart", "basket", cart, frozenset({"GET", "POST"}), {}),
    ]
    assert bp.name == "shop"
    assert bp.url_prefix == "/shop"
    assert bp.root_path == HERE


def test_blueprint_has_its_own_hooks_and_error_handlers() -> None:
    a = Blueprint("a", __name__)
    b = Blueprint("b", __name__)

    @a.before_request
    def hook() -> None:
        return None

    @a.errorhandler(404)
    def missing() -> None:
        return None

    assert a.before_request_funcs == [hook]
    assert a.error_handlers == {404: missing}
    assert b.before_request_funcs == []
    assert b.error_handlers == {}


@pytest.mark.parametrize("name", ["admin.users", "", ".x"])
def test_blueprint_names_are_validated(name: str) -> None:
    with pytest.raises(ValueError, match="Blueprint name"):
        Blueprint(name, __name__)


def test_endpoint_names_may_not_contain_dots() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match=r"Endpoint name 'a\.b' may not contain '\.'"):
        bp.add_route("/x", print, name="a.b")


def test_rules_must_start_with_a_slash_or_be_empty() -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    with pytest.raises(ValueError, match="must start with '/'"):
        bp.add_route("x", print)
    bp.add_route("", print, name="root")
    assert bp.flatten()[0].rule == "/bp"


@pytest.mark.parametrize(
    ("prefix", "stored"), [("/admin/", "/admin"), ("/", None), ("", None), (None, None)]
)
def test_url_prefix_is_normalized(prefix: str | None, stored: str | None) -> None:
    assert Blueprint("bp", __name__, url_prefix=prefix).url_prefix == stored


def test_url_prefix_must_start_with_a_slash() -> None:
    with pytest.raises(ValueError, match="url_prefix must start with '/'"):
        Blueprint("bp", __name__, url_prefix="admin")


def test_flatten_prefixes_rules_and_endpoints() -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.get("/")
    def index() -> None:
        return None

    @bp.get("/users/<int:uid>", status_code=200)
    def user(uid: int) -> None:
        return None

    records = bp.flatten()
    assert [(r.rule, r.endpoint) for r in records] == [
        ("/admin/", "admin.index"),
        ("/admin/users/<int:uid>", "admin.user"),
    ]
    assert records[1].options == {"status_code": 200, "blueprint": "admin"}
    assert bp.routes[1].options == {"status_code": 200}  # the declaration is untouched
    overridden = bp.flatten(url_prefix="/staff", name="staff")
    assert [(r.rule, r.endpoint) for r in overridden] == [
        ("/staff/", "staff.index"),
        ("/staff/users/<int:uid>", "staff.user"),
    ]
    router = load(Router(), records)
    assert router.build("admin.user", {"uid": 5}) == "/admin/users/5"
    assert router.match("GET", "/admin/users/5")[0].handler is user


def test_nested_blueprints() -> None:
    api = Blueprint("api", __name__, url_prefix="/api")
    users = Blueprint("users", __name__, url_prefix="/users")
    api.register_blueprint(users)
    api.register_blueprint(users, url_prefix="/people", name="people")

    @api.get("/health")
    def health() -> None:
        return None

    @users.get("/<int:uid>")
    def show(uid: int) -> None:
        return None

    records = api.flatten()
    assert [(r.rule, r.endpoint, r.options["blueprint"]) for r in records] == [
        ("/api/health", "api.health", "api"),
        ("/api/users/<int:uid>", "api.users.show", "api.users"),
        ("/api/people/<int:uid>", "api.people.show", "api.people"),
    ]
    setups = api.walk()
    assert [(s.name, s.url_prefix) for s in setups] == [
        ("api", "/api"),
        ("api.users", "/api/users"),
        ("api.people", "/api/people"),
    ]
    assert setups[1].chain == (api, users)
    router = load(Router(), records)
    assert router.build("api.people.show", {"uid": 2}) == "/api/people/2"


def test_nesting_errors() -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    with pytest.raises(ValueError, match="on itself"):
        parent.register_blueprint(parent)
    parent.register_blueprint(child)
    with pytest.raises(ValueError, match="already has a nested blueprint named 'child'"):
        parent.register_blueprint(child)
    with pytest.raises(ValueError, match="may not contain"):
        parent.register_blueprint(child, name="a.b")
    child.register_blueprint(parent)
    with pytest.raises(ValueError, match="nested inside itself"):
        parent.walk()


def test_blueprint_folders(tmp_path: object) -> None:
    bp = Blueprint(
        "bp", __name__, template_folder="templates", static_folder="static", static_url_path="/s"
    )
    assert bp.template_folder == os.path.join(HERE, "templates")
    assert bp.static_folder == os.path.join(HERE, "static")
    assert bp.static_url_path == "/s"
    assert Blueprint("b2", __name__, static_folder="assets").static_url_path == "/assets"
