"""Model signals: save, delete (with cascades) and many-to-many changes, sync and async,
on each backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import heron.db
from heron.db import (
    atomic,
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
    pre_init,
    pre_save,
    receiver,
)
from heron.db.backends import Database
from heron.db.signals import (
    AsyncReceiverError,
    ModelSignal,
    delete_hooks,
    init_hooks,
    save_hooks,
)
from tests.db.models.signal_models import (
    SigAuthor,
    SigComment,
    SigNote,
    SigPlain,
    SigPost,
    SigTag,
)

SIGNALS = (pre_init, post_init, pre_save, post_save, pre_delete, post_delete, m2m_changed)
Event = tuple[str, type, dict[str, Any]]


class Recorder:
    """Connects receivers, records what they get, and disconnects them all afterwards."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.connected: list[tuple[ModelSignal, Callable[..., Any]]] = []

    def listen(self, signal: ModelSignal, sender: Any = None) -> Callable[..., Any]:
        name = signal.name.rpartition(".")[2]

        def record(sender: type, **kwargs: Any) -> None:
            self.events.append((name, sender, kwargs))

        return self.connect(signal, record, sender)

    def listen_async(self, signal: ModelSignal, sender: Any = None) -> Callable[..., Any]:
        name = signal.name.rpartition(".")[2]

        async def arecord(sender: type, **kwargs: Any) -> None:
            self.events.append((f"async {name}", sender, kwargs))

        return self.connect(signal, arecord, sender)

    def connect(
        self, signal: ModelSignal, fn: Callable[..., Any], sender: Any = None
    ) -> Callable[..., Any]:
        signal.connect(fn, sender=sender, weak=False)
        self.connected.append((signal, fn))
        return fn

    def names(self) -> list[tuple[str, str]]:
        return [(name, sender.__name__) for name, sender, _ in self.events]

    def disconnect(self) -> None:
        for signal, fn in self.connected:
            signal.disconnect(fn)


@pytest.fixture
def rec() -> Iterator[Recorder]:
    recorder = Recorder()
    try:
        yield recorder
    finally:
        recorder.disconnect()
        for signal in SIGNALS:
            assert not signal.receivers, f"{signal.name} still has receivers"
        assert not save_hooks and not delete_hooks and not init_hooks  # the fast paths are back


@pytest.fixture
def blog(db: Database) -> dict[str, Any]:
    """An author with two posts (one with two comments, one tagged) and a note."""
    ada = SigAuthor.objects.create(name="ada")
    one = SigPost.objects.create(title="one", author=ada)
    two = SigPost.objects.create(title="two", author=ada)
    first = SigComment.objects.create(post=one, text="a")
    second = SigComment.objects.create(post=one, text="b")
    note = SigNote.objects.create(author=ada, text="n")
    tag = SigTag.objects.create(name="t")
    two.tags.add(tag)
    return {"ada": ada, "one": one, "two": two, "comments": [first, second], "note": note}


def _selects(captured: list[tuple[str, Any]]) -> list[str]:
    return [sql for sql, _ in captured if sql.lstrip().upper().startswith("SELECT")]


# -- the API -----------------------------------------------------------------------------------


def test_signals_are_named_blinker_signals_exported_from_heron_db() -> None:
    from blinker import Signal as BlinkerSignal

    from heron.db import signals

    assert heron.db.signals is signals
    names = ("pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed")
    for name in (*names, "pre_migrate", "post_migrate"):
        signal = getattr(signals, name)
        assert isinstance(signal, BlinkerSignal)
        assert signal.name == f"heron.db.{name}"
        assert getattr(heron.db, name) is signal
        assert signals.namespace[f"heron.db.{name}"] is signal
    assert heron.db.receiver is signals.receiver


def test_receiver_decorator_with_sender_and_with_a_list(db: Database, rec: Recorder) -> None:
    seen: list[tuple[str, str]] = []

    @receiver(post_save, sender=SigAuthor)
    def authors(sender: type, **kwargs: Any) -> None:
        seen.append(("authors", sender.__name__))

    @receiver([pre_save, post_save])
    def everything(sender: type, **kwargs: Any) -> None:
        seen.append(("everything", sender.__name__))

    rec.connected += [(post_save, authors), (pre_save, everything), (post_save, everything)]
    SigPlain.objects.create(name="p")
    SigAuthor.objects.create(name="a")
    assert sorted(seen) == sorted(
        [
            ("everything", "SigPlain"),
            ("everything", "SigPlain"),
            ("everything", "SigAuthor"),
            ("everything", "SigAuthor"),
            ("authors", "SigAuthor"),
        ]
    )


