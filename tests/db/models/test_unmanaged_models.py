"""Unmanaged models (``Meta.managed = False``) query, save and delete like any other, over a
table and a view the test creates itself with raw SQL, on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heron.db import Model, fields
from heron.db.backends import Database
from heron.db.migrations.schema import table_label


class Person(Model):
    name = fields.String(max_length=50)
    active = fields.Boolean(default=True)

    class Meta:
        label = "unmt"
        managed = False
        table = "unmt_person"
        ordering = ["name"]


class Pet(Model):
    name = fields.String(max_length=50)
    owner = fields.ForeignKey(Person, on_delete=fields.CASCADE, related_name="pets")

    class Meta:
        label = "unmt"
        managed = False
        table = "unmt_pet"


class ActivePerson(Model):
    """A read-only view over ``unmt_person``."""

    name = fields.String(max_length=50)

    class Meta:
        label = "unmt"
        managed = False
        table = "unmt_active_person"


AUTO_ID = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "BIGSERIAL PRIMARY KEY",
    "mysql": "BIGINT AUTO_INCREMENT PRIMARY KEY",
}


@pytest.fixture
def tables(db: Database) -> Iterator[None]:
    """The tables and the view, made with raw SQL (test set-up creates none of them)."""
    ident = AUTO_ID[db.vendor]
    statements = [
        f"CREATE TABLE unmt_person (id {ident}, name VARCHAR(50) NOT NULL, "
        "active BOOLEAN NOT NULL)",
        f"CREATE TABLE unmt_pet (id {ident}, name VARCHAR(50) NOT NULL, "
        "owner_id BIGINT NOT NULL REFERENCES unmt_person (id))",
        "CREATE VIEW unmt_active_person AS SELECT id, name FROM unmt_person WHERE active",
    ]
    engine = db.sqlalchemy_engine()
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    try:
        yield
    finally:
        with engine.begin() as conn:
            for sql in [
                "DROP VIEW unmt_active_person",
                "DROP TABLE unmt_pet",
                "DROP TABLE unmt_person",
            ]:
                conn.exec_driver_sql(sql)


def test_meta_and_table() -> None:
    assert Person._meta.managed is False
    assert Person.__table__.name == "unmt_person"
    assert table_label(Person.__table__) is None  # no label's migrations manage it


def test_create_query_update_delete(tables: None) -> None:
    ada = Person.objects.create(name="Ada")
    bob = Person.objects.create(name="Bob", active=False)
    assert ada.pk is not None and bob.pk != ada.pk
    assert [p.name for p in Person.objects.all()] == ["Ada", "Bob"]
    assert Person.objects.get(name="Bob").active is False
    bob.active = True
    bob.save()
    assert Person.objects.filter(active=True).count() == 2
    assert Person.objects.filter(name__startswith="A").update(name="Ada L.") == 1
    Pet.objects.create(name="Rex", owner=ada)
    Pet.objects.create(name="Tom", owner=bob)
    assert Pet.objects.select_related("owner").get(name="Rex").owner.name == "Ada L."
    assert sorted(p.name for p in Pet.objects.filter(owner__name="Bob")) == ["Tom"]
    assert [p.name for p in bob.pets.all()] == ["Tom"]
    deleted, counts = ada.delete()  # Heron cascades to the pets itself
    assert deleted == 2 and counts == {"unmt.Person": 1, "unmt.Pet": 1}
    assert list(Pet.objects.values_list("name", flat=True)) == ["Tom"]


def test_model_over_a_view(tables: None) -> None:
    Person.objects.create(name="Ada")
    Person.objects.create(name="Bob", active=False)
    assert [p.name for p in ActivePerson.objects.all()] == ["Ada"]
    assert ActivePerson.objects.filter(name="Bob").exists() is False
    assert ActivePerson.objects.get(name="Ada").pk == Person.objects.get(name="Ada").pk


def test_flush_leaves_unmanaged_tables_alone(tables: None) -> None:
    from heron.db.testing import flush_tables

    from .mt_models import Shelf

    Person.objects.create(name="kept")
    Shelf.objects.create(name="emptied")
    flush_tables()
    assert [p.name for p in Person.objects.all()] == ["kept"]
    assert Shelf.objects.count() == 0
