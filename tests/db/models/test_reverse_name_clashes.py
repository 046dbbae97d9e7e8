"""Reverse names that clash on the target are refused when the relation is installed, as
Django's system checks do (fields.E302-E305): a reverse accessor or query name equal to a
field of the target, and two relations giving the target the same accessor or query name.
The target is left as it was. Hidden names (``related_name="+"``) never clash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heron.db import Model, fields, registry

LABEL = "rnc"


@pytest.fixture(scope="module", autouse=True)
def _forget_models() -> Iterator[None]:
    """Unregister this file's models (and their tables) once its tests ran."""
    yield
    for cls in list(registry.models.get(LABEL, {}).values()):
        registry.unregister(cls)


class Meta:
    label = LABEL


def model(class_name: str, /, **attrs: object) -> type[Model]:
    """A model of this file's label, built like a class statement."""
    namespace = {"__module__": __name__, "Meta": Meta, **attrs}
    cls: type[Model] = type(class_name, (Model,), namespace)
    return cls


def fk(to: type[Model] | str, **kwargs: object) -> fields.ForeignKey:
    return fields.ForeignKey(to, on_delete=fields.CASCADE, **kwargs)  # type: ignore[arg-type]


def assert_untouched(target: type[Model], accessor: str = "", count: int = 0) -> None:
    """``target`` got no relation beyond ``count`` and no attribute ``accessor``."""
    assert len(target._meta.relations_in()) == count
    assert not accessor or not hasattr(target, accessor)


# -- against a field of the target (E302, E303) -------------------------------------------------


def test_query_name_equal_to_a_field_is_refused() -> None:
    shop = model("Shop", name=fields.String(max_length=10), item=fields.Integer(null=True))
    message = (
        r"reverse query name 'item' of Item\.shop clashes with the field Shop\.item "
        r"\(Shop\.objects\.filter\(item__\.\.\.\) would be ambiguous\): give Item\.shop "
        r"another related_query_name= \(or related_name=\)"
    )
    with pytest.raises(TypeError, match=message):  # the default query name: the model's
        model("Item", shop=fk(shop))
    assert_untouched(shop, "item_set")
    with pytest.raises(TypeError, match=r"query name 'name' of Label\.shop clashes"):
        model("Label", shop=fk(shop, related_name="labels", related_query_name="name"))
    assert_untouched(shop, "labels")
    assert shop(item=3).item == 3
    model("Sticker", shop=fk(shop, related_name="stickers"))  # named: no clash
    assert shop._meta.reverse_relation("stickers") is not None


def test_accessor_equal_to_a_field_is_refused_for_every_relation() -> None:
    club = model("Club", members=fields.Integer(default=0), badge=fields.Integer(default=0))
    with pytest.raises(TypeError, match=r"reverse accessor 'members' of Person\.club clashes"):
        model("Person", club=fk(club, related_name="members"))
    with pytest.raises(TypeError, match=r"reverse accessor 'members' of Fan\.clubs clashes"):
        model("Fan", clubs=fields.ManyToManyField(club, related_name="members"))
    with pytest.raises(TypeError, match=r"give Badge\.club another related_name="):
        model("Badge", club=fields.OneToOneField(club, on_delete=fields.CASCADE))
    assert_untouched(club)
    assert club(members=2).members == 2


# -- against another relation (E304, E305) ------------------------------------------------------


def test_two_relations_with_the_same_accessor_are_refused() -> None:
    team = model("Team")
    model("Player", team=fk(team, related_name="people"))
    message = (
        r"reverse accessor 'people' of Coach\.team clashes with that of Player\.team on "
        r"Team: give one of them a different related_name="
    )
    with pytest.raises(TypeError, match=message):
        model("Coach", team=fk(team, related_name="people"))
    with pytest.raises(TypeError, match=r"accessor 'people' of Fan\.teams clashes"):
        model("Fan", teams=fields.ManyToManyField(team, related_name="people"))
    assert_untouched(team, count=1)
    assert team.people.field.model.__name__ == "Player"  # type: ignore[attr-defined]


