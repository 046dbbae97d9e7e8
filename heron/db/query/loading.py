"""Turning rows into model instances with as little Python per row as possible.

For each statement shape Heron generates (once) a small function that builds every
instance's ``__dict__`` as one dict display — ``{"id": r[0], "title": r[1], ...}`` — with
the fields' converters called only where a field has one, and the ``select_related``
objects built in the same pass. That is the work a hand-written loop over the driver's
rows would do, without a per-field Python call.

A converter with an ``Inline`` form (SQLite's date-times and decimals) is written into
the loop as that expression, which calls no Python function; should one raise on an
unusual value, the rows are loaded again by the plain loader, which calls the converters.

Where Heron's C row builder is built (``_rowbuild.c``, optional), rows of one model
without ``select_related`` objects are built by it instead: the same loop in C, with the
``Inline`` forms that have a ``native`` kind converted there and every other value given
to the field's converter. ``native_loaders(False)`` turns it off (tests compare the two).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from heron.db.fields.base import INLINE_ERRORS, Inline
from heron.db.fields.related import OneToOneField
from heron.db.query.gcpause import build_many
from heron.db.signals import announce_loaded, init_hooks

try:
    from heron.db.query import _rowbuild
except ImportError:  # installed without a C compiler: the generated loaders do all the work
    _rowbuild = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model

__all__ = ["LoadNode", "RowLoader", "ValueConversion", "ValuesLoader", "native_loaders"]

Row = Sequence[Any]
Converter = Callable[[Any], Any]
In = TypeVar("In")
Out = TypeVar("Out")
#: How one ``values()`` column is converted: the converter, and its inline form if any.
ValueConversion = tuple[Converter | None, Inline | None]

_native = {"on": _rowbuild is not None}


def native_loaders(on: bool) -> bool:
    """Use the C row builder (when built) for loaders made from now on; returns the
    previous setting. Loaders already made, cached with their statements, keep theirs."""
    previous = _native["on"]
    _native["on"] = on and _rowbuild is not None
    return previous


class LoadNode:
    """One model within a row: its fields at columns ``start…``, cached on its parent as
    ``cache`` (``select_related``), with its own related nodes. ``back`` is the cache on
    this node's instance that points back at its parent's (a reverse one-to-one; the
    loader finds that of a forward one-to-one itself)."""

    __slots__ = ("back", "cache", "children", "fields", "model", "start")

    def __init__(
        self,
        model: type[Model],
        fields: Sequence[Field],
        start: int,
        cache: str = "",
        back: str = "",
    ) -> None:
        self.model = model
        self.fields = list(fields)
        self.start = start
        self.cache = cache
        self.back = back
        self.children: list[LoadNode] = []

    def child(self, cache: str) -> LoadNode | None:
        """The related node cached as ``cache``, if any."""
        for node in self.children:
            if node.cache == cache:
                return node
        return None


class RowLoader:
    """Builds instances (with related objects and annotations) from rows of one statement."""

    __slots__ = (
        "_announcing",
        "_builder",
        "alias",
        "annotations",
        "load",
        "root",
        "vendor",
        "width",
    )

    def __init__(
        self,
        root: LoadNode,
        width: int,
        vendor: str,
        alias: str | None,
        annotations: Sequence[tuple[str, int, Converter | None]] = (),
    ) -> None:
        self.root = root
        self.width = width
        self.vendor = vendor
        self.alias = None if alias == "default" else alias
        self.annotations = annotations
        self._builder = _native_builder(root, vendor, self.alias, annotations)
        self.load: Callable[[Sequence[Row]], list[Any]] = (
            self._loader(single=False) if self._builder is None else self._builder.many
        )
        self._announcing: Callable[[Sequence[Row]], list[Any]] | None = None

    def __call__(self, rows: Sequence[Row]) -> list[Any]:
        # pre_init/post_init receivers: the loader that sends them (the C builder sends
        # them itself)
        if init_hooks and self._builder is None:
            if self._announcing is None:
                self._announcing = self._loader(single=False, announce=True)
            return build_many(self._announcing, rows)
        return build_many(self.load, rows)

    def one(self) -> Callable[[Row], Any]:
        """A function building the instance of a single row (no list around it): ``get()``;
        it sends ``pre_init``/``post_init`` when they have receivers."""
        if self._builder is not None:
            return self._builder.one
        return self._loader(single=True, announce=True)

    def _loader(self, single: bool, announce: bool = False) -> Callable[[Any], Any]:
        """The generated loader of many rows, or of one (``single``), with its fallback;
        ``announce``: one that sends the init signals while they have receivers."""
        plain = self._generate(inline=False, single=single, announce=announce)
        if not _has_inline(self.root, self.vendor):
            return plain
        return self._generate(inline=True, single=single, fallback=plain, announce=announce)

    def source(self, single: bool = False, inline: bool = False) -> str:
        """The generated loader's source text (what the tests compare)."""
        return "\n".join(self._write(inline, single).lines)

    def _generate(
        self,
        inline: bool,
        single: bool,
        fallback: Callable[[Any], Any] | None = None,
        announce: bool = False,
    ) -> Callable[[Any], Any]:
        """The loader, compiled; with a ``fallback`` its body runs in a ``try`` that hands
        the rows to ``fallback`` when an inline conversion meets an unusual value (in the
        loader itself: a wrapper would cost a call per load)."""
        writer = self._write(inline, single, announce)
        if fallback is not None:
            argument = "row" if single else "rows"
            head, *body = writer.lines
            writer.lines = [
                head,
                "    try:",
                *("    " + line for line in body),
                "    except inline_errors:",
                f"        return fallback({argument})",
            ]
            writer.namespace.update(inline_errors=INLINE_ERRORS, fallback=fallback)
        name = f"<heron loader for {self.root.model.__qualname__}>"
        exec(compile("\n".join(writer.lines), name, "exec"), writer.namespace)
        load: Callable[[Any], Any] = writer.namespace["load"]
        return load

    def _write(self, inline: bool, single: bool, announce: bool = False) -> _Writer:
        writer = _Writer(announce)
        columns = "".join(f"v{i}, " for i in range(self.width))
        if single:
            writer.emit(0, "def load(row):")
            writer.emit(1, f"{columns}= row")
            indent = 1
        else:
            writer.emit(0, "def load(rows):")
            writer.emit(1, "out = []")
            writer.emit(1, "append = out.append")
            # Unpacking each row into locals is cheaper than indexing it once per column.
            writer.emit(1, f"for {columns}in rows:")
            indent = 2
        var = _node(self.root, self.vendor, self.alias, writer, indent, inline, self.annotations)
        if single:
            writer.emit(1, f"return {var}")
        else:
            writer.emit(2, f"append({var})")
            writer.emit(1, "return out")
        return writer


