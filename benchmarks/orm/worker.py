"""Measures one ORM variant on one database, in a process of its own.

`python worker.py SPEC_JSON` imports the adapter, sets it up, then for each operation checks
its results against the seeded data and only then times it. It prints one line
`RESULT {json}`: ops/s per operation, an error per operation that failed, or `unavailable`
when the adapter could not even be imported or set up. With a `cpu` in the spec, the process
and (after each warm-up) the PostgreSQL server processes serving it are pinned to that core.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import dataset
from dataset import Target

Step = tuple[tuple[Any, ...], Callable[[Any], None]]


class CheckError(AssertionError):
    """An adapter returned something other than the seeded data says it should."""


def describe(exc: BaseException) -> str:
    """One line naming an exception."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300]


def expect(condition: bool, message: str) -> None:
    """Raise CheckError with `message` unless `condition`."""
    if not condition:
        raise CheckError(message)


def _title(obj: Any) -> str:
    return str(obj.title)


def _author(obj: Any) -> str:
    return str(obj.author.name)


@dataclass
class Context:
    """What the checks and the argument makers need: the adapter, a raw connection, the data."""

    module: Any
    target: Target
    conn: Any
    seed: int
    cpus: set[int] | None

    def __post_init__(self) -> None:
        self.authors = dataset.expected_authors()
        self.count = dataset.expected_count()
        self.ids = dataset.random_ids(4096, self.seed)
        self.update_ids = dataset.random_ids(4096, self.seed + 1)
        self.bulk_rows = dataset.new_books(dataset.BULK_ROWS, "Bulk")
        self.insert_rows = dataset.new_books(512, "New")
        self.title_of: Callable[[Any], str] = getattr(self.module, "title_of", _title)
        self.author_of: Callable[[Any], str] = getattr(self.module, "author_name_of", _author)

    def settle(self) -> None:
        """Undo the writes (outside any timing)."""
        dataset.settle(self.conn, self.target)

    def pin(self) -> None:
        """Pin the server processes this worker's connections opened so far to its own core."""
        if self.cpus is not None:
            dataset.pin_backends(self.conn, self.target, self.cpus)


# --- the operations: arguments per iteration and the checks run before timing --------------


def _check_get(ctx: Context) -> list[Step]:
    pk = ctx.ids[0]

    def check(obj: Any) -> None:
        expect(obj is not None, f"get_by_pk({pk}) returned None")
        title = ctx.title_of(obj)
        expect(title == f"Book {pk}", f"get_by_pk({pk}) has title {title!r}")

    return [((pk,), check)]


def _check_fetch(ctx: Context) -> list[Step]:
    def check(objs: Any) -> None:
        expect(len(objs) == dataset.FETCH_ROWS, f"fetched {len(objs)} rows, not 1,000")
        bad = [t for t in map(ctx.title_of, objs) if t not in ctx.authors]
        expect(not bad, f"unknown titles fetched: {bad[:3]}")

    return [((), check)]


def _check_related(ctx: Context) -> list[Step]:
    def check(objs: Any) -> None:
        expect(len(objs) == dataset.FETCH_ROWS, f"fetched {len(objs)} rows, not 1,000")
        for obj in objs:
            title, name = ctx.title_of(obj), ctx.author_of(obj)
            expect(name == ctx.authors.get(title), f"{title!r} came with author {name!r}")

    return [((), check)]


def _check_bulk(ctx: Context) -> list[Step]:
    def check(_: Any) -> None:
        titles = dataset.added_titles(ctx.conn)
        expect(
            sorted(titles) == sorted(r[0] for r in ctx.bulk_rows),
            f"bulk_create added {len(titles)} rows, not {len(ctx.bulk_rows)} as given",
        )
        ctx.settle()

    return [((ctx.bulk_rows,), check)]


def _check_insert(ctx: Context) -> list[Step]:
    row = ctx.insert_rows[0]

    def check(_: Any) -> None:
        titles = dataset.added_titles(ctx.conn)
        expect(titles == [row[0]], f"insert_one added {titles[:3]}")
        ctx.settle()

    return [((row,), check)]


