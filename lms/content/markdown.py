"""Markdown to safe HTML, built once and used at content-load time only.

Raw HTML is parsed (so it can be reported with its place) but always rendered as escaped
text; the final HTML is also sanitised with nh3, so nothing an author writes can run script.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from lms.content.paths import is_asset_path, page_key

CALLOUTS = {"note": "Note", "tip": "Tip", "warning": "Warning"}
DEFAULT_ASSET_PREFIX = "/assets/"
DEFAULT_PAGE_PREFIX = "/learn/"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_CALLOUT_LINE = re.compile(r"^\s{0,3}:{3,}\s*([A-Za-z][\w-]*)")
# Text that Markdown renders as itself: no markup, entity, HTML or line break characters.
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 ,.;:?!'\"()/%$+=@-]+")
_FRAGMENT_MEMO_SIZE = 50_000

_ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "section",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "aside": {"role", "aria-label"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes=_ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    filter_style_properties={"text-align"},
    link_rel="noopener noreferrer",
)
_FORMATTER = HtmlFormatter(nowrap=True)


@dataclass(frozen=True)
class LinkRef:
    """A relative link or image in Markdown, resolved against the document's folder."""

    kind: str  # "link" | "image"
    target: str  # as written, without the #fragment
    resolved: str  # content-root-relative posix path
    line: int
    column: int


@dataclass(frozen=True)
class Marked:
    """Something found at a place in the source (raw HTML, an unknown callout)."""

    line: int
    column: int
    text: str


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    front_matter: str | None = None
    front_matter_line: int = 0  # 1-based line of the first YAML line, 0 when absent
    body_line: int = 1
    links: tuple[LinkRef, ...] = ()
    raw_html: tuple[Marked, ...] = ()
    unknown_callouts: tuple[Marked, ...] = ()
    headings: tuple[Heading, ...] = ()


@lru_cache(maxsize=64)
def _lexer(language: str):
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def _highlight(code: str, language: str, _attrs: str) -> str:
    lexer = _lexer(language.strip().lower()) if language else None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return pygments_highlight(code, lexer, _FORMATTER)


def _render_callout(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    if token.nesting != 1:
        return "</aside>\n"
    words = token.info.strip().split(None, 1)
    kind = words[0].lower() if words else "note"
    title = words[1] if len(words) > 1 else CALLOUTS.get(kind, kind.title())
    label = html.escape(CALLOUTS.get(kind, kind.title()))
    return (
        f'<aside class="callout callout-{kind}" role="note" aria-label="{label}">\n'
        f'<p class="callout-title">{html.escape(title)}</p>\n'
    )


def _callout_named(name: str):
    def validate(params: str, *_args) -> bool:
        words = params.strip().split(None, 1)
        return bool(words) and words[0].lower() == name

    return validate


def _escape_raw_html(self, tokens: list[Token], idx: int, options, env) -> str:
    return html.escape(tokens[idx].content)


def _build_parser(front_matter: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight, "linkify": False})
    md.enable(["table", "strikethrough"])
    if front_matter:
        md.use(front_matter_plugin)
    md.use(footnote_plugin).use(deflist_plugin)
    md.use(anchors_plugin, min_level=1, max_level=4)
    for name in CALLOUTS:
        md.use(container_plugin, name=name, render=_render_callout, validate=_callout_named(name))
    md.add_render_rule("html_block", _escape_raw_html)
    md.add_render_rule("html_inline", _escape_raw_html)
    return md


def _new_env() -> dict[str, Any]:
    """markdown-it's scratch space for one render (footnotes, reference links)."""
    return {}