def _native_builder(
    root: LoadNode,
    vendor: str,
    alias: str | None,
    annotations: Sequence[tuple[str, int, Converter | None]],
) -> _rowbuild.Builder | None:
    """The C builder of ``root``'s instances, when it is built and on and ``root`` has no
    related objects; otherwise None."""
    if not _native["on"] or root.children:
        return None
    columns = []
    for offset, field in enumerate(root.fields):
        conv = field.db_converter(vendor)
        inline = field.db_inline(vendor)
        native = inline.native if inline is not None else None
        if conv is None:
            kind, places = _rowbuild.PLAIN, 0
        elif native is not None:
            kind, places = getattr(_rowbuild, native[0]), native[1]
        else:
            kind, places = _rowbuild.CALL, 0
        columns.append((field.attname, root.start + offset, kind, conv, places))
    for name, index, conv in annotations:
        columns.append((name, index, _rowbuild.PLAIN if conv is None else _rowbuild.CALL, conv, 0))
    tail: tuple[tuple[str, Any], ...] = (("_persisted", True),)
    if alias is not None:
        tail += (("_db", alias),)
    return _rowbuild.Builder(root.model, tuple(columns), tail, init_hooks, announce_loaded)


class ValuesLoader:
    """Builds ``values()`` rows — dicts, tuples, named tuples or flat values — with one
    generated comprehension per kind (a dict display per row, conversions inline)."""

    __slots__ = ("_loads", "conversions", "names")

    def __init__(self, names: tuple[str, ...], conversions: Sequence[ValueConversion]) -> None:
        self.names = names
        self.conversions = list(conversions)
        self._loads: dict[str, Callable[[Sequence[Row]], list[Any]]] = {}

    def __call__(self, kind: str, rows: Sequence[Row]) -> list[Any]:
        """``rows`` as ``kind``: ``"dict"``, ``"flat"``, ``"named"`` or tuples otherwise."""
        load = self._loads.get(kind)
        if load is None:
            load = self._loads[kind] = self._make(kind)
        return build_many(load, rows)

    def _make(self, kind: str) -> Callable[[Sequence[Row]], list[Any]]:
        plain = _generate_values(kind, self.names, self.conversions, inline=False)
        if any(inline is not None for _, inline in self.conversions):
            fast = _generate_values(kind, self.names, self.conversions, inline=True)
            return _with_fallback(fast, plain)
        return plain


def _generate_values(
    kind: str, names: tuple[str, ...], conversions: Sequence[ValueConversion], inline: bool
) -> Callable[[Sequence[Row]], list[Any]]:
    writer = _Writer()
    values = [
        _value(i, conv, writer, True, fast if inline else None)
        for i, (conv, fast) in enumerate(conversions)
    ]
    if kind == "flat":
        item = values[0]
    elif kind == "dict":
        item = "{" + ", ".join(f"{n!r}: {v}" for n, v in zip(names, values, strict=True)) + "}"
    elif kind == "named":
        item = f"{writer.name('T', _row_type(names))}({', '.join(values)})"
    else:
        item = f"({', '.join(values)},)"
    unpack = "".join(f"v{i}, " for i in range(len(values)))
    writer.emit(0, "def load(rows):")
    writer.emit(1, f"return [{item} for {unpack}in rows]")
    code = compile("\n".join(writer.lines), f"<heron {kind} values loader>", "exec")
    exec(code, writer.namespace)
    load: Callable[[Sequence[Row]], list[Any]] = writer.namespace["load"]
    return load


