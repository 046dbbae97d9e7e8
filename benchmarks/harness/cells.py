"""What is benchmarked: the apps, the servers, and the app@server cells built from them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from harness.endpoints import API, BASIC, DATABASE, GROUPS, Endpoint

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"
HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class App:
    """One framework's benchmark app: `module:attr` inside benchmarks/apps/.

    `group` says which test types it serves (plaintext/JSON, the database ones, or the JSON
    API ones),
    `reference` names the raw app its ratios are taken against, and `requires` lists the
    `module:name`s that must import for the app to run at all (else its cells are
    "unavailable", see `missing_requirement`).
    """

    name: str
    label: str
    module: str
    interface: str  # "asgi" or "wsgi"
    package: str  # distribution whose version is reported
    attr: str = "app"
    group: str = BASIC
    requires: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        """The `module:attr` string servers take."""
        return f"{self.module}:{self.attr}"

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The test types this app serves."""
        return GROUPS[self.group]

    @property
    def reference(self) -> str:
        """The app every ratio of this one is taken against."""
        return REFERENCES[self.group]


REFERENCES = {BASIC: "raw", DATABASE: "raw-db", API: "raw-api"}


def _db(name: str, label: str, module: str, interface: str, package: str) -> App:
    return App(name, label, module, interface, package, group=DATABASE)


def _api(name: str, label: str, module: str, package: str) -> App:
    return App(name, label, module, "asgi", package, group=API)


APPS: dict[str, App] = {
    a.name: a
    for a in (
        App("raw", "raw ASGI", "raw_asgi", "asgi", "orjson"),
        App("heron", "Heron", "heron_app", "asgi", "heron"),
        App("heron-defaults", "Heron (default headers)", "heron_defaults_app", "asgi", "heron"),
        App("heron-pygc", "Heron (Python's GC defaults)", "heron_pygc_app", "asgi", "heron"),
        App("starlette", "Starlette", "starlette_app", "asgi", "starlette"),
        App("fastapi", "FastAPI", "fastapi_app", "asgi", "fastapi"),
        App("litestar", "Litestar", "litestar_app", "asgi", "litestar"),
        App("blacksheep", "BlackSheep", "blacksheep_app", "asgi", "blacksheep"),
        App("falcon", "Falcon", "falcon_app", "asgi", "falcon"),
        App("django-asgi", "Django (ASGI, async views)", "django_asgi", "asgi", "django"),
        App("flask", "Flask", "flask_app", "wsgi", "flask"),
        App("django", "Django", "django_wsgi", "wsgi", "django"),
        App("raw-wsgi", "raw WSGI", "raw_wsgi", "wsgi", "orjson"),
        _db("raw-db", "raw ASGI + asyncpg", "raw_asgi_db", "asgi", "asyncpg"),
        App(
            "heron-orm",
            "Heron ORM",
            "heron_db_app",
            "asgi",
            "heron",
            group=DATABASE,
            requires=("heron.db:Model", "heron.db:init_app"),
        ),
        _db("heron-asyncpg", "Heron + asyncpg", "heron_raw_db_app", "asgi", "heron"),
        _db("starlette-db", "Starlette + asyncpg", "starlette_db_app", "asgi", "starlette"),
        _db("fastapi-db", "FastAPI + asyncpg", "fastapi_db_app", "asgi", "fastapi"),
        _db("litestar-db", "Litestar + asyncpg", "litestar_db_app", "asgi", "litestar"),
        _db("blacksheep-db", "BlackSheep + asyncpg", "blacksheep_db_app", "asgi", "blacksheep"),
        _db("falcon-db", "Falcon + asyncpg", "falcon_db_app", "asgi", "falcon"),
        _db("flask-db", "Flask + psycopg", "flask_db_app", "wsgi", "flask"),
        _db("django-db", "Django ORM", "django_db_app", "wsgi", "django"),
        _api("raw-api", "raw ASGI + pydantic", "raw_api", "pydantic"),
        _api("heron-api", "Heron", "heron_api_app", "heron"),
        _api("fastapi-api", "FastAPI", "fastapi_api_app", "fastapi"),
        _api("litestar-api", "Litestar (msgspec)", "litestar_api_app", "litestar"),
        _api(
            "litestar-pydantic-api", "Litestar (pydantic)", "litestar_pydantic_api_app", "litestar"
        ),
        _api("blacksheep-api", "BlackSheep", "blacksheep_api_app", "blacksheep"),
    )
}


