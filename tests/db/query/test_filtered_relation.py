"""``FilteredRelation``: a relation joined with an extra ON condition, named by annotate().

Runs on the ``library`` data set (``conftest.py``) on every backend. Reviews: Dune 5 and 4,
Emma 3, Neuro 2, Ulysses none.
"""

from __future__ import annotations

from typing import Any

import pytest

from heron.db.backends import Database
from heron.db.models.exceptions import FieldError
from heron.db.query import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, QuerySet, Sum
from tests.db.query.qt_models import Author, Book, Tag

pytestmark = pytest.mark.usefixtures("library")


def good_reviews(stars: int = 4) -> FilteredRelation:
    return FilteredRelation("reviews", condition=Q(reviews__stars__gte=stars))


def with_good(stars: int = 4) -> QuerySet[Book]:
    qs: QuerySet[Book] = Book.objects.annotate(good=good_reviews(stars))
    return qs


def titles(qs: QuerySet[Any]) -> list[str]:
    return sorted(qs.values_list("title", flat=True))


# -- the join and its ON clause --------------------------------------------------------------


def test_condition_is_in_the_on_clause_of_a_left_outer_join() -> None:
    sql = str(with_good().filter(good__isnull=True).query)
    join = sql.index("LEFT OUTER JOIN")
    on = sql.index(" ON ", join)
    assert join < on < sql.index("stars >=") < sql.index("WHERE")
    assert "stars >=" not in sql[sql.index("WHERE") :]


def test_an_unused_alias_adds_no_join() -> None:
    qs = with_good()
    assert "JOIN" not in str(qs.query)
    assert qs.count() == 4


def test_rows_without_a_match_remain() -> None:
    assert titles(with_good().filter(good__isnull=True)) == ["Emma", "Neuro", "Ulysses"]
    assert titles(with_good().filter(good__isnull=False).distinct()) == ["Dune"]
    assert with_good().filter(good__isnull=True).count() == 3


def test_filter_on_the_related_fields() -> None:
    assert titles(with_good().filter(good__stars=4)) == ["Dune"]
    assert titles(with_good().filter(good__stars__lt=4)) == []  # never joined
    assert titles(Book.objects.filter(reviews__stars__lt=4)) == ["Emma", "Neuro"]
    both = with_good().filter(good__stars__gte=4).filter(good__stars__lte=4)
    assert titles(both) == ["Dune"]  # one join for the alias, whatever the filter() call


def test_q_objects_and_exclude() -> None:
    either = with_good().filter(Q(good__stars=5) | Q(title="Emma")).distinct()
    assert titles(either) == ["Dune", "Emma"]
    assert titles(with_good().exclude(good__stars=5)) == ["Emma", "Neuro", "Ulysses"]
    assert titles(with_good().exclude(good__isnull=True)) == ["Dune"]
    assert titles(with_good().filter(pages__gt=280).exclude(good__stars=4)) == [
        "Emma",
        "Ulysses",
    ]


def test_values_values_list_and_order_by() -> None:
    rows = with_good().values_list("title", "good__stars").order_by("title", "good__stars")
    assert list(rows) == [
        ("Dune", 4),
        ("Dune", 5),
        ("Emma", None),
        ("Neuro", None),
        ("Ulysses", None),
    ]
    dicts = with_good().filter(good__isnull=False).values("good__stars").order_by("-good__stars")
    assert list(dicts) == [{"good__stars": 5}, {"good__stars": 4}]


def test_annotate_and_aggregate_over_the_alias() -> None:
    counted = with_good().annotate(n=Count("good")).order_by("title").values_list("title", "n")
    assert list(counted) == [("Dune", 2), ("Emma", 0), ("Neuro", 0), ("Ulysses", 0)]
    assert with_good().aggregate(n=Count("good"), top=Max("good__stars")) == {"n": 2, "top": 5}
    assert with_good(5).aggregate(total=Sum("good__stars")) == {"total": 5}


def test_f_expressions_read_the_alias() -> None:
    scored = with_good().annotate(score=F("good__stars") + F("pages")).filter(score__gt=0)
    assert sorted(scored.values_list("score", flat=True)) == [416, 417]
    assert titles(with_good().filter(good__stars__lt=F("pages")).distinct()) == ["Dune"]


def test_the_condition_values_are_parameters_of_the_cached_statement() -> None:
    assert with_good(4).filter(good__isnull=False).distinct().count() == 1
    assert with_good(6).filter(good__isnull=False).distinct().count() == 0
    assert with_good(2).filter(good__isnull=False).distinct().count() == 3


def test_parameters_bind_in_order_with_other_annotations_and_filters() -> None:
    qs = (
        Book.objects.annotate(plus=F("pages") + 1000)
        .annotate(good=good_reviews(5))
        .filter(pages__in=[412, 300], good__isnull=True)
        .order_by("title")
    )
    assert [(b.title, b.plus) for b in qs] == [("Emma", 1300)]


# -- conditions -------------------------------------------------------------------------------