def test_disconnect_stops_the_calls(db: Database, rec: Recorder) -> None:
    fn = rec.listen(post_save, sender=SigPlain)
    SigPlain.objects.create(name="a")
    post_save.disconnect(fn, sender=SigPlain)
    SigPlain.objects.create(name="b")
    assert rec.names() == [("post_save", "SigPlain")]


def test_disconnecting_the_last_sender_turns_the_hooks_off() -> None:
    def receiver(sender: Any, **kwargs: Any) -> None:
        pass

    post_init.connect(receiver, sender=SigPlain)
    post_init.connect(receiver, sender=SigAuthor)
    post_init.disconnect(receiver, sender=SigPlain)
    assert init_hooks == [post_init]  # still connected for SigAuthor
    post_init.disconnect(receiver, sender=SigAuthor)
    assert not init_hooks and not post_init.receivers


# -- save ----------------------------------------------------------------------------------------


def test_save_sends_pre_and_post_save_with_django_arguments(db: Database, rec: Recorder) -> None:
    rec.listen(pre_save, sender=SigPlain)
    rec.listen(post_save, sender=SigPlain)
    seen_in_pre: list[Any] = []
    rec.connect(pre_save, lambda sender, instance, **kw: seen_in_pre.append(instance.pk), SigPlain)
    obj = SigPlain(name="a")
    obj.save()
    assert seen_in_pre == [None]  # before the INSERT
    (pre, pre_model, pre_kw), (post, post_model, post_kw) = rec.events
    assert (pre, pre_model, post, post_model) == ("pre_save", SigPlain, "post_save", SigPlain)
    assert pre_kw == {"instance": obj, "raw": False, "using": "default", "update_fields": None}
    assert post_kw == {
        "instance": obj,
        "created": True,
        "raw": False,
        "using": "default",
        "update_fields": None,
    }
    assert post_kw["instance"] is obj and obj.pk is not None
    rec.events.clear()
    obj.name = "b"
    obj.save(update_fields=["name"])
    (_, _, pre_kw), (_, _, post_kw) = rec.events
    assert pre_kw["update_fields"] == frozenset({"name"})
    assert isinstance(pre_kw["update_fields"], frozenset)
    assert post_kw["created"] is False and post_kw["update_fields"] == frozenset({"name"})


def test_create_get_or_create_update_or_create_send(db: Database, rec: Recorder) -> None:
    rec.listen(post_save, sender=SigPlain)
    SigPlain.objects.create(name="a")
    SigPlain.objects.get_or_create(name="a")  # found: no save
    SigPlain.objects.get_or_create(name="b")
    SigPlain.objects.update_or_create(name="b", defaults={"name": "c"})
    created = [kw["created"] for _, _, kw in rec.events]
    assert created == [True, True, False]


def test_a_receiver_can_change_the_instance_before_the_write(db: Database, rec: Recorder) -> None:
    def shout(sender: type, instance: SigPlain, **kwargs: Any) -> None:
        instance.name = instance.name.upper()

    rec.connect(pre_save, shout, SigPlain)
    obj = SigPlain.objects.create(name="quiet")
    assert SigPlain.objects.get(pk=obj.pk).name == "QUIET"


def test_bulk_writes_and_update_send_nothing(db: Database, rec: Recorder) -> None:
    for signal in SIGNALS:
        if signal not in (pre_init, post_init):  # the instances are made: those are sent
            rec.listen(signal)
    objs = SigPlain.objects.bulk_create([SigPlain(name="a"), SigPlain(name="b")])
    for obj in objs:
        obj.name += "!"
    SigPlain.objects.bulk_update(objs, ["name"])
    SigPlain.objects.filter(name="a!").update(name="z")
    assert rec.events == []


def test_pre_save_raising_prevents_the_save(db: Database, rec: Recorder) -> None:
    def refuse(sender: type, **kwargs: Any) -> None:
        raise ValueError("no")

    rec.connect(pre_save, refuse, SigPlain)
    with pytest.raises(ValueError, match="no"):
        SigPlain.objects.create(name="a")
    assert SigPlain.objects.count() == 0


