"""``Model`` and its metaclass: declare fields on a class, get a table and a manager."""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Iterable
from typing import Any, ClassVar, NamedTuple

from heron.db.errors import AsyncContextError
from heron.db.fields.base import Field
from heron.db.fields.dbdefault import DB_DEFAULT
from heron.db.models import exceptions
from heron.db.models.options import Options
from heron.db.models.proxy import declares_proxy, proxy_managers, proxy_options
from heron.db.models.registry import label_for_module
from heron.db.signals import class_prepared, init_hooks, post_init, pre_init, send, send_init

__all__ = ["Model", "ModelBase"]


class ModelBase(type):
    """Builds ``_meta``, the auto primary key, the table, ``objects`` and ``DoesNotExist``."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        parents: list[type] = [b for b in bases if isinstance(b, ModelBase)]
        if not parents:  # Model itself
            return super().__new__(mcs, name, bases, namespace)
        meta_class = namespace.pop("Meta", None)
        declared = {k: v for k, v in namespace.items() if isinstance(v, Field)}
        managers = {k: v for k, v in namespace.items() if _is_manager(v)}
        for key in (*declared, *managers):
            del namespace[key]
        cls: Any = super().__new__(mcs, name, bases, namespace)
        label = label_for_module(namespace.get("__module__", "__main__"))
        if declares_proxy(meta_class):
            cls._meta = proxy_options(cls, meta_class, parents, declared, label)
            own = proxy_managers(managers, _inherited_managers(parents), parents)
            return _complete(cls, parents, own)
        merged_meta = _inherited_meta(meta_class, parents)
        meta = Options(merged_meta, cls, label)
        cls._meta = meta
        inherited = _inherited_fields(parents, declared)
        for attr, field in [*inherited, *sorted(declared.items(), key=lambda kv: kv[1])]:
            field.contribute_to_class(cls, attr)
        if meta.abstract:
            cls._abstract_meta = merged_meta  # with its own abstract parents' options
            cls._abstract_fields = {**dict(inherited), **declared}
            cls._abstract_managers = {**_inherited_managers(parents), **managers}
            return cls
        if meta.pk is None:
            from heron.db.fields.scalars import BigAutoField

            auto = BigAutoField(primary_key=True)
            auto.auto_created = True
            auto.creation_counter = -1  # first column, as users expect
            auto.contribute_to_class(cls, "id")
        return _complete(cls, parents, {**_inherited_managers(parents), **managers})

    @property
    def __table__(cls) -> Any:
        """The model's ``sqlalchemy.Table`` in the registry's MetaData (``_meta.table``)."""
        return cls._meta.table  # type: ignore[attr-defined]


def _complete(cls: Any, parents: list[type], managers: dict[str, Any]) -> Any:
    """Give a concrete or proxy model its exceptions and managers, then register it."""
    cls.DoesNotExist = type(
        "DoesNotExist",
        tuple(_exc_parents(parents, "DoesNotExist", exceptions.ObjectDoesNotExist)),
        {"__module__": cls.__module__, "__qualname__": f"{cls.__qualname__}.DoesNotExist"},
    )
    cls.MultipleObjectsReturned = type(
        "MultipleObjectsReturned",
        tuple(_exc_parents(parents, "MultipleObjectsReturned", exceptions.MultipleObjectsReturned)),
        {
            "__module__": cls.__module__,
            "__qualname__": f"{cls.__qualname__}.MultipleObjectsReturned",
        },
    )
    _install_managers(cls, managers)
    cls._meta.finish()
    if class_prepared.receivers:
        send(class_prepared, cls, "making of a model class", "a plain function")
    return cls


def _is_manager(value: Any) -> bool:
    from heron.db.query.manager import Manager

    return isinstance(value, Manager)


def _inherited_meta(meta_class: type | None, parents: list[type]) -> type | None:
    """``Meta`` of the class, inheriting ordering etc. from an abstract parent's Meta."""
    for parent in parents:
        parent_meta = getattr(parent, "_abstract_meta", None)
        if parent_meta is None:
            continue
        attrs = {k: v for k, v in vars(parent_meta).items() if not k.startswith("_")}
        # Each concrete model has its own table, whatever the abstract parent says.
        for key in ("abstract", "table", "db_table"):
            attrs.pop(key, None)
        if meta_class is not None:
            attrs.update({k: v for k, v in vars(meta_class).items() if not k.startswith("_")})
        return type("Meta", (), attrs)
    return meta_class


