"""Heron staticfiles."""
