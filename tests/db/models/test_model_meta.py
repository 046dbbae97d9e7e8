"""Meta options (label, table, ordering, indexes, constraints), abstract inheritance and
model-definition errors."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from heron.db import IntegrityError, Model, fields, registry
from tests.db.models.mt_models import Memo, Note, Pair, Product, Stamped


def test_label_table_and_registry() -> None:
    assert Product._meta.label == "mt" and Product._meta.table_name == "mt_product"
    assert Note._meta.table_name == "mt_custom_notes"
    assert registry.get_model("mt.Product") is Product
    assert registry.get_model("Note", default_label="mt") is Note
    assert Product._meta.table is registry.metadata.tables["mt_product"]
    assert Product.__table__ is Product._meta.table and isinstance(Product.__table__, sa.Table)
    assert Note.__table__.name == "mt_custom_notes"
    assert Product._meta.label_model == "mt.Product"
    assert (
        Product._meta.verbose_name == "product" and Product._meta.verbose_name_plural == "products"
    )


def test_abstract_inheritance() -> None:
    assert [f.name for f in Note._meta.fields] == ["id", "created", "title", "body"]
    assert [f.name for f in Memo._meta.fields] == ["id", "created", "title"]
    assert Memo._meta.get_field("title").max_length == 80  # type: ignore[attr-defined]
    assert Note._meta.get_field("title").max_length == 40  # type: ignore[attr-defined]
    assert Note._meta.get_field("created") is not Memo._meta.get_field("created")
    assert Note._meta.get_field("created").model is Note
    assert Note._meta.ordering == ["title"] and Memo._meta.ordering == ["title"]
    assert Memo._meta.table_name == "mt_memo"  # the child's Meta.table is not inherited
    assert Stamped._meta.abstract and "mt_stamped" not in registry.metadata.tables
    with pytest.raises(TypeError, match="abstract"):
        Stamped(title="x")


def test_meta_options_reach_a_model_two_abstract_levels_down() -> None:
    class Base(Model):
        code = fields.String(max_length=10)
        shop = fields.String(max_length=10)

        class Meta:
            label = "metadepth"
            abstract = True
            ordering = ["code"]
            unique_together = [("code", "shop")]

    class Middle(Base):
        class Meta:
            abstract = True
            verbose_name = "thing"

    class Leaf(Middle):
        class Meta:
            label = "metadepth"

    assert Leaf._meta.ordering == ["code"] and Leaf._meta.verbose_name == "thing"
    assert Leaf._meta.unique_together == [("code", "shop")]
    assert Leaf._meta.table_name == "metadepth_leaf"
    assert not Leaf._meta.abstract and Middle._meta.abstract


def test_inherited_fields_work_in_the_database(db: Any) -> None:
    Note.objects.create(title="b", body="x")
    Note.objects.create(title="a")
    memo = Memo.objects.create()
    assert [n.title for n in Note.objects.all()] == ["a", "b"]
    assert Memo.objects.get(pk=memo.pk).title == "memo"
    assert Memo.objects.get(pk=memo.pk).created is not None


def test_ordering(db: Any) -> None:
    for shop, code in [("s2", "aaa"), ("s1", "aaa"), ("s1", "bbb"), ("s2", "ccc")]:
        Product.objects.create(shop=shop, code=code, price=1)
    assert [str(p) for p in Product.objects.all()] == ["s1/bbb", "s1/aaa", "s2/ccc", "s2/aaa"]
    assert [str(p) for p in Product.objects.order_by("code", "shop")][:2] == ["s1/aaa", "s2/aaa"]
    assert str(Product.objects.first()) == "s1/bbb" and str(Product.objects.last()) == "s2/aaa"


def test_unique_together_and_unique_constraint_are_enforced(db: Any) -> None:
    Product.objects.create(code="abc", shop="s", price=1)
    with pytest.raises(IntegrityError):
        Product.objects.create(code="abc", shop="s", price=2)
    Product.objects.create(code="abc", shop="t", price=2)
    Pair.objects.create(left=1, right=2)
    with pytest.raises(IntegrityError):
        Pair.objects.create(left=1, right=2)


def check_violation(db: Any) -> Any:
    """``pytest.raises(IntegrityError)`` (a CHECK failure is an integrity error everywhere)."""
    return pytest.raises(IntegrityError)


def test_check_constraint_is_enforced(db: Any) -> None:
    Product.objects.create(code="zero", shop="s", price=1, stock=0)
    with check_violation(db):
        Product.objects.create(code="neg", shop="s", price=1, stock=-1)
    assert Product.objects.count() == 1


@pytest.mark.anyio
async def test_constraints_raise_integrity_error_async(db: Any) -> None:
    await Product.objects.acreate(code="abc", shop="s", price=1)
    with pytest.raises(IntegrityError):
        await Product.objects.acreate(code="abc", shop="s", price=2)
    with check_violation(db):
        await Product.objects.acreate(code="neg", shop="s", price=1, stock=-5)


def test_indexes_and_constraints_exist_in_the_database(db: Any) -> None:
    inspector = sa.inspect(db.sqlalchemy_engine())
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("mt_product")}
    assert indexes["mt_product_shop_price_idx"][0] == "shop"
    checks = {c["name"] for c in inspector.get_check_constraints("mt_product")}
    assert "mt_product_stock_positive" in checks
    uniques = inspector.get_unique_constraints("mt_pair")
    if db.vendor == "mysql":  # MariaDB reports unique constraints as unique indexes
        uniques = [i for i in inspector.get_indexes("mt_pair") if i["unique"]]
    assert ["left", "right"] in [u["column_names"] for u in uniques]
    fk_indexes = [i["column_names"] for i in inspector.get_indexes("mt_post")]
    assert ["author_id"] in fk_indexes


def test_meta_errors() -> None:
    with pytest.raises(TypeError, match="unknown option 'ordreing'"):

        class Typo(Model):
            class Meta:
                label = "mt_errors"
                ordreing = ["x"]

    with pytest.raises(TypeError, match="is a concrete model"):

        class Child(Product):
            class Meta:
                label = "mt_errors"

    with pytest.raises(TypeError, match="on_delete=SET_NULL needs null=True"):
        fields.ForeignKey("mt.Author", on_delete=fields.SET_NULL)
    with pytest.raises(TypeError, match="on_delete must be one of"):
        fields.ForeignKey("mt.Author", on_delete="cascade")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="does not take null="):
        fields.ManyToManyField("mt.Tag", null=True)
    with pytest.raises(TypeError, match="all str or all int"):
        import enum

        class Mixed(enum.Enum):
            A = 1
            B = "b"

        fields.Enum(Mixed)
    with pytest.raises(ValueError, match="positive max_length"):
        fields.String(max_length=0)
    with pytest.raises(ValueError, match="decimal_places <= max_digits"):
        fields.Decimal(max_digits=2, decimal_places=3)
