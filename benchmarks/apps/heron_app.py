"""Heron's TechEmpower plaintext and JSON endpoints, written as a user would write them.

Heron adds security headers (nosniff, X-Frame-Options, ...) to every response by default; no
other app here sends them, so this app turns them off to send the same headers as its peers.
`heron_defaults_app.py` keeps them, to measure what they cost.
"""

from heron import Heron, PlainTextResponse

app = Heron(__name__)
app.config["SECRET_KEY"] = "bench"  # production mode (DEBUG off) refuses to start without one
app.config["SECURITY_HEADERS"] = None  # same headers as the peers (TechEmpower's set)


@app.get("/plaintext")
async def plaintext() -> PlainTextResponse:
    """The 13-byte plaintext body."""
    return PlainTextResponse("Hello, World!")


@app.get("/json")
async def json() -> dict[str, str]:
    """A dict is serialised to JSON (orjson) by Heron."""
    return {"message": "Hello, World!"}
