"""Heron's API battery: pydantic schemas from models and generic model endpoints."""

from heron.api.docs import APIDocs
from heron.api.schemas import ModelSchema, schema_for
from heron.api.viewsets import ModelAPI

__all__ = ["APIDocs", "ModelAPI", "ModelSchema", "schema_for"]
