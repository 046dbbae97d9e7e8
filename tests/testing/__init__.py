"""Tests for heron.testing."""
