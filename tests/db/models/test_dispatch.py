"""``heron.db.Signal``: Django's conveniences on blinker (``dispatch_uid``, keyword
``sender``, ``send_robust``, ``asend``), for an application's own signals and the ORM's."""

from __future__ import annotations

import gc
import logging
from typing import Any

import pytest

from heron.db import Signal, post_save, receiver
from heron.db.signals import AsyncReceiverError, save_hooks

order_placed = Signal(doc="An order was placed: ``order``.")


class Shop:
    """A sender."""


class Other:
    """Another sender."""


@pytest.fixture
def signal() -> Signal:
    return Signal()


def test_send_takes_the_sender_by_keyword_or_position(signal: Signal) -> None:
    got: list[tuple[Any, dict[str, Any]]] = []

    def on_event(sender: Any, **kwargs: Any) -> str:
        got.append((sender, kwargs))
        return "done"

    signal.connect(on_event)
    assert signal.send(sender=Shop, order=1) == [(on_event, "done")]
    assert signal.send(Shop, order=2) == [(on_event, "done")]
    assert got == [(Shop, {"order": 1}), (Shop, {"order": 2})]


def test_sender_none_means_any_sender(signal: Signal) -> None:
    got: list[Any] = []

    def on_shop(sender: Any, **kwargs: Any) -> None:
        got.append(("shop", sender))

    def on_any(sender: Any, **kwargs: Any) -> None:
        got.append(("any", sender))

    signal.connect(on_shop, sender=Shop)
    signal.connect(on_any, sender=None)
    signal.send(sender=Other)
    signal.send(sender=Shop)
    assert sorted(got, key=str) == [("any", Other), ("any", Shop), ("shop", Shop)]
    signal.disconnect(on_any, sender=None)
    got.clear()
    signal.send(sender=Other)
    assert got == []


def test_dispatch_uid_connects_once(signal: Signal) -> None:
    calls: list[str] = []

    def make(tag: str) -> Any:
        def on_event(sender: Any, **kwargs: Any) -> None:
            calls.append(tag)

        return on_event

    first, second = make("first"), make("second")
    signal.connect(first, dispatch_uid="audit")
    signal.connect(second, dispatch_uid="audit")  # the same uid: ignored
    signal.send(sender=Shop)
    assert calls == ["first"]
    # another sender is another slot for the uid
    signal.connect(second, sender=Shop, dispatch_uid="audit")
    calls.clear()
    signal.send(sender=Shop)
    assert sorted(calls) == ["first", "second"]


def test_disconnect_by_dispatch_uid(signal: Signal) -> None:
    calls: list[str] = []

    def on_event(sender: Any, **kwargs: Any) -> None:
        calls.append("called")

    signal.connect(on_event, dispatch_uid="audit")
    signal.disconnect(dispatch_uid="audit")
    signal.send(sender=Shop)
    assert calls == []
    assert not signal.receivers
    signal.disconnect(dispatch_uid="never-connected")  # nothing to do, no error


def test_a_disconnected_or_collected_uid_can_be_connected_again(signal: Signal) -> None:
    calls: list[str] = []

    def first(sender: Any, **kwargs: Any) -> None:
        calls.append("first")

    def second(sender: Any, **kwargs: Any) -> None:
        calls.append("second")

    signal.connect(first, dispatch_uid="audit")
    signal.disconnect(first)  # by the receiver: the uid is free again
    signal.connect(second, dispatch_uid="audit")
    signal.send(sender=Shop)
    assert calls == ["second"]

    def make() -> Any:
        def temporary(sender: Any, **kwargs: Any) -> None:
            calls.append("temporary")

        return temporary

    other = Signal()
    other.connect(make(), dispatch_uid="weak")  # held weakly, collected at once
    gc.collect()
    other.connect(second, dispatch_uid="weak")
    calls.clear()
    other.send(sender=Shop)
    assert calls == ["second"]


def test_receiver_decorator_takes_dispatch_uid() -> None:
    calls: list[int] = []

    for _ in range(3):  # a module imported three times connects once

        @receiver(order_placed, dispatch_uid="count-orders", weak=False)
        def count(sender: Any, *, order: int, **kwargs: Any) -> None:
            calls.append(order)

    try:
        order_placed.send(sender=Shop, order=7)
        assert calls == [7]
    finally:
        order_placed.disconnect(dispatch_uid="count-orders")
    assert not order_placed.receivers


