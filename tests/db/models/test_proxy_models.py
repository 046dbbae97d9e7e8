"""Proxy models (``Meta.proxy = True``): another class over the same table, with its own
methods, managers and ordering, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heron.db import FieldError, Model, fields, post_delete, post_save, pre_save, registry
from heron.db.backends import Database
from tests.db.models.proxy_models import (
    ActiveItem,
    PxItem,
    PxNote,
    PxOwner,
    PxTag,
    RankedItem,
    TopItem,
)

# -- the class --------------------------------------------------------------------------------


def test_a_proxy_shares_the_table_fields_and_key_of_its_concrete_model() -> None:
    meta, concrete = RankedItem._meta, PxItem._meta
    assert meta.proxy and not concrete.proxy
    assert RankedItem.__table__ is PxItem.__table__
    assert meta.table_name == "mt_pxitem"
    assert meta.fields is concrete.fields and meta.pk is concrete.pk
    assert meta.get_field("owner") is concrete.get_field("owner")
    assert [f.name for f in meta.many_to_many] == ["tags"]
    assert meta.concrete_model is PxItem and concrete.concrete_model is PxItem
    assert meta.proxy_for_model is PxItem and concrete.proxy_for_model is None
    assert TopItem._meta.proxy_for_model is RankedItem
    assert TopItem._meta.concrete_model is PxItem
    assert registry.get_model("mt.TopItem") is TopItem
    assert [t.name for t in registry.tables_for("mt")].count("mt_pxitem") == 1


def test_a_proxy_has_its_own_names_and_inherits_ordering_unless_it_sets_one() -> None:
    assert RankedItem._meta.verbose_name == "ranked item"
    assert RankedItem._meta.ordering == ["-rank"]
    assert TopItem._meta.verbose_name == "top item"
    assert TopItem._meta.ordering == ["-rank"]  # from RankedItem
    assert ActiveItem._meta.ordering == ["name"]  # from PxItem
    assert ActiveItem._meta.get_latest_by == "rank"
    assert issubclass(RankedItem.DoesNotExist, PxItem.DoesNotExist)
    assert issubclass(TopItem.MultipleObjectsReturned, RankedItem.MultipleObjectsReturned)


def test_a_proxy_cannot_declare_fields() -> None:
    with pytest.raises(FieldError, match="Proxy model 'Named' contains model fields"):

        class Named(PxItem):
            nickname = fields.String(max_length=20)

            class Meta:
                label = "pxerr"
                proxy = True


def test_a_proxy_needs_exactly_one_concrete_base() -> None:
    with pytest.raises(TypeError, match="'Orphan' has no non-abstract model base class"):

        class Orphan(Model):
            class Meta:
                label = "pxerr"
                proxy = True

    with pytest.raises(TypeError, match="'Both' has more than one non-abstract model base"):

        class Both(PxItem, PxOwner):
            class Meta:
                label = "pxerr"
                proxy = True

    assert "pxerr" not in registry.models


def test_a_proxy_takes_abstract_bases_without_fields_only() -> None:
    class Fielded(Model):
        note = fields.String(max_length=20)

        class Meta:
            label = "pxerr"
            abstract = True

    with pytest.raises(TypeError, match="Abstract base class containing model fields"):

        class Mixed(Fielded, PxItem):
            class Meta:
                label = "pxerr"
                proxy = True


def test_a_proxy_cannot_set_table_options() -> None:
    with pytest.raises(TypeError, match=r"Renamed.Meta.table cannot be set on a proxy model"):

        class Renamed(PxItem):
            class Meta:
                label = "pxerr"
                proxy = True
                table = "other"


# -- queries ----------------------------------------------------------------------------------


def _items() -> list[PxItem]:
    owner = PxOwner.objects.create(name="ann")
    return [
        PxItem.objects.create(name="a", rank=1, owner=owner),
        PxItem.objects.create(name="b", rank=3, active=False),
        PxItem.objects.create(name="c", rank=2, owner=owner),
    ]


def test_queries_through_a_proxy_read_the_table_and_return_proxy_instances(db: Database) -> None:
    [a, *_] = _items()
    ranked = list(RankedItem.objects.all())
    assert [(type(o), o.name) for o in ranked] == [(RankedItem, n) for n in ("b", "c", "a")]
    assert [o.shout() for o in RankedItem.objects.top(2)] == ["B", "C"]
    assert RankedItem.objects.get(name="c").badge == "#2 c"
    assert type(RankedItem.objects.get(pk=a.pk)) is RankedItem  # the get-by-pk fast path
    assert [o.shout() for o in TopItem.objects.top(3)] == ["top B"]
    assert list(RankedItem.objects.values_list("name", flat=True)) == ["b", "c", "a"]
    assert list(ActiveItem.objects.values("name")) == [{"name": "a"}, {"name": "c"}]
    assert ActiveItem.objects.count() == 2 and not ActiveItem.objects.filter(name="b").exists()
    assert ActiveItem._base_manager.get(name="b").name == "b"
    assert RankedItem.objects.latest().name == "b"
    with pytest.raises(RankedItem.DoesNotExist):
        RankedItem.objects.get(name="zz")
    with pytest.raises(PxItem.DoesNotExist):  # a proxy's error is its parent's too
        ActiveItem.objects.get(name="b")


def test_writes_through_a_proxy_reach_the_concrete_table(db: Database) -> None:
    made = RankedItem.objects.create(name="new", rank=7)
    assert type(made) is RankedItem and made.pk is not None
    assert PxItem.objects.get(pk=made.pk).rank == 7
    made.rank = 8
    made.save()
    assert PxItem.objects.get(pk=made.pk).rank == 8
    assert TopItem.objects.filter(pk=made.pk).update(rank=9) == 1
    RankedItem.objects.bulk_create([RankedItem(name="x"), RankedItem(name="y")])
    assert sorted(PxItem.objects.values_list("name", flat=True)) == ["new", "x", "y"]
    ActiveItem.objects.filter(name="x").delete()
    assert sorted(PxItem.objects.values_list("name", flat=True)) == ["new", "y"]
    obj = ActiveItem.objects.get(name="y")
    obj.refresh_from_db()
    assert type(obj) is ActiveItem
    assert obj.delete()[0] == 1
    assert list(PxItem.objects.values_list("name", "rank")) == [("new", 9)]


def test_proxy_and_concrete_instances_of_one_row_are_equal(db: Database) -> None:
    [a, *_] = _items()
    proxied = RankedItem.objects.get(pk=a.pk)
    assert proxied == a and a == proxied and hash(proxied) == hash(a)
    assert proxied == TopItem.objects.get(pk=a.pk)
    assert proxied != RankedItem.objects.get(name="b")
    assert isinstance(proxied, PxItem) and not isinstance(a, RankedItem)
    assert {a, proxied} == {a}


@pytest.mark.anyio
async def test_async_queries_through_a_proxy(db: Database) -> None:
    made = await RankedItem.objects.acreate(name="m", rank=4)
    assert type(made) is RankedItem
    got = await TopItem.objects.aget(pk=made.pk)
    assert type(got) is TopItem and got.shout() == "top M"
    assert [type(o) for o in await RankedItem.objects.filter(rank=4)] == [RankedItem]
    assert [o.name async for o in ActiveItem.objects.all()] == ["m"]
    got.active = False
    await got.asave()
    assert await ActiveItem.objects.acount() == 0
    await got.adelete()
    assert await PxItem.objects.acount() == 0


# -- relations --------------------------------------------------------------------------------


def test_a_foreign_key_to_a_proxy_points_at_the_concrete_table(db: Database) -> None:
    [fk] = PxNote.__table__.c.item_id.foreign_keys
    assert fk.column.table is PxItem.__table__
    a, b, _ = _items()
    note = PxNote.objects.create(item=RankedItem.objects.get(pk=a.pk), text="first")
    PxNote.objects.create(item=b, text="second")  # a concrete instance is accepted
    assert type(PxNote.objects.get(pk=note.pk).item) is RankedItem
    loaded = PxNote.objects.select_related("item").get(text="second")
    assert type(loaded.item) is RankedItem and loaded.item.name == "b"
    ranked = RankedItem.objects.get(pk=a.pk)
    assert [n.text for n in ranked.notes.all()] == ["first"]
    assert not hasattr(a, "notes")  # the reverse accessor is the proxy's, as in Django
    prefetched = RankedItem.objects.prefetch_related("notes").get(pk=b.pk)
    assert [n.text for n in prefetched.notes.all()] == ["second"]
    assert list(PxItem.objects.filter(notes__text="first").values_list("name", flat=True)) == ["a"]
    a.delete()  # deleting through the concrete model cascades to notes of the proxy
    assert list(PxNote.objects.values_list("text", flat=True)) == ["second"]


def test_a_proxy_follows_the_relations_of_its_concrete_model(db: Database) -> None:
    a, _, c = _items()
    item = RankedItem.objects.select_related("owner").get(pk=a.pk)
    assert item.owner.name == "ann"
    owner = PxOwner.objects.get()
    assert sorted(i.name for i in owner.items.all()) == ["a", "c"]
    tag = PxTag.objects.create(name="t")
    item.tags.add(tag)
    assert [t.name for t in RankedItem.objects.get(pk=c.pk).tags.all()] == []
    with_tags = RankedItem.objects.prefetch_related("tags").get(pk=a.pk)
    assert [t.name for t in with_tags.tags.all()] == ["t"]
    assert [type(i) for i in RankedItem.objects.filter(tags__name="t")] == [RankedItem]
    assert [i.name for i in tag.items.all()] == ["a"]


# -- signals ----------------------------------------------------------------------------------


@pytest.fixture
def heard() -> Iterator[list[tuple[str, Any, Any]]]:
    events: list[tuple[str, Any, Any]] = []

    def record(name: str) -> Any:
        def receiver(sender: Any, **kwargs: Any) -> None:
            events.append((name, sender, kwargs["instance"]))

        return receiver

    receivers = [(s, record(s.name.rpartition(".")[2])) for s in (pre_save, post_save, post_delete)]
    for signal, fn in receivers:
        signal.connect(fn, weak=False)
    yield events
    for signal, fn in receivers:
        signal.disconnect(fn)


def test_signals_of_a_proxy_instance_name_the_proxy_as_sender(
    db: Database, heard: list[tuple[str, Any, Any]]
) -> None:
    only_concrete: list[Any] = []

    def concrete_only(sender: Any, **kwargs: Any) -> None:
        only_concrete.append(sender)

    post_save.connect(concrete_only, sender=PxItem, weak=False)
    try:
        obj = TopItem.objects.create(name="s")
        obj.delete()
    finally:
        post_save.disconnect(concrete_only)
    assert [(name, sender) for name, sender, _ in heard] == [
        ("pre_save", TopItem),
        ("post_save", TopItem),
        ("post_delete", TopItem),
    ]
    assert all(instance is obj for _, _, instance in heard)
    assert only_concrete == []  # as in Django: receivers for the parent are not called
