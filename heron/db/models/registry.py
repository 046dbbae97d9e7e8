"""The process-wide model registry: every model class, its label, and the shared MetaData."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["NAMING_CONVENTION", "Registry", "label_for_module", "registry"]

#: Index and constraint names given to unnamed ones (stable across databases, so a later
#: migration can drop them by name).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
}

PendingCallback = Callable[[type["Model"]], None]


def label_for_module(module_name: str) -> str:
    """The label of models declared in ``module_name``: ``blog`` for ``blog.models``."""
    parts = [p for p in module_name.split(".") if p]
    while len(parts) > 1 and parts[-1] == "models":
        parts.pop()
    if parts and parts[-1] == "models":
        return "models"
    return parts[-1].lstrip("_") if parts else "main"


class Registry:
    """Models by label and name, the MetaData of their tables, and pending lazy relations."""

    def __init__(self) -> None:
        self.metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
        self.models: dict[str, dict[str, type[Model]]] = {}
        self._modules: dict[str, str] = {}
        self._pending: dict[tuple[str, str], list[PendingCallback]] = {}

    # -- registration -----------------------------------------------------------------------

    def register(self, model: type[Model]) -> None:
        """Add a model (concrete or proxy) and run the lazy operations waiting for it."""
        meta = model._meta
        bucket = self.models.setdefault(meta.label, {})
        existing = bucket.get(meta.model_name)
        if existing is not None and existing is not model:
            if (
                existing.__module__ != model.__module__
                or existing.__qualname__ != model.__qualname__
            ):
                raise RuntimeError(
                    f"Conflicting '{meta.model_name}' models in '{meta.label}': "
                    f"{existing.__module__}.{existing.__qualname__} and "
                    f"{model.__module__}.{model.__qualname__}. Set Meta.label to tell them apart."
                )
            # A re-imported module (reloader, tests): the new class replaces the old one.
            if not meta.proxy and meta.table_name in self.metadata.tables:
                self.metadata.remove(self.metadata.tables[meta.table_name])
        bucket[meta.model_name] = model
        self._modules.setdefault(meta.label, model.__module__)
        self._run(self._pending.pop((meta.label, meta.model_name), []), model)

    @staticmethod
    def _run(callbacks: list[PendingCallback], model: type[Model]) -> None:
        """Call every callback, then raise the first error (a refused relation): the
        relations after it still resolve."""
        errors = []
        for callback in callbacks:
            try:
                callback(model)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def unregister(self, model: type[Model]) -> None:
        """Forget a model and drop its table from the MetaData (used by tests)."""
        meta = model._meta
        bucket = self.models.get(meta.label, {})
        if bucket.get(meta.model_name) is model:
            del bucket[meta.model_name]
            if not bucket:
                del self.models[meta.label]
                self._modules.pop(meta.label, None)
        table = None if meta.proxy else self.metadata.tables.get(meta.table_name)
        if table is not None:  # a proxy leaves its concrete model's table alone
            self.metadata.remove(table)

    def is_current(self, model: type[Model]) -> bool:
        """True while ``model`` is the registered model of its label and name."""
        meta = model._meta
        return self.models.get(meta.label, {}).get(meta.model_name) is model

    def lazy(self, label: str, model_name: str, callback: PendingCallback) -> None:
        """Call ``callback(model)`` now if ``label.model_name`` exists, else once it is defined."""
        model = self.models.get(label, {}).get(model_name.lower())
        if model is not None:
            callback(model)
        else:
            self._pending.setdefault((label, model_name.lower()), []).append(callback)

    # -- lookups ----------------------------------------------------------------------------

    def get_model(self, reference: str, default_label: str | None = None) -> type[Model]:
        """The model named ``"label.Model"`` (or ``"Model"`` within ``default_label``)."""
        label, _, name = reference.rpartition(".")
        label = label or default_label or ""
        try:
            return self.models[label][name.lower()]
        except KeyError:
            known = ", ".join(
                sorted(
                    f"{lbl}.{m._meta.object_name}"
                    for lbl in self.models
                    for m in self.models[lbl].values()
                )
            )
            raise LookupError(
                f"No model '{reference}' is registered (known: {known or 'none'})."
            ) from None

    def all_models(self) -> Iterator[type[Model]]:
        """Every registered model, label by label."""
        for bucket in self.models.values():
            yield from bucket.values()

    def labels(self) -> list[str]:
        """The labels that have models."""
        return sorted(self.models)

    def module_for(self, label: str) -> str:
        """The module the label's models were first declared in."""
        return self._modules[label]

    def migrations_dir(self, label: str) -> Path:
        """The ``migrations/`` folder beside the label's models module."""
        module = sys.modules[self.module_for(label)]
        file = getattr(module, "__file__", None)
        if file is None:
            raise LookupError(f"The models module of '{label}' has no file on disk.")
        return Path(file).resolve().parent / "migrations"

    def unresolved(self) -> list[str]:
        """References to models that were never defined (``label.model``)."""
        return [f"{label}.{name}" for label, name in self._pending]

    def tables_for(self, label: str) -> list[sa.Table]:
        """The tables of one label's models (auto many-to-many tables included)."""
        return [t for t in self.metadata.sorted_tables if t.info.get("label") == label]

    def __repr__(self) -> str:
        count = sum(len(b) for b in self.models.values())
        return f"<Registry {count} models in {len(self.models)} labels>"


registry = Registry()