def test_send_robust_reaches_every_receiver_and_returns_errors(
    signal: Signal, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise ValueError("no stock")

    def fine(sender: Any, **kwargs: Any) -> str:
        return "ok"

    signal.connect(broken)
    signal.connect(fine)
    with caplog.at_level(logging.ERROR, logger="heron.db.signals"):
        results = dict(signal.send_robust(sender=Shop))
    assert results[fine] == "ok"
    assert isinstance(results[broken], ValueError)
    assert str(results[broken]) == "no stock"
    assert "broken" in caplog.text and "no stock" in caplog.text
    with pytest.raises(ValueError, match="no stock"):
        signal.send(sender=Shop)  # plain send lets it propagate


def test_sync_send_refuses_an_async_receiver(signal: Signal) -> None:
    async def later(sender: Any, **kwargs: Any) -> None:
        raise AssertionError("never awaited")

    signal.connect(later)
    with pytest.raises(AsyncReceiverError, match=r"later .*asend\(\)"):
        signal.send(sender=Shop)
    [(got, error)] = signal.send_robust(sender=Shop)
    assert got is later
    assert isinstance(error, AsyncReceiverError)


@pytest.mark.anyio
async def test_asend_awaits_async_and_calls_plain_receivers(signal: Signal) -> None:
    got: list[str] = []

    async def later(sender: Any, **kwargs: Any) -> str:
        got.append("async")
        return "a"

    def now(sender: Any, **kwargs: Any) -> str:
        got.append("plain")
        return "p"

    async def broken(sender: Any, **kwargs: Any) -> None:
        raise KeyError("gone")

    signal.connect(later)
    signal.connect(now)
    assert dict(await signal.asend(sender=Shop)) == {later: "a", now: "p"}
    assert sorted(got) == ["async", "plain"]
    signal.connect(broken)
    results = dict(await signal.asend_robust(sender=Shop))
    assert results[later] == "a" and results[now] == "p"
    assert isinstance(results[broken], KeyError)
    with pytest.raises(KeyError):
        await signal.asend(sender=Shop)


def test_muted_signal_sends_to_nobody(signal: Signal) -> None:
    calls: list[str] = []

    def on_event(sender: Any, **kwargs: Any) -> None:
        calls.append("called")

    signal.connect(on_event)
    with signal.muted():
        assert signal.send(sender=Shop) == []
        assert signal.send_robust(sender=Shop) == []
    assert calls == []


def test_model_signal_dispatch_uid_keeps_the_save_hooks_right() -> None:
    def on_save(sender: Any, **kwargs: Any) -> None: ...

    def again(sender: Any, **kwargs: Any) -> None: ...

    post_save.connect(on_save, dispatch_uid="hooks-test", weak=False)
    post_save.connect(again, dispatch_uid="hooks-test", weak=False)
    try:
        assert post_save in save_hooks
        assert len([r for r in post_save.receivers_for(Shop) if r in (on_save, again)]) == 1
    finally:
        post_save.disconnect(dispatch_uid="hooks-test")
    assert post_save not in save_hooks or post_save.receivers


def test_class_prepared_is_sent_for_each_concrete_model_built() -> None:
    from heron.db import Model, class_prepared, fields
    from heron.db.models.registry import registry

    got: list[tuple[Any, bool]] = []

    def prepared(sender: Any, **kwargs: Any) -> None:
        got.append((sender, sender._meta.table is not None))

    class_prepared.connect(prepared)
    try:

        class Base(Model):
            name = fields.String(max_length=20)

            class Meta:
                abstract = True
                label = "dispatchtest"

        class Shelf(Base):
            class Meta:
                label = "dispatchtest"

    finally:
        class_prepared.disconnect(prepared)
    try:
        assert got == [(Shelf, True)]  # the abstract parent is not announced
        assert registry.get_model("dispatchtest.Shelf") is Shelf
    finally:
        registry.unregister(Shelf)
