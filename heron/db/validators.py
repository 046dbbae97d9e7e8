"""Reusable value validators for model fields (and forms): each raises ``ValidationError``.

A validator is any callable taking the value and raising ``ValidationError`` when it is
wrong; the classes below carry a ``message`` and a ``code`` you can override::

    class Product(Model):
        price = fields.Decimal(max_digits=8, decimal_places=2,
                               validators=[MinValueValidator(0)])
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from heron.db.models.exceptions import ValidationError

__all__ = [
    "BaseValidator",
    "EmailValidator",
    "FileExtensionValidator",
    "MaxLengthValidator",
    "MaxValueValidator",
    "MinLengthValidator",
    "MinValueValidator",
    "RegexValidator",
    "URLValidator",
    "validate_email",
    "validate_slug",
    "validate_unicode_slug",
    "validate_url",
]


class RegexValidator:
    """The value (as text) must match ``regex`` (or must not, with ``inverse_match=True``)."""

    regex: str | re.Pattern[str] = ""
    message = "Enter a valid value."
    code = "invalid"
    inverse_match = False
    flags = 0

    def __init__(
        self,
        regex: str | re.Pattern[str] | None = None,
        message: str | None = None,
        code: str | None = None,
        inverse_match: bool | None = None,
        flags: int | None = None,
    ) -> None:
        if regex is not None:
            self.regex = regex
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if inverse_match is not None:
            self.inverse_match = inverse_match
        if flags is not None:
            self.flags = flags
        if isinstance(self.regex, str):
            self.compiled = re.compile(self.regex, self.flags)
        else:
            if self.flags:
                raise TypeError("flags cannot be given with a compiled regular expression.")
            self.compiled = self.regex

    def __call__(self, value: Any) -> None:
        matched = self.compiled.search(str(value)) is not None
        if matched == self.inverse_match:
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RegexValidator)
            and type(other) is type(self)
            and self.compiled.pattern == other.compiled.pattern
            and self.compiled.flags == other.compiled.flags
            and self.message == other.message
            and self.code == other.code
            and self.inverse_match == other.inverse_match
        )

    def __hash__(self) -> int:
        return hash((type(self), self.compiled.pattern, self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.compiled.pattern!r})"


_SLUG = RegexValidator(
    r"\A[-a-zA-Z0-9_]+\Z",
    "Enter a valid slug consisting of letters, numbers, underscores or hyphens.",
    "invalid_slug",
)
_UNICODE_SLUG = RegexValidator(
    r"\A[-\w]+\Z",
    "Enter a valid slug consisting of Unicode letters, numbers, underscores, or hyphens.",
    "invalid_slug",
)


def validate_slug(value: Any) -> None:
    """ASCII letters, digits, ``-`` and ``_`` only."""
    _SLUG(value)


def validate_unicode_slug(value: Any) -> None:
    """Unicode letters, digits, ``-`` and ``_`` only."""
    _UNICODE_SLUG(value)


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"\A{_ATOM}(?:\.{_ATOM})*\Z|\A\"(?:[^\"\\\r\n]|\\.)*\"\Z")
_DOMAIN_LABEL = re.compile(r"\A(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")
_TLD = re.compile(r"\A(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\Z")


def _valid_hostname(host: str) -> bool:
    """A DNS name with a top-level domain (international names through IDNA)."""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or len(labels) < 2:
        return False
    return all(_DOMAIN_LABEL.match(label) for label in labels) and bool(_TLD.match(labels[-1]))


def _valid_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class EmailValidator:
    """An e-mail address: ``local@domain.tld`` (or ``local@[ip]``), at most 254 characters."""

    message = "Enter a valid email address."
    code = "invalid"

    def __init__(
        self,
        message: str | None = None,
        code: str | None = None,
        allowlist: Sequence[str] = ("localhost",),
    ) -> None:
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.allowlist = [d.lower() for d in allowlist]

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str) or "@" not in value or len(value) > 254:
            raise ValidationError(self.message, code=self.code)
        user, _, domain = value.rpartition("@")
        if len(user) > 64 or not _LOCAL_PART.match(user):
            raise ValidationError(self.message, code=self.code)
        if domain.lower() in self.allowlist or _valid_hostname(domain):
            return
        if domain.startswith("[") and domain.endswith("]"):
            literal = domain[1:-1]
            literal = literal.removeprefix("IPv6:")
            if _valid_ip(literal):
                return
        raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, EmailValidator)
            and self.message == other.message
            and self.code == other.code
            and self.allowlist == other.allowlist
        )

    def __hash__(self) -> int:
        return hash((EmailValidator, self.message, self.code))


validate_email = EmailValidator()


class URLValidator:
    """An absolute URL with one of ``schemes`` and a valid host (name, IPv4, [IPv6])."""

    message = "Enter a valid URL."
    code = "invalid"
    schemes: Sequence[str] = ("http", "https", "ftp", "ftps")
    max_length = 2048

    def __init__(
        self,
        schemes: Sequence[str] | None = None,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        if schemes is not None:
            self.schemes = [s.lower() for s in schemes]
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str) or len(value) > self.max_length:
            raise ValidationError(self.message, code=self.code)
        if any(ch.isspace() for ch in value):
            raise ValidationError(self.message, code=self.code)
        try:
            parts = urlsplit(value)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ValidationError(self.message, code=self.code) from None
        if parts.scheme.lower() not in self.schemes or not host:
            raise ValidationError(self.message, code=self.code)
        if host == "localhost" or _valid_ip(host) or _valid_hostname(host):
            return
        raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, URLValidator)
            and list(self.schemes) == list(other.schemes)
            and self.message == other.message
        )

    def __hash__(self) -> int:
        return hash((URLValidator, tuple(self.schemes), self.message))


validate_url = URLValidator()


class BaseValidator:
    """Compares the value (or ``clean(value)``) with ``limit_value`` (a value or a callable)."""

    message = "Ensure this value is {limit_value} (it is {show_value})."
    code = "limit_value"

    def __init__(self, limit_value: Any, message: str | None = None) -> None:
        self.limit_value = limit_value
        if message is not None:
            self.message = message

    def __call__(self, value: Any) -> None:
        cleaned = self.clean(value)
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.compare(cleaned, limit):
            raise ValidationError(
                self.message.format(limit_value=limit, show_value=cleaned, value=value),
                code=self.code,
            )

    def compare(self, value: Any, limit: Any) -> bool:
        """True when the value is wrong."""
        return bool(value is not limit)

    def clean(self, value: Any) -> Any:
        """The quantity compared (the value itself, or its length)."""
        return value

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, BaseValidator)
            and self.limit_value == other.limit_value
            and self.message == other.message
        )

    def __hash__(self) -> int:
        return hash((type(self), repr(self.limit_value)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.limit_value!r})"


class MaxValueValidator(BaseValidator):
    """The value must be at most ``limit_value``."""

    message = "Ensure this value is less than or equal to {limit_value}."
    code = "max_value"

    def compare(self, value: Any, limit: Any) -> bool:
        return bool(value > limit)


class MinValueValidator(BaseValidator):
    """The value must be at least ``limit_value``."""

    message = "Ensure this value is greater than or equal to {limit_value}."
    code = "min_value"

    def compare(self, value: Any, limit: Any) -> bool:
        return bool(value < limit)


class MinLengthValidator(BaseValidator):
    """The value must have at least ``limit_value`` characters (or items)."""

    message = "Ensure this value has at least {limit_value} characters (it has {show_value})."
    code = "min_length"

    def compare(self, value: Any, limit: Any) -> bool:
        return bool(value < limit)

    def clean(self, value: Any) -> Any:
        return len(value)


class MaxLengthValidator(BaseValidator):
    """The value must have at most ``limit_value`` characters (or items)."""

    message = "Ensure this value has at most {limit_value} characters (it has {show_value})."
    code = "max_length"

    def compare(self, value: Any, limit: Any) -> bool:
        return bool(value > limit)

    def clean(self, value: Any) -> Any:
        return len(value)


class FileExtensionValidator:
    """The file name must end in one of ``allowed_extensions`` (case-insensitive)."""

    message = "File extension '{extension}' is not allowed. Allowed extensions are: {allowed}."
    code = "invalid_extension"

    def __init__(
        self,
        allowed_extensions: Sequence[str] | None = None,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        self.allowed_extensions = (
            None
            if allowed_extensions is None
            else [ext.lower().lstrip(".") for ext in allowed_extensions]
        )
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code

    def __call__(self, value: Any) -> None:
        if self.allowed_extensions is None:
            return
        name = str(getattr(value, "name", value))
        extension = PurePosixPath(name).suffix[1:].lower()
        if extension not in self.allowed_extensions:
            raise ValidationError(
                self.message.format(
                    extension=extension, allowed=", ".join(self.allowed_extensions)
                ),
                code=self.code,
            )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FileExtensionValidator)
            and self.allowed_extensions == other.allowed_extensions
            and self.message == other.message
        )

    def __hash__(self) -> int:
        return hash((FileExtensionValidator, tuple(self.allowed_extensions or ())))
