"""Heron routing."""
