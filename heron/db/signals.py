"""Model signals on blinker: ``pre_init``, ``post_init``, ``pre_save``, ``post_save``,
``pre_delete``, ``post_delete`` and ``m2m_changed``; ``class_prepared`` (sent once a model
class is built); ``pre_migrate`` and ``post_migrate`` (sent by ``migrate`` with the label
as sender).

Each is a named blinker signal (``heron.db.post_save``…) whose sender is the model class
(the through model for ``m2m_changed``)::

    from heron.db import post_save, receiver

    @receiver(post_save, sender=Post)
    def notify(sender, *, instance, created, **kwargs): ...

Receivers get keyword arguments only, and should accept ``**kwargs`` so that later
arguments do not break them. The sync operations (``save()``, ``delete()``, ``add()``…)
call plain receivers; their async twins (``asave()``, ``adelete()``, ``aadd()``…) await
``async def`` receivers and call plain ones in the event loop's thread. An ``async def``
receiver reached by a sync operation raises ``AsyncReceiverError`` rather than being
skipped.

The ORM checks ``signal.receivers`` before doing anything for a signal, so an application
with no receivers pays one attribute test per operation.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from blinker import ANY
from blinker import Signal as BlinkerSignal

from heron.db.dispatch import AsyncReceiverError, Signal, awaitable

__all__ = [
    "AsyncReceiverError",
    "ModelSignal",
    "Signal",
    "class_prepared",
    "m2m_changed",
    "post_delete",
    "post_init",
    "post_migrate",
    "post_save",
    "pre_delete",
    "pre_init",
    "pre_migrate",
    "pre_save",
    "receiver",
]

F = TypeVar("F", bound=Callable[..., Any])


class ModelSignal(Signal):
    """One of Heron's named signals, where ``sender=None`` means any sender, as in Django.

    ``hooks`` is a list shared by the signals one operation sends (``pre_save`` and
    ``post_save``…): it holds those of them that have receivers, so that the operation
    tests one list rather than each signal. It may keep a signal whose last receiver was
    garbage collected (the operation then sends to nobody), never miss one.
    """

    def __init__(self, name: str, doc: str | None = None, hooks: list[Any] | None = None):
        super().__init__(doc)
        self.name = name
        self.hooks: list[Any] = [] if hooks is None else hooks

    def __repr__(self) -> str:
        return f"<ModelSignal {self.name!r}>"

    def _receivers_changed(self) -> None:
        """Keep ``hooks`` holding this signal while it has receivers."""
        if self.receivers and self not in self.hooks:
            self.hooks.append(self)
        elif not self.receivers and self in self.hooks:
            self.hooks.remove(self)

    def listens_to(self, sender: Any) -> bool:
        """Whether a live receiver would be called for ``sender``."""
        if not self.receivers:
            return False
        return next(iter(self.receivers_for(sender)), None) is not None


class _ModelSignals(dict[str, ModelSignal]):
    """The namespace of Heron's model signals (``heron.db.*``), as blinker's ``Namespace``."""

    def signal(self, name: str, doc: str | None = None) -> ModelSignal:
        if name not in self:
            self[name] = ModelSignal(name, doc)
        return self[name]


namespace = _ModelSignals()


init_hooks: list[ModelSignal] = []
"""``pre_init`` and/or ``post_init`` while they have receivers: ``if init_hooks:``."""
save_hooks: list[ModelSignal] = []
"""``pre_save`` and/or ``post_save`` while they have receivers: ``if save_hooks:``."""
delete_hooks: list[ModelSignal] = []
"""``pre_delete`` and/or ``post_delete`` while they have receivers."""


def _signal(name: str, doc: str, hooks: list[ModelSignal] | None = None) -> ModelSignal:
    made = ModelSignal(f"heron.db.{name}", doc, hooks)
    namespace[made.name] = made
    return made


pre_init = _signal(
    "pre_init",
    "When an instance is made (``Model(...)``, or a row loaded): ``args``, ``kwargs`` "
    "(a loaded row: its values as ``args``). Plain functions only.",
    init_hooks,
)
post_init = _signal(
    "post_init",
    "Once an instance is made or loaded: ``instance``. Plain functions only.",
    init_hooks,
)
pre_save = _signal(
    "pre_save",
    "Before a ``save()``/``asave()`` writes the row: ``instance``, ``raw``, ``using``, "
    "``update_fields`` (a frozenset, or None).",
    save_hooks,
)
post_save = _signal(
    "post_save",
    "After a ``save()``/``asave()`` wrote the row: ``instance``, ``created``, ``raw``, "
    "``using``, ``update_fields``.",
    save_hooks,
)
pre_delete = _signal(
    "pre_delete",
    "Before a row is deleted (by ``delete()``, ``QuerySet.delete()`` or a CASCADE): "
    "``instance``, ``using``, ``origin``.",
    delete_hooks,
)
post_delete = _signal(
    "post_delete",
    "After a row was deleted: ``instance``, ``using``, ``origin``.",
    delete_hooks,
)
m2m_changed = _signal(
    "m2m_changed",
    "Around ``add``/``remove``/``set``/``clear`` of a many-to-many relation (sender: the "
    "through model): ``action``, ``instance``, ``reverse``, ``model``, ``pk_set``, ``using``.",
)
class_prepared = _signal(
    "class_prepared",
    "Once a model class (not an abstract one) is built and registered, its table made. "
    "Plain functions only.",
)
pre_migrate = _signal(
    "pre_migrate",
    "Before ``migrate`` applies or unapplies migrations, once per label with migrations "
    "(sender: the label): ``using``, ``plan`` (the steps about to run).",
)
post_migrate = _signal(
    "post_migrate",
    "After ``migrate`` ran its plan, once per label with migrations (sender: the label): "
    "``using``, ``plan`` (the steps that ran).",
)


def receiver(
    signal: BlinkerSignal | Iterable[BlinkerSignal],
    sender: Any = None,
    *,
    weak: bool = True,
    dispatch_uid: Hashable | None = None,
) -> Callable[[F], F]:
    """Connect the decorated function to ``signal`` (or to each of a list of signals), for
    ``sender`` only when given. The function is returned unchanged.

    ``weak=True`` (the default) holds the receiver by a weak reference, so a function
    defined inside another one is disconnected once nothing else refers to it; pass
    ``weak=False`` to keep it connected. ``dispatch_uid`` connects it once per uid (see
    ``Signal.connect``).
    """
    signals = [signal] if isinstance(signal, BlinkerSignal) else list(signal)

    def connect(fn: F) -> F:
        for each in signals:
            sender_or_any = ANY if sender is None else sender
            if isinstance(each, Signal):
                each.connect(fn, sender_or_any, weak, dispatch_uid)
            else:  # a plain blinker signal (Flask's, say)
                each.connect(fn, sender=sender_or_any, weak=weak)
        return fn

    return connect


# -- sending (used by the ORM) ---------------------------------------------------------------


def send_init(signal: ModelSignal, sender: Any, **kwargs: Any) -> None:
    """``pre_init``/``post_init``: instances are made in sync code, even by the async
    methods, so an ``async def`` receiver is an error."""
    send(signal, sender, "making of an instance", "a plain function", **kwargs)


def announce_loaded(instance: Any) -> None:
    """``pre_init`` and ``post_init`` for an instance built from a row (the loaders call
    this only while ``init_hooks`` is not empty)."""
    model = type(instance)
    data = instance.__dict__
    values = tuple(data[f.attname] for f in model._meta.fields if f.attname in data)
    send_init(pre_init, model, args=values, kwargs={})
    send_init(post_init, model, instance=instance)


def send(signal: ModelSignal, sender: Any, operation: str, twin: str, **kwargs: Any) -> None:
    """Call ``signal``'s receivers for ``sender`` from sync code; an ``async def`` receiver
    raises ``AsyncReceiverError`` naming it, ``operation`` and its async ``twin``."""

    def refuse(fn: Callable[..., Any]) -> Callable[..., Any]:
        raise AsyncReceiverError(signal.name, fn, operation, twin)

    signal.send(sender, _async_wrapper=refuse, **kwargs)


async def asend(signal: ModelSignal, sender: Any, **kwargs: Any) -> None:
    """Await ``signal``'s receivers for ``sender``: ``async def`` ones are awaited, plain
    ones called."""
    await signal.send_async(sender, _sync_wrapper=awaitable, **kwargs)


class Dispatch:
    """``signal`` as the target of a relation manager's ``Call``: ``send`` on the sync
    driver, ``asend`` on the async one."""

    __slots__ = ("operation", "signal", "twin")

    def __init__(self, signal: ModelSignal, operation: str, twin: str) -> None:
        self.signal = signal
        self.operation = operation
        self.twin = twin

    def send(self, sender: Any, **kwargs: Any) -> None:
        send(self.signal, sender, self.operation, self.twin, **kwargs)

    async def asend(self, sender: Any, **kwargs: Any) -> None:
        await asend(self.signal, sender, **kwargs)
