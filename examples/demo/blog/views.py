"""Blog pages and a small JSON API, backed by Heron's ORM."""

from __future__ import annotations

from blog.models import Comment, Post
from heron import Blueprint, Request, abort, render
from heron.db import ValidationError

blog = Blueprint("blog", __name__, template_folder="templates")


@blog.get("/")
async def post_list(request: Request):
    posts = await Post.objects.all()[:20]
    return render(request, "blog/list.html", title="Blog", posts=posts)


@blog.get("/<int:post_id>")
async def post_detail(request: Request, post_id: int):
    try:
        post = await Post.objects.prefetch_related("comments").aget(id=post_id)
    except Post.DoesNotExist:
        abort(404, f"There is no post {post_id}")
    comments = await post.comments.all()
    return render(request, "blog/detail.html", title=post.title, post=post, comments=comments)


def _post_json(post: Post) -> dict[str, object]:
    return {"id": post.id, "title": post.title, "body": post.body, "created": post.created}


@blog.get("/api")
async def post_api():
    return [_post_json(post) for post in await Post.objects.all()]


@blog.post("/api")
async def post_create(request: Request):
    data = await request.json()
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with a title and a body.")
    post = Post(title=data.get("title"), body=data.get("body", ""))
    try:
        post.full_clean()
    except ValidationError as exc:
        return {"errors": exc.errors}, 422
    await post.asave()
    return _post_json(post), 201


@blog.post("/<int:post_id>/comments")
async def comment_create(request: Request, post_id: int):
    if not await Post.objects.filter(id=post_id).aexists():
        abort(404, f"There is no post {post_id}")
    data = await request.json()
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with an author and a body.")
    comment = Comment(post_id=post_id, author=data.get("author"), body=data.get("body"))
    try:
        comment.full_clean()
    except ValidationError as exc:
        return {"errors": exc.errors}, 422
    await comment.asave()
    return {"id": comment.id, "author": comment.author, "body": comment.body}, 201
