"""Heron's templates escape output exactly as Jinja with MarkupSafe does."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from heron.templating import Templates
from heron.templating.escaping import HeronTemplate, escape_output

TEMPLATES = {
    "values.html": "{% for v in values %}[{{ v }}]{% endfor %}",
    "attrs.html": "{% for row in rows %}<td>{{ row.id }}</td><td>{{ row.text }}</td>{% endfor %}",
    "filters.html": "{{ text|e }}|{{ text|safe }}|{{ text|upper }}|{{ number|round(1) }}",
    "macro.html": (
        "{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}"
        "{% for v in values %}{{ cell(v) }}{% endfor %}"
    ),
    "set_block.html": "{% set block %}<b>{{ text }}</b>{% endset %}{{ block }}{{ block|e }}",
    "call_block.html": (
        "{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}"
        "{% call wrap() %}{{ text }}{% endcall %}"
    ),
    "toggle.html": (
        "{% autoescape false %}{{ text }}{% endautoescape %}"
        "{% autoescape true %}{{ text }}{% endautoescape %}{{ text }}"
    ),
    "plain.txt": "{{ text }}",
    "concat.html": "{{ text ~ number }}{{ '%s-%s'|format(text, number) }}",
}

VALUES: list[Any] = [
    "plain",
    "<script>alert('x') & \"y\"</script>",
    "naïve ünïcode ✓",
    "",
    Markup("<b>safe</b>"),
    0,
    -12,
    2**70,
    1.5,
    float("inf"),
    True,
    None,
    [1, "<a>"],
    {"k": "<v>"},
]


class Row:
    def __init__(self, id: int, text: str) -> None:
        self.id, self.text = id, text


class Html:
    def __html__(self) -> str:
        return "<i>html</i>"


def _environments() -> tuple[Environment, Environment]:
    def make(fast: bool) -> Environment:
        env = Environment(
            loader=DictLoader(TEMPLATES),
            autoescape=select_autoescape(["html"], default_for_string=True),
        )
        if fast:
            env.template_class = HeronTemplate
        return env

    return make(False), make(True)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_same_output_as_jinja(name: str) -> None:
    reference, heron = _environments()
    context: dict[str, Any] = {
        "values": [*VALUES, Html()],
        "rows": [Row(i, text) for i, text in enumerate(["<x>", "y & z", "'q'"])],
        "text": "<em>\"Tom\" & 'Jerry'</em>",
        "number": 3.14159,
    }
    expected = reference.get_template(name).render(context)
    assert heron.get_template(name).render(context) == expected


def test_escape_output_matches_markupsafe_text() -> None:
    from markupsafe import escape

    for value in [*VALUES, Html()]:
        assert str(escape_output(value)) == str(escape(value))
    assert isinstance(escape_output(Markup("<b>")), Markup)


def test_heron_templates_use_it(tmp_path: Any) -> None:
    (tmp_path / "page.html").write_text("{{ value }}")
    templates = Templates([tmp_path])
    assert templates.env.template_class is HeronTemplate
    assert templates.get_template("page.html").render(value="<b>") == "&lt;b&gt;"
