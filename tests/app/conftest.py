"""Fixtures for application tests: a fresh app in testing mode for each test."""

from __future__ import annotations

import pytest

from heron import Heron


@pytest.fixture
def app() -> Heron:
    app = Heron(__name__)
    app.config["TESTING"] = True
    app.config["SECRET_KEY"] = "test-secret"
    return app
