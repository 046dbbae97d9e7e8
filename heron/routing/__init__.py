"""Heron routing: path patterns and converters, the compiled router, blueprints.

Layer 2: imports only ``heron.http``.
"""

from heron.routing.blueprint import Blueprint, BlueprintSetup, RouteRecord
from heron.routing.converters import (
    AnyConverter,
    Converter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from heron.routing.exceptions import (
    AutomaticOptions,
    BuildError,
    MethodNotAllowed,
    NotFound,
    RequestRedirect,
    RouteConflictError,
)
from heron.routing.router import Route, Router
from heron.routing.rules import Rule
from heron.routing.scaffold import Scaffold, get_root_path
from heron.routing.urls import encode_query, external_url, join_rule, qualify_endpoint

__all__ = [
    "AnyConverter",
    "AutomaticOptions",
    "Blueprint",
    "BlueprintSetup",
    "BuildError",
    "Converter",
    "FloatConverter",
    "IntegerConverter",
    "MethodNotAllowed",
    "NotFound",
    "PathConverter",
    "RequestRedirect",
    "Route",
    "RouteConflictError",
    "RouteRecord",
    "Router",
    "Rule",
    "Scaffold",
    "SlugConverter",
    "StringConverter",
    "UUIDConverter",
    "encode_query",
    "external_url",
    "get_root_path",
    "join_rule",
    "qualify_endpoint",
]
