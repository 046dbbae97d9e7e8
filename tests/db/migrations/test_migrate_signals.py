"""``pre_migrate`` and ``post_migrate``: sent by ``migrate()`` and ``migrate_all()`` once
per label, around the plan, with ``using`` and ``plan``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heron.db import post_migrate, pre_migrate
from heron.db.connections import connections
from heron.db.migrations import load_graph, make_migrations, migrate, migrate_all
from heron.db.signals import AsyncReceiverError

from .conftest import Project, Target

MODELS = """
class Group(Model):
    name = fields.String(max_length=50, unique=True)
"""

Event = tuple[str, Any, dict[str, Any]]


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Records both signals for any sender while the test runs."""
    got: list[Event] = []

    def before(sender: Any, **kwargs: Any) -> None:
        got.append(("pre", sender, kwargs))

    def after(sender: Any, **kwargs: Any) -> None:
        got.append(("post", sender, kwargs))

    pre_migrate.connect(before)
    post_migrate.connect(after)
    yield got
    pre_migrate.disconnect(before)
    post_migrate.disconnect(after)


def _label(project: Project) -> tuple[str, Any]:
    label = project.new_label("sg")
    module = project.models(label, MODELS)
    make_migrations([label])
    load_graph()
    return label, module


def test_migrate_sends_both_around_its_plan(
    db: Target, project: Project, events: list[Event]
) -> None:
    label, _ = _label(project)
    steps = migrate(label, using=db.engine)
    mine = [(kind, kwargs) for kind, sender, kwargs in events if sender == label]
    assert mine == [
        ("pre", {"using": db.engine, "plan": steps}),
        ("post", {"using": db.engine, "plan": steps}),
    ]
    assert [str(step) for step in steps] == [f"Apply {label}.0001_initial"]
    assert all(isinstance(sender, str) for _, sender, _ in events)
    events.clear()
    assert migrate(label, using=db.engine) == []  # nothing to do: sent all the same
    assert [(k, s) for k, s, _ in events if s == label] == [("pre", label), ("post", label)]


def test_post_migrate_creates_default_rows_once_the_tables_exist(
    db: Target, project: Project, restore_connections: None
) -> None:
    label, module = _label(project)
    connections.configure(database_url=db.url)

    def default_groups(sender: Any, *, using: str, **kwargs: Any) -> None:
        for name in ("editors", "readers"):
            module.Group.objects.using(using).get_or_create(name=name)

    post_migrate.connect(default_groups, sender=label)
    try:
        migrate(label, using="default")
        migrate(label, using="default")  # idempotent receivers: no duplicates
    finally:
        post_migrate.disconnect(default_groups, sender=label)
    assert sorted(g.name for g in module.Group.objects.all()) == ["editors", "readers"]


def test_a_failing_pre_migrate_receiver_stops_before_any_change(
    db: Target, project: Project
) -> None:
    label, _ = _label(project)

    def refuse(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("not now")

    pre_migrate.connect(refuse, sender=label)
    try:
        with pytest.raises(RuntimeError, match="not now"):
            migrate(label, using=db.engine)
    finally:
        pre_migrate.disconnect(refuse, sender=label)
    assert f"{label}_group" not in db.tables()
    assert db.applied() == set()


def test_an_async_receiver_is_refused_with_a_clear_error(db: Target, project: Project) -> None:
    label, _ = _label(project)

    async def later(sender: Any, **kwargs: Any) -> None: ...

    pre_migrate.connect(later, sender=label)
    try:
        with pytest.raises(AsyncReceiverError, match=r"later .*sync migrate"):
            migrate(label, using=db.engine)
    finally:
        pre_migrate.disconnect(later, sender=label)


def test_migrate_all_sends_for_labels_with_and_without_migrations(
    db: Target, project: Project, events: list[Event]
) -> None:
    label, _ = _label(project)
    plain = project.new_label("sg")
    project.models(plain, MODELS)  # no migrations folder: its table comes from the model
    load_graph()
    migrate_all(using=db.engine)
    senders = {(kind, sender) for kind, sender, _ in events}
    assert {("pre", label), ("post", label), ("pre", plain), ("post", plain)} <= senders
    assert f"{plain}_group" in db.tables() and f"{label}_group" in db.tables()
