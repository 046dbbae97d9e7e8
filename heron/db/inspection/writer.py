"""Model source for reflected tables: one class per table, unmanaged, as Django's
``inspectdb`` writes them, for the user to read over and adjust."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import sqlalchemy as sa

from heron.db.inspection.columns import FieldSource, attribute_name, field_type

__all__ = ["class_name", "inspect_database"]

#: Heron's own bookkeeping, never a model.
SKIPPED = frozenset({"heron_migrations"})
HEADER = '''"""Models inspected from the database by `heron inspectdb`.

Read each over before use: the field types are the closest Heron has to the columns', the
tables stay unmanaged (migrations leave them alone) until you remove `managed = False`, and
lines marked with a comment need a decision.
"""

from heron.db import {imports}

'''


def class_name(table: str) -> str:
    """``blog_post_tags`` → ``BlogPostTags``."""
    words = [w for w in re.split(r"[^0-9a-zA-Z]+", table) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Table"
    return name if name[0].isalpha() else f"T{name}"


def inspect_database(
    engine: sa.Engine, tables: list[str] | None = None, label: str | None = None
) -> str:
    """The source of a models module for ``tables`` (all but Heron's own when ``None``)."""
    inspector = sa.inspect(engine)
    known = [t for t in inspector.get_table_names() if t not in SKIPPED]
    if tables:
        missing = sorted(set(tables) - set(known))
        if missing:
            raise LookupError(f"No table named {', '.join(missing)} in the database.")
        known = [t for t in known if t in tables]
    names = {table: class_name(table) for table in known}
    bodies = [_model(inspector, table, names, label) for table in sorted(known)]
    imports = ["Model", "fields"]
    text = "\n\n".join(bodies)
    imports += [name for name in ("Index", "UniqueConstraint") if f"{name}(" in text]
    return HEADER.format(imports=", ".join(sorted(imports, key=str.lower))) + "\n" + text


class _Table:
    """What reflection says about one table, for writing its fields."""

    def __init__(self, inspector: Any, table: str, names: dict[str, str]) -> None:
        self.table = table
        self.names = names
        self.vendor = inspector.dialect.name
        self.columns = inspector.get_columns(table)
        self.primary: list[str] = (
            inspector.get_pk_constraint(table).get("constrained_columns") or []
        )
        self.foreign = {
            fk["constrained_columns"][0]: fk
            for fk in inspector.get_foreign_keys(table)
            if len(fk["constrained_columns"]) == 1
        }
        uniques = [u["column_names"] for u in inspector.get_unique_constraints(table)]
        uniques += [c for c in _sqlite_column_uniques(inspector, table) if c not in uniques]
        self.indexes = inspector.get_indexes(table)
        self.uniques = uniques
        self.unique = {c[0] for c in uniques if len(c) == 1} | {
            i["column_names"][0]
            for i in self.indexes
            if i["unique"] and len(i["column_names"]) == 1
        }
        self.indexed = {i["column_names"][0] for i in self.indexes if len(i["column_names"]) == 1}
        self.targets = Counter(fk["referred_table"] for fk in self.foreign.values())
        self.taken: set[str] = set()

    def auto_key(self, column: dict[str, Any]) -> bool:
        """A key the database numbers: auto-increment, serial, identity, SQLite's rowid."""
        if column.get("autoincrement") is True:
            return True
        rowid = self.vendor == "sqlite" and type(column["type"]) is sa.INTEGER
        return rowid and len(self.primary) == 1


def _model(inspector: Any, table: str, names: dict[str, str], label: str | None) -> str:
    info = _Table(inspector, table, names)
    attributes: dict[str, str] = {}
    lines = []
    for column in info.columns:
        source = _field(info, column)
        attributes[column["name"]] = source.name
        if source.kind == "BigAutoField" and source.name == "id" and not source.notes:
            continue  # the primary key Heron adds by itself
        lines.append(source.line())
    if not info.primary:
        lines.insert(0, "    # No primary key: mark a unique column primary_key=True.")
    meta = _meta(table, label, info.uniques, info.indexes, attributes)
    return f"class {names[table]}(Model):\n" + "\n".join([*lines, *meta]) + "\n"


def _field(info: _Table, column: dict[str, Any]) -> FieldSource:
    raw = column["name"]
    fk = info.foreign.get(raw)
    if fk is not None:
        source = _relation(info, raw, fk)
    else:
        name = attribute_name(raw, info.taken)
        kind, options, notes = field_type(column["type"])
        source = FieldSource(name, kind, [], options, list(notes))
        if name != raw:
            source.options["db_column"] = raw
        integer = kind in ("Integer", "BigInteger", "SmallInteger")
        if raw in info.primary and integer and info.auto_key(column):
            source.kind = "BigAutoField" if kind == "BigInteger" else "AutoField"
    info.taken.add(source.name)
    _options(source, column, info, is_fk=fk is not None)
    return source


def _relation(info: _Table, raw: str, fk: dict[str, Any]) -> FieldSource:
    """A foreign key (a one-to-one on a unique column), named without its ``_id``."""
    base = raw[:-3] if raw.lower().endswith("_id") and len(raw) > 3 else raw
    name = attribute_name(base, info.taken)
    target = fk["referred_table"]
    reference = "self" if target == info.table else info.names.get(target, class_name(target))
    unique = raw in info.unique and raw not in info.primary
    kind = "OneToOneField" if unique else "ForeignKey"
    source = FieldSource(name, kind, [repr(reference)], {"on_delete": _Code("fields.DO_NOTHING")})
    if f"{name}_id" != raw:
        source.options["db_column"] = raw
    if info.targets[target] > 1:  # two keys to one table: their reverse names would clash
        source.options["related_name"] = f"{info.table}_{name}_set"
    if target not in info.names:
        source.notes.append(f"the table {target} is not among those inspected")
    referred = fk["referred_columns"]
    if referred and referred[0] != "id":
        source.notes.append(f"it points at {target}.{referred[0]}, which may not be its key")
    return source


def _sqlite_column_uniques(inspector: Any, table: str) -> list[list[str]]:
    """Unique constraints SQLite keeps as automatic indexes (``email TEXT UNIQUE``), which
    its reflection leaves out."""
    if inspector.dialect.name != "sqlite":
        return []
    quoted = inspector.dialect.identifier_preparer.quote(table)
    found = []
    with inspector.bind.connect() as conn:
        for row in conn.exec_driver_sql(f"PRAGMA index_list({quoted})").mappings():
            if row["origin"] == "u":
                index = inspector.dialect.identifier_preparer.quote(row["name"])
                info = conn.exec_driver_sql(f"PRAGMA index_info({index})").mappings()
                found.append([item["name"] for item in info])
    return found


def _options(source: FieldSource, column: dict[str, Any], info: _Table, is_fk: bool) -> None:
    """The key, uniqueness, index, null and comment options of ``source``'s column."""
    raw = column["name"]
    if raw in info.primary:
        source.options["primary_key"] = True
        if len(info.primary) > 1:
            key = ", ".join(info.primary)
            source.notes.append(f"the key is ({key}): Heron needs one key column")
    elif raw in info.unique and source.kind != "OneToOneField":
        source.options["unique"] = True
    elif raw in info.indexed and not is_fk:
        source.options["db_index"] = True
    if column.get("nullable") and raw not in info.primary:
        source.options["null"] = True
        source.options["blank"] = True
    if column.get("comment"):
        source.options["db_comment"] = column["comment"]


def _meta(
    table: str,
    label: str | None,
    uniques: list[list[str]],
    indexes: list[dict[str, Any]],
    attributes: dict[str, str],
) -> list[str]:
    lines = ["", "    class Meta:"]
    if label:
        lines.append(f"        label = {label!r}")
    lines += [f"        table = {table!r}", "        managed = False"]
    together = [c for c in uniques if len(c) > 1]
    together += [
        i["column_names"]
        for i in indexes
        if i["unique"] and len(i["column_names"]) > 1 and i["column_names"] not in together
    ]
    if together:
        lines.append("        constraints = [")
        for number, group in enumerate(together, 1):
            fields = [attributes.get(c, c) for c in group]
            name = f"{table}_unique_{number}"
            lines.append(f"            UniqueConstraint(fields={fields!r}, name={name!r}),")
        lines.append("        ]")
    several = [
        i
        for i in indexes
        if not i["unique"] and len(i["column_names"]) > 1 and all(c for c in i["column_names"])
    ]
    if several:
        lines.append("        indexes = [")
        for index in several:
            fields = [attributes.get(c, c) for c in index["column_names"]]
            lines.append(f"            Index(fields={fields!r}, name={index['name']!r}),")
        lines.append("        ]")
    return lines


class _Code(str):
    """Source text written as it is (``repr`` gives the text itself)."""

    def __repr__(self) -> str:
        return str(self)
