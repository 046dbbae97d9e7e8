"""The body checks of TechEmpower's database test types (`shared/external/tfb/RULES.md`).

`world_issues` is common check D (the World object); `normalize_fortunes` parses a fortunes
page and normalises it the way TechEmpower's fortune parser does, so the result can be
compared byte for byte with `tfb/fortunes_expected.html`.
"""

from __future__ import annotations

import difflib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

EXPECTED_FORTUNES = (
    (Path(__file__).resolve().parent / "tfb" / "fortunes_expected.html").read_bytes().decode()
)

FAIL = "fail"
WARN = "warn"

# Numeric character references the parser keeps (as these); every other one is dropped.
_CHARREFS = {34: "&quot;", 39: "&apos;", 43: "+", 60: "&lt;", 62: "&gt;", 47: "/", 40: "(", 41: ")"}
_REMOVED_TAGS = frozenset({"meta", "link", "thead", "tbody"})
_NEWLINE_AFTER_START = frozenset({"html", "table"})
_NEWLINE_AFTER_END = frozenset({"head", "tr"})


def world_issues(value: Any) -> list[tuple[str, str]]:
    """Check D on one element: (severity, message) pairs; empty when it is a valid World."""
    if not isinstance(value, dict):
        return [(FAIL, f"expected a JSON object, got {type(value).__name__}: {value!r:.60}")]
    lowered = {str(k).lower(): v for k, v in value.items()}
    issues: list[tuple[str, str]] = []
    for key in ("id", "randomnumber"):
        if key not in lowered:
            issues.append((FAIL, f"World object has no {key!r}: {value!r:.80}"))
    extra = sorted(set(lowered) - {"id", "randomnumber"})
    if extra:
        issues.append((WARN, f"World object has extra keys {extra}"))
    numbers: dict[str, int] = {}
    for key in ("id", "randomnumber"):
        if key not in lowered:
            continue
        try:
            numbers[key] = int(lowered[key])
        except (TypeError, ValueError):
            issues.append((FAIL, f"World {key} is not a number: {lowered[key]!r:.40}"))
    if "id" in numbers and not 1 <= numbers["id"] <= 10000:
        issues.append((WARN, f"World id {numbers['id']} is outside 1..10000"))
    if numbers.get("randomnumber", 0) > 10000:
        issues.append((WARN, f"World randomNumber {numbers['randomnumber']} is above 10000"))
    return issues


class _FortuneNormalizer(HTMLParser):
    """Rebuilds a page from its parse events with TechEmpower's normalisation rules."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.in_script = False

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl.lower()}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.in_script = True
        elif tag not in _REMOVED_TAGS:
            self.out.append(f"<{tag}>")
            if tag in _NEWLINE_AFTER_START:
                self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False
        elif tag not in _REMOVED_TAGS:
            self.out.append(f"</{tag}>")
            if tag in _NEWLINE_AFTER_END:
                self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_script or not data.strip():
            return
        self.out.append(data.replace("'", "&apos;").replace('"', "&quot;").replace(">", "&gt;"))

    def handle_entityref(self, name: str) -> None:
        if not self.in_script:
            self.out.append("—" if name == "mdash" else f"&{name};")

    def handle_charref(self, name: str) -> None:
        if self.in_script:
            return
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
        except ValueError:
            return
        kept = _CHARREFS.get(code)
        if kept is not None:
            self.out.append(kept)


def normalize_fortunes(html: str) -> str:
    """The page as TechEmpower's fortune parser normalises it before comparing."""
    parser = _FortuneNormalizer()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def fortunes_problems(body: bytes, limit: int = 6) -> list[str]:
    """Why the fortunes page is not the expected one (first diff lines), or []."""
    try:
        html = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"body is not valid UTF-8: {exc}"]
    normalized = normalize_fortunes(html)
    if normalized == EXPECTED_FORTUNES:
        return []
    diff = [
        line
        for line in difflib.unified_diff(
            EXPECTED_FORTUNES.splitlines(), normalized.splitlines(), "expected", "got", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    shown = "; ".join(line[:100] for line in diff[:limit])
    more = f" (+{len(diff) - limit} more lines)" if len(diff) > limit else ""
    return [f"page differs from the expected one after normalisation: {shown}{more}"]