def _inherited_fields(parents: list[type], declared: dict[str, Field]) -> list[tuple[str, Field]]:
    """Copies of the fields of abstract parents (a field declared here overrides one)."""
    result: dict[str, Field] = {}
    for parent in reversed(parents):
        for klass in reversed(parent.__mro__):
            for attr, field in getattr(klass, "__dict__", {}).get("_abstract_fields", {}).items():
                if attr not in declared:
                    result[attr] = field.clone()
        parent_meta = parent.__dict__.get("_meta")
        if parent_meta is not None and not parent_meta.abstract:
            raise TypeError(
                f"{parent.__name__} is a concrete model: inherit from an abstract model "
                "(Meta.abstract = True) to share fields."
            )
    return list(result.items())


def _inherited_managers(parents: list[type]) -> dict[str, Any]:
    managers: dict[str, Any] = {}
    for parent in reversed(parents):
        managers.update(getattr(parent, "_abstract_managers", {}))
    return managers


def _exc_parents(parents: list[type], name: str, base: type) -> list[type]:
    found = [getattr(p, name) for p in parents if hasattr(p, name)]
    return found or [base]


def _install_managers(cls: Any, managers: dict[str, Any]) -> None:
    from heron.db.query.manager import Manager

    if not managers:
        managers = {"objects": Manager()}
    cls._meta.declared_managers = managers
    first = True
    for attr, manager in managers.items():
        bound = manager.bind(cls, attr)
        setattr(cls, attr, bound)
        if first:
            cls._default_manager = bound
            first = False
    if "_base_manager" not in cls.__dict__:  # a proxy's own, not its parent's
        cls._base_manager = Manager().bind(cls, "_base_manager")