def test_post_save_raising_rolls_back_the_atomic_block(db: Database, rec: Recorder) -> None:
    def refuse(sender: type, instance: Any, **kwargs: Any) -> None:
        assert SigPlain.objects.filter(pk=instance.pk).exists()  # written, in the transaction
        raise ValueError("undo")

    rec.connect(post_save, refuse, SigPlain)
    with pytest.raises(ValueError, match="undo"), atomic():
        SigAuthor.objects.create(name="kept?")
        SigPlain.objects.create(name="a")
    assert SigPlain.objects.count() == 0
    assert SigAuthor.objects.count() == 0


def test_sync_save_refuses_an_async_receiver_by_name(db: Database, rec: Recorder) -> None:
    fn = rec.listen_async(post_save, sender=SigPlain)
    with pytest.raises(AsyncReceiverError) as info:
        SigPlain.objects.create(name="a")
    message = str(info.value)
    assert fn.__qualname__ in message and "asave()" in message
    assert "heron.db.post_save" in message
    assert rec.events == []


@pytest.mark.anyio
async def test_asave_awaits_async_receivers_and_calls_sync_ones(
    db: Database, rec: Recorder
) -> None:
    rec.listen_async(pre_save, sender=SigPlain)
    rec.listen(post_save, sender=SigPlain)
    rec.listen_async(post_save, sender=SigPlain)
    obj = await SigPlain.objects.acreate(name="a")
    names = [name for name, _, _ in rec.events]
    assert names[0] == "async pre_save"
    assert sorted(names[1:]) == ["async post_save", "post_save"]
    assert all(kw["instance"] is obj and kw["using"] == "default" for _, _, kw in rec.events)
    assert [kw["created"] for _, _, kw in rec.events[1:]] == [True, True]
    rec.events.clear()
    obj.name = "b"
    await obj.asave(update_fields=["name"])
    assert {kw.get("created") for _, _, kw in rec.events} == {None, False}
    assert {kw["update_fields"] for _, _, kw in rec.events} == {frozenset({"name"})}


@pytest.mark.anyio
async def test_async_post_save_raising_rolls_back(db: Database, rec: Recorder) -> None:
    async def refuse(sender: type, **kwargs: Any) -> None:
        raise ValueError("undo")

    rec.connect(post_save, refuse, SigPlain)
    with pytest.raises(ValueError, match="undo"):
        async with atomic():
            await SigPlain.objects.acreate(name="a")
    assert await SigPlain.objects.acount() == 0


# -- delete --------------------------------------------------------------------------------------


def test_instance_delete_sends_with_the_instance_itself(db: Database, rec: Recorder) -> None:
    obj = SigPlain.objects.create(name="a")
    pk = obj.pk
    pks_seen: list[Any] = []
    rec.listen(pre_delete, sender=SigPlain)
    rec.listen(post_delete, sender=SigPlain)
    rec.connect(post_delete, lambda sender, instance, **kw: pks_seen.append(instance.pk))
    assert obj.delete() == (1, {"mt.SigPlain": 1})
    assert rec.names() == [("pre_delete", "SigPlain"), ("post_delete", "SigPlain")]
    for _, _, kw in rec.events:
        assert kw == {"instance": obj, "using": "default", "origin": obj}
        assert kw["instance"] is obj
    assert pks_seen == [pk]  # still set in post_delete, cleared afterwards
    assert obj.pk is None


