"""Falcon's endpoints on its ASGI App (resources with `on_get`, `resp.media` for JSON)."""

import falcon
import falcon.asgi


class PlainText:
    """Plaintext resource."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Plaintext endpoint."""
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class Json:
    """JSON resource."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """JSON endpoint."""
        resp.media = {"message": "Hello, World!"}


app = falcon.asgi.App()
app.add_route("/plaintext", PlainText())
app.add_route("/json", Json())
