"""``Blueprint``: a reusable group of routes, hooks, error handlers, templates and static files.

A blueprint only records what is declared on it. The application reads ``routes``
(or ``flatten()`` for nested blueprints) when it registers the blueprint, prefixing
rules with the URL prefix and endpoints with ``"<blueprint name>."``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from heron.routing.scaffold import Scaffold
from heron.routing.urls import join_rule


@dataclass(frozen=True, slots=True)
class RouteRecord:
    """One route as declared on a blueprint (rule relative to its prefix, bare endpoint)."""

    rule: str
    endpoint: str
    handler: Callable[..., Any]
    methods: frozenset[str]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BlueprintSetup:
    """A blueprint as placed in an application: dotted name, full URL prefix, parents."""

    blueprint: Blueprint
    name: str
    url_prefix: str
    parents: tuple[Blueprint, ...]

    @property
    def chain(self) -> tuple[Blueprint, ...]:
        """The blueprint's ancestors then itself, outermost first (the order hooks apply)."""
        return (*self.parents, self.blueprint)


def _check_prefix(url_prefix: str | None) -> str | None:
    if url_prefix is None or url_prefix == "":
        return None
    if not isinstance(url_prefix, str) or not url_prefix.startswith("/"):
        raise ValueError(f"url_prefix must start with '/', got {url_prefix!r}")
    return url_prefix.rstrip("/") or None


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what} must be a non-empty string, got {name!r}")
    if "." in name:
        raise ValueError(
            f"{what} {name!r} may not contain '.': dots separate blueprint and endpoint "
            "names in url_for('blueprint.endpoint')"
        )


class Blueprint(Scaffold):
    """A named group of routes and hooks, registered on an app with ``app.register_blueprint``."""

    def __init__(
        self,
        name: str,
        import_name: str,
        url_prefix: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        root_path: str | None = None,
        dependencies: Sequence[Any] = (),
    ) -> None:
        _check_name(name, "Blueprint name")
        super().__init__(
            import_name,
            root_path=root_path,
            template_folder=template_folder,
            static_folder=static_folder,
            static_url_path=static_url_path,
        )
        self.name = name
        self.url_prefix = _check_prefix(url_prefix)
        # ``Depends(...)`` run before every route of this blueprint (and nested ones).
        self.dependencies = list(dependencies)
        self.routes: list[RouteRecord] = []
        self.blueprints: list[tuple[Blueprint, str | None, str | None]] = []

    def _register_route(
        self,
        rule: str,
        endpoint: str,
        handler: Callable[..., Any],
        methods: frozenset[str],
        options: dict[str, Any],
    ) -> RouteRecord:
        _check_name(endpoint, "Endpoint name")
        if rule and not rule.startswith("/"):
            raise ValueError(f"Rule {rule!r} must start with '/' (or be '' for the prefix itself)")
        record = RouteRecord(rule, endpoint, handler, methods, dict(options))
        self.routes.append(record)
        return record

    def register_blueprint(
        self, blueprint: Blueprint, url_prefix: str | None = None, name: str | None = None
    ) -> None:
        """Nest ``blueprint`` in this one: its endpoints become ``"<self>.<child>.<func>"``."""
        if blueprint is self:
            raise ValueError(f"Blueprint {self.name!r} cannot be registered on itself")
        if name is not None:
            _check_name(name, "Blueprint name")
        child_name = name or blueprint.name
        if any((n or bp.name) == child_name for bp, _, n in self.blueprints):
            raise ValueError(
                f"Blueprint {self.name!r} already has a nested blueprint named {child_name!r}; "
                "pass name= to register it again under another name"
            )
        self.blueprints.append((blueprint, _check_prefix(url_prefix), name))

    def walk(self, url_prefix: str | None = None, name: str | None = None) -> list[BlueprintSetup]:
        """This blueprint and every nested one, depth first, as they sit in an app.

        ``url_prefix`` and ``name`` override this blueprint's own, as
        ``app.register_blueprint(bp, url_prefix=...)`` does.
        """
        return self._walk(url_prefix, name, "", "", ())

    def _walk(
        self,
        url_prefix: str | None,
        name: str | None,
        parent_name: str,
        parent_prefix: str,
        parents: tuple[Blueprint, ...],
    ) -> list[BlueprintSetup]:
        if parents and self in parents:
            raise ValueError(f"Blueprint {self.name!r} is nested inside itself")
        full_name = parent_name + (name or self.name)
        own = _check_prefix(url_prefix) if url_prefix is not None else self.url_prefix
        prefix = parent_prefix + (own or "")
        setups = [BlueprintSetup(self, full_name, prefix, parents)]
        for child, child_prefix, child_name in self.blueprints:
            setups.extend(
                child._walk(child_prefix, child_name, full_name + ".", prefix, (*parents, self))
            )
        return setups

    def flatten(self, url_prefix: str | None = None, name: str | None = None) -> list[RouteRecord]:
        """Every route of this blueprint and its nested ones, ready for an app's router.

        Rules carry the full URL prefix, endpoints the full dotted name, and
        ``options["blueprint"]`` the dotted name of the blueprint that declared them;
        the blueprints' ``dependencies`` come before a route's own in ``options``.
        """
        records: list[RouteRecord] = []
        for setup in self.walk(url_prefix, name):
            inherited = [dep for bp in setup.chain for dep in bp.dependencies]
            for rec in setup.blueprint.routes:
                options = {**rec.options, "blueprint": setup.name}
                if inherited:
                    options["dependencies"] = [*inherited, *rec.options.get("dependencies", ())]
                records.append(
                    RouteRecord(
                        join_rule(setup.url_prefix, rec.rule),
                        f"{setup.name}.{rec.endpoint}",
                        rec.handler,
                        rec.methods,
                        options,
                    )
                )
        return records

    def __repr__(self) -> str:
        return f"<Blueprint {self.name!r}>"


__all__ = ["Blueprint", "BlueprintSetup", "RouteRecord"]
