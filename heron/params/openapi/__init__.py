"""OpenAPI 3.1 documents generated from the same analysis that validates requests.

``build_openapi(routes, title=..., version=...)`` reads each route's ``EndpointSpec``:
what is documented is exactly what Heron validates and returns.
"""

from heron.params.openapi.document import OPENAPI_VERSION, build_openapi
from heron.params.openapi.paths import path_template

__all__ = ["OPENAPI_VERSION", "build_openapi", "path_template"]