class Renderer:
    """The configured markdown-it parsers plus the rules around them."""

    def __init__(self, asset_prefix: str = DEFAULT_ASSET_PREFIX, page_prefix: str = DEFAULT_PAGE_PREFIX):
        self._document_md = _build_parser(front_matter=True)
        self._fragment_md = _build_parser(front_matter=False)
        self.prefixes = (asset_prefix, page_prefix)
        self._fragments: dict[tuple[str, str, bool], Rendered] = {}

    def render(self, text: str, doc_path: str, *, heading_offset: int = 0) -> Rendered:
        """Render a whole Markdown file (front matter, then body) found at `doc_path`."""
        md, env = self._document_md, _new_env()
        lines = text.split("\n")
        collector = _Collector(doc_path, lines, self.prefixes)
        tokens = md.parse(text, env)
        front_matter, front_matter_line, body_line = None, 0, 1
        fenced: list[tuple[int, int]] = []
        for index, token in enumerate(tokens):
            start, end = token.map or (0, 0)  # block tokens always carry their lines
            if token.type == "front_matter":
                front_matter = token.content
                front_matter_line = start + 2
                body_line = end + 1
            elif token.type in ("fence", "code_block") and token.map:
                fenced.append((start, end))
            elif token.type == "html_block":
                collector.raw(start, token.content)
            elif token.type == "inline":
                collector.walk_inline(token.children or [], start)
            elif token.type == "heading_open":
                collector.heading(tokens, index, heading_offset)
        body = md.renderer.render(tokens, md.options, env)
        return Rendered(
            html=_CLEANER.clean(body),
            front_matter=front_matter,
            front_matter_line=front_matter_line,
            body_line=body_line,
            links=tuple(collector.links),
            raw_html=tuple(collector.raw_html),
            unknown_callouts=tuple(_unknown_callouts(lines, fenced, body_line)),
            headings=tuple(collector.headings),
        )

    def fragment(self, text: str, doc_path: str, *, inline: bool = False) -> Rendered:
        """Render a Markdown value from a YAML file (a prompt, a choice, an explanation).

        Exams hold many short values, most of them plain sentences, and many repeat; plain
        text skips the parser and repeats come from a memo, which keeps loading fast.
        """
        folder = posixpath.dirname(doc_path)
        key = (text, folder, inline)
        found = self._fragments.get(key)
        if found is not None:
            return found
        stripped = text.strip()
        if _PLAIN_TEXT.fullmatch(stripped) and (text == stripped if inline else text[0].isalpha()):
            found = Rendered(html=stripped if inline else f"<p>{stripped}</p>\n")
        else:
            found = self._parse_fragment(text, doc_path, inline)
        if len(self._fragments) >= _FRAGMENT_MEMO_SIZE:
            self._fragments.clear()
        self._fragments[key] = found
        return found

    def _parse_fragment(self, text: str, doc_path: str, inline: bool) -> Rendered:
        md, env = self._fragment_md, _new_env()
        collector = _Collector(doc_path, text.split("\n"), self.prefixes)
        tokens = md.parseInline(text, env) if inline else md.parse(text, env)
        for token in tokens:
            start = token.map[0] if token.map else 0
            if token.type == "html_block":
                collector.raw(start, token.content)
            elif token.type == "inline":
                collector.walk_inline(token.children or [], start)
        body = md.renderer.render(tokens, md.options, env)
        return Rendered(html=_CLEANER.clean(body), links=tuple(collector.links), raw_html=tuple(collector.raw_html))


@dataclass
class _Collector:
    doc_path: str
    lines: list[str]
    prefixes: tuple[str, str]  # where assets and module/agreement pages are served
    links: list[LinkRef] = field(default_factory=list)
    raw_html: list[Marked] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)

    def column_of(self, line_index: int, needle: str) -> int:
        if 0 <= line_index < len(self.lines):
            found = self.lines[line_index].find(needle)
            if found >= 0:
                return found + 1
        return 1

    def raw(self, line_index: int, content: str) -> None:
        snippet = content.strip().splitlines()[0] if content.strip() else content
        column = self.column_of(line_index, snippet[:20])
        self.raw_html.append(Marked(line_index + 1, column, snippet[:60]))

    def heading(self, tokens: list[Token], index: int, offset: int) -> None:
        token, inline, closing = tokens[index], tokens[index + 1], tokens[index + 2]
        level = min(int(token.tag[1]) + offset, 6)
        token.tag = closing.tag = f"h{level}"
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        self.headings.append(Heading(level, str(token.attrs.get("id", "")), text))

    def walk_inline(self, children: list[Token], first_line: int) -> None:
        line = first_line
        for child in children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                self.raw(line, child.content)
            elif child.type == "link_open":
                self._relative(child, "href", "link", line)
            elif child.type == "image":
                self._relative(child, "src", "image", line)

    def _relative(self, token: Token, attr: str, kind: str, line: int) -> None:
        target = str(token.attrs.get(attr, ""))
        if not target or target.startswith(("#", "/")) or _SCHEME.match(target):
            return
        path, _, fragment = target.partition("#")
        path = path.partition("?")[0]
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.doc_path), path))
        self.links.append(LinkRef(kind, path, resolved, line + 1, self.column_of(line, target)))
        asset_prefix, page_prefix = self.prefixes
        page = page_key(resolved) if kind == "link" else None
        if page:
            token.attrSet(attr, page_prefix + page + (f"#{fragment}" if fragment else ""))
        elif is_asset_path(resolved):
            token.attrSet(attr, asset_prefix + resolved)


def _unknown_callouts(lines: list[str], fenced: list[tuple[int, int]], body_line: int) -> Iterator[Marked]:
    inside: set[int] = set()
    for start, end in fenced:
        inside.update(range(start, end))
    for index in range(body_line - 1, len(lines)):
        if index in inside:
            continue
        match = _CALLOUT_LINE.match(lines[index])
        if match and match.group(1).lower() not in CALLOUTS:
            yield Marked(index + 1, match.start(1) + 1, match.group(1))


def pygments_css() -> str:
    """Stylesheet for highlighted code, served with the app's static files."""
    return _FORMATTER.get_style_defs(".markdown pre")
