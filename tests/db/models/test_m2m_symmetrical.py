"""Symmetrical many-to-many relations to the model itself (``ManyToManyField("self")``):
each link stored both ways, sync and async, on every backend; ``symmetrical=False``."""

from __future__ import annotations

from typing import Any

import pytest

from heron.db import Model, fields
from tests.db.models.mt_models import Contact, Peer, Person

Peer_friends: Any = Peer.friends.through  # the auto-created through model


def names(qs: Any) -> list[str]:
    return [obj.name for obj in qs]


def links() -> list[tuple[str, str]]:
    """Every row of ``Peer_friends`` as ``(from, to)`` names, sorted (duplicates kept)."""
    return sorted(Peer_friends.objects.values_list("from_peer__name", "to_peer__name"))


def contacts() -> list[tuple[str, str, int]]:
    """Every ``Contact`` row as ``(source, target, since)``, sorted."""
    return sorted(Contact.objects.values_list("source__name", "target__name", "since"))


@pytest.fixture
def peers(db: Any) -> dict[str, Any]:
    return {n: Peer.objects.create(name=n) for n in ("ann", "ben", "cat", "dan")}


def test_relations_to_self_are_symmetrical_by_default() -> None:
    assert Peer.friends.symmetrical is True
    assert Peer.contacts.symmetrical is True  # "Peer", the model's own name
    assert Person.friends.symmetrical is False  # symmetrical=False
    assert Person.friends.remote_model is Person and Person.befriended_by is not None
    # no reverse accessor, no reverse query name, as in Django
    assert Peer._meta.query_names() == ["id", "name", "friends", "contacts"]
    assert not [name for name in vars(Peer) if name.endswith("+") or "_rel_" in name]


def test_symmetrical_refusals() -> None:
    with pytest.raises(TypeError, match=r"Lonely\.tags: symmetrical=True needs a relation"):

        class Lonely(Model):
            tags = fields.ManyToManyField("mt.Tag", symmetrical=True)

            class Meta:
                label = "mt_sym_errors"

    with pytest.raises(TypeError, match="related_name= and related_query_name= have no effect"):

        class Named(Model):
            friends = fields.ManyToManyField("self", related_name="fans")

            class Meta:
                label = "mt_sym_errors"


def test_add_links_both_ways_without_duplicates(peers: dict[str, Any]) -> None:
    ann, ben, cat = peers["ann"], peers["ben"], peers["cat"]
    ann.friends.add(ben, cat.pk)
    assert names(ann.friends.all()) == ["ben", "cat"]
    assert names(ben.friends.all()) == ["ann"] and names(cat.friends.all()) == ["ann"]
    ben.friends.add(ann)  # both rows exist already
    ann.friends.add(ben, cat)
    cat.friends.add(cat)  # a link to itself is one row
    assert links() == [
        ("ann", "ben"),
        ("ann", "cat"),
        ("ben", "ann"),
        ("cat", "ann"),
        ("cat", "cat"),
    ]
    assert names(cat.friends.all()) == ["ann", "cat"]


def test_remove_and_clear_both_ways(peers: dict[str, Any]) -> None:
    ann, ben, cat, dan = (peers[n] for n in ("ann", "ben", "cat", "dan"))
    ann.friends.add(ben, cat, dan)
    ben.friends.add(cat)
    ben.friends.remove(ann)  # from the other side
    assert names(ann.friends.all()) == ["cat", "dan"] and names(ben.friends.all()) == ["cat"]
    assert ("ann", "ben") not in links() and ("ben", "ann") not in links()
    cat.friends.clear()  # cat's rows in both directions
    assert names(ann.friends.all()) == ["dan"] and names(ben.friends.all()) == []
    assert links() == [("ann", "dan"), ("dan", "ann")]
    assert Peer.objects.count() == 4


def test_set_and_create_both_ways(peers: dict[str, Any]) -> None:
    ann, ben, cat, dan = (peers[n] for n in ("ann", "ben", "cat", "dan"))
    ann.friends.set([ben, cat])
    ann.friends.set([cat, dan])
    assert names(ann.friends.all()) == ["cat", "dan"] and names(ben.friends.all()) == []
    assert names(dan.friends.all()) == ["ann"]
    eve = ann.friends.create(name="eve")
    assert names(eve.friends.all()) == ["ann"]
    ann.friends.set([ben], clear=True)
    assert links() == [("ann", "ben"), ("ben", "ann")]


