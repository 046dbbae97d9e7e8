"""Shared test configuration: async tests run on asyncio through anyio's plugin."""

import gc
from collections.abc import Iterator

import pytest

_THRESHOLD = gc.get_threshold()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _collector_as_python_sets_it() -> Iterator[None]:
    """Undo the garbage-collector tuning of an app started outside TESTING (DEBUG demos).

    Its ``gc.freeze()`` would keep the objects of earlier tests, such as forgotten test
    clients and their loop threads, from ever being collected.
    """
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
    if gc.get_threshold() != _THRESHOLD:
        gc.set_threshold(*_THRESHOLD)
