"""Everyday schema changes, end to end on every backend: makemigrations finds each with the
right operations, the file applies, the rows stay, a second makemigrations finds nothing,
``sqlmigrate`` shows both directions, and unapplying restores the schema and the rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from heron.db.migrations import (
    DefaultQuestion,
    MigrationFile,
    load_graph,
    make_migrations,
    migrate,
    sql_migrate,
)

from .conftest import Project, Target

Snapshot = dict[str, Any]


def snapshot(db: Target, label: str) -> Snapshot:
    """The label's tables: columns (type, nullability), indexes, unique constraints and
    foreign keys (columns, target, ON DELETE)."""
    inspector = sa.inspect(db.engine)
    found: Snapshot = {}
    for table in sorted(t for t in db.tables() if t.startswith(f"{label}_")):
        columns = {c["name"]: (str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)}
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
        )
        uniques = sorted(
            (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
        )
        keys = sorted(
            (tuple(k["constrained_columns"]), k["referred_table"], k["options"].get("ondelete"))
            for k in inspector.get_foreign_keys(table)
        )
        found[table] = (columns, indexes, uniques, keys)
    return found


def contents(db: Target, label: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the label's tables."""
    tables = sorted(t for t in db.tables() if t.startswith(f"{label}_"))
    return {t: db.rows(f"SELECT * FROM {t} ORDER BY 1") for t in tables}


@dataclass
class Step:
    """A version of a label's models (``LBL`` stands for the label), the operations its
    migration makes (empty: no migration) and the rows inserted once it is applied."""

    models: str
    operations: Sequence[str] = ()
    rows: Sequence[str] = ()
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Applied:
    """A label's migrations and, after each step, its latest one, schema and rows."""

    label: str
    files: list[MigrationFile] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    schemas: list[Snapshot] = field(default_factory=list)
    data: list[dict[str, list[tuple[Any, ...]]]] = field(default_factory=list)


def evolve(db: Target, project: Project, stem: str, steps: Sequence[Step]) -> Applied:
    """Make and apply a migration per step, checking each as it goes."""
    label = project.new_label(stem)
    applied = Applied(label)
    for step in steps:
        project.models(label, step.models.replace("LBL", label))

        def answer(question: DefaultQuestion, step: Step = step) -> Any:
            return step.answers[question.column]

        files = make_migrations([label], rename=True, ask_default=answer)
        if applied.names:  # the first step creates the tables
            operations = files[0].operations if files else ()
            expected = [o.replace("LBL", label) for o in step.operations]
            assert sorted(operations) == sorted(expected)  # MySQL checks their order
        load_graph()
        migrate(label, using=db.engine)
        assert db.diff(label) == []
        assert make_migrations([label], dry_run=True) == []  # nothing spurious left
        for file in files:
            assert sql_migrate(label, file.name, using=db.engine)
            assert sql_migrate(label, file.name, using=db.engine, backwards=True)
        for sql in step.rows:
            db.execute(sql.replace("LBL", label))
        applied.files += files
        applied.names.append(files[0].name if files else applied.names[-1])
        applied.schemas.append(snapshot(db, label))
        applied.data.append(contents(db, label))
    return applied


def roll_back(db: Target, applied: Applied, *, rows: bool = True) -> None:
    """Unapply the migrations one by one, checking that each restores the schema (and the
    rows) as they were; then to zero and forward again."""
    label = applied.label
    for index in reversed(range(len(applied.names) - 1)):
        migrate(label, applied.names[index], using=db.engine)
        assert snapshot(db, label) == applied.schemas[index]
        if rows:
            assert contents(db, label) == applied.data[index]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
    migrate(label, using=db.engine)
    assert snapshot(db, label) == applied.schemas[-1]


def item(*lines: str, meta: Sequence[str] = (), head: str = "") -> str:
    """Models source: ``head``, then ``Item`` with field ``lines`` and ``Meta`` ``meta``."""
    body = "".join(f"    {line}\n" for line in lines) or "    pass\n"
    if meta:
        body += "\n    class Meta:\n" + "".join(f"        {m}\n" for m in meta)
    return f"{head}\nclass Item(Model):\n{body}"


