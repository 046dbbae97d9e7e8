"""Find the application the ``heron`` command works on.

In order: ``--app module:attr`` (``attr`` may call a factory: ``create_app()``
or ``create_app("prod")``), the ``HERON_APP`` environment variable, then
``app.py`` or ``main.py`` in the current folder. In a module, the attribute
``app`` wins, else the single ``Heron`` instance, else a ``create_app``
factory. The current folder is put on ``sys.path`` first.
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import click

__all__ = ["LocatedApp", "app_factory", "locate_app", "parse_spec"]

ENV_VAR = "HERON_APP"
DEFAULT_MODULES = ("app", "main")
FACTORY_NAME = "create_app"


@dataclass(frozen=True, slots=True)
class LocatedApp:
    """The application found, and the ``module:attr`` spec that finds it again.

    Server processes (reloader, workers) re-run discovery with ``spec`` through
    ``app_factory``, so each builds its own application.
    """

    app: Any
    spec: str


@dataclass(frozen=True, slots=True)
class _Target:
    source: str  # the module as the user wrote it (a dotted name or a file path)
    module: str
    attr: str | None
    call: tuple[tuple[Any, ...], dict[str, Any]] | None  # (args, kwargs) if a factory call


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split ``module:attr`` (or ``path/to/file.py:attr``) into module and attribute."""
    module, _, attr = spec.partition(":")
    module = module.strip()
    if not module:
        raise click.UsageError(f"Invalid app {spec!r}: expected 'module:attr' or 'module'.")
    return module, attr.strip() or None


def _parse_target(spec: str) -> _Target:
    source, attr = parse_spec(spec)
    module = source
    if source.endswith(".py") or os.sep in source:
        module = _module_from_path(Path(source))
    if attr is None:
        return _Target(source, module, None, None)
    try:
        node = ast.parse(attr, mode="eval").body
    except SyntaxError:
        raise click.UsageError(f"Invalid app attribute {attr!r} in {spec!r}.") from None
    if isinstance(node, ast.Name | ast.Attribute):
        return _Target(source, module, attr, None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
        try:
            args = tuple(ast.literal_eval(arg) for arg in node.args)
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except ValueError:
            raise click.UsageError(
                f"Factory arguments in {spec!r} must be Python literals."
            ) from None
        return _Target(source, module, ast.unparse(node.func), (args, kwargs))
    raise click.UsageError(f"Invalid app attribute {attr!r}: expected a name or a factory call.")


def _module_from_path(path: Path) -> str:
    """``src/project/app.py`` → put ``src/project`` on ``sys.path``, import ``app``."""
    path = path.resolve()
    if path.suffix != ".py":
        raise click.UsageError(f"{path} is not a Python file.")
    if not path.is_file():
        raise click.UsageError(f"File not found: {path}")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return path.stem


def _import(module: str) -> ModuleType:
    """Import ``module``; a missing module is a usage error, a failing one shows its traceback."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            raise click.UsageError(f"Could not import {module!r}: {exc}.") from None
        raise _import_failure(module, exc) from exc
    except Exception as exc:
        raise _import_failure(module, exc) from exc


def _import_failure(module: str, exc: BaseException) -> click.UsageError:
    text = "".join(traceback.format_exception(exc)).rstrip()
    return click.UsageError(f"While importing {module!r}, an error was raised:\n\n{text}")


def _resolve(module: ModuleType, dotted: str) -> Any:
    value: Any = module
    for part in dotted.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise click.UsageError(
                f"Module {module.__name__!r} has no attribute {dotted!r}."
            ) from None
    return value


def _call_factory(factory: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if not callable(factory):
        raise click.UsageError(f"{name!r} is not callable, so it cannot be used as a factory.")
    try:
        return factory(*args, **kwargs)
    except TypeError as exc:
        if exc.__traceback__ is not None and exc.__traceback__.tb_next is None:
            # Raised by the call itself: the arguments don't match the factory.
            raise click.UsageError(f"Could not call factory {name!r}: {exc}.") from None
        raise


def _heron_class() -> type | None:
    try:
        from heron.app import Heron
    except ImportError:  # pragma: no cover - only while the app module is unavailable
        return None
    return Heron


def _find_in_module(module: ModuleType) -> tuple[Any, str]:
    """The app object in ``module`` and the attribute (or factory call) naming it."""
    if callable(getattr(module, "app", None)):
        return module.app, "app"
    heron_class = _heron_class()
    if heron_class is not None:
        found = [name for name, value in vars(module).items() if isinstance(value, heron_class)]
        if len(found) == 1:
            return getattr(module, found[0]), found[0]
        if len(found) > 1:
            names = ", ".join(sorted(found))
            raise click.UsageError(
                f"Module {module.__name__!r} has several Heron applications ({names}); "
                f"choose one with --app {module.__name__}:NAME."
            )
    factory = getattr(module, FACTORY_NAME, None)
    if callable(factory):
        return _call_factory(factory, FACTORY_NAME, (), {}), f"{FACTORY_NAME}()"
    raise click.UsageError(
        f"No application found in module {module.__name__!r}: define `app = Heron(__name__)` "
        f"or a `{FACTORY_NAME}()` factory, or name it with --app {module.__name__}:NAME."
    )


def _load(target: _Target) -> LocatedApp:
    module = _import(target.module)
    if target.attr is None:
        app, attr = _find_in_module(module)
        return _checked(LocatedApp(app, f"{target.source}:{attr}"))
    value = _resolve(module, target.attr)
    if target.call is None:
        return _checked(LocatedApp(value, f"{target.source}:{target.attr}"))
    args, kwargs = target.call
    app = _call_factory(value, target.attr, args, kwargs)
    arguments = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    return _checked(LocatedApp(app, f"{target.source}:{target.attr}({arguments})"))


def _checked(located: LocatedApp) -> LocatedApp:
    if not callable(located.app):
        raise click.UsageError(
            f"{located.spec!r} is not an application (got {type(located.app).__name__})."
        )
    return located


def locate_app(spec: str | None = None, *, folder: str | Path | None = None) -> LocatedApp:
    """Find the application (see the module docstring for the order); ``UsageError`` if none."""
    folder = str(Path(folder or os.getcwd()).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = spec or os.environ.get(ENV_VAR) or None
    if spec:
        return _load(_parse_target(spec))
    for name in DEFAULT_MODULES:
        if (Path(folder) / f"{name}.py").is_file():
            return _load(_Target(name, name, None, None))
    raise click.UsageError(
        "Could not find a Heron application: pass --app module:attr, set the "
        f"{ENV_VAR} environment variable, or add app.py or main.py to the current folder."
    )


def app_factory() -> Any:
    """Build the application in a server process, from ``HERON_APP`` set by the CLI."""
    return locate_app(os.environ.get(ENV_VAR)).app
