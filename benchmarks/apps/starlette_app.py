"""Starlette's endpoints, the idiomatic way (its own JSONResponse, stdlib json)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route


async def plaintext(request: Request) -> PlainTextResponse:
    """Plaintext endpoint."""
    return PlainTextResponse("Hello, World!")


async def json(request: Request) -> JSONResponse:
    """JSON endpoint."""
    return JSONResponse({"message": "Hello, World!"})


app = Starlette(routes=[Route("/plaintext", plaintext), Route("/json", json)])
