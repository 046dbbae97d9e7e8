"""``ModelSchema``: a pydantic model declared by naming a Heron model in ``Meta``.

```python
class PostOut(ModelSchema):
    class Meta:
        model = Post
        exclude = ["body"]

    title: str                  # a declared field overrides the generated one
    word_count: int = 0         # and extra fields may be added
```
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel

from heron.api.schemas.build import config_for, field_definitions

__all__ = ["ModelSchema"]

_META_OPTIONS = frozenset({"model", "fields", "exclude", "mode", "nested", "depth"})
_ModelMetaclass: Any = type(BaseModel)


class ModelSchemaMeta(_ModelMetaclass):  # type: ignore[misc]
    """Adds the fields of ``Meta.model`` to the class before pydantic builds it."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> Any:
        meta = namespace.pop("Meta", None)
        if meta is not None:
            options = {k: v for k, v in vars(meta).items() if not k.startswith("_")}
            unknown = set(options) - _META_OPTIONS
            if unknown:
                raise TypeError(f"{name}.Meta has unknown option(s): {', '.join(sorted(unknown))}.")
            if "model" not in options:
                raise TypeError(f"{name}.Meta needs model = <a Heron model>.")
            _add_fields(namespace, options)
            namespace["__heron_meta__"] = options
        return super().__new__(mcs, name, bases, namespace, **kwargs)


def _add_fields(namespace: dict[str, Any], options: dict[str, Any]) -> None:
    mode = options.get("mode", "output")
    definitions = field_definitions(
        options["model"],
        mode=mode,
        fields=options.get("fields"),
        exclude=options.get("exclude"),
        nested=options.get("nested"),
        depth=options.get("depth", 0),
    )
    annotations = namespace.setdefault("__annotations__", {})
    declared = set(annotations)
    generated = {}
    for key, (annotation, info) in definitions.items():
        if key in declared or key in namespace:
            continue
        generated[key] = annotation
        namespace[key] = info
    # Generated fields come first, in the model's order; declared ones after.
    namespace["__annotations__"] = {**generated, **annotations}
    config = dict(config_for(mode))
    config.update(namespace.get("model_config", {}))
    namespace["model_config"] = config


class ModelSchema(BaseModel, metaclass=ModelSchemaMeta):
    """Base class of schemas generated from a Heron model (see the module docstring).

    ``Meta`` options: ``model``, ``fields`` or ``exclude``, ``mode`` (``"output"``,
    ``"create"`` or ``"update"``), ``nested`` and ``depth`` (output only).
    """

    __heron_meta__: ClassVar[dict[str, Any]] = {}
