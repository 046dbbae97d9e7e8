"""Templates: autoescape, search-path order, reload, caching, globals and filters."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from heron.templating import Templates


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "templates"


@pytest.mark.parametrize("ext", ["html", "htm", "xml", "jinja", "jinja2"])
def test_autoescape_on_for_markup_extensions(folder: Path, ext: str) -> None:
    write(folder, f"page.{ext}", "<p>{{ value }}</p>")
    out = Templates([folder]).render(f"page.{ext}", {"value": "<script>&"})
    assert out == "<p>&lt;script&gt;&amp;</p>"


def test_autoescape_off_for_text(folder: Path) -> None:
    write(folder, "mail.txt", "Hi {{ name }}")
    assert Templates([folder]).render("mail.txt", {"name": "<Bob & Co>"}) == "Hi <Bob & Co>"


def test_autoescape_applies_to_templates_included_from_text(folder: Path) -> None:
    write(folder, "part.html", "{{ v }}")
    write(folder, "outer.txt", "{{ v }}|{% include 'part.html' %}")
    assert Templates([folder]).render("outer.txt", {"v": "<b>"}) == "<b>|&lt;b&gt;"


def test_safe_filter_and_markup_are_not_escaped(folder: Path) -> None:
    write(folder, "page.html", "{{ a|safe }}{{ b }}")
    out = Templates([folder]).render("page.html", {"a": "<i>", "b": Markup("<u>")})
    assert out == "<i><u>"


def test_render_string_is_autoescaped(folder: Path) -> None:
    templates = Templates([folder])
    assert templates.render_string("<b>{{ x }}</b>", {"x": "<i>"}) == "<b>&lt;i&gt;</b>"


def test_render_string_reuses_compiled_template(folder: Path) -> None:
    templates = Templates([folder])
    source = "{{ n }}"
    assert templates.render_string(source, {"n": 1}) == "1"
    compiled = templates._strings[source]
    assert templates.render_string(source, {"n": 2}) == "2"
    assert templates._strings[source] is compiled


def test_render_string_cache_is_bounded(folder: Path) -> None:
    templates = Templates([folder])
    for i in range(300):
        assert templates.render_string(f"{i}-{{{{ x }}}}", {"x": "y"}) == f"{i}-y"
    assert len(templates._strings) <= 128


def test_search_paths_are_searched_in_order(tmp_path: Path) -> None:
    app_dir, bp_one, bp_two = tmp_path / "app", tmp_path / "one", tmp_path / "two"
    write(app_dir, "shared.html", "app")
    write(bp_one, "shared.html", "one")
    write(bp_one, "only_one.html", "one-only")
    write(bp_two, "only_one.html", "two")
    write(bp_two, "only_two.html", "two-only")
    templates = Templates([app_dir, bp_one])
    templates.add_search_path(bp_two)
    assert templates.search_paths == [str(app_dir), str(bp_one), str(bp_two)]
    assert templates.render("shared.html") == "app"
    assert templates.render("only_one.html") == "one-only"
    assert templates.render("only_two.html") == "two-only"


def test_add_search_path_ignores_duplicates(folder: Path) -> None:
    templates = Templates([folder])
    templates.add_search_path(folder)
    assert templates.search_paths == [str(folder)]


def test_blueprint_templates_in_subfolders(tmp_path: Path) -> None:
    write(
        tmp_path / "bp",
        "blog/post.html",
        "{% extends 'base.html' %}{% block b %}post{% endblock %}",
    )
    write(tmp_path / "app", "base.html", "<main>{% block b %}{% endblock %}</main>")
    templates = Templates([tmp_path / "app", tmp_path / "bp"])
    assert templates.render("blog/post.html") == "<main>post</main>"


def test_missing_template_names_searched_folders(tmp_path: Path) -> None:
    templates = Templates([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(jinja2.TemplateNotFound) as info:
        templates.render("nope.html")
    message = str(info.value)
    assert "nope.html" in message
    assert str(tmp_path / "a") in message and str(tmp_path / "b") in message
    assert info.value.name == "nope.html"


def test_missing_include_names_searched_folders(folder: Path) -> None:
    write(folder, "page.html", "{% include 'gone.html' %}")
    with pytest.raises(jinja2.TemplateNotFound) as info:
        Templates([folder]).render("page.html")
    assert "gone.html" in str(info.value) and str(folder) in str(info.value)


def test_path_traversal_in_template_name_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "secret.html", "secret")
    templates = Templates([tmp_path / "templates"])
    with pytest.raises(jinja2.TemplateNotFound):
        templates.render("../secret.html")


def bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_auto_reload_picks_up_edits(folder: Path) -> None:
    path = write(folder, "page.html", "v1")
    templates = Templates([folder], auto_reload=True)
    assert templates.auto_reload is True
    assert templates.render("page.html") == "v1"
    path.write_text("v2", encoding="utf-8")
    bump_mtime(path)
    assert templates.render("page.html") == "v2"


def test_without_auto_reload_the_compiled_template_is_cached(folder: Path) -> None:
    path = write(folder, "page.html", "v1")
    templates = Templates([folder])
    assert templates.auto_reload is False
    first = templates.get_template("page.html")
    assert templates.render("page.html") == "v1"
    path.write_text("v2", encoding="utf-8")
    bump_mtime(path)
    assert templates.render("page.html") == "v1"
    assert templates.get_template("page.html") is first


def test_auto_reload_can_be_switched_on_later(folder: Path) -> None:
    path = write(folder, "page.html", "v1")
    templates = Templates([folder])
    assert templates.render("page.html") == "v1"
    templates.auto_reload = True
    path.write_text("v2", encoding="utf-8")
    bump_mtime(path)
    assert templates.render("page.html") == "v2"


def test_globals_filters_and_tests(folder: Path) -> None:
    write(
        folder, "page.html", "{{ site }} {{ 'abc'|shout }} {{ 'yes' if 4 is even_num else 'no' }}"
    )
    templates = Templates([folder], globals={"site": "Heron"})
    templates.add_filter("shout", lambda s: s.upper() + "!")
    templates.add_test("even_num", lambda n: n % 2 == 0)
    assert templates.render("page.html") == "Heron ABC! yes"


def test_add_global_is_seen_by_cached_string_templates(folder: Path) -> None:
    templates = Templates([folder])
    assert templates.render_string("{{ g|default('none') }}") == "none"
    templates.add_global("g", "set")
    assert templates.render_string("{{ g|default('none') }}") == "set"


def test_context_overrides_globals(folder: Path) -> None:
    templates = Templates([folder], globals={"x": "global"})
    assert templates.render_string("{{ x }}", {"x": "local"}) == "local"


def test_environment_is_sync(folder: Path) -> None:
    assert Templates([folder]).env.is_async is False