def test_condition_on_plain_fields_and_f_of_the_base_model() -> None:
    only_emma = Book.objects.annotate(r=FilteredRelation("reviews", condition=Q(title="Emma")))
    counted = only_emma.annotate(n=Count("r")).order_by("title").values_list("title", "n")
    assert list(counted) == [("Dune", 0), ("Emma", 1), ("Neuro", 0), ("Ulysses", 0)]
    long = Author.objects.annotate(
        long=FilteredRelation("books", condition=Q(books__pages__gt=F("age") * 10))
    )
    rows = long.annotate(n=Count("long")).values_list("name", "n")
    assert sorted(rows) == [("ann", 1), ("bea", 2), ("cid", 0)]


def test_without_condition_it_is_the_relation_left_joined() -> None:
    qs = Book.objects.annotate(all_reviews=FilteredRelation("reviews"))
    assert titles(qs.filter(all_reviews__isnull=True)) == ["Ulysses"]


def test_hostile_strings_stay_bound_parameters(db: Database) -> None:
    hostile = "great' OR '1'='1"
    qs = Book.objects.annotate(
        r=FilteredRelation("reviews", condition=Q(reviews__text=hostile))
    ).filter(r__isnull=False)
    sql, params = qs.query.sql_and_params()
    assert hostile not in sql and "'1'='1" not in sql
    assert hostile in params
    assert list(qs) == []
    assert Book.objects.count() == 4
    drop = "x'); DROP TABLE qt_book; --"
    exact = Book.objects.annotate(
        r=FilteredRelation("reviews", condition=Q(reviews__text__contains=drop) | Q(title=drop))
    )
    assert exact.filter(r__isnull=True).count() == 4


# -- relation kinds ---------------------------------------------------------------------------


def test_forward_foreign_key_with_select_related(db: Database) -> None:
    qs = Book.objects.annotate(
        older=FilteredRelation("author", condition=Q(author__age__gt=30))
    ).select_related("older")
    assert "LEFT OUTER JOIN" in str(qs.query)
    with db.capture_queries() as queries:
        loaded = {b.title: b.older for b in qs}
    assert len(queries) == 1
    assert {t: a and a.name for t, a in loaded.items()} == {
        "Dune": "ann",
        "Emma": None,
        "Neuro": "cid",
        "Ulysses": None,
    }
    assert isinstance(loaded["Dune"], Author)


def test_nullable_foreign_key() -> None:
    qs = Book.objects.annotate(by_ann=FilteredRelation("editor", condition=Q(editor__name="ann")))
    assert titles(qs.filter(by_ann__isnull=False)) == ["Ulysses"]
    assert titles(qs.filter(by_ann__isnull=True)) == ["Dune", "Emma", "Neuro"]


def test_many_to_many_gives_one_row_per_unmatched_object() -> None:
    qs = Book.objects.annotate(sf=FilteredRelation("tags", condition=Q(tags__name="scifi")))
    # Dune's "epic" link does not make it a book without the tag.
    assert titles(qs.filter(sf__isnull=True)) == ["Emma", "Ulysses"]
    rows = qs.values_list("title", "sf__name").order_by("title")
    assert list(rows) == [("Dune", "scifi"), ("Emma", None), ("Neuro", "scifi"), ("Ulysses", None)]
    reverse = Tag.objects.annotate(
        long=FilteredRelation("books", condition=Q(books__pages__gt=400))
    )
    counted = reverse.annotate(n=Count("long")).values_list("name", "n")
    assert sorted(counted) == [("classic", 1), ("epic", 1), ("scifi", 1)]


def test_nested_relation_paths() -> None:
    low = Author.objects.annotate(
        low=FilteredRelation("books__reviews", condition=Q(books__reviews__stars__lt=4))
    )
    rows = low.values_list("name", "low__stars").order_by("name")
    assert list(rows) == [("ann", None), ("bea", 3), ("cid", 2)]
    acme = Book.objects.annotate(
        pub=FilteredRelation("author__publisher", condition=Q(author__publisher__name="Acme"))
    ).select_related("pub")
    assert {b.title: b.pub and b.pub.name for b in acme} == {
        "Dune": "Acme",
        "Emma": None,
        "Neuro": "Acme",
        "Ulysses": None,
    }


def test_two_filtered_relations_on_one_relation_get_two_joins() -> None:
    qs = Book.objects.annotate(
        high=good_reviews(4),
        low=FilteredRelation("reviews", condition=Q(reviews__stars__lt=4)),
    )
    counted = qs.values_list(
        "title", Count("high", distinct=True), Count("low", distinct=True)
    ).order_by("title")
    assert list(counted) == [("Dune", 2, 0), ("Emma", 0, 1), ("Neuro", 0, 1), ("Ulysses", 0, 0)]
    assert str(counted.query).count("LEFT OUTER JOIN") == 2


def test_alias_and_subqueries() -> None:
    assert titles(Book.objects.alias(good=good_reviews(5)).filter(good__stars=5)) == ["Dune"]
    praised = Book.objects.annotate(good=good_reviews(5)).filter(
        author=OuterRef("pk"), good__isnull=False
    )
    assert list(Author.objects.filter(Exists(praised)).values_list("name", flat=True)) == ["ann"]


