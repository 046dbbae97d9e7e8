"""Blog pages, backed by Heron's ORM (the JSON API is in ``blog/api.py``)."""

from __future__ import annotations

from blog.models import Post
from heron import Blueprint, Request, abort, render

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
