"""Heron's pytest plugin: ``client`` and ``async_client`` fixtures over your ``app`` fixture.

Installed with Heron (the ``pytest11`` entry point), so a project only has to
define an ``app`` fixture in its ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from heron.testing.async_client import AsyncTestClient
from heron.testing.client import TestClient

_NO_APP = (
    "Heron's `client` and `async_client` fixtures need an `app` fixture. "
    "Define one in your conftest.py, for example:\n\n"
    "    import pytest\n"
    "    from myproject import create_app\n\n"
    "    @pytest.fixture\n"
    "    def app():\n"
    "        app = create_app()\n"
    '        app.config["TESTING"] = True\n'
    "        return app\n"
)


@pytest.fixture
def app() -> Any:
    """Placeholder: the project's conftest.py must provide the application."""
    pytest.fail(_NO_APP, pytrace=False)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A ``TestClient`` over ``app``, entered: the app's startup and shutdown run."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
async def async_client(app: Any, anyio_backend: Any) -> AsyncIterator[AsyncTestClient]:
    """An ``AsyncTestClient`` over ``app`` for ``@pytest.mark.anyio`` tests, lifespan running."""
    async with AsyncTestClient(app) as test_client:
        yield test_client