AUTHOR = "class Author(Model):\n    name = fields.String(max_length=20)\n"
EDITOR = "class Editor(Model):\n    name = fields.String(max_length=20)\n"
CODE = "class Code(Model):\n    id = fields.String(max_length=10, primary_key=True)\n"
HEAD = f"from heron.db import Index\n\n{AUTHOR}\n{EDITOR}\n{CODE}"
FK = "author = fields.ForeignKey(Author, on_delete=fields.{}{})"
ROWS = (
    "INSERT INTO LBL_author (name) VALUES ('ann')",
    "INSERT INTO LBL_editor (name) VALUES ('ed')",
)
ALTER = "Alter column LBL_item.{}"
ITEM_IX = "Create index ix_LBL_item_{0} on LBL_item"
DROP_IX = "Drop index ix_LBL_item_{0} on LBL_item"
DROP_FK = "Drop constraint fk_LBL_item_author_id_LBL_{0} on LBL_item"
ADD_FK = "Add foreign key fk_LBL_item_author_id_LBL_{0} on LBL_item"


def fk_step(*lines: str, ops: Sequence[str] = (), answers: dict[str, Any] | None = None) -> Step:
    return Step(item(*lines, head=HEAD), ops, answers=answers or {})


SET_NULL = FK.format("SET_NULL", ", null=True")
CASCADE = FK.format("CASCADE", "")
FILL = "Set LBL_item.author_id to 1 where it is NULL"
PAIR = ("a = fields.Integer()", "b = fields.Integer()")
INDEX = "indexes = [Index(fields={}, name={!r})]"
UNIQUE = "Add unique constraint uq_LBL_item_{0} on LBL_item"
DROP_UNIQUE = "Drop constraint uq_LBL_item_{0} on LBL_item"
TOGETHER = "Add unique constraint LBL_item_{0}_uniq on LBL_item"
DROP_TOGETHER = "Drop constraint LBL_item_{0}_uniq on LBL_item"

