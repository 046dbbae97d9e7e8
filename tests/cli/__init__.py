"""Tests for heron.cli."""
