"""Blog pages: a list and a detail page, kept in memory for the demo."""

from __future__ import annotations

from heron import Blueprint, Request, abort, render

blog = Blueprint("blog", __name__, template_folder="templates")

POSTS = {
    1: {"id": 1, "title": "Hello, Heron", "body": "Heron is async-first and typed."},
    2: {"id": 2, "title": "Blueprints", "body": "A blueprint carries routes and templates."},
}


@blog.get("/")
async def post_list(request: Request):
    return render(request, "blog/list.html", title="Blog", posts=list(POSTS.values()))


@blog.get("/<int:post_id>")
async def post_detail(request: Request, post_id: int):
    post = POSTS.get(post_id) or abort(404, f"There is no post {post_id}")
    return render(request, "blog/detail.html", title=post["title"], post=post)


@blog.get("/api")
async def post_api():
    return list(POSTS.values())
