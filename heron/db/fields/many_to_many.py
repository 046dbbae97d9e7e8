"""``ManyToManyField``: links through a real model, auto-created or given as ``through``.

The auto-created through model (``Post_tags`` for ``Post.tags``) is an ordinary
registered model with two ``ForeignKey(on_delete=CASCADE)`` and a unique pair, so
deletion cascades, joins and migrations all go through the foreign-key machinery. The
field itself has no column. A relation to its own model is symmetrical unless
``symmetrical=False``: the managers write and delete each link in both directions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from heron.db.fields.base import Field
from heron.db.fields.related import (
    CASCADE,
    ForeignKey,
    RelationNames,
    lazy_model,
    related_name_for,
)

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.paths import Joins
    from heron.db.query.queryset import QuerySet

__all__ = ["PREFETCH_SOURCE", "ManyToManyField"]

#: the attribute prefetch querysets put the source instance's pk under
PREFETCH_SOURCE = "_prefetch_source"


class ManyToManyField(RelationNames, Field):
    """A many-to-many relation: ``tags = ManyToManyField("Tag", related_name="posts")``.

    ``post.tags`` and ``tag.posts`` are managers (``all()``, ``filter()``, ``add()``,
    ``remove()``, ``set()``, ``clear()``, ``create()`` and their async twins). The link
    rows live in an auto-created model (table ``<table>_<field>``, or ``db_table``)
    unless ``through="Membership"`` names your own model with foreign keys to both sides
    (``through_fields=("source_fk", "target_fk")`` when that is ambiguous).

    A relation to the model itself (``"self"``) is symmetrical, as in Django: each link
    is stored in both directions and there is no reverse accessor.
    ``symmetrical=False`` makes it one-way, with a reverse side named by ``related_name``.
    """

    is_relation = True
    many_to_many = True
    concrete = False

    def __init__(
        self,
        to: type[Model] | str,
        verbose_name: str | None = None,
        *,
        related_name: str | None = None,
        related_query_name: str | None = None,
        through: type[Model] | str | None = None,
        through_fields: Sequence[str] | None = None,
        symmetrical: bool | None = None,
        db_table: str | None = None,
        blank: bool = False,
        help_text: str = "",
        editable: bool = True,
        validators: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        for option in ("null", "default", "unique", "primary_key", "db_index"):
            if option in kwargs:
                raise TypeError(f"ManyToManyField does not take {option}= (it has no column).")
        super().__init__(
            verbose_name,
            blank=blank,
            help_text=help_text,
            editable=editable,
            validators=validators,
            **kwargs,
        )
        if through is not None and db_table is not None:
            raise TypeError("Give a ManyToManyField either through= or db_table=, not both.")
        if through_fields is not None and len(through_fields) != 2:
            raise TypeError("through_fields is a pair: (field to this model, field to target).")
        self.to = to
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.through: type[Model] | str | None = through
        self.through_fields = tuple(through_fields) if through_fields else None
        # None until contribute_to_class: then True for a relation to the model itself
        self.symmetrical = symmetrical
        self.db_table = db_table
        self.remote_model: type[Model] | None = None
        self.auto_through = through is None
        self._links: tuple[ForeignKey, ForeignKey] | None = None
        self._owner_ready = False

    def clone(self) -> Field:
        new = super().clone()
        assert isinstance(new, ManyToManyField)
        new.remote_model = None
        new._links = None
        new._owner_ready = False
        if new.auto_through:
            new.through = None
        return new

    # -- class set-up ---------------------------------------------------------------------------

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        from heron.db.fields.managers import ManyToManyDescriptor

        self.set_attributes_from_name(name)
        self.column = ""
        self.model = model
        model._meta.add_field(self)
        setattr(model, name, ManyToManyDescriptor(self, reverse=False))
        if model._meta.abstract:
            return
        self.related_name = related_name_for(self.related_name, model)
        self.related_query_name = related_name_for(self.related_query_name, model)
        where = f"{model.__name__}.{name}"
        self._settle_symmetry(model, where)
        if self.hidden and not self.symmetrical and not self.related_query_name:
            # No reverse accessor, but Heron still queries the relation backwards (forward
            # prefetch_related): a name of its own, so several hidden relations never clash.
            self.related_query_name = f"_{model._meta.label}_{model._meta.model_name}_{name}_+"
        lazy_model(self.to, model, self._resolve_target, where)
        if isinstance(self.through, (str, type)):
            lazy_model(self.through, model, self._resolve_through, f"{where} through")

    def _settle_symmetry(self, model: type[Model], where: str) -> None:
        """Default ``symmetrical`` to "points at ``model`` itself"; a symmetrical relation
        gets a hidden reverse name (``<name>_rel_+``, as in Django): no reverse accessor."""
        to_self = _names_model(self.to, model)
        if self.symmetrical is None:
            self.symmetrical = to_self
        if not self.symmetrical:
            return
        if not to_self:
            raise TypeError(f"{where}: symmetrical=True needs a relation to the model itself.")
        if self.related_name or self.related_query_name:
            raise TypeError(
                f"{where}: a symmetrical relation has no reverse side, so related_name= and "
                "related_query_name= have no effect (symmetrical=False makes it one-way, "
                "with a reverse accessor)."
            )
        self.related_name = f"{self.name}_rel_+"

    def model_table_ready(self) -> None:
        """Called by ``Options`` once the owner's table exists."""
        self._owner_ready = True
        self._maybe_create_through()

    def _resolve_target(self, target: type[Model]) -> None:
        from heron.db.fields.managers import ManyToManyDescriptor
        from heron.db.fields.reverse import check_reverse_names

        check_reverse_names(self, target)
        self.remote_model = target
        self.to = target
        target._meta.related_many_to_many.append(self)
        if not self.hidden:
            setattr(target, self.reverse_name, ManyToManyDescriptor(self, reverse=True))
        self._maybe_create_through()

    def _resolve_through(self, through: type[Model]) -> None:
        self.through = through

    def _maybe_create_through(self) -> None:
        if not self.auto_through or self.through is not None:
            return
        if not self._owner_ready or self.remote_model is None:
            return
        self.through = _create_through(self, self.remote_model)

    # -- names ----------------------------------------------------------------------------------

    @property
    def through_model(self) -> type[Model]:
        """The model whose rows are the links."""
        through = self.through
        if not isinstance(through, type):
            raise LookupError(
                f"{self!r}: the through model {through!r} is not defined yet "
                "(or the target model is not)."
            )
        return through

    def links(self) -> tuple[ForeignKey, ForeignKey]:
        """``(fk to this model, fk to the target)`` on the through model."""
        if self._links is None:
            self._links = self._find_links()
        return self._links

    def _find_links(self) -> tuple[ForeignKey, ForeignKey]:
        through = self.through_model
        owner, target = self.model, self.remote_model
        assert owner is not None and target is not None
        fks = [f for f in through._meta.fields if isinstance(f, ForeignKey)]
        if self.through_fields is not None:
            source = through._meta.get_field(self.through_fields[0])
            dest = through._meta.get_field(self.through_fields[1])
            if not isinstance(source, ForeignKey) or not isinstance(dest, ForeignKey):
                raise TypeError(f"{self!r}: through_fields must name foreign keys of {through}.")
            return source, dest

        def pointing_at(model: type[Model]) -> list[ForeignKey]:
            return [f for f in fks if f.remote_model is model or f.to is model]

        sources, dests = pointing_at(owner), pointing_at(target)
        if owner is target:
            if len(sources) != 2:
                raise TypeError(f"{self!r}: a self-referential through model needs through_fields.")
            return sources[0], sources[1]
        if len(sources) != 1 or len(dests) != 1:
            raise TypeError(
                f"{self!r}: {through.__name__} needs exactly one foreign key to "
                f"{owner.__name__} and one to {target.__name__} (or give through_fields)."
            )
        return sources[0], dests[0]

    # -- the query layer's hooks -----------------------------------------------------------------

    def join_for_query(
        self, joins: Joins, path: tuple[str, ...], reverse: bool
    ) -> tuple[Any, type[Model]]:
        """Join the through table then the far side; ``reverse`` starts from the target."""
        source, dest = self.links()
        near, far = (dest, source) if reverse else (source, dest)
        through = self.through_model
        link_path = (*path[:-1], f"{path[-1]}+through")

        def make_link(parent: Any, number: int) -> tuple[Any, Any]:
            alias = through._meta.table.alias(f"T{number}")
            return alias, alias.c[near.attname] == parent.c[near.target().attname]

        link, _ = joins.join_custom(link_path, through, make_link)
        far_model = far.remote_model
        assert far_model is not None

        def make_far(parent: Any, number: int) -> tuple[Any, Any]:
            alias = far_model._meta.table.alias(f"T{number}")
            return alias, alias.c[far.target().attname] == link.c[far.attname]

        return joins.join_custom(path, far_model, make_far)

    def prefetch_queryset(
        self, instances: Sequence[Model], reverse: bool
    ) -> tuple[QuerySet[Any], str]:
        """The related objects of ``instances`` in one query, each carrying the pk of the
        instance it belongs to under ``PREFETCH_SOURCE`` (an object linked to several
        instances comes once per link). A symmetrical relation reads the same both ways,
        so it is queried through its own name (its reverse name is hidden)."""
        from heron.db.query.expressions import F

        pks = list(dict.fromkeys(obj.pk for obj in instances if obj.pk is not None))
        if reverse or self.symmetrical:
            model, back = self.model, self.name
        else:
            model, back = self.remote_model, self.reverse_query_name
        assert model is not None
        alias = instances[0]._db if instances else None
        qs = model._default_manager.get_queryset().using(alias)
        qs = qs.filter(**{f"{back}__in": pks}).annotate(**{PREFETCH_SOURCE: F(back)})
        return qs, PREFETCH_SOURCE

    def accessor_name(self, reverse: bool) -> str:
        """The attribute of the manager (``tags`` forward, ``posts`` reverse)."""
        return self.reverse_name if reverse else self.name

    # -- no column --------------------------------------------------------------------------------

    def sa_column(self) -> Any:
        raise TypeError(f"{self!r} has no column: its links live in {self.through!r}.")


