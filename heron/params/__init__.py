"""Heron params."""