CASES: dict[str, list[Step]] = {
    "foreign key: on_delete, nullability, target": [
        Step(item(CASCADE, head=HEAD), rows=(*ROWS, "INSERT INTO LBL_item (author_id) VALUES (1)")),
        fk_step(
            SET_NULL,
            ops=(
                DROP_FK.format("author"),
                f"{ALTER.format('author_id')} (nullability)",
                ADD_FK.format("author"),
            ),
        ),
        fk_step(
            CASCADE,
            ops=(
                FILL,
                DROP_FK.format("author"),
                f"{ALTER.format('author_id')} (nullability)",
                ADD_FK.format("author"),
            ),
            answers={"author_id": 1},
        ),
        fk_step(
            "author = fields.ForeignKey(Editor, on_delete=fields.CASCADE)",
            ops=(DROP_FK.format("author"), ADD_FK.format("editor")),
        ),
    ],
    "foreign key added to a table with rows": [
        Step(
            item("title = fields.String(max_length=5)", head=HEAD),
            rows=(*ROWS, "INSERT INTO LBL_item (title) VALUES ('x')"),
        ),
        fk_step(
            "title = fields.String(max_length=5)",
            CASCADE,
            ops=(
                "Add column LBL_item.author_id (rows already there get '1')",
                ITEM_IX.format("author_id"),
                ADD_FK.format("author"),
            ),
            answers={"author_id": 1},
        ),
    ],
    "foreign key to one-to-one and back": [
        Step(item(CASCADE, head=HEAD), rows=(*ROWS, "INSERT INTO LBL_item (author_id) VALUES (1)")),
        fk_step(
            "author = fields.OneToOneField(Author, on_delete=fields.CASCADE)",
            ops=(UNIQUE.format("author_id"), DROP_IX.format("author_id")),
        ),
        fk_step(CASCADE, ops=(ITEM_IX.format("author_id"), DROP_UNIQUE.format("author_id"))),
    ],
    "foreign key to a model with a text key": [
        Step(
            item(
                "author = fields.ForeignKey(Author, on_delete=fields.CASCADE, null=True)", head=HEAD
            ),
            rows=(*ROWS, "INSERT INTO LBL_item (author_id) VALUES (NULL)"),
        ),
        fk_step(
            "author = fields.ForeignKey(Code, on_delete=fields.CASCADE, null=True)",
            ops=(
                DROP_FK.format("author"),
                f"{ALTER.format('author_id')} (type)",
                ADD_FK.format("code"),
            ),
        ),
    ],
    "unique_together": [
        Step(
            item(*PAIR, "c = fields.Integer()"),
            rows=("INSERT INTO LBL_item (a, b, c) VALUES (1, 2, 3)",),
        ),
        Step(
            item(*PAIR, "c = fields.Integer()", meta=["unique_together = [('a', 'b')]"]),
            (TOGETHER.format("a_b"),),
        ),
        Step(
            item(*PAIR, "c = fields.Integer()", meta=["unique_together = [('a', 'b', 'c')]"]),
            (TOGETHER.format("a_b_c"), DROP_TOGETHER.format("a_b")),
        ),
        Step(item(*PAIR, "c = fields.Integer()"), (DROP_TOGETHER.format("a_b_c"),)),
    ],
    "Meta.indexes renamed, extended, removed": [
        Step(
            item(*PAIR, meta=[INDEX.format(["a"], "LBL_one")], head=HEAD),
            rows=("INSERT INTO LBL_item (a, b) VALUES (1, 2)",),
        ),
        Step(
            item(*PAIR, meta=[INDEX.format(["a"], "LBL_two")], head=HEAD),
            ("Create index LBL_two on LBL_item", "Drop index LBL_one on LBL_item"),
        ),
        Step(
            item(*PAIR, meta=[INDEX.format(["a", "b"], "LBL_two")], head=HEAD),
            ("Drop index LBL_two on LBL_item", "Create index LBL_two on LBL_item"),
        ),
        Step(item(*PAIR, head=HEAD), ("Drop index LBL_two on LBL_item",)),
    ],
    "db_index and unique toggles": [
        Step(
            item("a = fields.String(max_length=10)"),
            rows=("INSERT INTO LBL_item (a) VALUES ('x')",),
        ),
        Step(item("a = fields.String(max_length=10, db_index=True)"), (ITEM_IX.format("a"),)),
        Step(
            item("a = fields.String(max_length=10, unique=True)"),
            (UNIQUE.format("a"), DROP_IX.format("a")),
        ),
        Step(item("a = fields.String(max_length=10, unique=True, db_index=True)")),
        Step(item("a = fields.String(max_length=10)"), (DROP_UNIQUE.format("a"),)),
    ],
    "max_length, default and choices": [
        Step(
            item("a = fields.String(max_length=10, default='x')", "b = fields.Integer(default=1)"),
            rows=("INSERT INTO LBL_item (a, b) VALUES ('abcdefghij', 5)",),
        ),
        Step(
            item("a = fields.String(max_length=50, default='x')", "b = fields.Integer(default=1)"),
            (f"{ALTER.format('a')} (type)",),
        ),
        Step(
            item(
                "a = fields.String(max_length=50, default='y', choices=[('y', 'Y')])",
                "b = fields.Integer(default=2, choices=[(2, 'two')])",
            )
        ),
        Step(
            item("a = fields.String(max_length=20, default='y')", "b = fields.Integer(default=2)"),
            (f"{ALTER.format('a')} (type)",),
        ),
    ],
    "field types": [
        Step(
            item(
                "a = fields.Integer()",
                "b = fields.String(max_length=10)",
                "c = fields.Decimal(max_digits=5, decimal_places=2)",
            ),
            rows=("INSERT INTO LBL_item (a, b, c) VALUES (1, 'x', 1.25)",),
        ),
        Step(
            item(
                "a = fields.BigInteger()",
                "b = fields.Text()",
                "c = fields.Decimal(max_digits=10, decimal_places=4)",
            ),
            tuple(f"{ALTER.format(c)} (type)" for c in "abc"),
        ),
    ],
    "renamed fields: foreign key, indexed, unique, unique_together": [
        Step(
            item(
                CASCADE,
                "code = fields.String(max_length=9, db_index=True)",
                "slug = fields.String(max_length=9, unique=True)",
                *PAIR,
                meta=["unique_together = [('a', 'b')]"],
                head=HEAD,
            ),
            rows=(
                *ROWS,
                "INSERT INTO LBL_item (author_id, code, slug, a, b) VALUES (1, 'c', 's', 1, 2)",
            ),
        ),
        Step(
            item(
                CASCADE.replace("author", "writer"),
                "ref = fields.String(max_length=9, db_index=True)",
                "handle = fields.String(max_length=9, unique=True)",
                "x = fields.Integer()",
                "b = fields.Integer()",
                meta=["unique_together = [('x', 'b')]"],
                head=HEAD,
            ),
            (
                "Rename column LBL_item.slug to handle",
                "Rename column LBL_item.a to x",
                "Rename column LBL_item.code to ref",
                "Rename column LBL_item.author_id to writer_id",
                TOGETHER.format("x_b"),
                ITEM_IX.format("ref"),
                ITEM_IX.format("writer_id"),
                UNIQUE.format("handle"),
                DROP_TOGETHER.format("a_b"),
                DROP_IX.format("author_id"),
                DROP_IX.format("code"),
                DROP_UNIQUE.format("slug"),
            ),
        ),
    ],
}