def _check_update(ctx: Context) -> list[Step]:
    pk = ctx.update_ids[0]

    def price_is(value: Decimal) -> Callable[[Any], None]:
        def check(_: Any) -> None:
            found = dataset.price_of(ctx.conn, ctx.target, pk)
            expect(found == value, f"update_one({pk}, {value}) left price {found}")

        return check

    restored = dataset.price_for(pk)
    return [
        ((pk, Decimal("1.23")), price_is(Decimal("1.23"))),
        ((pk, restored), price_is(restored)),
    ]


def _check_count(ctx: Context) -> list[Step]:
    def check(found: Any) -> None:
        expect(found == ctx.count, f"count_filter returned {found}, expected {ctx.count}")

    return [((dataset.MIN_PAGES,), check)]


def _update_args(ctx: Context, i: int) -> tuple[Any, ...]:
    pk = ctx.update_ids[i % len(ctx.update_ids)]
    return (pk, dataset.price_for(pk))


@dataclass(frozen=True)
class Op:
    """One measured operation: the adapter function, its checks, its arguments per call."""

    name: str
    func: str
    steps: Callable[[Context], list[Step]]
    args: Callable[[Context, int], tuple[Any, ...]]
    settle_each: bool = False


OPS = {
    op.name: op
    for op in [
        Op("get", "get_by_pk", _check_get, lambda c, i: (c.ids[i % len(c.ids)],)),
        Op("fetch", "fetch_1000", _check_fetch, lambda c, i: ()),
        Op("fetch_related", "fetch_1000_related", _check_related, lambda c, i: ()),
        Op("bulk_create", "bulk_create_10000", _check_bulk, lambda c, i: (c.bulk_rows,), True),
        Op(
            "insert",
            "insert_one",
            _check_insert,
            lambda c, i: (c.insert_rows[i % len(c.insert_rows)],),
        ),
        Op("update", "update_one", _check_update, _update_args),
        Op("count", "count_filter", _check_count, lambda c, i: (dataset.MIN_PAGES,)),
    ]
}
CONCURRENT = "concurrent"


@dataclass(frozen=True)
class Plan:
    """How long to measure: seconds per operation, warm-up, minimum bulk iterations, tasks."""

    budget: float
    warmup: float
    bulk_iters: int
    tasks: int


# --- sync ---------------------------------------------------------------------------------


def time_sync(fn: Callable[..., Any], op: Op, ctx: Context, plan: Plan) -> float:
    """Warm up, then call until `budget` seconds were spent inside `fn`; return calls/s."""
    i = 0
    warm_until = time.perf_counter() + (0 if op.settle_each else plan.warmup)
    while True:
        fn(*op.args(ctx, i))
        i += 1
        if op.settle_each:
            ctx.settle()
        if time.perf_counter() >= warm_until:
            break
    ctx.pin()
    calls, spent = 0, 0.0
    least = plan.bulk_iters if op.settle_each else 1
    while spent < plan.budget or calls < least:
        args = op.args(ctx, i)
        i += 1
        t0 = time.perf_counter()
        fn(*args)
        spent += time.perf_counter() - t0
        calls += 1
        if op.settle_each:
            ctx.settle()
    return calls / spent


def run_sync(module: Any, ctx: Context, ops: list[str], plan: Plan, out: dict[str, Any]) -> None:
    """Set up, then check and time each operation; errors are recorded per operation."""
    try:
        module.setup(ctx.target)
    except Exception as exc:
        out["unavailable"] = describe(exc)
        return
    try:
        for name in ops:
            if name == CONCURRENT:
                continue
            op = OPS[name]
            fn = getattr(module, op.func, None)
            if fn is None:
                out["errors"][name] = "not supported"
                continue
            try:
                for args, check in op.steps(ctx):
                    check(fn(*args))
                out["ops"][name] = time_sync(fn, op, ctx, plan)
            except Exception as exc:
                out["errors"][name] = describe(exc)
            finally:
                ctx.settle()
    finally:
        module.teardown()


