"""Fixtures for handler-parameter tests: a fresh app in testing mode and its client."""

from __future__ import annotations

import pytest

from heron import Heron
from heron.testing import TestClient


@pytest.fixture
def app() -> Heron:
    app = Heron(__name__)
    app.config["TESTING"] = True
    app.config["SECRET_KEY"] = "test-secret"
    return app


@pytest.fixture
def client(app: Heron) -> TestClient:
    return TestClient(app)
