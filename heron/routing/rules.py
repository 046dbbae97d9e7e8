"""Parsing of route patterns such as ``/users/<int:user_id>`` into segments and a URL builder.

A rule is parsed once, at registration. Its segments feed the router's matcher and its
precomputed build parts make ``url_for`` a join of strings and ``to_url`` calls.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Hashable, Mapping
from typing import Any, Final
from urllib.parse import quote

from heron.routing.converters import Converter

# Characters RFC 3986 allows unescaped in a path segment, besides the unreserved ones.
SEGMENT_SAFE: Final = "!$&'()*+,;=:@"
PATH_SAFE: Final = SEGMENT_SAFE + "/"

_PARAM_RE: Final = re.compile(
    r"<(?:(?P<conv>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<args>.*?)\))?:)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)>"
)


class Param:
    """One converter slot of a rule: the argument name, its converter and a sharing key."""

    __slots__ = ("converter", "key", "name")

    def __init__(self, name: str, converter: Converter, key: Hashable) -> None:
        self.name = name
        self.converter = converter
        self.key = key  # equal keys mean "same converter, same arguments": matcher nodes are shared

    def __repr__(self) -> str:
        return f"Param({self.name!r}, {type(self.converter).__name__})"


Token = str | Param


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Name):  # bare words, as in <any(about, help):page>
        return node.id
    return ast.literal_eval(node)


def parse_converter_args(source: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse ``1, key='x'`` (the text inside ``<conv(...):name>``) into args and kwargs."""
    try:
        call = ast.parse(f"_({source})", mode="eval").body
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            raise ValueError
        args = tuple(_literal(arg) for arg in call.args if not isinstance(arg, ast.Starred))
        if len(args) != len(call.args) or any(kw.arg is None for kw in call.keywords):
            raise ValueError
        kwargs = {str(kw.arg): _literal(kw.value) for kw in call.keywords}
    except (SyntaxError, ValueError, TypeError):
        raise ValueError(f"invalid converter arguments ({source})") from None
    return args, kwargs


class Rule:
    """A parsed route pattern: its argument names, segments, static-ness and URL builder.

    ``converters`` maps converter names (``int``, ``path``...) to ``Converter`` classes.
    Malformed patterns and unknown converters raise ``ValueError`` naming the rule.
    """

    __slots__ = (
        "_build_parts",
        "arguments",
        "converters",
        "is_static",
        "pattern",
        "segments",
        "static_path",
    )

    def __init__(self, pattern: str, converters: Mapping[str, type[Converter]]) -> None:
        if not isinstance(pattern, str) or not pattern.startswith("/"):
            raise ValueError(f"Rule {pattern!r} must be a string starting with '/'")
        self.pattern = pattern
        tokens = self._tokenize(pattern, converters)
        self.converters: dict[str, Converter] = {
            tok.name: tok.converter for tok in tokens if isinstance(tok, Param)
        }
        self.arguments: tuple[str, ...] = tuple(self.converters)
        self.is_static = not self.arguments
        self.segments = self._split(tokens)
        self._build_parts: tuple[str | Param, ...] = tuple(
            quote(tok, safe=PATH_SAFE) if isinstance(tok, str) else tok for tok in tokens
        )
        self.static_path: str | None = (
            "".join(p for p in self._build_parts if isinstance(p, str)) if self.is_static else None
        )

    def _tokenize(self, pattern: str, converters: Mapping[str, type[Converter]]) -> list[Token]:
        tokens: list[Token] = []
        names: set[str] = set()
        pos = 0
        for m in _PARAM_RE.finditer(pattern):
            self._add_static(tokens, pattern[pos : m.start()])
            name, conv_name = m["name"], m["conv"] or "str"
            if name in names:
                raise ValueError(f"Rule {pattern!r}: parameter {name!r} appears twice")
            names.add(name)
            tokens.append(self._make_param(name, conv_name, m["args"], converters))
            pos = m.end()
        self._add_static(tokens, pattern[pos:])
        return tokens

    def _add_static(self, tokens: list[Token], text: str) -> None:
        if "<" in text or ">" in text:
            raise ValueError(
                f"Rule {self.pattern!r}: malformed parameter near {text!r} "
                "(expected <name>, <converter:name> or <converter(args):name>)"
            )
        if text:
            tokens.append(text)

    def _make_param(
        self,
        name: str,
        conv_name: str,
        arg_source: str | None,
        converters: Mapping[str, type[Converter]],
    ) -> Param:
        cls = converters.get(conv_name)
        if cls is None:
            known = ", ".join(sorted(converters))
            raise ValueError(
                f"Rule {self.pattern!r}: unknown converter {conv_name!r} (known: {known}); "
                "register custom converters before adding routes that use them"
            )
        args: tuple[Any, ...] = ()
        kwargs: dict[str, Any] = {}
        try:
            if arg_source is not None:
                args, kwargs = parse_converter_args(arg_source)
            converter = cls(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Rule {self.pattern!r}: converter {conv_name!r}: {exc}") from None
        key = (cls, repr(args), repr(sorted(kwargs.items())))
        return Param(name, converter, key)

    @staticmethod
    def _split(tokens: list[Token]) -> tuple[tuple[Token, ...], ...]:
        """Cut the token stream at each '/' into path segments (the leading '/' dropped)."""
        segments: list[list[Token]] = [[]]
        first = True
        for tok in tokens:
            if isinstance(tok, Param):
                segments[-1].append(tok)
                continue
            pieces = tok.split("/")
            if first:
                pieces = pieces[1:]  # the rule starts with "/"
            if pieces:
                if pieces[0]:
                    segments[-1].append(pieces[0])
                for piece in pieces[1:]:
                    segments.append([piece] if piece else [])
            first = False
        return tuple(tuple(seg) for seg in segments)

    def build(self, params: Mapping[str, Any]) -> str:
        """The quoted path for ``params`` (which must hold every argument).

        Raises ``KeyError`` for a missing argument and ``ValueError`` naming the
        parameter when a value cannot be written with its converter.
        """
        if self.static_path is not None:
            return self.static_path
        out: list[str] = []
        for part in self._build_parts:
            if isinstance(part, str):
                out.append(part)
                continue
            conv = part.converter
            value = params[part.name]
            try:
                text = conv.to_url(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"parameter {part.name!r}: {exc}") from None
            if not conv.accepts(text):
                raise ValueError(
                    f"parameter {part.name!r}: {text!r} does not match the "
                    f"{type(conv).__name__} pattern {conv.regex!r}"
                )
            out.append(quote(text, safe=PATH_SAFE if conv.slashes else SEGMENT_SAFE))
        return "".join(out)

    def __repr__(self) -> str:
        return f"Rule({self.pattern!r})"

    def __str__(self) -> str:
        return self.pattern


__all__ = ["PATH_SAFE", "SEGMENT_SAFE", "Param", "Rule", "Token", "parse_converter_args"]
