"""``ModelAPI``: list, retrieve, create, update and delete for one model, as typed routes.

```python
class PostAPI(ModelAPI):
    model = Post
    fields = ["id", "title", "body", "author_id", "created"]
    filter_fields = ["author_id"]
    ordering_fields = ["created", "title"]

PostAPI.register(app, "/api/posts")
```
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Sequence
from typing import Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from heron.api.schemas import schema_for
from heron.api.schemas.build import database_fills, relation_names
from heron.api.schemas.types import input_type
from heron.api.viewsets import filters as filtering
from heron.api.viewsets import pagination as paging
from heron.api.viewsets.errors import Refusal, translate
from heron.api.viewsets.handlers import keyword, path_parameter, request_parameter, typed_handler
from heron.db import Model, QuerySet, atomic, fields
from heron.http.request import Request
from heron.http.responses import Response

__all__ = ["ACTIONS", "Action", "ModelAPI"]

Action = Literal["list", "retrieve", "create", "update", "partial_update", "delete"]
ACTIONS: tuple[Action, ...] = ("list", "retrieve", "create", "update", "partial_update", "delete")


async def _resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _schemas_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [s for arg in get_args(annotation) for s in _schemas_in(arg)]


def relation_paths(
    model: type[Model], schema: type[BaseModel], prefix: str = "", joined: bool = True
) -> tuple[list[str], list[str]]:
    """``(select_related, prefetch_related)`` paths that load what ``schema`` nests."""
    selects: list[str] = []
    prefetches: list[str] = []
    kinds = relation_names(model)
    for name, info in schema.model_fields.items():
        kind = kinds.get(name)
        nested = _schemas_in(info.annotation)
        if kind is None or not nested:
            continue
        path = f"{prefix}{name}"
        is_join = joined and kind == "fk"
        (selects if is_join else prefetches).append(path)
        remote = _related_model(model, name)
        sub_selects, sub_prefetches = relation_paths(remote, nested[0], f"{path}__", is_join)
        selects += sub_selects
        prefetches += sub_prefetches
    return selects, prefetches


def _related_model(model: type[Model], name: str) -> type[Model]:
    meta = model._meta
    if name in meta.fields_map:
        field: Any = meta.fields_map[name]
        return field.remote_model  # type: ignore[no-any-return]
    for rel in meta.relations_in():
        if rel.reverse_name == name:
            assert rel.model is not None
            return rel.model
    raise LookupError(name)  # pragma: no cover - relation_names() found it


def _path_rule(pk: fields.Field) -> str:
    target = pk.target() if isinstance(pk, fields.ForeignKey) else pk
    if isinstance(target, fields.Integer):
        return "<int:pk>"
    if isinstance(target, fields.UUID):
        return "<uuid:pk>"
    return "<pk>"


class ModelAPI:
    """A JSON API over one model; subclass it, set ``model``, then ``register()`` it.

    Class options: ``fields``/``exclude``/``nested``/``depth`` (the generated schemas),
    or ``output_schema``/``create_schema``/``update_schema``; ``filter_fields``,
    ``ordering_fields``, ``ordering``; ``pagination`` (``"limit_offset"`` or
    ``"cursor"``), ``page_size``, ``max_page_size``; ``actions`` to serve; ``tags``.
    Override ``get_queryset``, ``has_permission``, ``has_object_permission``,
    ``before_save`` and ``after_save`` (each may be sync or async).
    """

    model: ClassVar[type[Model]]
    fields: ClassVar[Sequence[str] | None] = None
    exclude: ClassVar[Sequence[str] | None] = None
    nested: ClassVar[dict[str, type[BaseModel]] | None] = None
    depth: ClassVar[int] = 0
    output_schema: ClassVar[type[BaseModel] | None] = None
    create_schema: ClassVar[type[BaseModel] | None] = None
    update_schema: ClassVar[type[BaseModel] | None] = None
    filter_fields: ClassVar[filtering.FilterSpec] = ()
    ordering_fields: ClassVar[Sequence[str]] = ()
    ordering: ClassVar[Sequence[str] | None] = None
    pagination: ClassVar[paging.Pagination] = "limit_offset"
    page_size: ClassVar[int] = 20
    max_page_size: ClassVar[int] = 100
    actions: ClassVar[Sequence[Action]] = ACTIONS
    tags: ClassVar[Sequence[str] | None] = None

    def __init__(self) -> None:
        model = getattr(type(self), "model", None)
        if not (isinstance(model, type) and issubclass(model, Model)):
            raise TypeError(f"{type(self).__name__}.model must be a Heron model class.")
        unknown = set(self.actions) - set(ACTIONS)
        if unknown:
            raise TypeError(f"Unknown action(s) {sorted(unknown)}; choose from {ACTIONS}.")
        if self.pagination not in ("limit_offset", "cursor"):
            raise TypeError("pagination must be 'limit_offset' or 'cursor'.")
        self.output = self.output_schema or schema_for(
            model, fields=self.fields, exclude=self.exclude, nested=self.nested, depth=self.depth
        )
        names, exclude = self._input_names(), self.exclude
        self.create_input = self.create_schema or schema_for(
            model, mode="create", fields=names, exclude=exclude
        )
        self.update_input = self.update_schema or schema_for(
            model, mode="update", fields=names, exclude=exclude
        )
        self._selects, self._prefetches = relation_paths(model, self.output)
        self._filters = filtering.build_filters(model, self.filter_fields)
        self._orderings = filtering.ordering_choices(model, self.ordering_fields)
        default = self.ordering if self.ordering is not None else model._meta.ordering
        self._default_ordering = list(default) or ["pk"]
        self._cursor = (
            paging.CursorPaginator(model, self._default_ordering[0])
            if self.pagination == "cursor"
            else None
        )

    def _input_names(self) -> list[str] | None:
        if self.fields is None:
            return None
        meta = self.model._meta
        return [name for name in self.fields if meta.get_field(name).concrete]

    # -- hooks to override --------------------------------------------------------------------

    def get_queryset(self, request: Request) -> QuerySet[Any]:
        """The rows this API serves (filter by user here)."""
        return self.model._default_manager.all()  # type: ignore[no-any-return]

    def has_permission(self, request: Request, action: Action) -> Any:
        """Whether the request may perform ``action`` at all (a bool, or awaitable one)."""
        return True

    def has_object_permission(self, request: Request, action: Action, obj: Model) -> Any:
        """Whether the request may perform ``action`` on ``obj``."""
        return True

    def before_save(self, request: Request, obj: Model, action: Action) -> Any:
        """Called in the transaction before validation and saving (set the owner here)."""
        return None

    def after_save(self, request: Request, obj: Model, action: Action) -> Any:
        """Called in the transaction after saving; raising rolls the write back."""
        return None

    # -- the actions ----------------------------------------------------------------------------

    def read_queryset(self, request: Request) -> QuerySet[Any]:
        """``get_queryset`` with the nested relations of the output schema loaded."""
        qs = self.get_queryset(request)
        if self._selects:
            qs = qs.select_related(*self._selects)
        if self._prefetches:
            qs = qs.prefetch_related(*self._prefetches)
        return qs

    async def check_permission(self, request: Request, action: Action) -> None:
        if not await _resolve(self.has_permission(request, action)):
            raise Refusal(403, "You do not have permission to do this.")

    async def get_object(self, request: Request, pk: Any, action: Action) -> Model:
        """The object ``pk`` names among ``read_queryset``, or a 404 (403 if forbidden)."""
        obj = await self.read_queryset(request).filter(pk=pk).afirst()
        if obj is None:
            name = self.model._meta.verbose_name
            raise Refusal(404, f"No {name} with primary key {pk}.")
        if not await _resolve(self.has_object_permission(request, action, obj)):
            raise Refusal(403, "You do not have permission to do this.")
        return obj  # type: ignore[no-any-return]

    async def list_page(self, request: Request, **params: Any) -> dict[str, Any]:
        await self.check_permission(request, "list")
        qs = filtering.apply_filters(self.read_queryset(request), self._filters, params)
        limit = params["limit"]
        if self._cursor is not None:
            return await self._cursor.page(qs, request, limit, params.get("cursor"))
        chosen = params.get("ordering")
        keys = [self._orderings[chosen]] if chosen else self._default_ordering
        qs = qs.order_by(*filtering.with_tiebreak(keys))
        return await paging.limit_offset_page(qs, request, limit, params["offset"])

    async def retrieve(self, request: Request, pk: Any) -> Model:
        await self.check_permission(request, "retrieve")
        return await self.get_object(request, pk, "retrieve")

    async def create(self, request: Request, data: BaseModel) -> Model:
        await self.check_permission(request, "create")
        values = self._sent(data, partial=False)
        obj = self.model(**values)
        return await self.save(request, obj, "create", values.keys())

    async def update(self, request: Request, pk: Any, data: BaseModel, partial: bool) -> Model:
        action: Action = "partial_update" if partial else "update"
        await self.check_permission(request, action)
        obj = await self.get_object(request, pk, action)
        values = self._sent(data, partial)
        values.pop(self.model._meta.pk.attname, None)
        for key, value in values.items():
            setattr(obj, key, value)
        return await self.save(request, obj, action, values.keys())

    def _sent(self, data: BaseModel, partial: bool) -> dict[str, Any]:
        """The values a request gives: all (absent ones as their defaults) or, ``partial``,
        those sent. A field the database fills (``db_default``) is left out when absent:
        a new row gets the database's default, an existing one keeps its value."""
        values = data.model_dump(exclude_unset=partial)
        for key in values.keys() - data.model_fields_set:
            if database_fills(self.model._meta.get_field(key)):
                del values[key]
        return values

    async def destroy(self, request: Request, pk: Any) -> Response:
        await self.check_permission(request, "delete")
        obj = await self.get_object(request, pk, "delete")
        async with atomic():
            await obj.adelete()
        return Response(None, 204)

    async def save(self, request: Request, obj: Model, action: Action, keys: Any) -> Model:
        """Validate and save ``obj`` in one transaction; re-read it if the output nests."""
        async with atomic():
            await _resolve(self.before_save(request, obj, action))
            await obj.afull_clean()
            await self._check_references(obj, set(keys))
            await obj.asave()
            await _resolve(self.after_save(request, obj, action))
            if self._selects or self._prefetches:
                obj = await self.read_queryset(request).aget(pk=obj.pk)
        return obj

    async def _check_references(self, obj: Model, keys: set[str]) -> None:
        """A foreign key the client set must point at an existing row (else a 422)."""
        from heron.db import ValidationError

        missing: dict[str, list[str]] = {}
        for field in obj._meta.forward_relations:
            value = obj.__dict__.get(field.attname)
            if field.attname not in keys or value is None:
                continue
            remote: Any = field.remote_model  # type: ignore[attr-defined]
            if not await remote._base_manager.filter(pk=value).aexists():
                name = remote._meta.verbose_name
                missing[field.name] = [f"No {name} with primary key {value}."]
        if missing:
            raise ValidationError(missing, code="missing_reference")

    # -- registration ---------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        target: Any,
        prefix: str,
        *,
        basename: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> ModelAPI:
        """Add this API's routes to an app or blueprint under ``prefix`` (``"/api/posts"``).

        Endpoints are ``<basename>_list``, ``_create``, ``_detail``, ``_update``,
        ``_partial_update`` and ``_delete`` (basename: the model name, lower case).
        """
        api = cls()
        api.install(target, prefix.rstrip("/"), basename, tags)
        return api

    def install(
        self, target: Any, prefix: str, basename: str | None, tags: Sequence[str] | None
    ) -> None:
        meta = self.model._meta
        base = basename or meta.model_name
        route_tags = list(tags or self.tags or [meta.verbose_name_plural])
        plural, single = meta.verbose_name_plural, meta.verbose_name
        detail = f"{prefix}/{_path_rule(meta.pk)}"
        routes: tuple[tuple[Action, str, str, str, int, str], ...] = (
            ("list", prefix or "/", "GET", "list", 200, f"List {plural}"),
            ("create", prefix or "/", "POST", "create", 201, f"Create a {single}"),
            ("retrieve", detail, "GET", "detail", 200, f"Get a {single}"),
            ("update", detail, "PUT", "update", 200, f"Replace a {single}"),
            ("partial_update", detail, "PATCH", "partial_update", 200, f"Update a {single}"),
            ("delete", detail, "DELETE", "delete", 204, f"Delete a {single}"),
        )
        for action, rule, method, name, status, summary in routes:
            if action not in self.actions:
                continue
            handler = self._handler(action, f"{base}_{name}")
            options: dict[str, Any] = {
                "tags": route_tags,
                "status_code": status,
                "summary": summary,
            }
            if action == "delete":
                options["response_model"] = None
            target.add_route(rule, handler, methods=[method], name=f"{base}_{name}", **options)

    def _handler(self, action: Action, name: str) -> Any:
        """The typed route function for ``action``."""
        pk = path_parameter(_plain(input_type(self.model._meta.pk)))
        qualname = f"{type(self).__name__}.{action}"
        request = request_parameter()
        errors = self.model

        def guarded(method: Any) -> Any:
            async def run(**kwargs: Any) -> Any:
                try:
                    return await method(**kwargs)
                except Exception as exc:
                    outcome = translate(errors, exc)
                    if isinstance(outcome, Exception):
                        if outcome is exc:
                            raise
                        raise outcome from None
                    return outcome

            return run

        if action == "list":
            params = [request, *self._list_parameters()]
            page = paging.page_schema(self.output, self.pagination)
            return typed_handler(name, qualname, guarded(self.list_page), params, page)
        if action == "retrieve":
            return typed_handler(name, qualname, guarded(self.retrieve), [request, pk], self.output)
        if action == "create":
            body = keyword("data", self.create_input)
            return typed_handler(name, qualname, guarded(self.create), [request, body], self.output)
        if action == "delete":
            return typed_handler(name, qualname, guarded(self.destroy), [request, pk], Response)
        partial = action == "partial_update"
        body = keyword("data", self.update_input if partial else self.create_input)

        async def update(request: Request, pk: Any, data: BaseModel) -> Model:
            return await self.update(request, pk, data, partial)

        return typed_handler(name, qualname, guarded(update), [request, pk, body], self.output)

    def _list_parameters(self) -> list[inspect.Parameter]:
        params = paging.parameters(self.pagination, self.page_size, self.max_page_size)
        if self._orderings and self._cursor is None:
            params.append(filtering.ordering_parameter(self._orderings))
        params.extend(f.parameter() for f in self._filters)
        return params


def _plain(annotation: Any) -> Any:
    """A primary key's type without ``| None``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0]
    return annotation
