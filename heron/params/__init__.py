"""Handler parameters: signature analysis once at registration, cheap extraction per request.

Arguments come from the path, query string, headers, cookies, body (JSON or form) and
dependencies (``Depends``), validated by pydantic; a response model validates and
serialises what the handler returns.
"""

from heron.http.exceptions import RequestValidationError
from heron.params.endpoint import EndpointSpec, analyse_endpoint
from heron.params.errors import ResponseValidationError
from heron.params.handlers import Invoker, build_invoker, compile_handler, run_sync
from heron.params.markers import (
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    Param,
    Path,
    Query,
    Security,
    SecurityScopes,
)
from heron.params.openapi import build_openapi
from heron.params.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    SecurityScheme,
)
from heron.params.spec import (
    CallSpec,
    DependencySpec,
    HandlerSignatureError,
    ParamSpec,
    analyse_call,
    is_async_callable,
)

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "Body",
    "CallSpec",
    "Cookie",
    "DependencySpec",
    "Depends",
    "EndpointSpec",
    "File",
    "Form",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HandlerSignatureError",
    "Header",
    "Invoker",
    "OAuth2PasswordBearer",
    "Param",
    "ParamSpec",
    "Path",
    "Query",
    "RequestValidationError",
    "ResponseValidationError",
    "Security",
    "SecurityScheme",
    "SecurityScopes",
    "analyse_call",
    "analyse_endpoint",
    "build_invoker",
    "build_openapi",
    "compile_handler",
    "is_async_callable",
    "run_sync",
]
