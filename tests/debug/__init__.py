"""Tests for heron.debug."""
