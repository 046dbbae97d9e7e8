"""Flask's endpoints (WSGI), the idiomatic way (a returned dict goes through `jsonify`)."""

from flask import Flask, Response

app = Flask(__name__)


@app.get("/plaintext")
def plaintext() -> Response:
    """Plaintext endpoint."""
    return Response("Hello, World!", content_type="text/plain")


@app.get("/json")
def json() -> dict[str, str]:
    """JSON endpoint."""
    return {"message": "Hello, World!"}
