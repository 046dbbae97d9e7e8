"""``heron.db.validators``: what each validator accepts and the message it gives."""

from __future__ import annotations

import re
from typing import Any

import pytest

from heron.db import ValidationError
from heron.db.validators import (
    EmailValidator,
    FileExtensionValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
    validate_email,
    validate_slug,
    validate_unicode_slug,
    validate_url,
)


def message(validator: Any, value: Any) -> str:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value.messages[0]


@pytest.mark.parametrize(
    "value",
    [
        "ada@example.com",
        "first.last+tag@sub.example.co.uk",
        "user@localhost",
        '"quoted name"@example.org',
        "u@exämple.de",
        "a@[127.0.0.1]",
        "a@[IPv6:::1]",
    ],
)
def test_valid_emails(value: str) -> None:
    validate_email(value)


@pytest.mark.parametrize(
    "value",
    ["", "plain", "@example.com", "a@", "a@b", "a b@example.com", "a..b@example.com",
     "a@-example.com", "a@example..com", "a@[300.1.1.1]", "a@example.c0m", "x" * 65 + "@e.com",
     42],
)  # fmt: skip
def test_invalid_emails(value: Any) -> None:
    assert message(validate_email, value) == "Enter a valid email address."


def test_email_allowlist_and_message() -> None:
    strict = EmailValidator(allowlist=(), message="Bad address.", code="bad")
    assert message(strict, "user@localhost") == "Bad address."
    with pytest.raises(ValidationError) as info:
        strict("nope")
    assert info.value.code == "bad"


@pytest.mark.parametrize(
    "value",
    [
        "http://example.com",
        "https://example.com:8443/path?q=1#frag",
        "https://sub.domain.example.co.uk/",
        "http://localhost:8000/",
        "http://127.0.0.1/",
        "http://[::1]:80/",
        "ftp://files.example.com/a.txt",
        "https://exämple.de/",
        "https://user:pass@example.com/",
    ],
)
def test_valid_urls(value: str) -> None:
    validate_url(value)


@pytest.mark.parametrize(
    "value",
    ["", "example.com", "//example.com", "http://", "http://exa mple.com", "javascript:alert(1)",
     "http://example", "http://example.com:99999/", "mailto:a@example.com", "https://-a.com/",
     "http://" + "a" * 2050 + ".com"],
)  # fmt: skip
def test_invalid_urls(value: str) -> None:
    assert message(validate_url, value) == "Enter a valid URL."


def test_url_schemes() -> None:
    https_only = URLValidator(schemes=["https"])
    https_only("https://example.com")
    assert message(https_only, "http://example.com") == "Enter a valid URL."


def test_slugs() -> None:
    validate_slug("a-slug_1")
    validate_unicode_slug("ünïcode-slug")
    assert message(validate_slug, "ünïcode").startswith("Enter a valid slug")
    assert message(validate_unicode_slug, "with space").startswith("Enter a valid slug")


def test_regex_validator() -> None:
    digits = RegexValidator(r"^\d+$", message="Digits only.", code="digits")
    digits("123")
    assert message(digits, "12a") == "Digits only."
    no_spaces = RegexValidator(r"\s", inverse_match=True)
    no_spaces("abc")
    assert message(no_spaces, "a b") == "Enter a valid value."
    assert RegexValidator(re.compile("x")) == RegexValidator(re.compile("x"))
    with pytest.raises(TypeError):
        RegexValidator(re.compile("x"), flags=re.I)


def test_limit_validators() -> None:
    MinValueValidator(0)(0)
    assert message(MinValueValidator(0), -1) == "Ensure this value is greater than or equal to 0."
    assert message(MaxValueValidator(lambda: 10), 11) == (
        "Ensure this value is less than or equal to 10."
    )
    assert message(MinLengthValidator(3), "ab") == (
        "Ensure this value has at least 3 characters (it has 2)."
    )
    assert message(MaxLengthValidator(2), [1, 2, 3]) == (
        "Ensure this value has at most 2 characters (it has 3)."
    )
    assert MaxValueValidator(3) == MaxValueValidator(3) != MaxValueValidator(4)


def test_file_extension_validator() -> None:
    pdf = FileExtensionValidator(["PDF", ".txt"])
    pdf("report.Pdf")
    pdf("notes.txt")
    assert message(pdf, "archive.tar.gz") == (
        "File extension 'gz' is not allowed. Allowed extensions are: pdf, txt."
    )
    assert message(pdf, "noext") == (
        "File extension '' is not allowed. Allowed extensions are: pdf, txt."
    )
    FileExtensionValidator(None)("anything.exe")
