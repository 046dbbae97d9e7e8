"""Models whose delete order the declaration order does not give (label ``mt_order``).

``Piece`` is declared before ``Part`` and points at both ``Owner`` and ``Part``: deleting
an owner reaches its pieces first (through ``Piece.owner``), then its parts, whose pieces
must still be deleted before them. ``Node`` points at itself; ``Left`` and ``Right`` at
each other (the database knows only ``Right.left``, so the tables have no cycle), with
reverse sides ``right.lefts`` and ``left.rights``.
"""

from __future__ import annotations

from heron.db import Model, fields


class Owner(Model):
    name = fields.String(max_length=20, default="")

    class Meta:
        label = "mt_order"


class Piece(Model):
    """One foreign key to ``Part`` per database behaviour: RESTRICT, no action, CASCADE."""

    owner = fields.ForeignKey(Owner, on_delete=fields.CASCADE, related_name="pieces")
    restricted = fields.ForeignKey(
        "mt_order.Part", on_delete=fields.RESTRICT, null=True, related_name="+"
    )
    unguarded = fields.ForeignKey(
        "mt_order.Part", on_delete=fields.DO_NOTHING, null=True, related_name="+"
    )
    cascaded = fields.ForeignKey(
        "mt_order.Part", on_delete=fields.CASCADE, null=True, related_name="+"
    )

    class Meta:
        label = "mt_order"


class Part(Model):
    owner = fields.ForeignKey(Owner, on_delete=fields.CASCADE, related_name="parts")

    class Meta:
        label = "mt_order"


class Node(Model):
    parent = fields.ForeignKey("self", on_delete=fields.CASCADE, null=True, related_name="kids")

    class Meta:
        label = "mt_order"


class Left(Model):
    # Named reverse sides: the default query names ("left", "right") are the fields of
    # Right and Left, which Heron refuses as ambiguous.
    right = fields.ForeignKey(
        "mt_order.Right",
        on_delete=fields.CASCADE,
        null=True,
        db_constraint=False,
        related_name="lefts",
    )

    class Meta:
        label = "mt_order"


class Right(Model):
    left = fields.ForeignKey(Left, on_delete=fields.CASCADE, related_name="rights")

    class Meta:
        label = "mt_order"
