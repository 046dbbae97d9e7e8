"""The blog's models: posts and their comments."""

from __future__ import annotations

from heron.db import Model, fields


class Post(Model):
    title = fields.String(max_length=200)
    body = fields.Text(blank=True, default="")
    created = fields.DateTime(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title


class Comment(Model):
    post = fields.ForeignKey(Post, on_delete=fields.CASCADE, related_name="comments")
    author = fields.String(max_length=80)
    body = fields.Text()
    created = fields.DateTime(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