def _names_model(reference: type[Model] | str, model: type[Model]) -> bool:
    """True when ``reference`` (``"self"``, a class, ``"Model"``, ``"label.Model"``) names
    ``model``."""
    if reference == "self" or reference is model:
        return True
    if not isinstance(reference, str):
        return False
    label, _, name = reference.rpartition(".")
    meta = model._meta
    return (label or meta.label, name.lower()) == (meta.label, meta.model_name)


def _create_through(field: ManyToManyField, target: type[Model]) -> type[Model]:
    """The auto-created through model of ``field`` (``Post_tags``)."""
    from heron.db.models.base import Model, ModelBase

    owner = field.model
    assert owner is not None
    meta = owner._meta
    name = f"{meta.object_name}_{field.name}"
    if target is owner:
        source_name, dest_name = f"from_{meta.model_name}", f"to_{meta.model_name}"
    else:
        source_name, dest_name = meta.model_name, target._meta.model_name
    hidden = f"{name.lower()}+"
    table = field.db_table or f"{meta.table_name}_{field.name}"
    source = ForeignKey(owner, on_delete=CASCADE, related_name=hidden)
    dest = ForeignKey(target, on_delete=CASCADE, related_name=hidden)
    source.auto_created = dest.auto_created = True
    attrs: dict[str, Any] = {
        "__module__": owner.__module__,
        "__qualname__": f"{owner.__qualname__}_{field.name}",
        "__doc__": f"Links of {meta.object_name}.{field.name} (auto-created).",
        "Meta": type(
            "Meta",
            (),
            {
                "label": meta.label,
                "table": table,
                "managed": meta.managed,  # as the model declaring the field
                "unique_together": [(source_name, dest_name)],
                "verbose_name": f"{meta.object_name}-{target._meta.object_name} link",
            },
        ),
        source_name: source,
        dest_name: dest,
    }
    through: type[Model] = ModelBase(name, (Model,), attrs)
    through._meta.auto_created = True
    return through
