"""Golden rendering fixtures: one Markdown file per feature and the exact safe HTML it gives.

Set LMS_UPDATE_GOLDEN=1 to rewrite the .html files after a deliberate change, then review the diff.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.content.markdown import Renderer

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.stem for path in GOLDEN.glob("*.md"))
DOC_PATH = "courses/py2030/core/01-intro.md"


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.mark.parametrize("name", CASES)
def test_golden_rendering(renderer, name):
    source = (GOLDEN / f"{name}.md").read_text()
    html = renderer.render(source, DOC_PATH).html
    expected_file = GOLDEN / f"{name}.html"
    if os.environ.get("LMS_UPDATE_GOLDEN") == "1":
        expected_file.write_text(html)
    assert html == expected_file.read_text()


def test_every_feature_has_a_fixture():
    assert set(CASES) >= {"callouts", "tables", "footnotes", "definition-lists", "anchors", "sanitising",
                          "code", "links"}


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://example.com></iframe>",
    '<div onclick="alert(1)">x</div>',
    "![x](javascript:alert(1))",
])
def test_nothing_executable_survives(renderer, evil):
    elements = _elements(renderer.render(evil, DOC_PATH).html)
    assert not [tag for tag, _ in elements if tag in ("script", "iframe", "object", "embed")]
    for _tag, attrs in elements:
        for name, value in attrs:
            assert not name.startswith("on"), attrs
            assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), attrs


def _elements(html: str) -> list[tuple[str, list]]:
    found: list[tuple[str, list]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_front_matter_is_not_rendered_and_lines_are_known(renderer):
    rendered = renderer.render("---\ntitle: X\nminutes: 3\n---\n# Body\n", DOC_PATH)
    assert "title" not in rendered.html
    assert rendered.front_matter == "title: X\nminutes: 3"
    assert rendered.front_matter_line == 2
    assert rendered.body_line == 5


def test_body_headings_step_down_under_the_page_title(renderer):
    rendered = renderer.render("# Top\n\n## Next\n", DOC_PATH, heading_offset=1)
    assert rendered.html.startswith('<h2 id="top">Top</h2>')
    assert '<h3 id="next">Next</h3>' in rendered.html
    assert [(h.level, h.anchor, h.text) for h in rendered.headings] == [(2, "top", "Top"), (3, "next", "Next")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="Aa1 ,.;:?!'\"()/%$+=@-#*_[]<>&\n`~|", min_size=1, max_size=40), st.booleans())
def test_plain_text_shortcut_renders_exactly_like_the_parser(text, inline):
    renderer = Renderer()
    assert renderer.fragment(text, DOC_PATH, inline=inline).html == \
        renderer._parse_fragment(text, DOC_PATH, inline).html


def test_fragments_report_raw_html_and_links(renderer):
    rendered = renderer.fragment("Read <b>this</b> and [that](02-rules.md)", "quizzes/py2030/core/rules.yaml")
    assert [raw.text for raw in rendered.raw_html] == ["<b>", "</b>"]
    assert rendered.links[0].resolved == "quizzes/py2030/core/02-rules.md"


def test_shipped_code_stylesheet_matches_the_highlighter():
    """static/css/code.css is generated from Pygments; regenerate it if this fails after an upgrade."""
    from lms.config import PROJECT_ROOT
    from lms.content.markdown import pygments_css

    assert pygments_css() in (PROJECT_ROOT / "static" / "css" / "code.css").read_text()
