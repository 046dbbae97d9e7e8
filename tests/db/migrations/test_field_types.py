"""Every field type survives the round trip: file written, applied, no difference left."""

from __future__ import annotations

from heron.db.migrations import load_graph, make_migrations, migrate

from .conftest import Project, Target

ALL_FIELDS = """
import enum

class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"

class Tag(Model):
    name = fields.Slug(max_length=40, unique=True)

class Sample(Model):
    small = fields.SmallInteger()
    big = fields.BigInteger(null=True)
    ratio = fields.Float(null=True)
    price = fields.Decimal(max_digits=8, decimal_places=2, null=True)
    flag = fields.Boolean(default=False)
    text = fields.Text(null=True)
    code = fields.String(max_length=12, db_index=True)
    email = fields.Email(null=True)
    url = fields.URL(null=True)
    ident = fields.UUID(null=True)
    data = fields.JSON(null=True)
    blob = fields.Binary(null=True)
    color = fields.Enum(Color, null=True)
    day = fields.Date(null=True)
    at = fields.DateTime(null=True)
    clock = fields.Time(null=True)
    span = fields.Duration(null=True)
    parent = fields.ForeignKey("self", on_delete=fields.SET_NULL, null=True)
    twin = fields.OneToOneField(Tag, on_delete=fields.CASCADE, null=True)
    tags = fields.ManyToManyField(Tag, related_name="samples")
"""


def test_every_field_type_round_trips(db: Target, project: Project) -> None:
    label = project.new_label("typ")
    project.models(label, ALL_FIELDS)
    [file] = make_migrations([label])
    load_graph()  # the file imports (types from other modules come with their imports)
    tables = {f"{label}_tag", f"{label}_sample"}
    assert {f"Create table {t}" for t in tables} <= set(file.operations)
    migrate(label, using=db.engine)
    created = db.tables() - {"heron_migrations"}
    assert tables < created  # plus the many-to-many table
    assert len(created) == 3
    assert db.diff(label) == []
    assert make_migrations([label]) == []
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
