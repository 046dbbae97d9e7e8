"""Heron's demo site: pages, a template, a static file, a blueprint, JSON and an error handler.

Run it from the repository root with ``make demo`` (or ``heron run`` in this folder).
"""

from __future__ import annotations

from datetime import UTC, datetime

from blog import blog

from heron import Heron, Request, abort, render, render_string

app = Heron(__name__)
app.register_blueprint(blog, url_prefix="/blog")

VISITS: dict[str, int] = {}


@app.get("/")
async def index(request: Request):
    return render(request, "index.html", title="Welcome to Heron")


@app.get("/about")
def about(request: Request):
    """A sync handler: Heron runs it in the thread pool."""
    return render(request, "about.html", title="About")


@app.get("/hello/<name>")
async def hello(request: Request, name: str):
    VISITS[name] = VISITS.get(name, 0) + 1
    return render_string(request, "<p>Hello, {{ name }}!</p>", name=name)  # escaped


@app.get("/api/status")
async def status():
    return {"status": "ok", "time": datetime.now(UTC), "visits": VISITS}


@app.get("/teapot")
async def teapot():
    abort(418, "I'm a teapot, not a coffee machine")


@app.errorhandler(404)
async def not_found(request: Request, exc: Exception):
    return render(request, "404.html", title="Not found", path=request.path), 404
