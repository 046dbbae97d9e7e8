"""Scaffold: route decorators, hooks, error handlers and folders resolved from import_name."""

from __future__ import annotations

import functools
import os
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from heron.routing import Route, Router, Scaffold, get_root_path

HERE = os.path.dirname(os.path.abspath(__file__))


class MiniApp(Scaffold):
    """What Heron does with declared routes, reduced to the router part."""

    def __init__(self, import_name: str = __name__, **kwargs: Any) -> None:
        super().__init__(import_name, **kwargs)
        self.router = Router()

    def _register_route(
        self,
        rule: str,
        endpoint: str,
        handler: Callable[..., Any],
        methods: frozenset[str],
        options: dict[str, Any],
    ) -> Route:
        return self.router.add(Route(rule, endpoint, handler, methods, options))


def test_route_decorator_registers_and_returns_the_function() -> None:
    app = MiniApp()

    @app.route("/users/<int:user_id>", status_code=200, tags=["users"])
    def show_user(user_id: int) -> str:
        return str(user_id)

    assert show_user(3) == "3"
    route, params = app.router.match("GET", "/users/3")
    assert route.handler is show_user
    assert route.endpoint == "show_user"
    assert route.methods == {"GET"}
    assert route.options == {"status_code": 200, "tags": ["users"]}
    assert params == {"user_id": 3}


def test_route_with_methods_and_name() -> None:
    app = MiniApp()

    @app.route("/items", methods=["get", "POST"], name="items")
    def handler() -> None:
        return None

    route = app.router.routes[0]
    assert route.endpoint == "items"
    assert route.methods == {"GET", "POST"}
    assert app.router.build("items") == "/items"


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts(verb: str) -> None:
    app = MiniApp()
    decorator = getattr(app, verb)("/thing", status_code=201)

    def thing() -> None:
        return None

    assert decorator(thing) is thing
    route = app.router.routes[0]
    assert route.methods == {verb.upper()}
    assert route.options == {"status_code": 201}


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_method_shortcuts_forbid_methods(verb: str) -> None:
    app = MiniApp()
    with pytest.raises(TypeError, match="use route"):
        getattr(app, verb)("/thing", methods=["GET", "POST"])


def test_add_route_without_decorator() -> None:
    app = MiniApp()

    def listing() -> None:
        return None

    app.add_route("/list", listing, methods=["GET"], name="the_list", status_code=200)
    assert app.router.match("GET", "/list")[0].endpoint == "the_list"


def test_add_route_validates_its_arguments() -> None:
    app = MiniApp()
    with pytest.raises(TypeError, match="rule must be a string"):
        app.add_route(b"/x", lambda: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be callable"):
        app.add_route("/x", "not callable")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pass name="):
        app.add_route("/x", functools.partial(print, "x"))
    with pytest.raises(TypeError, match="list of strings"):
        app.add_route("/x", print, methods="GET")
    app.add_route("/x", functools.partial(print, "x"), name="px")
    assert app.router.match("GET", "/x")[0].endpoint == "px"


def test_base_scaffold_does_not_know_how_to_register() -> None:
    with pytest.raises(NotImplementedError):
        Scaffold(__name__).add_route("/x", print)


def test_hooks_are_stored_in_order_and_returned() -> None:
    app = MiniApp()

    def first() -> None:
        return None

    def second() -> None:
        return None

    assert app.before_request(first) is first
    assert app.before_request(second) is second
    assert app.after_request(second) is second
    assert app.teardown_request(first) is first
    assert app.before_request_funcs == [first, second]
    assert app.after_request_funcs == [second]
    assert app.teardown_request_funcs == [first]


def test_error_handlers_by_code_and_class() -> None:
    app = MiniApp()

    @app.errorhandler(404)
    def not_found() -> None:
        return None

    @app.errorhandler(KeyError)
    def key_error() -> None:
        return None

    def conflict() -> None:
        return None

    app.register_error_handler(409, conflict)
    assert app.error_handlers == {404: not_found, KeyError: key_error, 409: conflict}


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (200, ValueError),
        (600, ValueError),
        ("404", TypeError),
        (True, TypeError),
        (KeyError("x"), TypeError),
        (int, TypeError),
    ],
)
def test_error_handler_keys_are_validated(key: Any, error: type[Exception]) -> None:
    app = MiniApp()
    with pytest.raises(error):
        app.register_error_handler(key, print)


def test_error_handler_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        MiniApp().register_error_handler(404, "nope")  # type: ignore[arg-type]


# -- folders --------------------------------------------------------------------------------


def test_root_path_is_the_module_directory() -> None:
    assert MiniApp(__name__).root_path == HERE


def test_root_path_for_main_without_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    monkeypatch.chdir(tmp_path)
    assert get_root_path("__main__") == str(tmp_path)


def test_root_path_of_a_module_not_imported_yet() -> None:
    sys.modules.pop("antigravity", None)
    import importlib.util

    spec = importlib.util.find_spec("antigravity")
    assert spec is not None and spec.origin is not None
    assert get_root_path("antigravity") == os.path.dirname(spec.origin)
    assert "antigravity" not in sys.modules


def test_root_path_of_an_unknown_module_is_the_cwd(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    assert get_root_path("no_such_module_heron_xyz.sub") == str(tmp_path)


def test_explicit_root_path_wins(tmp_path: Any) -> None:
    assert MiniApp(root_path=str(tmp_path)).root_path == str(tmp_path)


def test_folders_resolve_against_root_path(tmp_path: Any) -> None:
    app = MiniApp(root_path=str(tmp_path), template_folder="templates", static_folder="assets/")
    assert app.template_folder == os.path.join(str(tmp_path), "templates")
    assert app.static_folder == os.path.join(str(tmp_path), "assets/")
    assert app.static_url_path == "/assets"
    app.static_url_path = "/s/"
    assert app.static_url_path == "/s"
    absolute = os.path.join(str(tmp_path), "elsewhere")
    app.template_folder = absolute
    assert app.template_folder == absolute


def test_no_folders_by_default() -> None:
    app = MiniApp()
    assert app.template_folder is None
    assert app.static_folder is None
    assert app.static_url_path is None