TAG = "class Tag(Model):\n    name = fields.String(max_length=20)\n"
LINKED = (
    "INSERT INTO LBL_tag (name) VALUES ('t')",
    "INSERT INTO LBL_item (id) VALUES (1)",
    "INSERT INTO LBL_item_tags (item_id, tag_id) VALUES (1, 1)",
)
THROUGH = """
class Link(Model):
    item = fields.ForeignKey(Item, on_delete=fields.CASCADE)
    tag = fields.ForeignKey(Tag, on_delete=fields.CASCADE)

    class Meta:
        table = "LBL_item_tags"
        unique_together = [("item", "tag")]
"""
CASES["auto many-to-many to an explicit through model on its table"] = [
    Step(item("tags = fields.ManyToManyField(Tag)", head=TAG), rows=LINKED),
    Step(item("tags = fields.ManyToManyField(Tag, through='Link')", head=TAG) + THROUGH),
]


@pytest.mark.parametrize("case", list(CASES))
def test_schema_change(db: Target, project: Project, case: str) -> None:
    applied = evolve(db, project, "chg", CASES[case])
    roll_back(db, applied)


MODELS = """
class Tag(Model):
    name = fields.String(max_length=20)
    posts = fields.ManyToManyField("Post", related_name="tagged")

class Post(Model):
    title = fields.String(max_length=20, unique=True)
    tags = fields.ManyToManyField(Tag)
    related = fields.ManyToManyField("self")

class Comment(Model):
    post = fields.ForeignKey(Post, on_delete=fields.CASCADE)
"""
RENAMED = (
    MODELS.replace("class Post(", "class Article(")
    .replace("(Post,", "(Article,")
    .replace('"Post"', '"Article"')
)
POSTS = (
    "INSERT INTO LBL_tag (name) VALUES ('t')",
    "INSERT INTO LBL_post (title) VALUES ('p')",
    "INSERT INTO LBL_post (title) VALUES ('q')",
    "INSERT INTO LBL_post_tags (post_id, tag_id) VALUES (1, 1)",
    "INSERT INTO LBL_tag_posts (tag_id, post_id) VALUES (1, 2)",
    "INSERT INTO LBL_post_related (from_post_id, to_post_id) VALUES (1, 2)",
    "INSERT INTO LBL_comment (post_id) VALUES (1)",
)


