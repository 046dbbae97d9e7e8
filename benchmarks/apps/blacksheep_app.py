"""BlackSheep's endpoints, the idiomatic way (its `text` and `json` response helpers)."""

from blacksheep import Application, Response, json, text

app = Application()


@app.router.get("/plaintext")
async def plaintext() -> Response:
    """Plaintext endpoint."""
    return text("Hello, World!")


@app.router.get("/json")
async def json_endpoint() -> Response:
    """JSON endpoint."""
    return json({"message": "Hello, World!"})
