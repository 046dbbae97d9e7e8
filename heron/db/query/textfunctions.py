"""More text functions: ``Reverse``, ``Repeat``, ``LPad``/``RPad``, ``MD5`` and ``SHA1`` …
``SHA512`` (lower-case hex of the UTF-8 text), ``Chr`` and ``Ord`` (Unicode code points).

As in Django, a string argument names a field: wrap text in ``Value()``. On SQLite the
functions it lacks are Python ones named ``heron_*`` (``heron.db.backends.sqlite_functions``).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from heron.db.fields.scalars import Integer
from heron.db.query.expressions import Value
from heron.db.query.functions import Func, bound_as

__all__ = [
    "MD5",
    "SHA1",
    "SHA224",
    "SHA256",
    "SHA384",
    "SHA512",
    "Chr",
    "Collate",
    "LPad",
    "Ord",
    "RPad",
    "Repeat",
    "Reverse",
]

_TEXT = sa.Text()
_STRING = sa.String()
_INT = sa.Integer()


def _texts(args: list[Any], vendor: str, ints: tuple[int, ...] = ()) -> list[Any]:
    """The arguments, their bare parameters typed on PostgreSQL (those at ``ints`` as ints)."""
    return [bound_as(arg, _INT if i in ints else _TEXT, vendor) for i, arg in enumerate(args)]


def _mysql_utf32(value: Any) -> Any:
    """``CONVERT(value USING utf32)``: MariaDB's ORD()/CHAR() of it work on code points."""
    return sa.func.convert(value.op("USING")(sa.literal_column("utf32")))


class _Text(Func):
    """A text function, ``heron_<name>`` on SQLite; ``ints``: its integer arguments."""

    ints: tuple[int, ...] = ()

    def sql(self, args: list[Any], vendor: str) -> Any:
        name = f"heron_{self.function}" if vendor == "sqlite" else self.function
        return getattr(sa.func, name)(*_texts(args, vendor, self.ints), type_=_STRING)


class Reverse(_Text):
    """The text backwards."""

    function = "reverse"
    arity = 1


class Repeat(_Text):
    """The text ``number`` times over (empty for a negative number)."""

    function = "repeat"
    arity = 2
    ints = (1,)


class LPad(_Text):
    """The text filled on the left with ``fill_text`` up to ``length`` characters, or cut
    to ``length`` when longer."""

    function = "lpad"
    arity = 3
    ints = (1,)

    def __init__(self, expression: Any, length: Any, fill_text: Any = None) -> None:
        super().__init__(expression, length, Value(" ") if fill_text is None else fill_text)


class RPad(LPad):
    """The text filled on the right (as ``LPad``)."""

    function = "rpad"


class _Digest(Func):
    """The hex digest of the text's UTF-8 bytes."""

    arity = 1
    # MariaDB's function and its second argument (SHA2's bits); PostgreSQL's function.
    mysql: tuple[str, int | None] = ("", None)
    postgresql = ""

    def sql(self, args: list[Any], vendor: str) -> Any:
        text = bound_as(args[0], _TEXT, vendor)
        name = self.function
        if vendor == "sqlite":
            algorithm: Any = sa.literal_column(f"'{name}'")
            return sa.func.heron_digest(algorithm, text, type_=_STRING)
        if vendor == "mysql":
            function, bits = self.mysql
            extra: tuple[Any, ...] = () if bits is None else (sa.literal_column(str(bits)),)
            return getattr(sa.func, function)(text, *extra, type_=_STRING)
        if name == "md5":
            return sa.func.md5(text, type_=_STRING)
        data = sa.func.convert_to(text, sa.literal_column("'UTF8'"))
        if name == "sha1":  # pgcrypto's digest()
            digest = sa.func.digest(data, sa.literal_column("'sha1'"))
        else:
            digest = getattr(sa.func, name)(data)
        return sa.func.encode(digest, sa.literal_column("'hex'"), type_=_STRING)


class MD5(_Digest):
    """The MD5 hex digest."""

    function = "md5"
    mysql = ("md5", None)


class SHA1(_Digest):
    """The SHA-1 hex digest (PostgreSQL needs the ``pgcrypto`` extension)."""

    function = "sha1"
    mysql = ("sha1", None)


class SHA224(_Digest):
    """The SHA-224 hex digest."""

    function = "sha224"
    mysql = ("sha2", 224)


class SHA256(_Digest):
    """The SHA-256 hex digest."""

    function = "sha256"
    mysql = ("sha2", 256)


class SHA384(_Digest):
    """The SHA-384 hex digest."""

    function = "sha384"
    mysql = ("sha2", 384)


class SHA512(_Digest):
    """The SHA-512 hex digest."""

    function = "sha512"
    mysql = ("sha2", 512)


class Chr(Func):
    """The character of a Unicode code point."""

    arity = 1

    def sql(self, args: list[Any], vendor: str) -> Any:
        code = bound_as(args[0], _INT, vendor)
        if vendor == "mysql":
            char = sa.func.char(code.op("USING")(sa.literal_column("utf32")))
            return sa.func.convert(char.op("USING")(sa.literal_column("utf8mb4")), type_=_STRING)
        return (sa.func.chr if vendor == "postgresql" else sa.func.char)(code, type_=_STRING)


class Ord(Func):
    """The Unicode code point of the text's first character (0 for empty text)."""

    arity = 1
    default_output_field = Integer()

    def sql(self, args: list[Any], vendor: str) -> Any:
        text = bound_as(args[0], _TEXT, vendor)
        if vendor == "mysql":
            return sa.func.ord(_mysql_utf32(text), type_=_INT)
        if vendor == "postgresql":
            return sa.func.ascii(text, type_=_INT)
        empty = sa.func.length(text) * sa.literal_column("0")  # unicode('') is NULL: 0 here
        return sa.func.coalesce(sa.func.unicode(text), empty, type_=_INT)


_COLLATION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]*")


class Collate(Func):
    """``expression COLLATE collation``: compare, sort or group text by another collation
    (``order_by(Collate("name", "und-x-icu"))``). The collation's name is written into the
    SQL, so it must be a plain name (letters, digits, ``_ . @ -``)."""

    __slots__ = ("collation",)
    arity = 1
    typed_as_arguments = True

    def __init__(self, expression: Any, collation: str) -> None:
        if not isinstance(collation, str) or not _COLLATION.fullmatch(collation):
            raise ValueError(f"Collate() takes a collation name, not {collation!r}.")
        super().__init__(expression)
        self.collation = collation

    def structure(self) -> tuple[Any, ...]:
        return (self.collation,)

    def sql(self, args: list[Any], vendor: str) -> Any:
        return sa.collate(bound_as(args[0], _TEXT, vendor), self.collation)

    def __repr__(self) -> str:
        return f"Collate({self.source_expressions[0]!r}, {self.collation!r})"
