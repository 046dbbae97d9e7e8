"""``heron run`` (development server) and ``heron serve`` (production server)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from heron.cli.discovery import ENV_VAR, LocatedApp, locate_app
from heron.cli.options import app_option

__all__ = ["run_command", "serve_command"]

FACTORY = "heron.cli.discovery:app_factory"
PROXIED_FACTORY = "heron.cli.proxy:proxied_app_factory"
RELOAD_INCLUDES = ["*.py", "*.html", "*.toml"]
# Folders whose changes never mean "your code changed" (a pip install in .venv...).
RELOAD_EXCLUDED_DIRS = (".venv", "venv", "env", ".git", "node_modules", "__pycache__", ".tox")


def _locate(app_spec: str | None) -> LocatedApp:
    """Find the app now (clear errors early) and hand its spec to server processes."""
    located = locate_app(app_spec)
    os.environ[ENV_VAR] = located.spec
    return located


def _excluded_dirs(folder: Path) -> list[str]:
    # uvicorn compares excluded folders with absolute file paths: give it absolute ones.
    return [str(folder / name) for name in RELOAD_EXCLUDED_DIRS if (folder / name).is_dir()]


def _default_workers() -> int:
    concurrency = os.environ.get("WEB_CONCURRENCY")
    if concurrency and concurrency.isdigit() and int(concurrency) > 0:
        return int(concurrency)
    return os.cpu_count() or 1


@click.command("run")
@app_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--reload/--no-reload",
    default=True,
    show_default=True,
    help="Restart when .py, .html or .toml files change.",
)
def run_command(app_spec: str | None, host: str, port: int, reload: bool) -> None:
    """Run the development server: debug mode, auto-reload."""
    import uvicorn

    os.environ["HERON_DEBUG"] = "1"  # before the app is imported, so its config sees it
    located = _locate(app_spec)
    click.echo(f" * Heron app {located.spec!r} (debug mode, reload {'on' if reload else 'off'})")
    if reload:
        uvicorn.run(
            FACTORY,
            factory=True,
            host=host,
            port=port,
            reload=True,
            reload_dirs=[os.getcwd()],
            reload_includes=RELOAD_INCLUDES,
            reload_excludes=_excluded_dirs(Path.cwd()),
            log_level="info",
        )
    else:
        uvicorn.run(located.app, host=host, port=port, log_level="info")


@click.command("serve")
@app_option
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option("--uds", default=None, help="Bind to this Unix socket instead of host/port.")
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes. Default: $WEB_CONCURRENCY, else the number of CPUs.",
)
@click.option(
    "--server",
    type=click.Choice(["uvicorn", "granian"]),
    default="uvicorn",
    show_default=True,
    help="The ASGI server to run.",
)
@click.option(
    "--timeout-graceful-shutdown",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Seconds in-flight requests get to finish after SIGTERM.",
)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=True,
    show_default=True,
    help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips.",
)
@click.option(
    "--forwarded-allow-ips",
    default=None,
    help="Proxies trusted for X-Forwarded-* (comma-separated, '*' for all). "
    "Default: $FORWARDED_ALLOW_IPS, else 127.0.0.1.",
)
@click.option("--root-path", default="", help="URL prefix the app is mounted under.")
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="Server log level.",
)
def serve_command(
    app_spec: str | None,
    host: str,
    port: int,
    uds: str | None,
    workers: int | None,
    server: str,
    timeout_graceful_shutdown: int,
    proxy_headers: bool,
    forwarded_allow_ips: str | None,
    root_path: str,
    log_level: str,
) -> None:
    """Run the production server: worker processes, access log, graceful shutdown."""
    located = _locate(app_spec)
    workers = workers or _default_workers()
    click.echo(f" * Heron app {located.spec!r} with {workers} {server} worker(s)")
    if server == "granian":
        _serve_granian(
            host, port, uds, workers, timeout_graceful_shutdown, proxy_headers,
            forwarded_allow_ips, root_path, log_level,
        )  # fmt: skip
        return
    import uvicorn

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "uds": uds,
        "workers": workers,
        "access_log": True,
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": forwarded_allow_ips,
        "timeout_graceful_shutdown": timeout_graceful_shutdown,
        "root_path": root_path,
        "log_level": log_level,
    }
    if workers == 1:
        uvicorn.run(located.app, **options)
    else:
        uvicorn.run(FACTORY, factory=True, **options)


def _serve_granian(
    host: str,
    port: int,
    uds: str | None,
    workers: int,
    timeout: int,
    proxy_headers: bool,
    forwarded_allow_ips: str | None,
    root_path: str,
    log_level: str,
) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    if proxy_headers:
        os.environ["FORWARDED_ALLOW_IPS"] = forwarded_allow_ips or os.environ.get(
            "FORWARDED_ALLOW_IPS", "127.0.0.1"
        )
    server: Any = Granian(
        PROXIED_FACTORY if proxy_headers else FACTORY,
        factory=True,
        address=host,
        port=port,
        uds=Path(uds) if uds else None,
        interface=Interfaces.ASGI,
        workers=workers,
        log_access=True,
        log_level=LogLevels(log_level),
        workers_kill_timeout=timeout or None,
        url_path_prefix=root_path or None,
        working_dir=Path.cwd(),
    )
    server.serve()
