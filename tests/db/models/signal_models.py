"""The models of the model-signal tests (label ``mt``: tables created with the others)."""

from __future__ import annotations

from heron.db import Model, fields


class SigAuthor(Model):
    name = fields.String(max_length=50, default="")

    class Meta:
        label = "mt"


class SigTag(Model):
    name = fields.String(max_length=50, default="")

    class Meta:
        label = "mt"


class SigPost(Model):
    title = fields.String(max_length=50, default="")
    author = fields.ForeignKey(SigAuthor, on_delete=fields.CASCADE, related_name="posts")
    tags = fields.ManyToManyField(SigTag, related_name="posts")

    class Meta:
        label = "mt"


class SigComment(Model):
    """Deleted with its post (CASCADE), two levels below an author."""

    post = fields.ForeignKey(SigPost, on_delete=fields.CASCADE, related_name="comments")
    text = fields.String(max_length=50, default="")

    class Meta:
        label = "mt"


class SigNote(Model):
    """Kept when its author goes (SET_NULL): no delete signal for it."""

    author = fields.ForeignKey(
        SigAuthor, on_delete=fields.SET_NULL, null=True, related_name="notes"
    )
    text = fields.String(max_length=50, default="")

    class Meta:
        label = "mt"


class SigPlain(Model):
    """Nothing points at it: its delete is one statement when nobody listens."""

    name = fields.String(max_length=50, default="")

    class Meta:
        label = "mt"
