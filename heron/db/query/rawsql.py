"""``RawSQL``: a fragment of the user's own SQL used as an expression, with its values bound.

``RawSQL("SELECT COUNT(*) FROM blog_comment WHERE post_id = blog_post.id AND score > %s",
(3,))`` in ``annotate()``, ``filter()``, ``order_by()``, as Django's. The text is SQL the
user wrote (never build it from input); the values are bound parameters, one per ``%s``
(``%%`` is a literal ``%``). The text is part of the statement-cache shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.compiler import compiles

from heron.db.query.expressions import Value
from heron.db.query.functions import Func
from heron.db.query.sqltext import SQL, fill

__all__ = ["RawSQL"]


class RawSQL(Func):
    """SQL text with ``%s`` placeholders for ``params``; ``output_field`` says how its value
    is read (as the driver gives it when omitted)."""

    __slots__ = ("pieces",)

    def __init__(self, sql: str, params: Sequence[Any] = (), output_field: Any = None) -> None:
        if not isinstance(sql, str) or not sql.strip():
            raise TypeError("RawSQL() takes SQL text.")
        if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
            raise TypeError(f"RawSQL() takes its values as a list or tuple, not {params!r}.")
        pieces = [piece.replace("\0", "%") for piece in sql.replace("%%", "\0").split("%s")]
        if len(pieces) - 1 != len(params):
            raise ValueError(
                f"RawSQL() has {len(pieces) - 1} %s placeholder(s) for {len(params)} value(s)."
            )
        super().__init__(*(Value(p) for p in params), output_field=output_field)
        self.pieces = tuple(pieces)

    def structure(self) -> tuple[Any, ...]:
        return self.pieces

    def sql(self, args: list[Any], vendor: str) -> Any:
        return _RawText(self.pieces, args, self.output_field)

    def __repr__(self) -> str:
        params = tuple(v.value for v in self.source_expressions)
        return f"RawSQL({'%s'.join(self.pieces)!r}, {params!r})"


class _RawText(SQL):
    """The text around the bound values; a literal ``%`` written as the driver needs it
    (``%%`` where its placeholders are ``%s``)."""

    inherit_cache = False

    def __init__(self, pieces: Sequence[str], args: list[Any], output_field: Any) -> None:
        type_ = output_field.sa_type() if output_field is not None else None
        super().__init__("", *args, type_=type_)
        self.pieces = pieces


@compiles(_RawText)
def _compile_raw(element: _RawText, compiler: Any, **kw: Any) -> str:
    percent = "%%" if compiler.dialect.paramstyle in ("format", "pyformat") else "%"
    pieces = [p.replace("{", "{{").replace("}", "}}").replace("%", percent) for p in element.pieces]
    return fill("(" + "{}".join(pieces) + ")", element.parts, compiler, **kw)  # a subquery too
