"""The examples of docs/models.md and docs/relations.md, as written (label ``mt_docs``)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from heron.db import (
    CheckConstraint,
    Index,
    Model,
    ProtectedError,
    UniqueConstraint,
    ValidationError,
    connections,
    fields,
    registry,
)
from heron.db.validators import MinValueValidator

# -- docs/models.md -----------------------------------------------------------------------------


class Post(Model):
    title = fields.String(max_length=200)
    body = fields.Text(default="")
    published = fields.Boolean(default=False)
    created = fields.DateTime(auto_now_add=True)
    author = fields.ForeignKey("Author", on_delete=fields.CASCADE, related_name="posts")
    tags = fields.ManyToManyField("Tag", related_name="posts")

    class Meta:
        label = "mt_docs"
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title


class Shirt(Model):
    size = fields.String(max_length=1, choices=[("s", "Small"), ("l", "Large")])

    class Meta:
        label = "mt_docs"


class ApiKey(Model):
    id = fields.UUID(primary_key=True, default=uuid.uuid4)
    settings = fields.JSON(default=dict)
    secret = fields.Binary(max_length=64)

    class Meta:
        label = "mt_docs"


class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Article(Model):
    status = fields.Enum(Status, default=Status.DRAFT)

    class Meta:
        label = "mt_docs"


class Document(Model):
    scan = fields.File(upload_to="scans/%Y/%m", allowed_extensions=["pdf"])
    cover = fields.Image(upload_to=lambda obj, name: f"covers/{obj.pk}/{name}", blank=True)

    class Meta:
        label = "mt_docs"


class Product(Model):
    code = fields.String(max_length=10)
    shop = fields.String(max_length=10)
    price = fields.Decimal(max_digits=8, decimal_places=2)
    stock = fields.Integer(default=0)

    class Meta:
        label = "mt_docs"
        table = "mt_docs_products"
        ordering = ["shop", "-price"]
        unique_together = [("code", "shop")]
        indexes = [Index(fields=["shop", "-price"])]
        constraints = [
            UniqueConstraint(fields=["code", "shop"], name="mt_docs_code_uniq"),
            CheckConstraint(check="stock >= 0", name="%(label)s_%(class)s_stock_positive"),
        ]


class Timestamped(Model):
    created = fields.DateTime(auto_now_add=True)
    updated = fields.DateTime(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created"]


class Essay(Timestamped):
    title = fields.String(max_length=200)

    class Meta:
        label = "mt_docs"


def even(value: int) -> None:
    if value % 2:
        raise ValidationError(f"{value} is not an even number.")


class Pack(Model):
    size = fields.Integer(validators=[MinValueValidator(2), even])

    class Meta:
        label = "mt_docs"


# -- docs/relations.md --------------------------------------------------------------------------


class Author(Model):
    name = fields.String(max_length=100)

    class Meta:
        label = "mt_docs"


class Tag(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "mt_docs"


class Profile(Model):
    author = fields.OneToOneField(Author, on_delete=fields.CASCADE)
    bio = fields.Text(default="")

    class Meta:
        label = "mt_docs"


class Person(Model):
    name = fields.String(max_length=50)

    class Meta:
        label = "mt_docs"


class Group(Model):
    name = fields.String(max_length=50)
    members = fields.ManyToManyField(Person, through="Membership", related_name="groups")

    class Meta:
        label = "mt_docs"


class Membership(Model):
    person = fields.ForeignKey(Person, on_delete=fields.CASCADE)
    group = fields.ForeignKey(Group, on_delete=fields.CASCADE)
    role = fields.String(max_length=20, default="member")

    class Meta:
        label = "mt_docs"
        unique_together = ["person", "group"]


class Review(Model):
    post = fields.ForeignKey(Post, on_delete=fields.PROTECT)

    class Meta:
        label = "mt_docs"


@pytest.fixture
def docs_db(db_url: str) -> Iterator[Any]:
    connections.configure(database_url=db_url)
    database = connections["default"]
    engine = database.sqlalchemy_engine()
    tables = registry.tables_for("mt_docs")
    registry.metadata.drop_all(engine, tables=tables)
    registry.metadata.create_all(engine, tables=tables)
    try:
        yield database
    finally:
        registry.metadata.drop_all(engine, tables=tables)
        connections.reset()


def test_models_page(docs_db: Any) -> None:
    ada = Author.objects.create(name="Ada")
    post = Post(title="Hello", author=ada)
    post.save()
    post.title = "Hello, world"
    post.save(update_fields=["title"])
    post.refresh_from_db()
    assert repr(post) == "<Post: Hello, world>" and post.published is False
    assert Shirt(size="l").get_size_display() == "Large"
    key = ApiKey.objects.create(secret=b"\x00" * 64, settings={"theme": "dark"})
    assert ApiKey.objects.get(pk=key.pk).settings == {"theme": "dark"}

    article = Article(status="published")
    assert article.get_status_display() == "Published"
    article.save()
    assert Article.objects.filter(status=Status.DRAFT).count() == 0
    assert Article.objects.get().status is Status.PUBLISHED

    doc = Document(scan="x.pdf")
    doc.save()
    now = dt.datetime.now(dt.UTC)
    assert Document._meta.get_field("scan").generate_filename(doc, "report.pdf") == (  # type: ignore[attr-defined]
        f"scans/{now:%Y}/{now:%m}/report.pdf"
    )
    assert Document._meta.get_field("cover").generate_filename(doc, "c.png") == (  # type: ignore[attr-defined]
        f"covers/{doc.pk}/c.png"
    )
    with pytest.raises(ValidationError) as info:
        Document(scan="x.doc", cover="c.txt").full_clean()
    assert set(info.value.errors) == {"scan", "cover"}

    Product.objects.create(code="a", shop="s", price=decimal.Decimal("1.50"))
    assert Product._meta.table_name == "mt_docs_products"
    assert [f.name for f in Essay._meta.fields] == ["id", "created", "updated", "title"]
    assert Essay._meta.ordering == ["-created"]

    with pytest.raises(ValidationError) as info:
        Post(title="x" * 300, author=ada).full_clean()
    assert info.value.errors == {
        "title": ["Ensure this value has at most 200 characters (it has 300)."]
    }
    with pytest.raises(ValidationError) as info:
        Pack(size=3).full_clean()
    assert info.value.errors == {"size": ["3 is not an even number."]}

    assert post.delete() == (1, {"mt_docs.Post": 1})


def test_relations_page(docs_db: Any) -> None:
    ada = Author.objects.create(name="Ada")
    post = Post.objects.create(title="Hi", author=ada)
    python, web = Tag.objects.create(name="python"), Tag.objects.create(name="web")
    post.tags.add(python, web)
    post.tags.remove(web)
    assert [t.name for t in post.tags.all()] == ["python"]
    assert [p.title for p in Post.objects.filter(tags__name="python")] == ["Hi"]
    assert [a.name for a in Author.objects.filter(posts__title="Hi")] == ["Ada"]
    assert ada.posts.create(title="New").author_id == ada.pk

    profile = Profile.objects.create(author=ada, bio="...")
    assert Author.objects.get(pk=ada.pk).profile == profile
    bob = Author.objects.create(name="Bob")
    with pytest.raises(Profile.DoesNotExist):
        bob.profile  # noqa: B018
    assert not hasattr(bob, "profile")

    john, paul = Person.objects.create(name="john"), Person.objects.create(name="paul")
    beatles = Group.objects.create(name="beatles")
    beatles.members.add(john, through_defaults={"role": "lead"})
    beatles.members.add(paul)
    assert [m.person.name for m in Membership.objects.filter(group=beatles, role="lead")] == [
        "john"
    ]
    assert [g.name for g in john.groups.all()] == ["beatles"]

    Review.objects.create(post=post)
    with pytest.raises(ProtectedError):
        ada.delete()
    Review.objects.all().delete()
    assert ada.delete() == (
        5,
        {"mt_docs.Author": 1, "mt_docs.Post": 2, "mt_docs.Post_tags": 1, "mt_docs.Profile": 1},
    )