_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def _row_type(names: tuple[str, ...]) -> Any:
    """The named tuple class of ``values_list(named=True)`` rows with these names."""
    row_type = _ROW_TYPES.get(names)
    if row_type is None:
        row_type = _ROW_TYPES[names] = namedtuple("Row", names)
    return row_type


class _Writer:
    """Collects generated source lines and the objects they refer to by name."""

    def __init__(self, announce: bool = False) -> None:
        self.announce = announce  # emit the init signals' call after each instance
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "new": object.__new__,
            "init_hooks": init_hooks,
            "announce": announce_loaded,
        }
        self.counter = 0

    def name(self, prefix: str, value: Any) -> str:
        self.counter += 1
        key = f"{prefix}{self.counter}"
        self.namespace[key] = value
        return key

    def variable(self) -> str:
        """A fresh name for the variable of an instance."""
        self.counter += 1
        return f"o{self.counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def _has_inline(node: LoadNode, vendor: str) -> bool:
    return any(f.db_inline(vendor) is not None for f in node.fields) or any(
        _has_inline(child, vendor) for child in node.children
    )


def _with_fallback(fast: Callable[[In], Out], plain: Callable[[In], Out]) -> Callable[[In], Out]:
    def load(rows: In) -> Out:
        try:
            return fast(rows)
        except INLINE_ERRORS:  # a value outside an inline expression's usual case
            return plain(rows)

    return load


def _value(
    index: int,
    conv: Converter | None,
    writer: _Writer,
    nullable: bool = True,
    inline: Inline | None = None,
) -> str:
    if inline is not None:
        names = {name: writer.name("i", obj) for name, obj in inline.names.items()}
        call = "(" + inline.source.format(value=f"v{index}", **names) + ")"
    elif conv is not None:
        call = f"{writer.name('c', conv)}(v{index})"
    else:
        return f"v{index}"
    if not nullable:  # a NOT NULL column: no None check per row
        return call
    return f"(None if v{index} is None else {call})"


def _node(
    node: LoadNode,
    vendor: str,
    alias: str | None,
    writer: _Writer,
    indent: int,
    inline: bool,
    extra: Sequence[tuple[str, int, Converter | None]] = (),
    parent: str = "",
    back: str = "",
) -> str:
    """Emit the statements building ``node``'s instance (``parent``: the variable of the
    instance it hangs off, cached on it as ``back``); return its variable name."""
    backs = [_back(node, child) for child in node.children]
    # An instance a one-to-one child points back at is created before that child.
    early = _create(node, writer, indent) if any(backs) else ""
    entries = [f"{back!r}: {parent}"] if back else []
    for child, child_back in zip(node.children, backs, strict=True):
        pk_attname = child.model._meta.pk.attname
        pk_index = child.start + [f.attname for f in child.fields].index(pk_attname)
        var = writer.variable()
        writer.emit(indent, f"if v{pk_index} is None:")
        writer.emit(indent + 1, f"{var} = None")
        writer.emit(indent, "else:")
        built = _node(
            child, vendor, alias, writer, indent + 1, inline, parent=early, back=child_back
        )
        writer.emit(indent + 1, f"{var} = {built}")
        entries.append(f"{child.cache!r}: {var}")
    for offset, field in enumerate(node.fields):
        conv = field.db_converter(vendor)
        fast = field.db_inline(vendor) if inline else None
        value = _value(node.start + offset, conv, writer, field.null, fast)
        entries.append(f"{field.attname!r}: {value}")
    for name, index, conv in extra:
        entries.append(f"{name!r}: {_value(index, conv, writer)}")
    entries.append("'_persisted': True")
    if alias is not None:
        entries.append(f"'_db': {alias!r}")
    var = early or _create(node, writer, indent)
    writer.emit(indent, f"{var}.__dict__ = {{{', '.join(entries)}}}")
    if writer.announce:
        writer.emit(indent, "if init_hooks:")  # pre_init/post_init receivers (rarely any)
        writer.emit(indent + 1, f"announce({var})")
    return var


def _back(parent: LoadNode, child: LoadNode) -> str:
    """The cache on ``child``'s instance pointing at ``parent``'s: the node's own ``back``
    (a reverse one-to-one), or for a forward one-to-one the reverse side's cache
    (``profile.author.profile`` without a query); none for a foreign key."""
    if child.back:
        return child.back
    field = parent.model._meta.fields_map.get(child.cache.removeprefix("_cache_"))
    if isinstance(field, OneToOneField) and not field.hidden:
        return field.reverse_cache_name
    return ""


def _create(node: LoadNode, writer: _Writer, indent: int) -> str:
    """Emit the creation of ``node``'s (still empty) instance; return its variable name."""
    model = writer.name("M", node.model)
    var = writer.variable()
    writer.emit(indent, f"{var} = new({model})")
    return var
