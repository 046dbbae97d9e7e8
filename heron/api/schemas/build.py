"""``schema_for(Model, ...)``: a pydantic model generated from a Heron model's fields.

Three modes: ``"output"`` (every field, read by attribute from instances), ``"create"``
(the fields a client may set; required unless they have a default, are nullable or may
be blank) and ``"update"`` (the same fields, all optional: a partial update). Generated
classes are cached, so the same arguments give the same class, and named stably for
OpenAPI components.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from heron.api.schemas.types import input_type, output_type
from heron.db import Model, fields

__all__ = [
    "FieldDefinitions",
    "Mode",
    "config_for",
    "field_definitions",
    "relation_names",
    "schema_for",
]

Mode = Literal["output", "create", "update"]
MODES = ("output", "create", "update")
FieldDefinitions = dict[str, tuple[Any, FieldInfo]]
Nested = Mapping[str, type[BaseModel]]

OUTPUT_CONFIG = ConfigDict(from_attributes=True, ser_json_bytes="base64")
INPUT_CONFIG = ConfigDict(extra="forbid", val_json_bytes="base64", ser_json_bytes="base64")


def _no_defaults(schema: dict[str, Any], cls: type[Any]) -> None:
    """Update schemas: an absent key means "unchanged", so no property shows a default."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


UPDATE_CONFIG = ConfigDict(INPUT_CONFIG, json_schema_extra=_no_defaults)  # type: ignore[misc]

_SUFFIX = {"output": "Out", "create": "Create", "update": "Update"}


def config_for(mode: Mode) -> ConfigDict:
    """The pydantic configuration of a generated schema in ``mode``."""
    configs: dict[str, ConfigDict] = {
        "output": OUTPUT_CONFIG,
        "create": INPUT_CONFIG,
        "update": UPDATE_CONFIG,
    }
    return configs[mode]


def _is_read_only(field: fields.Field) -> bool:
    """Fields a client never sets: auto primary keys, ``auto_now``, generated and
    non-editable ones."""
    return not field.editable or field.fills_on_save or field.generated


def database_fills(field: fields.Field) -> bool:
    """A field the database fills when a create leaves it out (``db_default``, no Python
    default)."""
    return field.db_default is not fields.NOT_PROVIDED and not field.has_default


def _wire_name(field: fields.Field) -> str:
    """A field's key in JSON: ``author_id`` for a foreign key, else its name."""
    return field.attname


def _selected(
    model: type[Model], names: Collection[str] | None, exclude: Collection[str] | None
) -> list[fields.Field]:
    """The concrete fields named by ``fields``/``exclude`` (by name or ``<fk>_id``)."""
    meta = model._meta
    if names is not None and exclude is not None:
        raise TypeError("Give fields= or exclude=, not both.")
    if names is not None:
        chosen = [meta.get_field(name) for name in names]
        for field in chosen:
            if not field.concrete:
                raise TypeError(
                    f"{model.__name__}.{field.name} has no column; list it in nested= instead."
                )
        return chosen
    skip = {meta.get_field(name) for name in exclude or ()}
    return [field for field in meta.concrete_fields if field not in skip]


def _input_definition(field: fields.Field, mode: Mode) -> tuple[Any, FieldInfo]:
    annotation = input_type(field)
    info: dict[str, Any] = {"description": field.help_text or None}
    if field.verbose_name:
        info["title"] = str(field.verbose_name).capitalize()
    if mode == "update":
        # Absent means "leave as is"; null is accepted only where the field allows it.
        info["default"] = None
    elif field.has_default:
        if callable(field.default):
            info["default_factory"] = field.default
        else:
            info["default"] = field.default
    elif database_fills(field):
        # Left out, the database's default fills it (the create handler drops the key).
        info["default"] = None
    elif field.null:
        info["default"] = None
    elif field.blank:
        info["default"] = field.get_default()
    return annotation, Field(**info)


def _output_definition(field: fields.Field) -> tuple[Any, FieldInfo]:
    title = str(field.verbose_name).capitalize() if field.verbose_name else None
    return output_type(field), Field(title=title, description=field.help_text or None)


def _as_list(value: Any) -> Any:
    """A related manager (``post.comments``) read as the list of its objects."""
    if hasattr(value, "all") and callable(value.all):
        return list(value.all())
    return value


def relation_names(model: type[Model]) -> dict[str, str]:
    """Relation names a schema can nest: ``"fk"``, ``"many"`` (reverse FK, many-to-many)."""
    meta = model._meta
    kinds: dict[str, str] = {f.name: "fk" for f in meta.forward_relations}
    kinds.update({f.name: "many" for f in meta.many_to_many})
    for rel in meta.related_objects:
        if getattr(rel, "one_to_one", False) or rel.hidden:
            continue
        kinds[rel.reverse_name] = "many"
    for m2m in meta.related_many_to_many:
        if not m2m.hidden:
            kinds[m2m.reverse_name] = "many"
    return kinds