@dataclass(slots=True)
class ServerOptions:
    """Knobs of the servers, shared by every cell of a run."""

    bin_dir: Path
    gunicorn_worker: str = "gthread"
    gunicorn_threads: int = 16
    granian_flags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Server:
    """An HTTP server and the interfaces it can serve."""

    name: str
    interfaces: tuple[str, ...]
    package: str

    def command(self, app: App, port: int, opts: ServerOptions) -> list[str]:
        """The argv that serves `app` on 127.0.0.1:`port` with one worker."""
        exe = str(opts.bin_dir / self.name)
        if self.name == "uvicorn":
            return [
                exe, app.target, "--host", HOST, "--port", str(port),
                "--loop", "uvloop", "--http", "httptools",
                "--no-access-log", "--log-level", "warning", "--app-dir", str(APPS_DIR),
            ]  # fmt: skip
        if self.name == "granian":
            return [
                exe, "--interface", app.interface, "--host", HOST, "--port", str(port),
                "--workers", "1", "--http", "1", *opts.granian_flags,
                "--log-level", "warning", "--working-dir", str(APPS_DIR), app.target,
            ]  # fmt: skip
        if self.name == "gunicorn":
            return [
                exe, "--bind", f"{HOST}:{port}", "--workers", "1",
                "--worker-class", opts.gunicorn_worker, "--threads", str(opts.gunicorn_threads),
                "--log-level", "warning", "--chdir", str(APPS_DIR), app.target,
            ]  # fmt: skip
        raise ValueError(f"unknown server {self.name}")

    def describe(self, opts: ServerOptions) -> str:
        """One line saying how this server is run, for the report."""
        if self.name == "uvicorn":
            return "uvicorn, 1 process, uvloop + httptools, --no-access-log, --log-level warning"
        if self.name == "granian":
            flags = " ".join(opts.granian_flags)
            return f"granian, --workers 1 --http 1 {flags}".rstrip()
        threads = f" --threads {opts.gunicorn_threads}" if opts.gunicorn_worker == "gthread" else ""
        return f"gunicorn, --workers 1 --worker-class {opts.gunicorn_worker}{threads}"


SERVERS: dict[str, Server] = {
    s.name: s
    for s in (
        Server("uvicorn", ("asgi",), "uvicorn"),
        Server("granian", ("asgi", "wsgi"), "granian"),
        Server("gunicorn", ("wsgi",), "gunicorn"),
    )
}


@dataclass(frozen=True, slots=True)
class Cell:
    """One app on one server: a row of the results table."""

    app: App
    server: Server

    @property
    def key(self) -> str:
        """`app@server`, the name used on the command line and in the results."""
        return f"{self.app.name}@{self.server.name}"


DEFAULT_CELLS = (
    "raw@uvicorn",
    "heron@uvicorn",
    "heron-defaults@uvicorn",
    "heron-pygc@uvicorn",
    "starlette@uvicorn",
    "fastapi@uvicorn",
    "litestar@uvicorn",
    "blacksheep@uvicorn",
    "falcon@uvicorn",
    "django-asgi@uvicorn",
    "flask@gunicorn",
    "django@gunicorn",
    "raw@granian",
    "heron@granian",
    "starlette@granian",
    "blacksheep@granian",
    "raw-db@uvicorn",
    "heron-orm@uvicorn",
    "heron-asyncpg@uvicorn",
    "starlette-db@uvicorn",
    "fastapi-db@uvicorn",
    "litestar-db@uvicorn",
    "blacksheep-db@uvicorn",
    "falcon-db@uvicorn",
    "flask-db@gunicorn",
    "django-db@gunicorn",
    # The JSON API types: run only when asked for (`--types api`, or one of the api_* types).
    "raw-api@uvicorn",
    "heron-api@uvicorn",
    "fastapi-api@uvicorn",
    "litestar-api@uvicorn",
    "litestar-pydantic-api@uvicorn",
    "blacksheep-api@uvicorn",
)


def parse_cells(spec: str) -> list[Cell]:
    """Turn `a@s,b@s` (or `default`, or `all`) into cells, rejecting unknown or mismatched ones."""
    if spec == "default":
        keys = list(DEFAULT_CELLS)
    elif spec == "all":
        keys = [
            f"{a}@{s}"
            for s, server in SERVERS.items()
            for a, app in APPS.items()
            if app.interface in server.interfaces
        ]
    else:
        keys = [k.strip() for k in spec.split(",") if k.strip()]
    cells: list[Cell] = []
    for key in keys:
        app_name, _, server_name = key.partition("@")
        app = APPS.get(app_name)
        if app is None:
            raise ValueError(f"unknown app {app_name!r} (known: {', '.join(APPS)})")
        server = SERVERS.get(server_name or _default_server(app))
        if server is None:
            raise ValueError(f"unknown server {server_name!r} (known: {', '.join(SERVERS)})")
        if app.interface not in server.interfaces:
            raise ValueError(f"{server.name} cannot serve {app.name} ({app.interface})")
        cells.append(Cell(app, server))
    return cells


def _default_server(app: App) -> str:
    return "uvicorn" if app.interface == "asgi" else "gunicorn"


def reference_key(cell: Cell, keys: set[str]) -> str | None:
    """The cell a ratio is taken against: the raw app of the cell's group on the same server,
    else on uvicorn."""
    ref = cell.app.reference
    for candidate in (f"{ref}@{cell.server.name}", f"{ref}@uvicorn"):
        if candidate in keys:
            return candidate
    return None


def missing_requirement(app: App, python: Path) -> str | None:
    """Why `app` cannot run (a `requires` entry that does not import), or None when it can."""
    for requirement in app.requires:
        module, _, name = requirement.partition(":")
        code = f"import {module}" + (f"; {module}.{name}" if name else "")
        try:
            proc = subprocess.run(
                [str(python), "-c", code], capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"could not check {requirement}: {exc}"
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return f"{requirement.replace(':', '.')} is not importable ({last[:160]})"
    return None


def granian_flags(bin_dir: Path) -> list[str]:
    """`--no-ws` and `--loop uvloop` when this granian offers them."""
    try:
        help_text = subprocess.run(
            [str(bin_dir / "granian"), "--help"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    flags: list[str] = []
    if "--no-ws" in help_text:
        flags.append("--no-ws")
    if "uvloop" in help_text:
        flags += ["--loop", "uvloop"]
    return flags