def test_queryset_delete_sends_for_every_object_and_cascade(
    blog: dict[str, Any], rec: Recorder
) -> None:
    seen: list[tuple[str, str, Any]] = []  # primary keys as the receivers see them

    def pre(sender: type, instance: Any, **kwargs: Any) -> None:
        seen.append(("pre", sender.__name__, instance.pk))

    def post(sender: type, instance: Any, **kwargs: Any) -> None:
        seen.append(("post", sender.__name__, instance.pk))

    rec.listen(pre_delete)
    rec.listen(post_delete)
    rec.connect(pre_delete, pre)
    rec.connect(post_delete, post)
    qs = SigAuthor.objects.filter(name="ada")
    total, counts = qs.delete()
    assert total == 6
    assert counts == {
        "mt.SigAuthor": 1,
        "mt.SigPost": 2,
        "mt.SigComment": 2,
        "mt.SigPost_tags": 1,
    }
    pre = [(model, pk) for when, model, pk in seen if when == "pre"]
    post = [(model, pk) for when, model, pk in seen if when == "post"]
    expected = {
        ("SigAuthor", blog["ada"].pk),
        ("SigPost", blog["one"].pk),
        ("SigPost", blog["two"].pk),
        *(("SigComment", c.pk) for c in blog["comments"]),
    }
    # every object once each (the note is SET_NULL, the through row auto-created: neither)
    assert len(pre) == len(post) == 5 and set(pre) == set(post) == expected
    names = [name for name, _, _ in rec.events]
    assert names == ["pre_delete"] * 5 + ["post_delete"] * 5
    assert all(kw["instance"].pk is None for _, _, kw in rec.events)  # no row any more
    # rows go before what they point at, and the signals follow that order
    order = [model for model, _ in pre]
    assert order.index("SigComment") < order.index("SigPost") < order.index("SigAuthor")
    assert all(kw["origin"] is qs for _, _, kw in rec.events)
    assert SigNote.objects.get(pk=blog["note"].pk).author_id is None


def test_delete_receivers_see_the_rows_in_the_transaction(
    blog: dict[str, Any], rec: Recorder
) -> None:
    found: list[tuple[str, bool]] = []

    def check(sender: type, instance: Any, **kwargs: Any) -> None:
        found.append(("pre", SigComment.objects.filter(pk=instance.pk).exists()))

    def after(sender: type, instance: Any, **kwargs: Any) -> None:
        found.append(("post", SigComment.objects.filter(pk=instance.pk).exists()))

    rec.connect(pre_delete, check, SigComment)
    rec.connect(post_delete, after, SigComment)
    blog["one"].delete()
    assert found == [("pre", True), ("pre", True), ("post", False), ("post", False)]


def test_instances_are_loaded_only_for_listened_models(blog: dict[str, Any], rec: Recorder) -> None:
    rec.listen(post_delete, sender=SigComment)
    with heron.db.connections["default"].capture_queries() as captured:
        SigAuthor.objects.filter(pk=blog["ada"].pk).delete()
    selects = _selects(captured)
    # without receivers: author pks, posts of the author, comments of the posts, the
    # through rows; with a receiver on comments: one more, loading the two comments
    loads = [sql for sql in selects if "text" in sql.lower()]
    assert len(loads) == 1
    assert sorted(kw["instance"].text for _, _, kw in rec.events) == ["a", "b"]


def test_without_receivers_for_the_model_the_fast_path_stays(db: Database, rec: Recorder) -> None:
    SigPlain.objects.create(name="a")
    rec.listen(post_delete, sender=SigAuthor)  # another model: SigPlain is not reached
    with heron.db.connections["default"].capture_queries() as captured:
        SigPlain.objects.all().delete()
    assert len(captured) == 1 and captured[0][0].lstrip().upper().startswith("DELETE")
    assert rec.events == []


def test_a_listened_queryset_is_loaded_in_one_query(db: Database, rec: Recorder) -> None:
    SigPlain.objects.bulk_create([SigPlain(name=str(i)) for i in range(5)])
    rec.listen(pre_delete, sender=SigPlain)
    with heron.db.connections["default"].capture_queries() as captured:
        assert SigPlain.objects.filter(name__in=["1", "2", "3"]).delete()[0] == 3
    assert len(_selects(captured)) == 1
    assert sorted(kw["instance"].name for _, _, kw in rec.events) == ["1", "2", "3"]


def test_pre_delete_raising_deletes_nothing(blog: dict[str, Any], rec: Recorder) -> None:
    def refuse(sender: type, **kwargs: Any) -> None:
        raise ValueError("keep")

    rec.connect(pre_delete, refuse, SigPost)
    with pytest.raises(ValueError, match="keep"):
        blog["ada"].delete()
    assert SigAuthor.objects.count() == 1
    assert SigComment.objects.count() == 2
    assert blog["ada"].pk is not None


def test_post_delete_raising_rolls_the_delete_back(blog: dict[str, Any], rec: Recorder) -> None:
    def refuse(sender: type, **kwargs: Any) -> None:
        raise ValueError("undo")

    rec.connect(post_delete, refuse, SigComment)
    with pytest.raises(ValueError, match="undo"):
        SigPost.objects.all().delete()
    assert SigPost.objects.count() == 2
    assert SigComment.objects.count() == 2


