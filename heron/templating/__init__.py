"""Heron templating."""