# -- async ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_fetch_get_and_count() -> None:
    books = await with_good().filter(good__isnull=True).order_by("title")
    assert [b.title for b in books] == ["Emma", "Neuro", "Ulysses"]
    dune = await with_good().filter(good__stars=5).aget()
    assert dune.title == "Dune"
    assert await with_good(3).filter(good__isnull=False).distinct().acount() == 2
    kept = await with_good().filter(pages__gt=280).exclude(good__stars=4).order_by("title")
    assert [b.title for b in kept] == ["Emma", "Ulysses"]  # the condition bound twice
    older = (
        await Book.objects.annotate(
            older=FilteredRelation("author", condition=Q(author__age__gt=30))
        )
        .select_related("older")
        .aget(title="Neuro")
    )
    assert older.older.name == "cid"


# -- errors and equality ----------------------------------------------------------------------


def test_unknown_or_non_relation_names_raise() -> None:
    with pytest.raises(FieldError, match="'nope' is not a relation of Book"):
        Book.objects.annotate(x=FilteredRelation("nope"))
    with pytest.raises(FieldError, match="'title' is not a relation of Book"):
        Book.objects.annotate(x=FilteredRelation("title"))
    with pytest.raises(FieldError, match="'stars' is not a relation of Review"):
        Book.objects.annotate(x=FilteredRelation("reviews__stars"))
    with pytest.raises(ValueError, match="relation name"):
        FilteredRelation("")
    with pytest.raises(ValueError, match="takes a Q object"):
        FilteredRelation("reviews", condition={"stars": 1})  # type: ignore[arg-type]


def test_conditions_reaching_beyond_the_relation_raise() -> None:
    with pytest.raises(FieldError, match="reaches beyond the relation"):
        Book.objects.annotate(x=FilteredRelation("reviews", condition=Q(reviews__book__title="x")))
    with pytest.raises(FieldError, match="reaches beyond the relation"):
        Book.objects.annotate(x=FilteredRelation("reviews", condition=Q(author__name="ann")))
    with pytest.raises(FieldError, match="reaches beyond the relation"):
        Book.objects.annotate(
            x=FilteredRelation("reviews", condition=Q(reviews__stars=F("author__age")))
        )


def test_alias_conflicts_raise() -> None:
    with pytest.raises(ValueError, match="'title' conflicts with a field of Book"):
        Book.objects.annotate(title=good_reviews())
    with pytest.raises(ValueError, match="'reviews' conflicts with a field of Book"):
        Book.objects.annotate(reviews=good_reviews())
    with pytest.raises(ValueError, match="already an annotation"):
        Book.objects.annotate(n=Count("reviews")).annotate(n=good_reviews())
    with pytest.raises(ValueError, match="conflicts with a FilteredRelation alias"):
        with_good().annotate(good=Count("reviews"))
    with pytest.raises(ValueError, match="can't contain '__'"):
        Book.objects.annotate(**{"a__b": good_reviews()})


def test_usable_only_in_annotate() -> None:
    with pytest.raises(TypeError, match="can't be used in a filter"):
        Book.objects.filter(title=good_reviews())
    with pytest.raises(TypeError, match="can't be used in a filter"):
        Book.objects.exclude(pages=1, title=good_reviews())
    with pytest.raises(TypeError, match="can't be used in a filter"):
        Book.objects.filter(Q(title="x") | Q(title=good_reviews()))
    with pytest.raises(TypeError, match=r"can't be used in values\(\)"):
        Book.objects.values(x=good_reviews())
    with pytest.raises(TypeError, match="aggregate"):
        Book.objects.aggregate(x=good_reviews())
    with pytest.raises(TypeError, match="can't be used in an expression"):
        list(Book.objects.annotate(x=F("pages") + good_reviews()))
    with pytest.raises(FieldError, match="multi-valued"):
        list(with_good().select_related("good"))


def test_equality() -> None:
    assert good_reviews(4) == good_reviews(4)
    assert hash(good_reviews(4)) == hash(good_reviews(4))
    assert good_reviews(4) != good_reviews(5)
    assert FilteredRelation("reviews") != FilteredRelation("tags")
    assert FilteredRelation("reviews") == FilteredRelation("reviews", condition=Q())
    assert good_reviews() != "reviews"
    assert "reviews__stars__gte" in repr(good_reviews())


def test_update_and_delete_through_the_alias() -> None:
    assert with_good().filter(good__isnull=True).update(pages=1) == 3
    assert titles(Book.objects.filter(pages=1)) == ["Emma", "Neuro", "Ulysses"]
    with_good(5).filter(good__isnull=True).delete()
    assert titles(Book.objects.all()) == ["Dune"]


def test_values_without_fields_leave_the_alias_out() -> None:
    row = with_good().filter(title="Emma").values().get()
    assert "good" not in row and row["title"] == "Emma"
    grouped = with_good().values("author__name").annotate(n=Count("good"))
    assert sorted((r["author__name"], r["n"]) for r in grouped) == [
        ("ann", 2),
        ("bea", 0),
        ("cid", 0),
    ]
