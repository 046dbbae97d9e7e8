"""Heron debug."""
