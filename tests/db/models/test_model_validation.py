"""``full_clean()``: per-field messages from every field type and validator, ``clean()``,
and ``validate_unique()`` against the database."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from heron.db import Model, ValidationError, fields
from tests.db.models.mt_models import Everything, Pair, Product, Token


def errors_of(obj: Model, **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        obj.full_clean(validate_unique=False, **kwargs)
    return info.value.errors


def test_valid_instance_passes_and_is_coerced() -> None:
    obj = Everything(integer="42", dec="1.5", flag="true", day="2024-05-01", span="1:00:00")
    obj.full_clean(validate_unique=False)
    assert obj.integer == 42 and obj.dec == decimal.Decimal("1.5") and obj.flag is True
    assert str(obj.day) == "2024-05-01" and obj.span.total_seconds() == 3600


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "x" * 51}, "name", "Ensure this value has at most 50 characters (it has 51)."),
        ({"integer": 2**31}, "integer", "Ensure this value is between -2147483648 and "
                                        "2147483647."),
        ({"small": "many"}, "small", "'many' is not a whole number."),
        ({"flt": "pi"}, "flt", "'pi' is not a number."),
        ({"dec": "1.23456"}, "dec", "Ensure that there are no more than 4 decimal places."),
        ({"dec": "123456789.1"}, "dec", "Ensure that there are no more than 8 digits before "
                                        "the decimal point."),
        ({"dec": "abc"}, "dec", "'abc' is not a decimal number."),
        ({"dec": "NaN"}, "dec", "'NaN' is not a finite number."),
        ({"flag": "maybe"}, "flag", "'maybe' must be either True or False."),
        ({"flag": None}, "flag", "This field cannot be null."),
        ({"day": "2024-13-01"}, "day", "'2024-13-01' is not a valid date (use YYYY-MM-DD)."),
        ({"moment": "yesterday"}, "moment", "'yesterday' is not a valid date and time (use "
                                            "ISO 8601, e.g. 2024-05-01T13:30:00+00:00)."),
        ({"clock": "25:00"}, "clock", "'25:00' is not a valid time (use HH:MM[:SS[.ffffff]])."),
        ({"span": "soon"}, "span", "'soon' is not a valid duration (use [DD] "
                                   "[[HH:]MM:]ss[.uuuuuu] or ISO 8601 like P3DT4H)."),
        ({"uid": "not-a-uuid"}, "uid", "'not-a-uuid' is not a valid UUID."),
        ({"data": {1j}}, "data", "Value of type set is not JSON serializable (Type is not "
                                 "JSON serializable: set)."),
        ({"blob": "text"}, "blob", "Binary fields take bytes, not str."),
        ({"email": "ada@"}, "email", "Enter a valid email address."),
        ({"url": "http://exa mple.com"}, "url", "Enter a valid URL."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a valid URL."),
        ({"slug": "a slug"}, "slug", "Enter a valid slug consisting of letters, numbers, "
                                     "underscores or hyphens."),
        ({"kind": "omega"}, "kind", "'omega' is not a valid Kind (choose one of 'a', 'b-g')."),
        ({"level": 7}, "level", "7 is not a valid Level (choose one of 1, 2)."),
        ({"size": "m"}, "size", "Value 'm' is not a valid choice (choose one of 's', 'l')."),
        ({"picture": "cat.exe"}, "picture", "File extension 'exe' is not allowed. Allowed "
                                            "extensions are: jpg, jpeg, png, gif, webp, bmp, "
                                            "tif, tiff, avif, ico."),
    ],
)  # fmt: skip
def test_field_messages(values: dict[str, Any], field: str, message: str) -> None:
    errors = errors_of(Everything(**values))
    assert errors == {field: [message]}


def test_every_problem_is_reported_at_once() -> None:
    obj = Product(code="ab", shop="", price=decimal.Decimal("-1"), stock=5000, homepage="nope")
    errors = errors_of(obj)
    assert errors == {
        "code": ["Ensure this value has at least 3 characters (it has 2)."],
        "shop": ["This field cannot be blank."],
        "price": ["Ensure this value is greater than or equal to 0."],
        "stock": ["Ensure this value is less than or equal to 1000."],
        "homepage": ["Enter a valid URL."],
    }
    assert errors_of(obj, exclude=["code", "shop", "price", "homepage"]) == {
        "stock": ["Ensure this value is less than or equal to 1000."]
    }


def test_message_of_the_exception_names_the_fields() -> None:
    with pytest.raises(ValidationError) as info:
        Everything(name="x" * 60, small="a").full_clean(validate_unique=False)
    text = str(info.value)
    assert "small: 'a' is not a whole number." in text
    assert "name: Ensure this value has at most 50 characters (it has 60)." in text
    assert len(info.value.messages) == 2


def test_blank_fields_with_empty_values_are_skipped() -> None:
    obj = Everything()  # auto_now fields and the auto id are empty; email/url/slug blank=True
    obj.full_clean(validate_unique=False)
    assert obj.created is None and obj.pk is None


class Booking(Model):
    start = fields.Integer()
    end = fields.Integer()

    class Meta:
        label = "mt_unsaved"

    def clean(self) -> None:
        if self.end < self.start:
            raise ValidationError("The booking ends before it starts.")
        if self.end - self.start > 10:
            raise ValidationError({"end": ["Bookings last at most 10 days."]})


def test_clean_adds_instance_and_field_errors() -> None:
    assert errors_of(Booking(start=5, end=1)) == {"__all__": ["The booking ends before it starts."]}
    assert errors_of(Booking(start=1, end=20)) == {"end": ["Bookings last at most 10 days."]}
    Booking(start=1, end=2).full_clean()


def test_validate_unique_field_and_together(db: Any) -> None:
    Token.objects.create(name="taken")
    clash = Token(name="taken")
    with pytest.raises(ValidationError) as info:
        clash.full_clean()
    assert info.value.errors == {"name": ["Token with this name already exists."]}

    Product.objects.create(code="abc", shop="s1", price=1)
    with pytest.raises(ValidationError) as info:
        Product(code="abc", shop="s1", price=2).validate_unique()
    assert info.value.errors == {"__all__": ["Product with this code and shop already exists."]}
    Product(code="abc", shop="s2", price=2).validate_unique()

    Pair.objects.create(left=1, right=2)
    with pytest.raises(ValidationError) as info:
        Pair(left=1, right=2).full_clean()
    assert info.value.errors == {"__all__": ["Pair with this left and right already exists."]}


def test_validate_unique_ignores_the_row_itself(db: Any) -> None:
    token = Token.objects.create(name="mine")
    token.full_clean()
    loaded = Token.objects.get(pk=token.pk)
    loaded.full_clean()
    other = Token.objects.create(name="other")
    other.name = "mine"
    with pytest.raises(ValidationError):
        other.full_clean()
    other.full_clean(exclude=["name"])


@pytest.mark.anyio
async def test_afull_clean_checks_uniqueness_on_the_async_driver(db: Any) -> None:
    await Token.objects.acreate(name="async")
    with pytest.raises(ValidationError) as info:
        await Token(name="async", id=None).afull_clean()
    assert info.value.errors == {
        "id": ["This field cannot be null."],
        "name": ["Token with this name already exists."],
    }
    with pytest.raises(ValidationError):
        await Token(name="async").avalidate_unique()
    await Token(name="free").afull_clean()