# --- async --------------------------------------------------------------------------------


async def time_async(fn: Callable[..., Any], op: Op, ctx: Context, plan: Plan) -> float:
    """`time_sync` for coroutine functions."""
    i = 0
    warm_until = time.perf_counter() + (0 if op.settle_each else plan.warmup)
    while True:
        await fn(*op.args(ctx, i))
        i += 1
        if op.settle_each:
            ctx.settle()
        if time.perf_counter() >= warm_until:
            break
    ctx.pin()
    calls, spent = 0, 0.0
    least = plan.bulk_iters if op.settle_each else 1
    while spent < plan.budget or calls < least:
        args = op.args(ctx, i)
        i += 1
        t0 = time.perf_counter()
        await fn(*args)
        spent += time.perf_counter() - t0
        calls += 1
        if op.settle_each:
            ctx.settle()
    return calls / spent


async def _concurrent(fn: Callable[..., Any], ctx: Context, seconds: float, tasks: int) -> float:
    """`tasks` tasks calling `fn` back to back for `seconds`; completed calls per second."""
    stop = time.perf_counter() + seconds
    done = 0

    async def worker(k: int) -> None:
        nonlocal done
        i = k
        while time.perf_counter() < stop:
            await fn(ctx.ids[i % len(ctx.ids)])
            i += tasks
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(tasks)))
    return done / (time.perf_counter() - t0)


async def measure_concurrent(module: Any, ctx: Context, plan: Plan) -> float:
    """Check 64 concurrent gets return the right rows, then time them."""
    fn = getattr(module, "aget_by_pk_concurrent", None) or module.aget_by_pk
    pks = ctx.ids[: plan.tasks]
    found = await asyncio.gather(*(fn(pk) for pk in pks))
    for pk, obj in zip(pks, found, strict=True):
        title = ctx.title_of(obj)
        expect(title == f"Book {pk}", f"concurrent get({pk}) has title {title!r}")
    await _concurrent(fn, ctx, plan.warmup, plan.tasks)
    ctx.pin()
    return await _concurrent(fn, ctx, plan.budget, plan.tasks)


async def run_async(
    module: Any, ctx: Context, ops: list[str], plan: Plan, out: dict[str, Any]
) -> None:
    """`run_sync` for the async adapters, plus the concurrent case."""
    try:
        await module.asetup(ctx.target)
    except Exception as exc:
        out["unavailable"] = describe(exc)
        return
    try:
        for name in ops:
            try:
                if name == CONCURRENT:
                    out["ops"][name] = await measure_concurrent(module, ctx, plan)
                    continue
                op = OPS[name]
                fn = getattr(module, "a" + op.func, None)
                if fn is None:
                    out["errors"][name] = "not supported"
                    continue
                for args, check in op.steps(ctx):
                    check(await fn(*args))
                out["ops"][name] = await time_async(fn, op, ctx, plan)
            except Exception as exc:
                out["errors"][name] = describe(exc)
            finally:
                ctx.settle()
    finally:
        await module.ateardown()


def _event_loop_runner() -> Callable[[Any], Any]:
    """uvloop when installed (as under uvicorn and granian), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main(argv: list[str]) -> int:
    """Run the spec given as JSON in argv[0]; print `RESULT {json}`."""
    spec = json.loads(argv[0])
    cpus = {spec["cpu"]} if spec.get("cpu") is not None else None
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    target = Target.from_json(json.dumps(spec["target"]))
    plan = Plan(**spec["plan"])
    out: dict[str, Any] = {"ops": {}, "errors": {}}
    try:
        module = importlib.import_module(spec["module"])
    except Exception as exc:
        out["unavailable"] = describe(exc)
    else:
        conn = dataset.connect(target)
        ctx = Context(module, target, conn, spec["seed"], cpus)
        try:
            if spec["mode"] == "sync":
                run_sync(module, ctx, spec["ops"], plan, out)
            else:
                _event_loop_runner()(run_async(module, ctx, spec["ops"], plan, out))
        finally:
            ctx.settle()
            conn.close()
    print("RESULT " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