def test_sync_delete_refuses_an_async_receiver(blog: dict[str, Any], rec: Recorder) -> None:
    rec.listen_async(pre_delete, sender=SigComment)
    with pytest.raises(AsyncReceiverError, match=r"adelete\(\)"):
        blog["one"].delete()
    assert SigComment.objects.count() == 2


@pytest.mark.anyio
async def test_async_deletes_send_to_both_kinds_of_receiver(
    blog: dict[str, Any], rec: Recorder
) -> None:
    rec.listen_async(pre_delete, sender=SigComment)
    rec.listen(post_delete, sender=SigComment)
    rec.listen_async(post_delete, sender=SigPost)
    one = blog["one"]
    assert await one.adelete() == (3, {"mt.SigPost": 1, "mt.SigComment": 2})
    assert sorted(rec.names()) == [
        ("async post_delete", "SigPost"),
        ("async pre_delete", "SigComment"),
        ("async pre_delete", "SigComment"),
        ("post_delete", "SigComment"),
        ("post_delete", "SigComment"),
    ]
    post_event = next(kw for name, _, kw in rec.events if name == "async post_delete")
    assert post_event["instance"] is one and post_event["origin"] is one
    rec.events.clear()
    await SigPost.objects.all().adelete()
    assert rec.names() == [("async post_delete", "SigPost")]
    assert rec.events[0][2]["instance"].title == "two"


# -- many-to-many --------------------------------------------------------------------------------


def test_m2m_changed_on_add_remove_set_clear(db: Database, rec: Recorder) -> None:
    ada = SigAuthor.objects.create(name="ada")
    post = SigPost.objects.create(title="p", author=ada)
    a, b, c = (SigTag.objects.create(name=n) for n in "abc")
    through = SigPost.tags.through_model
    rec.listen(m2m_changed, sender=through)
    rec.listen(post_save)  # the links themselves send no save signals

    def actions() -> list[tuple[str, Any]]:
        found = [(kw["action"], kw["pk_set"]) for name, _, kw in rec.events]
        rec.events.clear()
        return found

    post.tags.add(a, b.pk)
    assert all(sender is through for _, sender, _ in rec.events)
    kw = rec.events[0][2]
    assert kw["instance"] is post and kw["model"] is SigTag
    assert kw["reverse"] is False and kw["using"] == "default"
    assert actions() == [("pre_add", {a.pk, b.pk}), ("post_add", {a.pk, b.pk})]
    post.tags.add(a, c)  # a is linked already
    assert actions() == [("pre_add", {c.pk}), ("post_add", {c.pk})]
    post.tags.remove(b)
    assert actions() == [("pre_remove", {b.pk}), ("post_remove", {b.pk})]
    post.tags.set([a, b])  # c goes, b comes
    assert actions() == [
        ("pre_remove", {c.pk}),
        ("post_remove", {c.pk}),
        ("pre_add", {b.pk}),
        ("post_add", {b.pk}),
    ]
    post.tags.clear()
    assert actions() == [("pre_clear", None), ("post_clear", None)]
    assert list(post.tags.all()) == []


def test_m2m_changed_from_the_reverse_side(db: Database, rec: Recorder) -> None:
    ada = SigAuthor.objects.create(name="ada")
    p1 = SigPost.objects.create(title="1", author=ada)
    p2 = SigPost.objects.create(title="2", author=ada)
    tag = SigTag.objects.create(name="t")
    rec.listen(m2m_changed)
    tag.posts.add(p1, p2)
    tag.posts.remove(p1)
    tag.posts.clear()
    assert [kw["action"] for _, _, kw in rec.events] == [
        "pre_add",
        "post_add",
        "pre_remove",
        "post_remove",
        "pre_clear",
        "post_clear",
    ]
    kw = rec.events[0][2]
    assert kw["instance"] is tag and kw["model"] is SigPost and kw["reverse"] is True
    assert kw["pk_set"] == {p1.pk, p2.pk}
    assert rec.events[0][1] is SigPost.tags.through_model


