"""``heron routes`` and ``heron shell`` through click's runner, and ``heron --help``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import heron
from heron.cli.main import cli
from tests.cli.conftest import WriteFile

ROOT = Path(heron.__file__).resolve().parent.parent

SITE = """
from heron import Blueprint, Heron

app = Heron(__name__, static_folder=None)
shop = Blueprint("shop", __name__, url_prefix="/shop")


@app.get("/")
def index(request):
    return "home"


@app.route("/posts/<int:post_id>", methods=["GET", "PUT", "DELETE"])
async def post_detail(request, post_id):
    return "post"


@app.post("/api/posts", name="create_post")
async def create(request):
    return {}


class Views:
    @staticmethod
    def about(request):
        return "about"


app.add_route("/about", Views.about)


@shop.get("/cart")
def cart(request):
    return "cart"


app.register_blueprint(shop)
"""


def test_routes_table_sorted_by_path(write: WriteFile) -> None:
    write("app.py", SITE)
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Methods", "Path", "Endpoint", "Handler"]
    assert set(lines[1]) == {"-", " "}
    rows = [line.split(None, 1) for line in lines[2:]]
    paths = [line.split()[-3] for line in lines[2:]]
    assert paths == ["/", "/about", "/api/posts", "/posts/<int:post_id>", "/shop/cart"]
    table = result.output
    assert "GET" in lines[2] and "app.index" in lines[2]
    assert "app.Views.about" in table
    assert "create_post" in table
    assert "shop.cart" in table
    post_line = next(line for line in lines if "/posts/<int:post_id>" in line)
    assert post_line.startswith("DELETE, GET, PUT")
    assert "HEAD" not in table
    assert "app.post_detail" in post_line
    assert len(rows) == 5


def test_routes_with_app_option(write: WriteFile) -> None:
    write("website.py", SITE)
    result = CliRunner().invoke(cli, ["routes", "--app", "website:app"])
    assert result.exit_code == 0, result.output
    assert "website.index" in result.output


def test_routes_without_routes(write: WriteFile) -> None:
    write("app.py", "from heron import Heron\napp = Heron(__name__, static_folder=None)\n")
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0
    assert result.output.strip() == "No routes."


def test_routes_of_a_non_heron_app(write: WriteFile) -> None:
    write("raw.py", "async def app(scope, receive, send):\n    pass\n")
    result = CliRunner().invoke(cli, ["routes", "--app", "raw:app"])
    assert result.exit_code == 2
    assert "not a Heron application" in result.output


def test_usage_error_when_no_app(project: Path) -> None:
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 2
    assert "Could not find a Heron application" in result.output


def test_import_error_in_user_module_is_shown(write: WriteFile) -> None:
    write("app.py", "import not_installed_pkg\n")
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 2
    assert "While importing 'app'" in result.output
    assert "No module named 'not_installed_pkg'" in result.output
    assert 'app.py", line 1' in result.output


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "serve", "routes", "shell"):
        assert f"  {command}" in result.output
    assert "HERON_APP" in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("Heron ")


def test_shell_has_app_in_namespace(write: WriteFile) -> None:
    write("app.py", SITE)
    result = CliRunner().invoke(
        cli,
        ["shell", "--plain"],
        input="print('name:', app.import_name)\nprint(len(app.router.routes))\n",
    )
    assert result.exit_code == 0, result.output
    assert "name: app" in result.output
    assert ">>> 5\n" in result.output
    assert "In the namespace: " in result.output
    assert "app" in result.output.split("In the namespace: ")[1].split("\n")[0].split(", ")


SITE_WITH_MODELS = """
from heron import Heron
from heron.db import Model, fields

app = Heron(__name__)


class Gadget(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "shelltest"
"""


def test_shell_imports_the_apps_models(write: WriteFile) -> None:
    write("app.py", SITE_WITH_MODELS)
    try:
        result = CliRunner().invoke(
            cli, ["shell", "--plain"], input="print(Gadget._meta.table_name, Q, atomic)\n"
        )
        assert result.exit_code == 0, result.output
        assert "shelltest_gadget <class 'heron.db.query.expressions.Q'>" in result.output
    finally:
        from heron.db import registry

        for model in list(registry.all_models()):
            if model._meta.label == "shelltest":
                registry.unregister(model)


def test_shell_includes_the_apps_shell_context(write: WriteFile) -> None:
    write(
        "app.py",
        """
        from heron import Heron

        class App(Heron):
            def shell_context(self):
                return {"Post": "the Post model"}

        app = App(__name__)
        """,
    )
    result = CliRunner().invoke(cli, ["shell", "--plain"], input="print(Post)\n")
    assert result.exit_code == 0, result.output
    assert "the Post model" in result.output
    names = result.output.split("In the namespace: ")[1].split("\n")[0].split(", ")
    assert {"Post", "app"} <= set(names)


def test_shell_with_piped_input_in_a_real_process(write: WriteFile, project: Path) -> None:
    write("app.py", SITE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("HERON_APP", None)
    completed = subprocess.run(
        [sys.executable, "-m", "heron.cli", "shell"],
        input="print('debug is', app.debug)\nprint(type(app).__name__)\n",
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "debug is False" in completed.stdout
    assert "Heron\n" in completed.stdout
