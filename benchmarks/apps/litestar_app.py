"""Litestar's endpoints, the idiomatic way (msgspec serialises the returned dict)."""

from litestar import Litestar, MediaType, get


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    """Plaintext endpoint."""
    return "Hello, World!"


@get("/json")
async def json() -> dict[str, str]:
    """JSON endpoint."""
    return {"message": "Hello, World!"}


app = Litestar(route_handlers=[plaintext, json])
