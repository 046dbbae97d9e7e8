"""``Turns``: tasks sharing one async connection take turns, first come, first served."""

from __future__ import annotations

import asyncio

import pytest

from heron.db.backends.turns import Turns

pytestmark = pytest.mark.anyio


async def test_an_uncontended_turn_is_taken_without_waiting() -> None:
    turns = Turns()
    assert turns.try_take() and turns.locked()
    assert not turns.try_take()  # taken: a second task would have to wait
    turns.give_back()
    assert not turns.locked() and turns.try_take()


async def _worker(turns: Turns, name: str, log: list[str]) -> None:
    async with turns:
        log.append(f"{name} in")
        await asyncio.sleep(0)  # another task runs meanwhile, but cannot enter
        log.append(f"{name} out")


async def test_waiting_tasks_enter_one_at_a_time_in_arrival_order() -> None:
    turns, log = Turns(), []
    await asyncio.gather(*(_worker(turns, name, log) for name in "abc"))
    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert not turns.locked()


async def test_a_task_arriving_as_the_turn_passes_on_cannot_jump_the_queue() -> None:
    turns, log = Turns(), []
    assert turns.try_take()
    waiter = asyncio.create_task(_worker(turns, "waiter", log))
    await asyncio.sleep(0)  # the waiter queues
    turns.give_back()  # handed straight to the waiter, still taken
    assert turns.locked() and not turns.try_take()
    await waiter
    assert log == ["waiter in", "waiter out"] and not turns.locked()


async def test_a_waiter_cancelled_while_queued_is_skipped() -> None:
    turns, log = Turns(), []
    assert turns.try_take()
    cancelled = asyncio.create_task(_worker(turns, "cancelled", log))
    served = asyncio.create_task(_worker(turns, "served", log))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    turns.give_back()
    await served
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert log == ["served in", "served out"] and not turns.locked()


async def test_a_waiter_cancelled_after_being_handed_the_turn_passes_it_on() -> None:
    turns, log = Turns(), []
    assert turns.try_take()
    handed = asyncio.create_task(_worker(turns, "handed", log))
    after = asyncio.create_task(_worker(turns, "after", log))
    await asyncio.sleep(0)
    turns.give_back()  # "handed" now owns the turn but has not run yet
    handed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handed
    await after
    assert log == ["after in", "after out"] and not turns.locked()
