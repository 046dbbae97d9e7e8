"""App discovery: --app, HERON_APP, app.py/main.py, factories, and clear errors."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from heron import Heron
from heron.cli.discovery import app_factory, locate_app, parse_spec
from tests.cli.conftest import WriteFile

HERON_APP = """
from heron import Heron

{name} = Heron(__name__)
"""


def test_app_py_with_app_attribute(write: WriteFile) -> None:
    write("app.py", HERON_APP.format(name="app"))
    located = locate_app()
    assert isinstance(located.app, Heron)
    assert located.spec == "app:app"


def test_main_py_is_used_when_there_is_no_app_py(write: WriteFile) -> None:
    write("main.py", HERON_APP.format(name="app"))
    assert locate_app().spec == "main:app"


def test_app_py_wins_over_main_py(write: WriteFile) -> None:
    write("app.py", HERON_APP.format(name="app"))
    write("main.py", "raise RuntimeError('main.py must not be imported')\n")
    assert locate_app().spec == "app:app"


def test_single_heron_instance_under_another_name(write: WriteFile) -> None:
    write("app.py", HERON_APP.format(name="application") + "\nsettings = {'a': 1}\n")
    located = locate_app()
    assert located.spec == "app:application"
    assert isinstance(located.app, Heron)


def test_several_heron_instances_need_a_choice(write: WriteFile) -> None:
    write("app.py", HERON_APP.format(name="web") + "api = Heron('api')\n")
    with pytest.raises(click.UsageError, match=r"several Heron applications \(api, web\)"):
        locate_app()


def test_create_app_factory_is_called(write: WriteFile) -> None:
    write(
        "app.py",
        """
        from heron import Heron

        def create_app():
            app = Heron(__name__)
            app.config["FROM_FACTORY"] = True
            return app
        """,
    )
    located = locate_app()
    assert located.spec == "app:create_app()"
    assert located.app.config["FROM_FACTORY"] is True


def test_app_option_with_module_and_attribute(write: WriteFile) -> None:
    write("pkg/__init__.py", "")
    write("pkg/web.py", HERON_APP.format(name="site"))
    located = locate_app("pkg.web:site")
    assert located.spec == "pkg.web:site"
    assert located.app.import_name == "pkg.web"


def test_app_option_with_factory_call_and_literal_arguments(write: WriteFile) -> None:
    write(
        "factory_mod.py",
        """
        from heron import Heron

        def make(name, *, debug=False):
            app = Heron(name)
            app.config["DEBUG"] = debug
            return app
        """,
    )
    located = locate_app("factory_mod:make('shop', debug=True)")
    assert located.app.import_name == "shop"
    assert located.app.debug is True
    assert located.spec == "factory_mod:make('shop', debug=True)"


def test_module_without_attribute_is_searched(write: WriteFile) -> None:
    write("website.py", HERON_APP.format(name="app"))
    assert locate_app("website").spec == "website:app"


def test_heron_app_environment_variable(write: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    write("envapp.py", HERON_APP.format(name="app"))
    write("app.py", "raise RuntimeError('app.py must not be imported')\n")
    monkeypatch.setenv("HERON_APP", "envapp:app")
    assert locate_app().spec == "envapp:app"
    assert isinstance(app_factory(), Heron)


def test_app_option_wins_over_environment(
    write: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("chosen.py", HERON_APP.format(name="app"))
    monkeypatch.setenv("HERON_APP", "does_not_exist:app")
    assert locate_app("chosen:app").spec == "chosen:app"


def test_file_path_spec(write: WriteFile, project: Path) -> None:
    write("src/site_app.py", HERON_APP.format(name="app"))
    located = locate_app("src/site_app.py:app")
    assert isinstance(located.app, Heron)
    assert located.spec == "src/site_app.py:app"


def test_any_asgi_callable_is_accepted_when_named(write: WriteFile) -> None:
    write("raw.py", "async def asgi(scope, receive, send):\n    pass\n")
    assert locate_app("raw:asgi").spec == "raw:asgi"


def test_nothing_found(project: Path) -> None:
    with pytest.raises(click.UsageError, match="Could not find a Heron application") as info:
        locate_app()
    assert "--app" in info.value.message
    assert "HERON_APP" in info.value.message


def test_missing_module(project: Path) -> None:
    with pytest.raises(click.UsageError, match="Could not import 'nowhere'"):
        locate_app("nowhere:app")


def test_import_error_inside_the_module_shows_its_traceback(write: WriteFile) -> None:
    write("broken.py", "import os\nimport missing_dependency_xyz\n")
    with pytest.raises(click.UsageError) as info:
        locate_app("broken:app")
    message = info.value.message
    assert "While importing 'broken'" in message
    assert "Traceback (most recent call last)" in message
    assert "broken.py" in message
    assert "line 2" in message
    assert "No module named 'missing_dependency_xyz'" in message


def test_exception_at_import_shows_its_traceback(write: WriteFile) -> None:
    write("crashes.py", "x = 1\nraise RuntimeError('settings are broken')\n")
    with pytest.raises(click.UsageError, match="settings are broken") as info:
        locate_app("crashes")
    assert "crashes.py" in info.value.message


def test_syntax_error_is_reported(write: WriteFile) -> None:
    write("typo.py", "def broken(:\n    pass\n")
    with pytest.raises(click.UsageError, match="SyntaxError"):
        locate_app("typo:app")


def test_missing_attribute(write: WriteFile) -> None:
    write("hasnoapp.py", HERON_APP.format(name="app"))
    with pytest.raises(click.UsageError, match="has no attribute 'application'"):
        locate_app("hasnoapp:application")


def test_module_without_any_app(write: WriteFile) -> None:
    write("empty_mod.py", "x = 1\n")
    with pytest.raises(click.UsageError, match="No application found in module 'empty_mod'"):
        locate_app("empty_mod")


def test_not_callable(write: WriteFile) -> None:
    write("notapp.py", "app = 42\nconfig = {}\n")
    with pytest.raises(click.UsageError, match="not an application"):
        locate_app("notapp:config")


def test_factory_with_wrong_arguments(write: WriteFile) -> None:
    write("fact.py", "from heron import Heron\ndef create_app():\n    return Heron(__name__)\n")
    with pytest.raises(click.UsageError, match="Could not call factory 'create_app'"):
        locate_app("fact:create_app(1, 2)")


def test_factory_raising_type_error_inside_is_not_hidden(write: WriteFile) -> None:
    write("fact2.py", "def create_app():\n    return len(5)\n")
    with pytest.raises(TypeError, match="has no len"):
        locate_app("fact2:create_app()")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (":app", "expected 'module:attr'"),
        ("mod:1 +", "Invalid app attribute"),
        ("mod:a + b", "expected a name or a factory call"),
        ("mod:make(os.environ)", "must be Python literals"),
        ("missing_file.py:app", "File not found"),
    ],
)
def test_malformed_specs(project: Path, spec: str, message: str) -> None:
    with pytest.raises(click.UsageError, match=message):
        locate_app(spec)


def test_parse_spec() -> None:
    assert parse_spec("a.b:c") == ("a.b", "c")
    assert parse_spec("a.b") == ("a.b", None)
    assert parse_spec(" a : create_app() ") == ("a", "create_app()")
