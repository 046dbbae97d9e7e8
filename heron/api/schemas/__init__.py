"""Pydantic schemas generated from Heron models: ``schema_for()`` and ``ModelSchema``."""

from heron.api.schemas.build import Mode, schema_for
from heron.api.schemas.declarative import ModelSchema

__all__ = ["Mode", "ModelSchema", "schema_for"]
