"""Custom QuerySets and managers: ``QuerySet.as_manager()`` and ``Manager.from_queryset()``,
as Django has them, on the three databases, sync and async."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from heron.db import Manager, Model, QuerySet, connections, fields, registry

RUN = uuid.uuid4().hex[:8]


class EntryQuerySet(QuerySet[Any]):
    """Entries with shortcuts of their own."""

    def published(self) -> EntryQuerySet:
        """Only the published entries."""
        return self.filter(published=True)

    def titled(self, prefix: str) -> EntryQuerySet:
        return self.filter(title__startswith=prefix)

    async def atitles(self) -> list[str]:
        return [e.title async for e in self.order_by("title")]

    def internal(self) -> EntryQuerySet:
        return self.all()

    internal.queryset_only = True  # type: ignore[attr-defined]

    def _helper(self) -> None:
        """Private: not copied to the manager."""


class EntryManager(Manager.from_queryset(EntryQuerySet)):  # type: ignore[misc]
    """A manager of its own on top of the QuerySet's methods."""

    def get_queryset(self) -> EntryQuerySet:
        return super().get_queryset().exclude(title="hidden")

    def create_draft(self, title: str) -> Any:
        return self.create(title=title, published=False)


class Entry(Model):
    title = fields.String(max_length=50)
    published = fields.Boolean(default=False)

    objects = EntryQuerySet.as_manager()
    visible = EntryManager()

    class Meta:
        label = "cm"
        table = f"cm{RUN}_entry"


@pytest.fixture
def entries(db_url: str) -> Iterator[None]:
    connections.configure(database_url=db_url)
    engine = connections["default"].sqlalchemy_engine()
    tables = [Entry.__table__]
    registry.metadata.drop_all(engine, tables=tables)
    registry.metadata.create_all(engine, tables=tables)
    for title, published in [("alpha", True), ("beta", False), ("almond", False), ("hidden", True)]:
        Entry.objects.create(title=title, published=published)
    try:
        yield
    finally:
        registry.metadata.drop_all(engine, tables=tables)
        connections.close_all()


def _titles(qs: Any) -> list[str]:
    return sorted(e.title for e in qs)


def test_as_manager_offers_the_queryset_methods(entries: None) -> None:
    assert isinstance(Entry.objects, Manager)
    qs = Entry.objects.published()
    assert isinstance(qs, EntryQuerySet)
    assert _titles(qs) == ["alpha", "hidden"]
    # Chained either way round, the custom class is kept.
    assert _titles(Entry.objects.filter(title__startswith="al").published()) == ["alpha"]
    assert _titles(Entry.objects.published().titled("al")) == ["alpha"]
    assert _titles(Entry.objects.titled("al")) == ["almond", "alpha"]
    assert Entry.objects.published.__doc__ == "Only the published entries."


def test_private_and_queryset_only_methods_stay_on_the_queryset(entries: None) -> None:
    assert not hasattr(Entry.objects, "internal")
    assert not hasattr(Entry.objects, "_helper")
    assert not hasattr(Entry.objects, "as_manager")
    assert _titles(Entry.objects.all().internal()) == ["almond", "alpha", "beta", "hidden"]


def test_from_queryset_subclass_keeps_its_own_methods(entries: None) -> None:
    assert type(Entry.visible).__name__ == "EntryManager"
    assert _titles(Entry.visible.all()) == ["almond", "alpha", "beta"]  # its get_queryset
    assert _titles(Entry.visible.published()) == ["alpha"]
    draft = Entry.visible.create_draft("gamma")
    assert draft.published is False
    named = Manager.from_queryset(EntryQuerySet, "EntryQuerySetManager")
    assert named.__name__ == "EntryQuerySetManager" and issubclass(named, Manager)


def test_get_by_pk_goes_through_the_custom_queryset(entries: None) -> None:
    hidden = Entry.objects.get(title="hidden")
    assert Entry.objects.get(pk=hidden.pk) == hidden
    with pytest.raises(Entry.DoesNotExist):
        Entry.visible.get(pk=hidden.pk)  # excluded by the manager's get_queryset()


@pytest.mark.anyio
async def test_async(entries: None) -> None:
    assert [e.title for e in await Entry.objects.published().order_by("title")] == [
        "alpha",
        "hidden",
    ]
    assert await Entry.visible.atitles() == ["almond", "alpha", "beta"]
    hidden = await Entry.objects.aget(title="hidden")
    with pytest.raises(Entry.DoesNotExist):
        await Entry.visible.aget(pk=hidden.pk)
    assert await Entry.visible.published().acount() == 1
