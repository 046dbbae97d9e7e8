"""The models the model/field/relation tests run on (label ``mt``: tables ``mt_*``)."""

from __future__ import annotations

import datetime
import enum
import uuid

from heron.db import CheckConstraint, Index, Model, UniqueConstraint, fields
from heron.db.query.expressions import F, Q
from heron.db.validators import MaxValueValidator, MinLengthValidator, MinValueValidator


class Kind(enum.Enum):
    ALPHA = "a"
    BETA_GAMMA = "b-g"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Everything(Model):
    """One field of every type."""

    big = fields.BigInteger(default=0)
    small = fields.SmallInteger(null=True)
    integer = fields.Integer(null=True)
    flt = fields.Float(null=True)
    dec = fields.Decimal(max_digits=12, decimal_places=4, null=True)
    wide = fields.Decimal(max_digits=30, decimal_places=10, null=True)
    flag = fields.Boolean(default=False)
    maybe = fields.Boolean(null=True)
    name = fields.String(max_length=50, blank=True, default="")
    body = fields.Text(blank=True, default="")
    day = fields.Date(null=True)
    moment = fields.DateTime(null=True)
    clock = fields.Time(null=True)
    span = fields.Duration(null=True)
    uid = fields.UUID(default=uuid.uuid4)
    data = fields.JSON(null=True)
    blob = fields.Binary(null=True)
    email = fields.Email(blank=True, default="")
    url = fields.URL(blank=True, default="")
    slug = fields.Slug(blank=True, default="")
    kind = fields.Enum(Kind, default=Kind.ALPHA)
    level = fields.Enum(Level, null=True)
    size = fields.String(max_length=1, choices=[("s", "Small"), ("l", "Large")], default="s")
    attachment = fields.File(upload_to="docs/%Y", blank=True, default="")
    picture = fields.Image(blank=True, default="")
    created = fields.DateTime(auto_now_add=True)
    updated = fields.DateTime(auto_now=True)
    made_on = fields.Date(auto_now_add=True)

    class Meta:
        label = "mt"


class Token(Model):
    """A UUID primary key."""

    id = fields.UUID(primary_key=True, default=uuid.uuid4)
    name = fields.String(max_length=30, unique=True)

    class Meta:
        label = "mt"


class Badge(Model):
    """UUID primary keys on both sides of a many-to-many relation."""

    id = fields.UUID(primary_key=True, default=uuid.uuid4)
    tokens = fields.ManyToManyField(Token, related_name="badges")

    class Meta:
        label = "mt"


class Stamp(Model):
    """A foreign key to a UUID primary key."""

    token = fields.ForeignKey(Token, on_delete=fields.CASCADE, related_name="stamps")

    class Meta:
        label = "mt"