def test_two_relations_with_the_same_query_name_are_refused() -> None:
    city = model("City")
    model("Road", city=fk(city, related_name="roads", related_query_name="way"))
    message = (
        r"reverse query name 'way' of Path\.city clashes with that of Road\.city on City "
        r"\(City\.objects\.filter\(way__\.\.\.\) would be ambiguous\): give one of them a "
        r"different related_query_name= \(or related_name=\)"
    )
    with pytest.raises(TypeError, match=message):
        model("Path", city=fk(city, related_name="paths", related_query_name="way"))
    with pytest.raises(TypeError, match=r"query name 'way' of Trail\.city clashes"):
        model("Trail", city=fk(city, related_name="+", related_query_name="way"))
    assert_untouched(city, "paths", count=1)


def test_two_relations_of_one_model_are_refused() -> None:
    person = model("Human")
    with pytest.raises(TypeError, match=r"accessor 'letter_set' of Letter\.recipient clashes"):
        model("Letter", sender=fk(person), recipient=fk(person))
    model("Parcel", sender=fk(person, related_name="sent"), to=fk(person, related_name="got"))
    names = sorted(r.reverse_query_name for r in person._meta.relations_in())
    assert names == ["got", "letter", "sent"]  # Letter.sender stays: Letter was not created


def test_a_self_relation_clashing_with_its_own_model() -> None:
    with pytest.raises(TypeError, match=r"query name 'parent' of Folder\.parent clashes"):
        model("Folder", parent=fk("self", null=True, related_query_name="parent"))


# -- lazily resolved references -----------------------------------------------------------------


def test_a_lazy_relation_is_refused_when_the_target_is_defined() -> None:
    early = model("Early", home=fk(f"{LABEL}.Home", related_name="early_ones"))
    clash = model("Clash", home=fk(f"{LABEL}.Home", related_name="rooms"))
    late = model("Late", home=fk(f"{LABEL}.Home", related_name="late_ones"))
    with pytest.raises(TypeError, match=r"reverse accessor 'rooms' of Clash\.home clashes"):
        model("Home", rooms=fields.Integer(default=1))
    home = early._meta.get_field("home").remote_model
    assert home is not None and home(rooms=4).rooms == 4
    assert early._meta.table.c.home_id.references(home._meta.table.c.id)  # the table exists
    # the relations declared before and after the clashing one are installed; it is not
    assert [r.model for r in home._meta.relations_in()] == [early, late]
    assert (home.early_ones.field.model, home.late_ones.field.model) == (early, late)  # type: ignore[attr-defined]
    assert clash._meta.get_field("home").remote_model is None


# -- what never clashes -------------------------------------------------------------------------


def test_hidden_relations_and_symmetrical_self_relations_load() -> None:
    place = model("Place", name=fields.String(max_length=10))
    model(
        "Trip",
        start=fk(place, related_name="+"),
        end=fk(place, related_name="+"),
        stop=fk(place, related_name="name+"),
    )
    model("Guide", places=fields.ManyToManyField(place, related_name="+"))
    model("Map", places=fields.ManyToManyField(place, related_name="+"))
    assert sorted(place._meta.query_names()) == ["id", "name"]
    friend = model(
        "Friend",
        friends=fields.ManyToManyField("self"),
        rivals=fields.ManyToManyField("self"),
        follows=fields.ManyToManyField("self", symmetrical=False, related_name="followers"),
    )
    assert friend._meta.reverse_relation("followers") is not None
    assert friend._meta.reverse_relation("friends_rel_+") is not None


def test_redefining_a_model_replaces_its_relations() -> None:
    rack = model("Rack")

    def define() -> type[Model]:
        class Book(Model):
            shelf = fk(rack, related_name="books")

            class Meta:
                label = LABEL

        return Book

    first, second = define(), define()  # a re-imported module: no clash with itself
    assert first is not second and rack.books.field.model is second  # type: ignore[attr-defined]


def test_a_model_whose_definition_failed_leaves_no_clash() -> None:
    desk = model("Desk")
    with pytest.raises(Exception, match="ordering"):
        model(
            "Drawer",
            desk=fk(desk, related_name="drawers"),
            Meta=type("Meta", (), {"label": LABEL, "ordering": ["nope"]}),
        )
    model("Tray", desk=fk(desk, related_name="drawers"))
    assert desk.drawers.field.model.__name__ == "Tray"  # type: ignore[attr-defined]
