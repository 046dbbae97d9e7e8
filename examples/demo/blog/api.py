"""The blog's JSON API: typed, validated, documented endpoints generated from the models."""

from __future__ import annotations

from blog.models import Comment, Post
from heron.api import ModelAPI


class PostAPI(ModelAPI):
    """``/api/posts``: list (newest first), read, create, replace, update, delete."""

    model = Post
    filter_fields = {"title": ["icontains"]}
    ordering_fields = ["created", "title"]
    tags = ["posts"]


class CommentAPI(ModelAPI):
    """``/api/comments``: comments, filtered by post with ``?post_id=``."""

    model = Comment
    filter_fields = ["post_id"]
    ordering_fields = ["created"]
    tags = ["comments"]
