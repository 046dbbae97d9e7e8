"""Heron's endpoints with Python's own garbage-collector settings (no freeze, threshold
700): the `heron-pygc` cell, which shows what Heron's start-up GC tuning is worth."""

from heron_app import json, plaintext

from heron import Heron

app = Heron(__name__)
app.config.update(SECRET_KEY="bench", SECURITY_HEADERS=None, GC_FREEZE=False, GC_THRESHOLD=None)
app.add_route("/plaintext", plaintext)
app.add_route("/json", json)