def test_m2m_pre_add_raising_adds_nothing(db: Database, rec: Recorder) -> None:
    ada = SigAuthor.objects.create(name="ada")
    post = SigPost.objects.create(title="p", author=ada)
    tag = SigTag.objects.create(name="t")

    def refuse(sender: type, action: str, **kwargs: Any) -> None:
        if action == "post_add":
            raise ValueError("undo")

    rec.connect(m2m_changed, refuse)
    with pytest.raises(ValueError, match="undo"):
        post.tags.add(tag)
    assert post.tags.count() == 0


@pytest.mark.anyio
async def test_async_m2m_changed(db: Database, rec: Recorder) -> None:
    ada = await SigAuthor.objects.acreate(name="ada")
    post = await SigPost.objects.acreate(title="p", author=ada)
    a = await SigTag.objects.acreate(name="a")
    b = await SigTag.objects.acreate(name="b")
    rec.listen_async(m2m_changed)
    rec.listen(m2m_changed)
    await post.tags.aadd(a, b)
    await post.tags.aremove(a)
    await post.tags.aset([a])
    await post.tags.aclear()
    actions = [kw["action"] for name, _, kw in rec.events if name.startswith("async")]
    assert actions == [
        "pre_add",
        "post_add",
        "pre_remove",
        "post_remove",
        "pre_remove",
        "post_remove",
        "pre_add",
        "post_add",
        "pre_clear",
        "post_clear",
    ]
    assert len(rec.events) == 2 * len(actions)


def test_sync_m2m_refuses_an_async_receiver(db: Database, rec: Recorder) -> None:
    ada = SigAuthor.objects.create(name="ada")
    post = SigPost.objects.create(title="p", author=ada)
    tag = SigTag.objects.create(name="t")
    rec.listen_async(m2m_changed)
    with pytest.raises(AsyncReceiverError, match=r"aadd\(\)"):
        post.tags.add(tag)
    assert post.tags.count() == 0


def test_created_follows_the_statement_run(db: Database, rec: Recorder) -> None:
    rec.listen(post_save, sender=SigPlain)
    obj = SigPlain(id=4242, name="chosen")
    obj.save()  # the UPDATE finds no row: INSERT
    obj.save()  # the row is there now: UPDATE
    SigPlain(id=4242, name="again").save()  # a new instance of a stored row: UPDATE
    assert [kw["created"] for _, _, kw in rec.events] == [True, False, False]
    assert SigPlain.objects.get(pk=4242).name == "again"


# -- pre_init / post_init ---------------------------------------------------------------------


def test_init_signals_for_new_and_loaded_instances(blog: dict[str, Any], rec: Recorder) -> None:
    rec.listen(pre_init, SigAuthor)
    rec.listen(post_init, SigAuthor)
    made = SigAuthor(name="bo")
    assert rec.names() == [("pre_init", "SigAuthor"), ("post_init", "SigAuthor")]
    assert rec.events[0][2] == {"args": (), "kwargs": {"name": "bo"}}
    assert rec.events[1][2] == {"instance": made}
    rec.events.clear()
    loaded = SigAuthor.objects.get(pk=blog["ada"].pk)
    assert rec.names() == [("pre_init", "SigAuthor"), ("post_init", "SigAuthor")]
    assert rec.events[0][2]["args"] == (loaded.pk, "ada")
    assert rec.events[1][2]["instance"] is loaded
    rec.events.clear()
    # Instances built by select_related and raw() are announced too; other models' not.
    posts = list(SigPost.objects.select_related("author").order_by("id"))
    assert rec.names() == [("pre_init", "SigAuthor"), ("post_init", "SigAuthor")] * 2
    assert rec.events[1][2]["instance"] is posts[0].author
    rec.events.clear()
    list(SigAuthor.objects.raw("SELECT id, name FROM " + SigAuthor._meta.table.name))
    assert [name for name, _ in rec.names()] == ["pre_init", "post_init"]


@pytest.mark.anyio
async def test_init_signals_from_async_loads(blog: dict[str, Any], rec: Recorder) -> None:
    rec.listen(post_init, SigPost)
    titles = [p.title async for p in SigPost.objects.order_by("id")]
    assert titles == ["one", "two"]
    assert [kwargs["instance"].title for _, _, kwargs in rec.events] == titles


def test_async_init_receivers_are_refused(rec: Recorder) -> None:
    rec.listen_async(post_init, SigAuthor)
    with pytest.raises(AsyncReceiverError, match=r"heron\.db\.post_init"):
        SigAuthor(name="x")
