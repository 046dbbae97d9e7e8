"""The database commands' errors and options, run as ``python -m heron.cli`` in a project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import heron
from tests.cli.conftest import WriteFile

ROOT = Path(heron.__file__).resolve().parent.parent

APP = """
import os
from heron import Heron

import shop.models  # noqa: F401

app = Heron(__name__)
app.config["DATABASE_URL"] = os.environ.get("APP_DATABASE_URL", "sqlite:///app.sqlite3")
"""

MODELS = """
from heron.db import Model, fields


class Product(Model):
    name = fields.String(max_length=100)

    class Meta:
        label = "shop"
"""


@pytest.fixture
def shop(write: WriteFile, project: Path) -> Path:
    """A project whose app (using ``app.sqlite3``) imports the ``shop`` label's models."""
    write("app.py", APP)
    write("shop/__init__.py", "")
    write("shop/models.py", MODELS)
    return project


def heron_cli(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``heron ARGS`` in ``project``."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    for name in ("HERON_APP", "HERON_DATABASE_URL"):
        environ.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "heron.cli", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


UNKNOWN = "Error: No models have the label 'nope' (known: shop); is its models module imported"


@pytest.mark.parametrize(
    "args",
    [["showmigrations", "nope"], ["migrate", "nope"], ["migrate", "nope", "zero"],
     ["sqlmigrate", "nope", "0001"]],
    ids=["showmigrations", "migrate", "migrate-zero", "sqlmigrate"],
)  # fmt: skip
def test_an_unknown_label_is_an_error(shop: Path, args: list[str]) -> None:
    result = heron_cli(shop, *args)
    assert result.returncode == 1, result.stdout
    assert UNKNOWN in result.stderr


def test_an_unknown_target_is_an_error(shop: Path) -> None:
    heron_cli(shop, "makemigrations")
    result = heron_cli(shop, "migrate", "shop", "0042")
    assert result.returncode == 1
    assert "Error: 'shop' has no migration '0042' (it has: 0001_initial)." in result.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://postgres:secret@127.0.0.1:1/shop", "postgresql://postgres:***@127.0.0.1:1"),
        ("mysql://root@127.0.0.1:1/shop", "mysql://root@127.0.0.1:1/shop"),
    ],
    ids=["postgresql", "mysql"],
)
@pytest.mark.parametrize("args", [["migrate"], ["migrate", "--plan"], ["showmigrations"]])
def test_an_unreachable_database_is_a_one_line_error(
    shop: Path, url: str, shown: str, args: list[str]
) -> None:
    result = heron_cli(shop, *args, APP_DATABASE_URL=url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"Error: Cannot use the database 'default' ({shown}")
    assert "refused" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_makemigrations_check(shop: Path) -> None:
    missing = heron_cli(shop, "makemigrations", "--check")
    assert missing.returncode == 1
    assert "shop/migrations/0001_initial.py" in missing.stdout
    assert "Error: Models have changes without a migration" in missing.stderr
    assert not (shop / "shop" / "migrations" / "0001_initial.py").exists()

    assert heron_cli(shop, "makemigrations").returncode == 0
    again = heron_cli(shop, "makemigrations")
    assert again.stdout == "No changes detected.\n"
    assert sorted(p.name for p in (shop / "shop" / "migrations").glob("0*.py")) == [
        "0001_initial.py"
    ]
    up_to_date = heron_cli(shop, "makemigrations", "--check")
    assert up_to_date.returncode == 0, up_to_date.stderr
    assert up_to_date.stdout == "No changes detected.\n"


def test_shell_command_uses_the_apps_database(shop: Path) -> None:
    """``heron shell -c`` runs code with the models imported, on the app's DATABASE_URL
    (as ``heron migrate`` does), not the default ``db.sqlite3``."""
    heron_cli(shop, "makemigrations")
    assert heron_cli(shop, "migrate").returncode == 0
    code = "Product.objects.create(name='kite'); print(Product.objects.count())"
    result = heron_cli(shop, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"
    assert not (shop / "db.sqlite3").exists()