class Product(Model):
    """Validators, unique_together, a check constraint, ordering and an index."""

    code = fields.String(max_length=10, validators=[MinLengthValidator(3)])
    shop = fields.String(max_length=10)
    price = fields.Decimal(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    stock = fields.Integer(default=0, validators=[MaxValueValidator(1000)])
    homepage = fields.URL(blank=True, default="")

    class Meta:
        label = "mt"
        ordering = ["shop", "-code"]
        unique_together = [("code", "shop")]
        indexes = [Index(fields=["shop", "-price"])]
        constraints = [CheckConstraint(check="stock >= 0", name="mt_%(class)s_stock_positive")]

    def __str__(self) -> str:
        return f"{self.shop}/{self.code}"


class Pair(Model):
    """A named UniqueConstraint."""

    left = fields.Integer()
    right = fields.Integer()

    class Meta:
        label = "mt"
        constraints = [UniqueConstraint(fields=["left", "right"], name="mt_pair_lr_uniq")]


class Stamped(Model):
    """An abstract base: its fields, ordering and Meta reach every child."""

    created = fields.DateTime(auto_now_add=True)
    title = fields.String(max_length=40)

    class Meta:
        abstract = True
        ordering = ["title"]


class Note(Stamped):
    body = fields.Text(default="")

    class Meta:
        label = "mt"
        table = "mt_custom_notes"


class Memo(Stamped):
    title = fields.String(max_length=80, default="memo")  # overrides the parent's

    class Meta:
        label = "mt"


# -- relations ------------------------------------------------------------------------------


class Author(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "mt"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Post(Model):
    title = fields.String(max_length=100)
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE, related_name="posts")
    editor = fields.ForeignKey(
        "Author", on_delete=fields.SET_NULL, null=True, related_name="edited"
    )
    tags = fields.ManyToManyField("mt.Tag", related_name="posts")

    class Meta:
        label = "mt"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Tag(Model):
    name = fields.String(max_length=30)

    class Meta:
        label = "mt"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


FALLBACK_PK = 999


class Comment(Model):
    """Every on_delete rule, pointing at Post."""

    text = fields.String(max_length=50, default="")
    post = fields.ForeignKey(Post, on_delete=fields.CASCADE, related_name="comments")
    protected = fields.ForeignKey(
        Author, on_delete=fields.PROTECT, null=True, related_name="protected_comments"
    )
    restricted = fields.ForeignKey(
        Tag, on_delete=fields.RESTRICT, null=True, related_name="restricted_comments"
    )
    fallback = fields.ForeignKey(
        "Fallback", on_delete=fields.SET_DEFAULT, null=True, default=FALLBACK_PK, related_name="+"
    )
    loose = fields.ForeignKey("Loose", on_delete=fields.DO_NOTHING, null=True, db_constraint=False)
    strict = fields.ForeignKey("Loose", on_delete=fields.DO_NOTHING, null=True, related_name="+")

    class Meta:
        label = "mt"


class Fallback(Model):
    name = fields.String(max_length=10)

    class Meta:
        label = "mt"


class Loose(Model):
    name = fields.String(max_length=10)

    class Meta:
        label = "mt"


class Profile(Model):
    author = fields.OneToOneField(Author, on_delete=fields.CASCADE)
    bio = fields.Text(default="")

    class Meta:
        label = "mt"


class Person(Model):
    name = fields.String(max_length=30)
    friends = fields.ManyToManyField("self", symmetrical=False, related_name="befriended_by")

    class Meta:
        label = "mt"
        ordering = ["name"]


class Group(Model):
    name = fields.String(max_length=30)
    members = fields.ManyToManyField(Person, through="Membership", related_name="groups")

    class Meta:
        label = "mt"
        ordering = ["name"]


class Membership(Model):
    person = fields.ForeignKey(Person, on_delete=fields.CASCADE)
    group = fields.ForeignKey(Group, on_delete=fields.CASCADE)
    role = fields.String(max_length=20, default="member")

    class Meta:
        label = "mt"
        unique_together = ["person", "group"]


class Peer(Model):
    """Symmetrical relations to the model itself: auto-created links and a through model."""

    name = fields.String(max_length=30)
    friends = fields.ManyToManyField("self")
    contacts = fields.ManyToManyField(
        "Peer", through="Contact", through_fields=("source", "target")
    )

    class Meta:
        label = "mt"
        ordering = ["name"]


class Contact(Model):
    """A link of ``Peer.contacts``, with data (stored in both directions)."""

    source = fields.ForeignKey(Peer, on_delete=fields.CASCADE, related_name="+")
    target = fields.ForeignKey(Peer, on_delete=fields.CASCADE, related_name="+")
    since = fields.Integer(default=0)

    class Meta:
        label = "mt"
        unique_together = ["source", "target"]


class Shelf(Model):
    """Many-to-many relations with no reverse side (``related_name="+"``), two of them to
    one model."""

    name = fields.String(max_length=30)
    tags = fields.ManyToManyField(Tag, related_name="+")
    spare_tags = fields.ManyToManyField(Tag, related_name="+")

    class Meta:
        label = "mt"


class Guarded(Model):
    """Check constraints written as Q objects (see test_check_constraints)."""

    name = fields.String(max_length=30)
    price = fields.Integer()
    low = fields.Integer(default=0)
    high = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    code = fields.String(max_length=20, default="G_1")
    released = fields.Date(null=True)
    note = fields.String(max_length=20, null=True)
    shelf = fields.ForeignKey(Shelf, on_delete=fields.CASCADE, null=True)

    class Meta:
        label = "mt"
        constraints = [
            CheckConstraint(condition=Q(price__gte=0), name="mt_guarded_price_positive"),
            CheckConstraint(condition=Q(low__lte=F("high")), name="mt_guarded_low_high"),
            CheckConstraint(condition=Q(active=True) | Q(price=0), name="mt_guarded_inactive_free"),
            CheckConstraint(condition=Q(code__startswith="G_"), name="mt_guarded_code_prefix"),
            CheckConstraint(
                condition=Q(released__isnull=True) | Q(released__gte=datetime.date(2000, 1, 1)),
                name="mt_guarded_released",
            ),
            CheckConstraint(
                condition=~Q(name__in=["bad", "worse"]) & Q(price__range=(0, 1000)),
                name="mt_guarded_name_price",
            ),
            CheckConstraint(check=~Q(note="it's"), name="mt_guarded_note"),
            CheckConstraint(condition=~Q(shelf_id=999), name="mt_guarded_shelf"),
        ]
