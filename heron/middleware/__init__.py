"""Heron middleware."""
