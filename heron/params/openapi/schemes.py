"""``components/securitySchemes`` and each operation's ``security``, from its dependencies."""

from __future__ import annotations

from typing import Any

from heron.params.security import SecurityScheme
from heron.params.spec import CallSpec


class SecuritySchemes:
    """The schemes met so far, each under a unique name."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self._names: dict[SecurityScheme, str] = {}

    def name_of(self, scheme: SecurityScheme) -> str:
        """The component name of ``scheme``; another definition under a taken name gets a suffix."""
        name = self._names.get(scheme)
        if name is not None:
            return name
        definition = scheme.openapi_scheme()
        name, number = scheme.scheme_name, 1
        while self.components.get(name, definition) != definition:
            number += 1
            name = f"{scheme.scheme_name}{number}"
        self.components[name] = definition
        self._names[scheme] = name
        return name

    def requirements(self, call: CallSpec) -> list[dict[str, list[str]]] | None:
        """The operation's ``security``: its schemes together; each optional one may be left out.

        Scopes named by ``Security(..., scopes=[...])`` apply to the schemes beneath it.
        """
        found: dict[str, tuple[list[str], bool]] = {}
        self._visit(call, [], found)
        if not found:
            return None
        required = {name: scopes for name, (scopes, needed) in found.items() if needed}
        optional = [name for name, (_, needed) in found.items() if not needed]
        if not optional:
            return [required]
        return [{**required, name: found[name][0]} for name in optional] + [required]

    def _visit(
        self, call: CallSpec, scopes: list[str], found: dict[str, tuple[list[str], bool]]
    ) -> None:
        for dependency, sub in call.dependencies:
            inherited = [*scopes, *dependency.scopes]
            scheme = dependency.call
            if isinstance(scheme, SecurityScheme):
                entry = found.setdefault(self.name_of(scheme), ([], scheme.auto_error))
                entry[0].extend(scope for scope in inherited if scope not in entry[0])
            self._visit(sub, inherited, found)
