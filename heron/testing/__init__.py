"""Heron's testing tools: in-process HTTP clients for ASGI apps and a pytest plugin."""

from heron.testing.async_client import AsyncTestClient
from heron.testing.client import TestClient
from heron.testing.lifespan import LifespanError, LifespanManager

__all__ = ["AsyncTestClient", "LifespanError", "LifespanManager", "TestClient"]
