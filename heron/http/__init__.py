"""Heron http."""