@pytest.mark.anyio
async def test_async_twins_write_both_ways(peers: dict[str, Any]) -> None:
    ann, ben, cat, dan = (peers[n] for n in ("ann", "ben", "cat", "dan"))
    await ann.friends.aadd(ben, cat)
    await ben.friends.aadd(ann)
    assert names(await cat.friends.all()) == ["ann"]
    assert await Peer_friends.objects.acount() == 4
    await cat.friends.aremove(ann)
    assert names(await ann.friends.all()) == ["ben"]
    await dan.friends.aset([ann, ben])
    assert names(await ben.friends.all()) == ["ann", "dan"]
    eve = await ben.friends.acreate(name="eve")
    assert names(await eve.friends.all()) == ["ben"]
    await ben.friends.aclear()
    assert names(await ann.friends.all()) == ["dan"] and await eve.friends.acount() == 0
    assert await Peer_friends.objects.acount() == 2
    loaded = await Peer.objects.filter(name="dan").prefetch_related("friends")
    assert names(loaded[0].friends.all()) == ["ann"]


def test_filter_prefetch_and_delete(peers: dict[str, Any], db: Any) -> None:
    ann, ben, cat, dan = (peers[n] for n in ("ann", "ben", "cat", "dan"))
    ann.friends.add(ben, cat)
    dan.friends.add(ben)
    assert names(Peer.objects.filter(friends=ann)) == ["ben", "cat"]
    assert names(Peer.objects.filter(friends=ben)) == ["ann", "dan"]
    assert names(Peer.objects.filter(friends__name="ann").order_by("name")) == ["ben", "cat"]
    with db.capture_queries() as queries:
        loaded = list(Peer.objects.prefetch_related("friends"))
        assert {p.name: names(p.friends.all()) for p in loaded} == {
            "ann": ["ben", "cat"],
            "ben": ["ann", "dan"],
            "cat": ["ann"],
            "dan": ["ben"],
        }
    assert len(queries) == 2
    assert ben.delete() == (5, {"mt.Peer": 1, "mt.Peer_friends": 4})
    assert links() == [("ann", "cat"), ("cat", "ann")]
    assert names(dan.friends.all()) == []


def test_explicit_through_model_gets_both_rows(peers: dict[str, Any]) -> None:
    ann, ben, cat = peers["ann"], peers["ben"], peers["cat"]
    ann.contacts.add(ben, through_defaults={"since": 2020})
    ben.contacts.add(ann, cat)  # ben -> ann exists: only the ben/cat pair is new
    assert contacts() == [
        ("ann", "ben", 2020),
        ("ben", "ann", 2020),
        ("ben", "cat", 0),
        ("cat", "ben", 0),
    ]
    assert names(cat.contacts.all()) == ["ben"]
    cat.contacts.set([ann], through_defaults={"since": 1999})
    assert names(ben.contacts.all()) == ["ann"] and names(ann.contacts.all()) == ["ben", "cat"]
    assert ("ann", "cat", 1999) in contacts() and ("cat", "ann", 1999) in contacts()
    ann.contacts.remove(ben)
    assert names(ben.contacts.all()) == []
    assert ann.delete() == (3, {"mt.Peer": 1, "mt.Contact": 2})
    assert contacts() == []


def test_not_symmetrical_keeps_one_direction(db: Any) -> None:
    ann, ben = Person.objects.create(name="ann"), Person.objects.create(name="ben")
    ann.friends.add(ben)
    ben.befriended_by.add(ann)  # the same link, from the reverse side
    assert names(ann.friends.all()) == ["ben"] and names(ben.friends.all()) == []
    assert names(ben.befriended_by.all()) == ["ann"] and names(ann.befriended_by.all()) == []
    assert Person.friends.through.objects.count() == 1
    ann.friends.clear()
    assert names(ben.befriended_by.all()) == []
