"""The models of the proxy-model tests (label ``mt``: tables created with the others).

``PxItem`` is the one concrete model; ``RankedItem``, ``ActiveItem`` and ``TopItem`` (a
proxy of a proxy) read and write its table. ``PxNote`` points at a proxy.
"""

from __future__ import annotations

from typing import Any

from heron.db import Manager, Model, QuerySet, fields


class PxOwner(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "mt"


class PxTag(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "mt"


class PxItem(Model):
    name = fields.String(max_length=50)
    rank = fields.Integer(default=0)
    active = fields.Boolean(default=True)
    owner = fields.ForeignKey(PxOwner, on_delete=fields.CASCADE, null=True, related_name="items")
    tags = fields.ManyToManyField(PxTag, related_name="items")

    class Meta:
        label = "mt"
        ordering = ["name"]
        get_latest_by = "rank"


class RankedQuerySet(QuerySet[Any]):
    def top(self, rank: int) -> RankedQuerySet:
        return self.filter(rank__gte=rank)  # type: ignore[no-any-return]


class RankedItem(PxItem):
    """Methods, a QuerySet of its own and its own ordering."""

    objects = RankedQuerySet.as_manager()

    class Meta:
        label = "mt"
        proxy = True
        ordering = ["-rank"]
        verbose_name = "ranked item"

    def shout(self) -> str:
        return self.name.upper()

    @property
    def badge(self) -> str:
        return f"#{self.rank} {self.name}"


class ActiveManager(Manager[Any]):
    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().filter(active=True)


class ActiveItem(PxItem):
    """A default manager that hides inactive rows."""

    objects = ActiveManager()

    class Meta:
        label = "mt"
        proxy = True


class TopItem(RankedItem):
    """A proxy of a proxy: inherits ``RankedItem``'s manager and ordering."""

    class Meta:
        label = "mt"
        proxy = True

    def shout(self) -> str:
        return f"top {super().shout()}"


class PxNote(Model):
    """A foreign key to a proxy: its column points at ``PxItem``'s table."""

    item = fields.ForeignKey(RankedItem, on_delete=fields.CASCADE, related_name="notes")
    text = fields.String(max_length=50, default="")

    class Meta:
        label = "mt"