def _nested_definition(model: type[Model], name: str, schema: type[BaseModel]) -> Any:
    kind = relation_names(model).get(name)
    if kind is None:
        choices = ", ".join(sorted(relation_names(model))) or "none"
        raise TypeError(
            f"{model.__name__} has no relation '{name}' to nest (relations: {choices})."
        )
    if kind == "many":
        from typing import Annotated

        return Annotated[list[schema], BeforeValidator(_as_list)], Field()  # type: ignore[valid-type]
    field = model._meta.get_field(name)
    return (schema | None if field.null else schema), Field()


def field_definitions(
    model: type[Model],
    *,
    mode: Mode = "output",
    fields: Collection[str] | None = None,
    exclude: Collection[str] | None = None,
    nested: Nested | None = None,
    depth: int = 0,
) -> FieldDefinitions:
    """``{key: (annotation, FieldInfo)}`` for the model's fields in ``mode``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
    definitions: FieldDefinitions = {}
    for field in _selected(model, fields, exclude):
        if mode == "output":
            definitions[_wire_name(field)] = _output_definition(field)
        elif not _is_read_only(field) and not (mode == "update" and field.primary_key):
            definitions[_wire_name(field)] = _input_definition(field, mode)
    if mode != "output":
        if nested or depth:
            raise TypeError("nested= and depth= apply to output schemas only.")
        return definitions
    related = dict(nested or {})
    if depth > 0:
        for field in model._meta.forward_relations:
            if field.name not in related and (fields is None or field.name in fields):
                remote = field.remote_model  # type: ignore[attr-defined]
                related[field.name] = schema_for(remote, depth=depth - 1)
    for name, schema in related.items():
        definitions[name] = _nested_definition(model, name, schema)
    return definitions


# -- generated classes: cache and names ---------------------------------------------------------

_lock = threading.RLock()  # schema_for(depth=...) recurses
_cache: weakref.WeakKeyDictionary[type[Model], dict[tuple[Any, ...], type[BaseModel]]] = (
    weakref.WeakKeyDictionary()
)
_names: dict[str, str] = {}  # generated class name -> the identity that owns it


def _identity(model: type[Model], key: tuple[Any, ...]) -> str:
    """What makes a generated schema the same across runs (and model reloads)."""

    def stable(value: Any) -> str:
        if isinstance(value, type):
            return f"{value.__module__}.{value.__qualname__}"
        if isinstance(value, tuple):
            return "(" + ",".join(stable(v) for v in value) + ")"
        return repr(value)

    return f"{model._meta.label_model}|{stable(key)}"


def _choose_name(model: type[Model], mode: Mode, identity: str, custom: bool) -> str:
    base = f"{model.__name__}{_SUFFIX[mode]}"
    candidates = [base, f"{model._meta.label.title().replace('_', '')}{base}"]
    if custom:
        digest = hashlib.sha1(identity.encode()).hexdigest()[:8]
        candidates = [f"{base}_{digest}"]
    for name in candidates:
        if _names.setdefault(name, identity) == identity:
            return name
    digest = hashlib.sha1(identity.encode()).hexdigest()[:8]
    name = f"{candidates[-1]}_{digest}"
    _names[name] = identity
    return name


def schema_for(
    model: type[Model],
    *,
    fields: Collection[str] | None = None,
    exclude: Collection[str] | None = None,
    mode: Mode = "output",
    name: str | None = None,
    nested: Nested | None = None,
    depth: int = 0,
) -> type[BaseModel]:
    """A pydantic model of ``model``'s fields (see the module docstring for the modes).

    ``fields``/``exclude`` pick fields by name; a foreign key appears as ``<name>_id``.
    ``nested={"author": AuthorOut}`` or ``depth=1`` (output only) adds the related
    objects; load them with ``select_related``/``prefetch_related``.
    """
    key = (
        mode,
        tuple(fields) if fields is not None else None,
        tuple(exclude) if exclude is not None else None,
        name,
        tuple(sorted((nested or {}).items())),
        depth,
    )
    with _lock:
        cached = _cache.setdefault(model, {}).get(key)
        if cached is not None:
            return cached
        definitions = field_definitions(
            model, mode=mode, fields=fields, exclude=exclude, nested=nested, depth=depth
        )
        custom = key[1:] != (None, None, None, (), 0)
        class_name = name or _choose_name(model, mode, _identity(model, key), custom)
        config = config_for(mode)
        schema: type[BaseModel] = create_model(  # type: ignore[call-overload]
            class_name, __config__=config, __module__=model.__module__, **definitions
        )
        schema.__doc__ = f"{model._meta.verbose_name.capitalize()} ({mode})."
        _cache[model][key] = schema
        return schema
