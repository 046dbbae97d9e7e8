"""FastAPI's endpoints, the idiomatic way (a returned dict goes through its JSON encoder)."""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    """Plaintext endpoint."""
    return "Hello, World!"


@app.get("/json")
async def json() -> dict[str, str]:
    """JSON endpoint."""
    return {"message": "Hello, World!"}
