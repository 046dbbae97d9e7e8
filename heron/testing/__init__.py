"""Heron testing."""
