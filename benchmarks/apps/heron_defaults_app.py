"""Heron's endpoints with its default configuration (security headers on): the
`heron-defaults` cell, which shows what the defaults cost next to `heron`."""

from heron_app import json, plaintext

from heron import Heron

app = Heron(__name__)
app.config["SECRET_KEY"] = "bench"
app.add_route("/plaintext", plaintext)
app.add_route("/json", json)