def test_a_renamed_model_keeps_its_many_to_many_links(db: Target, project: Project) -> None:
    """Its link tables are renamed with it, their columns too (Django's RenameModel)."""
    applied = evolve(db, project, "rnm", [Step(MODELS, rows=POSTS)])
    label = applied.label
    project.models(label, RENAMED)
    [file] = make_migrations([label], rename=True)
    renames = [o for o in file.operations if o.startswith("Rename")]
    assert sorted(renames) == sorted(
        f"Rename {o}".replace("LBL", label)
        for o in (
            "table LBL_post to LBL_article",
            "table LBL_post_tags to LBL_article_tags",
            "table LBL_post_related to LBL_article_related",
            "column LBL_article_tags.post_id to article_id",
            "column LBL_article_related.from_post_id to from_article_id",
            "column LBL_article_related.to_post_id to to_article_id",
            "column LBL_tag_posts.post_id to article_id",
        )
    )
    assert "drop_table" not in file.source
    load_graph()
    migrate(label, using=db.engine)
    assert db.diff(label) == []
    assert make_migrations([label], dry_run=True) == []
    assert db.rows(f"SELECT article_id, tag_id FROM {label}_article_tags") == [(1, 1)]
    assert db.rows(f"SELECT tag_id, article_id FROM {label}_tag_posts") == [(1, 2)]
    related = f"SELECT from_article_id, to_article_id FROM {label}_article_related ORDER BY 1"
    assert db.rows(related) == [(1, 2)]
    assert db.rows(f"SELECT post_id FROM {label}_comment") == [(1,)]
    applied.files.append(file)
    applied.names.append(file.name)
    applied.schemas.append(snapshot(db, label))
    applied.data.append(contents(db, label))
    roll_back(db, applied)


def test_a_column_changing_type_kind_is_cast_on_postgresql(project: Project) -> None:
    """PostgreSQL converts VARCHAR to BIGINT only when told how (USING), both ways."""
    label = project.new_label("cst")
    project.models(label, item(FK.format("CASCADE", ", null=True"), head=HEAD))
    make_migrations([label])
    project.models(
        label, item(FK.replace("Author", "Code").format("CASCADE", ", null=True"), head=HEAD)
    )
    [file] = make_migrations([label])
    upgrade, downgrade = file.source.split("def downgrade")
    assert "postgresql_using='author_id::VARCHAR(10)'" in upgrade
    assert "postgresql_using='author_id::BIGINT'" in downgrade


def test_removed_links_and_columns_come_back_empty(db: Target, project: Project) -> None:
    """Unapplying the removal of a many-to-many field re-creates its table, and of a NOT
    NULL column re-adds it with a placeholder: the removed data is gone (documented)."""
    applied = evolve(
        db,
        project,
        "gone",
        [
            Step(item("tags = fields.ManyToManyField(Tag)", head=TAG), rows=LINKED),
            Step(
                item(
                    "tags = fields.ManyToManyField(Tag)",
                    "code = fields.String(max_length=5)",
                    "n = fields.Integer()",
                    head=TAG,
                ),
                (
                    "Add column LBL_item.code (rows already there get 'x')",
                    "Add column LBL_item.n (rows already there get '7')",
                ),
                answers={"code": "x", "n": 7},
            ),
            Step(
                item(head=TAG),
                (
                    "Drop table LBL_item_tags",
                    "Remove column LBL_item.code",
                    "Remove column LBL_item.n",
                ),
            ),
        ],
    )
    label = applied.label
    assert applied.data[1][f"{label}_item"] == [(1, "x", 7)]
    migrate(label, applied.names[1], using=db.engine)
    assert db.rows(f"SELECT id, code, n FROM {label}_item") == [(1, "", 0)]
    assert db.rows(f"SELECT * FROM {label}_item_tags") == []
    roll_back(db, applied, rows=False)


def test_renames_pair_the_columns_alike(project: Project) -> None:
    """Of several removed and added columns of one type, each is taken as renamed to the
    one with its nullability, index and unique constraint (``--rename`` answers yes to the
    questions in the order they come)."""
    label = project.new_label("alk")
    shapes = ("", ", db_index=True", ", unique=True", ", null=True")

    def columns(names: str) -> list[str]:
        return [f"{n} = fields.String(max_length=9{s})" for n, s in zip(names, shapes, strict=True)]

    project.models(label, item(*columns("abcd")))
    make_migrations([label])
    project.models(label, item(*columns("wxyz")))
    [file] = make_migrations([label], rename=True, dry_run=True)
    renames = {o for o in file.operations if o.startswith("Rename")}
    assert renames == {
        f"Rename column {label}_item.{a} to {b}" for a, b in zip("abcd", "wxyz", strict=True)
    }