class Model(metaclass=ModelBase):
    """Base class of Heron models. Declare fields as class attributes::

    class Post(Model):
        title = fields.String(max_length=200)
        created = fields.DateTime(auto_now_add=True)
    """

    _meta: ClassVar[Options]
    _db: str | None = None
    _persisted: bool = False
    objects: ClassVar[Any]
    _default_manager: ClassVar[Any]
    _base_manager: ClassVar[Any]
    DoesNotExist: ClassVar[type[exceptions.ObjectDoesNotExist]]
    MultipleObjectsReturned: ClassVar[type[exceptions.MultipleObjectsReturned]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        meta = self._meta
        if meta.abstract:
            raise TypeError(f"{type(self).__name__} is abstract and cannot be instantiated.")
        if init_hooks:
            send_init(pre_init, type(self), args=args, kwargs=dict(kwargs))
        if args:
            kwargs = self._positional(args, kwargs)
        data = self.__dict__
        for field in meta.fields:
            if field.name in kwargs:
                value = kwargs.pop(field.name)
                if field.is_relation and value is not None and hasattr(value, "_meta"):
                    setattr(self, field.name, value)
                    continue
                data[field.attname] = value
            elif field.attname in kwargs:
                data[field.attname] = kwargs.pop(field.attname)
            else:
                data[field.attname] = field.get_default()
        for name in list(kwargs):
            prop = getattr(type(self), name, None)
            if isinstance(prop, property) and prop.fset is not None:
                setattr(self, name, kwargs.pop(name))
        if kwargs:
            many = [name for name in kwargs if name in {f.name for f in meta.many_to_many}]
            if many:
                raise TypeError(
                    f"{type(self).__name__}() cannot set the many-to-many field "
                    f"'{many[0]}' directly; save the object, then use "
                    f"obj.{many[0]}.set([...])."
                )
            unknown = ", ".join(sorted(kwargs))
            raise TypeError(f"{type(self).__name__}() got unexpected field(s): {unknown}.")
        if init_hooks:
            send_init(post_init, type(self), instance=self)

    def _positional(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Positional arguments as keywords, in field order (``id`` first), as in Django."""
        fields = self._meta.fields
        if len(args) > len(fields):
            raise IndexError("Number of args exceeds number of fields")
        for field, value in zip(fields, args, strict=False):
            if field.name in kwargs or field.attname in kwargs:
                raise TypeError(
                    f"{type(self).__name__}() got both positional and keyword arguments "
                    f"for field '{field.name}'."
                )
            kwargs[field.attname] = value
        return kwargs

    # -- identity -----------------------------------------------------------------------------

    @property
    def pk(self) -> Any:
        """The primary key value."""
        return self.__dict__.get(self._meta.pk.attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        self.__dict__[self._meta.pk.attname] = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model) or other._meta.table_name != self._meta.table_name:
            return NotImplemented if not isinstance(other, Model) else False
        pk = self.pk
        return self is other if pk is None else pk == other.pk

    def __hash__(self) -> int:
        pk = self.pk
        if pk is None:
            raise TypeError("Model instances without a primary key value are unhashable.")
        return hash((self._meta.table_name, pk))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    def __str__(self) -> str:
        return f"{type(self).__name__} object ({self.pk})"

    def __json__(self) -> dict[str, Any]:
        """Loaded field values by attribute name (``author_id`` for a foreign key): what a
        handler returning this instance without a response model sends as JSON."""
        data = self.__dict__
        return {f.attname: data[f.attname] for f in self._meta.concrete_fields if f.attname in data}

    # -- persistence ------------------------------------------------------------------------

    def save(
        self,
        *,
        force_insert: bool = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """Insert the row, or update it if it was loaded or saved before.

        ``update_fields`` writes only those fields (an UPDATE that must find the row).
        """
        from heron.db.query.persistence import save_instance

        self._prepare_related_for_save()
        save_instance(self, using, force_insert, force_update, update_fields)

    async def asave(
        self,
        *,
        force_insert: bool = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """``save()`` on the async driver."""
        from heron.db.query.persistence import asave_instance

        self._prepare_related_for_save()
        await asave_instance(self, using, force_insert, force_update, update_fields)

    def _prepare_related_for_save(self) -> None:
        """Take the pk of related objects assigned before they were saved."""
        data = self.__dict__
        for field in self._meta.forward_relations:
            related = data.get(f"_cache_{field.name}")
            if related is None:
                continue
            if related.pk is None:
                raise ValueError(
                    f"save() prohibited to prevent data loss: the related "
                    f"{type(related).__name__} of '{field.name}' is not saved yet."
                )
            if data.get(field.attname) is None:
                data[field.attname] = related.pk

    def delete(self, *, using: str | None = None) -> tuple[int, dict[str, int]]:
        """Delete the row (and, by ``on_delete``, rows that point at it)."""
        self._refuse_in_loop("delete()", "adelete()")
        self._require_pk("delete")
        from heron.db.query.deletion import delete_queryset

        qs = type(self)._base_manager.using(using or self._db).filter(pk=self.pk)
        result: tuple[int, dict[str, int]] = delete_queryset(qs, self)
        self._forget_row()
        return result

    async def adelete(self, *, using: str | None = None) -> tuple[int, dict[str, int]]:
        """``delete()`` on the async driver."""
        self._require_pk("delete")
        from heron.db.query.deletion import adelete_queryset

        qs = type(self)._base_manager.using(using or self._db).filter(pk=self.pk)
        result: tuple[int, dict[str, int]] = await adelete_queryset(qs, self)
        self._forget_row()
        return result

    def _forget_row(self) -> None:
        """After a delete: no row, no primary key (``save()`` inserts anew), as in Django."""
        data = self.__dict__
        data["_persisted"] = False
        data[self._meta.pk.attname] = None

    def get_deferred_fields(self) -> set[str]:
        """The attribute names of the fields not loaded (left out by ``only()``/``defer()``):
        reading one runs a query."""
        data = self.__dict__
        return {f.attname for f in self._meta.fields if f.attname not in data}

    def refresh_from_db(
        self, *, using: str | None = None, fields: Iterable[str] | None = None
    ) -> None:
        """Reload field values from the database (all, or only ``fields``)."""
        self._refuse_in_loop(
            "refresh_from_db() (which reading a field deferred by only()/defer() runs)",
            "arefresh_from_db()",
        )
        self._require_pk("refresh")
        qs = self._refresh_queryset(using, fields)
        self._copy_from(qs.get(pk=self.pk), fields)

    async def arefresh_from_db(
        self, *, using: str | None = None, fields: Iterable[str] | None = None
    ) -> None:
        """``refresh_from_db()`` on the async driver."""
        self._require_pk("refresh")
        qs = self._refresh_queryset(using, fields)
        self._copy_from(await qs.aget(pk=self.pk), fields)

    def _refresh_queryset(self, using: str | None, fields: Iterable[str] | None) -> Any:
        qs = type(self)._base_manager.using(using or self._db)
        if fields is not None:
            qs = qs.only(*fields)
        return qs

    def _copy_from(self, fresh: Model, fields: Iterable[str] | None) -> None:
        meta = self._meta
        data = self.__dict__
        names = [meta.get_field(name) for name in fields] if fields is not None else meta.fields
        for field in names:
            if field.attname in fresh.__dict__:
                data[field.attname] = fresh.__dict__[field.attname]
                data.pop(f"_cache_{field.name}", None)
        if fields is None:
            # Everything was reloaded: forget related objects and prefetched sets too.
            for key in [k for k in data if k.startswith("_cache_")]:
                del data[key]
            data.pop("_prefetched", None)
        from heron.db.query.persistence import mark_saved

        mark_saved(self, fresh._db or "default")  # the row read is the one it now follows

    def _refuse_in_loop(self, method: str, twin: str) -> None:
        """A blocking call on this instance from a running event loop names its twin."""
        if _get_running_loop() is not None:
            raise AsyncContextError(f"{type(self).__name__}.{method}", twin)

    def _require_pk(self, action: str) -> None:
        if self.pk is None:
            raise ValueError(
                f"Cannot {action} a {type(self).__name__} that has no primary key value."
            )

    # -- validation ---------------------------------------------------------------------------

    def clean(self) -> None:
        """Override to check the instance as a whole; raise ``ValidationError``."""

    def clean_fields(self, exclude: Iterable[str] = ()) -> None:
        """Clean every field's value, collecting the errors per field.

        A field with ``blank=True`` holding an empty value is skipped, unless the value is
        ``None`` for a ``null=False`` field that saving will not fill (as it fills
        ``auto_now`` fields and auto primary keys).
        """
        skip = set(exclude)
        errors: dict[str, list[str]] = {}
        for field in self._meta.fields:
            if field.name in skip:
                continue
            raw = self.__dict__.get(field.attname)
            if (
                field.blank
                and raw in field.empty_values
                and (raw is not None or field.null or field.fills_on_save)
            ):
                continue
            try:
                self.__dict__[field.attname] = field.clean(raw, self)
            except exceptions.ValidationError as exc:
                errors[field.name] = exc.messages
        if errors:
            raise exceptions.ValidationError(errors)

    def full_clean(
        self,
        exclude: Iterable[str] = (),
        validate_unique: bool = True,
        validate_constraints: bool = True,
    ) -> None:
        """``clean_fields()``, ``clean()``, ``validate_constraints()`` then
        ``validate_unique()``: one ``ValidationError`` listing every problem per field
        (``"__all__"`` for the instance as a whole).

        ``validate_unique()`` queries the database on the sync driver; in async code use
        ``await obj.afull_clean()``.
        """
        skip = set(exclude)
        errors = self._clean_errors(skip, validate_constraints)
        if validate_unique:
            unique = self._unique_queries(skip | set(errors))
            if unique:
                self._refuse_in_loop("full_clean()", "afull_clean()")
            errors = _merge(errors, self._unique_errors([(c, q.exists()) for c, q in unique]))
        if errors:
            raise exceptions.ValidationError(errors)

    async def afull_clean(
        self,
        exclude: Iterable[str] = (),
        validate_unique: bool = True,
        validate_constraints: bool = True,
    ) -> None:
        """``full_clean()`` with the uniqueness queries on the async driver."""
        skip = set(exclude)
        errors = self._clean_errors(skip, validate_constraints)
        if validate_unique:
            unique = self._unique_queries(skip | set(errors))
            found = [(check, await qs.aexists()) for check, qs in unique]
            errors = _merge(errors, self._unique_errors(found))
        if errors:
            raise exceptions.ValidationError(errors)

    def validate_constraints(self, exclude: Iterable[str] = ()) -> None:
        """Check the instance against its model's ``CheckConstraint``s (those written as a
        ``Q``; SQL text is left to the database), without a query: ``ValidationError``
        under ``"__all__"`` with each broken constraint's message. Constraints reading a
        field in ``exclude`` are skipped. Uniqueness is ``validate_unique()``'s."""
        broken = self._constraint_errors(set(exclude))
        if broken:
            raise exceptions.ValidationError({"__all__": broken})

    def _constraint_errors(self, skip: set[str]) -> list[str]:
        from heron.db.models.constraints import CheckConstraint

        meta = self._meta
        return [
            c.violation_message(meta)
            for c in meta.constraints
            if isinstance(c, CheckConstraint) and c.broken_by(self, skip)
        ]

    def _clean_errors(self, skip: set[str], constraints: bool) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        try:
            self.clean_fields(skip)
        except exceptions.ValidationError as exc:
            errors.update(exc.errors)
        try:
            self.clean()
        except exceptions.ValidationError as exc:
            if exc.errors:
                for name, messages in exc.errors.items():
                    errors.setdefault(name, []).extend(messages)
            else:
                errors.setdefault("__all__", []).extend(exc.messages)
        if constraints:
            broken = self._constraint_errors(skip | set(errors))  # not on invalid values
            if broken:
                errors.setdefault("__all__", []).extend(broken)
        return errors

    def validate_unique(self, exclude: Iterable[str] = ()) -> None:
        """Check unique fields, ``unique_together`` and ``UniqueConstraint``s against the
        database (sync driver); raise ``ValidationError`` naming the clashing fields."""
        unique = self._unique_queries(set(exclude))
        if unique:
            self._refuse_in_loop("validate_unique()", "avalidate_unique()")
        found = [(check, qs.exists()) for check, qs in unique]
        errors = self._unique_errors(found)
        if errors:
            raise exceptions.ValidationError(errors)

    async def avalidate_unique(self, exclude: Iterable[str] = ()) -> None:
        """``validate_unique()`` on the async driver."""
        found = [(check, await qs.aexists()) for check, qs in self._unique_queries(set(exclude))]
        errors = self._unique_errors(found)
        if errors:
            raise exceptions.ValidationError(errors)

    def _unique_checks(self) -> list[_UniqueCheck]:
        """The unique fields, ``unique_together`` and ``UniqueConstraint``s, each set of
        fields once (a constraint's own message kept), conditional constraints apart."""
        from heron.db.models.constraints import UniqueConstraint

        meta = self._meta
        found: dict[Any, _UniqueCheck] = {}
        plain = [(f.name,) for f in meta.fields if f.unique] + list(meta.unique_together)
        for fields in plain:
            found.setdefault(tuple(fields), _UniqueCheck(tuple(fields)))
        for i, c in enumerate(meta.constraints):
            if not isinstance(c, UniqueConstraint):
                continue
            check = _UniqueCheck(
                tuple(c.fields),
                c.condition,
                c.violation_message(meta),
                c.expressions,
                c.nulls_distinct is not False,
            )
            key = tuple(c.fields) if c.condition is None and not c.expressions else i
            if key not in found or check.message is not None:
                found[key] = check
        return list(found.values())

    def _unique_queries(self, skip: set[str]) -> list[tuple[_UniqueCheck, Any]]:
        """``(check, QuerySet of other rows clashing with this one)`` per unique check that
        applies: none for a conditional constraint whose condition this row does not meet."""
        from heron.db.models.constraints import condition_fields, matches
        from heron.db.models.indexes import expression_clashes, expression_fields

        meta = self._meta
        queries: list[tuple[_UniqueCheck, Any]] = []
        manager = type(self)._base_manager
        for check in self._unique_checks():
            if skip.intersection(check.fields) or skip & expression_fields(check.expressions):
                continue
            if check.condition is not None and (
                skip.intersection(condition_fields(check.condition))
                or matches(check.condition, self) is not True
            ):
                continue
            lookup: dict[str, Any] = {}
            for name in check.fields:
                field = meta.get_field(name)
                value = self.__dict__.get(field.attname)
                if value is None and not check.nulls_distinct:
                    lookup[f"{field.attname}__isnull"] = True
                    continue
                if value is None or value is DB_DEFAULT:  # NULLs never clash; nor unknowns
                    break
                lookup[field.attname] = value
            else:
                if check.fields == (meta.pk.name,) and self._state_adding() is False:
                    continue
                qs = manager.using(self._db).filter(**lookup)
                if check.expressions:
                    qs = expression_clashes(qs, check.expressions, self)
                if check.condition is not None:
                    qs = qs.filter(check.condition)
                if not self._state_adding():
                    qs = qs.exclude(pk=self.pk)
                queries.append((check, qs))
        return queries

    def _state_adding(self) -> bool:
        return not self.__dict__.get("_persisted", False)

    def _unique_errors(self, found: list[tuple[_UniqueCheck, bool]]) -> dict[str, list[str]]:
        from heron.db.models.constraints import unique_message

        meta = self._meta
        errors: dict[str, list[str]] = {}
        for check, clash in found:
            if not clash:
                continue
            key = check.fields[0] if len(check.fields) == 1 else "__all__"
            message = check.message or unique_message(meta, check.fields)
            errors.setdefault(key, []).append(message)
        return errors


class _UniqueCheck(NamedTuple):
    """Fields whose values must not repeat, among the rows matching ``condition`` (a Q;
    None: all rows), and the message replacing the usual one."""

    fields: tuple[str, ...]
    condition: Any = None
    message: str | None = None
    expressions: tuple[Any, ...] = ()  # a UniqueConstraint on expressions (no fields)
    nulls_distinct: bool = True  # False: a NULL clashes with a NULL (nulls_distinct=False)


def _merge(a: dict[str, list[str]], b: dict[str, list[str]]) -> dict[str, list[str]]:
    for name, messages in b.items():
        a.setdefault(name, []).extend(messages)
    return a
