"""``Signal``: a blinker signal with the conveniences Django's signals have.

- ``sender=None`` (or left out) on ``connect``/``disconnect`` means any sender;
- ``dispatch_uid=`` connects a receiver once per uid and sender, however many times the
  code connecting it runs (a module imported under two names, say), and disconnects by uid;
- ``send(sender=...)`` takes the sender by keyword as well as positionally;
- ``send_robust()``/``asend_robust()`` call every receiver even when some raise, and
  return each one's exception in place of its result (logged on ``heron.db.signals``);
- ``asend()`` awaits ``async def`` receivers and calls plain ones.

An ``async def`` receiver reached by a sync ``send()`` raises ``AsyncReceiverError``
rather than being skipped.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Coroutine, Hashable
from inspect import iscoroutinefunction, ismethod
from typing import Any, TypeVar

from blinker import ANY
from blinker import Signal as BlinkerSignal
from blinker._utilities import make_id

__all__ = ["AsyncReceiverError", "Signal"]

F = TypeVar("F", bound=Callable[..., Any])
Results = list[tuple[Callable[..., Any], Any]]

logger = logging.getLogger("heron.db.signals")


class AsyncReceiverError(RuntimeError):
    """An ``async def`` receiver was reached by a sync operation, which cannot await it."""

    def __init__(self, signal: str, receiver: Callable[..., Any], operation: str, twin: str):
        super().__init__(
            f"The receiver {describe(receiver)} of {signal} is an async function, which the "
            f"sync {operation} cannot await; use {twin} instead, or connect a sync receiver."
        )
        self.receiver = receiver
        self.operation = operation
        self.twin = twin


def describe(receiver: Callable[..., Any]) -> str:
    """``module.qualname`` of a receiver, for messages."""
    name = getattr(receiver, "__qualname__", None) or repr(receiver)
    module = getattr(receiver, "__module__", None)
    return f"{module}.{name}" if module else name


def _held(receiver: Callable[..., Any], weak: bool) -> Callable[[], Any]:
    """A call returning ``receiver`` while it lives (``None`` once collected, when weak)."""
    if not weak:
        return lambda: receiver
    return weakref.WeakMethod(receiver) if ismethod(receiver) else weakref.ref(receiver)


def _sender_key(sender: Any) -> Hashable:
    try:
        hash(sender)
    except TypeError:
        return id(sender)
    key: Hashable = sender
    return key


class Signal(BlinkerSignal):
    """A blinker ``Signal`` with Django's ``sender=None``, ``dispatch_uid``, keyword
    ``sender`` and ``send_robust``. Create one per event your application announces."""

    #: What a sync send names when it meets an ``async def`` receiver.
    name = "a signal"

    def __init__(self, doc: str | None = None) -> None:
        super().__init__(doc)
        self._uids: dict[tuple[Hashable, Hashable], Callable[[], Any]] = {}

    def connect(
        self,
        receiver: F,
        sender: Any = ANY,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
    ) -> F:
        """Call ``receiver(sender, **kwargs)`` when the signal is sent by ``sender``
        (``None`` or left out: by anyone). With ``dispatch_uid``, nothing happens while a
        receiver connected under that uid for that sender lives."""
        sender = ANY if sender is None else sender
        if dispatch_uid is not None:
            key = (dispatch_uid, _sender_key(sender))
            held = self._uids.get(key)
            if held is not None and held() is not None:
                return receiver
            self._uids[key] = _held(receiver, weak)
        connected = super().connect(receiver, sender, weak)
        self._receivers_changed()
        return connected

    def disconnect(
        self,
        receiver: Callable[..., Any] | None = None,
        sender: Any = ANY,
        dispatch_uid: Hashable | None = None,
    ) -> None:
        """Stop calling ``receiver`` (or the one connected under ``dispatch_uid``) for
        ``sender`` (``None`` or left out: at all)."""
        sender = ANY if sender is None else sender
        if dispatch_uid is not None:
            held = self._uids.pop((dispatch_uid, _sender_key(sender)), None)
            receiver = held() if held is not None else None
        if receiver is None:
            return
        super().disconnect(receiver, sender)
        if sender is not ANY and not self._by_receiver.get(make_id(receiver)):
            # blinker keeps a receiver disconnected from its last sender in ``receivers``
            super().disconnect(receiver)
        self._uids = {k: v for k, v in self._uids.items() if v() not in (receiver, None)}
        self._receivers_changed()

    def _receivers_changed(self) -> None:
        """Called after each ``connect()`` and ``disconnect()`` (a hook for subclasses)."""

    def send(
        self,
        *args: Any,
        _async_wrapper: Callable[..., Callable[..., Any]] | None = None,
        **kwargs: Any,
    ) -> Results:
        """Call the receivers for the sender (positional, or ``sender=``); returns their
        ``(receiver, result)`` pairs. An exception in a receiver propagates."""
        sender = args[0] if args else kwargs.pop("sender", None)
        return super().send(sender, _async_wrapper=_async_wrapper or self._refuse, **kwargs)

    def send_robust(self, *args: Any, **kwargs: Any) -> Results:
        """``send()`` that calls every receiver even when some raise: a receiver's
        ``Exception`` is logged and returned in place of its result."""
        sender = args[0] if args else kwargs.pop("sender", None)
        results: Results = []
        for receiver in () if self.is_muted else self.receivers_for(sender):
            try:
                if iscoroutinefunction(receiver):
                    self._refuse(receiver)
                results.append((receiver, receiver(sender, **kwargs)))
            except Exception as error:
                self._log(receiver, error)
                results.append((receiver, error))
        return results

    async def asend(self, *args: Any, **kwargs: Any) -> Results:
        """Await ``async def`` receivers and call plain ones, in the event loop's thread."""
        sender = args[0] if args else kwargs.pop("sender", None)
        return await super().send_async(sender, _sync_wrapper=awaitable, **kwargs)

    async def asend_robust(self, *args: Any, **kwargs: Any) -> Results:
        """``asend()`` that reaches every receiver, as ``send_robust()`` does."""
        sender = args[0] if args else kwargs.pop("sender", None)
        results: Results = []
        for receiver in () if self.is_muted else self.receivers_for(sender):
            try:
                results.append((receiver, await awaitable(receiver)(sender, **kwargs)))
            except Exception as error:
                self._log(receiver, error)
                results.append((receiver, error))
        return results

    def _refuse(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        raise AsyncReceiverError(self.name, receiver, "send()", "asend()")

    def _log(self, receiver: Callable[..., Any], error: Exception) -> None:
        logger.error(
            "Receiver %s of %s raised %r", describe(receiver), self.name, error, exc_info=error
        )


def awaitable(fn: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    """A receiver as a coroutine function: ``async def`` ones as they are, plain ones
    called in the event loop's thread (so they see the task's context, its transaction
    included)."""
    if iscoroutinefunction(fn):
        return fn

    async def call(sender: Any, **kwargs: Any) -> Any:
        return fn(sender, **kwargs)

    return call
