"""``ModelAPI``: a model's CRUD endpoints as typed, documented routes."""

from heron.api.viewsets.base import ACTIONS, Action, ModelAPI

__all__ = ["ACTIONS", "Action", "ModelAPI"]
