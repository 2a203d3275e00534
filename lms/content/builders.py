"""Turn one content file into its catalog object, reporting every problem found in it.

Each builder sees a single file; rules that span files live in crosscheck.py. A builder's
result depends only on the file's path and bytes, which is what lets the loader cache it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from lms.content import catalog as c
from lms.content import schemas as s
from lms.content.markdown import LinkRef, Renderer, Rendered, module_slug
from lms.content.problems import Problem, ProblemSink, did_you_mean
from lms.content.validation import validate
from lms.content.yamlsource import LocatedYaml, SourceMap, YamlSyntaxError, parse_yaml

# Module pages and agreements show the title as the page's only h1, so body headings step down.
BODY_HEADING_OFFSET = 1


@dataclass
class FileResult:
    """What one file contributed: its object (None when too broken to serve) and its problems."""

    kind: str
    item: Any = None
    spec: Any = None
    places: SourceMap = field(default_factory=SourceMap)
    links: list[LinkRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, sink: ProblemSink) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        sink.error("not-utf8", f"file is not UTF-8 text (invalid byte at offset {exc.start})", line, 1)
        return None


def _yaml(text: str, sink: ProblemSink, line_offset: int = 0) -> LocatedYaml | None:
    try:
        parsed = parse_yaml(text, line_offset)
    except YamlSyntaxError as exc:
        sink.error("yaml-syntax", exc.message, exc.line, exc.column)
        return None
    for path, (line, column) in parsed.places.duplicates:
        sink.error("duplicate-key", f"key '{path[-1]}' appears more than once", line, column)
    return parsed


def _mapping(parsed: LocatedYaml | None, sink: ProblemSink, what: str) -> LocatedYaml | None:
    if parsed is None:
        return None
    if not isinstance(parsed.data, dict):
        line, column = parsed.places.value(())
        found = "an empty document" if parsed.data is None else f"a {type(parsed.data).__name__}"
        sink.error("invalid-type", f"{what} must be a mapping of keys to values (found {found})", line, column)
        return None
    return parsed


def build_program(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    sink, result = ProblemSink(path), FileResult("program")
    parsed = _read_yaml(data, sink, "program.yaml")
    spec = parsed and validate(s.ProgramSpec, parsed.data, parsed.places, sink)
    if parsed:
        result.places = parsed.places
    if spec:
        result.spec = spec
        result.item = c.Program(
            key=key, title=spec.title, plan_year=spec.plan_year, opens=spec.opens, closes=spec.closes,
            open_enrollment=spec.open_enrollment, previous=spec.previous,
            description_html=_fragment(renderer, spec.description, path, parsed.places, ("description",), sink, result),
            agreement_keys=tuple(f"{key}/{a}" for a in spec.agreements),
            registration_training=spec.registration.training,
            registration_agreement_keys=tuple(f"{key}/{a}" for a in spec.registration.agreements),
            track_keys=tuple(f"{key}/{t}" for t in spec.tracks), source=path,
        )
    result.problems = sink.problems
    return result


def build_track(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    sink, result = ProblemSink(path), FileResult("track")
    parsed = _read_yaml(data, sink, "track.yaml")
    spec = parsed and validate(s.TrackSpec, parsed.data, parsed.places, sink)
    if parsed:
        result.places = parsed.places
    if spec:
        program_key, slug = key.split("/", 1)
        result.spec = spec
        result.item = c.Track(
            key=key, program_key=program_key, slug=slug, title=spec.title,
            description_html=_fragment(renderer, spec.description, path, parsed.places, ("description",), sink, result),
            audience=spec.audience, required=spec.required, satisfies=spec.satisfies,
            unlock=tuple(c.Condition(u.kind, u.value) for u in spec.unlock if not u.problems()),
            module_keys=tuple(f"{key}/{module_slug(name)}" for name in spec.modules), source=path,
        )
    result.problems = sink.problems
    return result


def build_module(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    sink, result = ProblemSink(path), FileResult("module")
    rendered, meta = _read_markdown(data, path, sink, renderer, result, s.ModuleSpec)
    if meta:
        track_key, slug = key.rsplit("/", 1)
        result.spec = meta
        result.item = c.Module(
            key=key, track_key=track_key, slug=slug, title=meta.title, minutes=meta.minutes,
            objectives=tuple(meta.objectives), exam_key=meta.exam, html=rendered.html,
            headings=rendered.headings, content_hash=sha256(data), source=path,
            sources_html=_sources(meta, renderer, path, result, sink),
        )
    result.problems = sink.problems
    return result


def build_agreement(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    sink, result = ProblemSink(path), FileResult("agreement")
    rendered, meta = _read_markdown(data, path, sink, renderer, result, s.AgreementSpec)
    if meta:
        program_key, slug = key.split("/", 1)
        # What an agent accepts is the text they read, so the hash covers the body, not the front matter.
        body = "\n".join(data.decode("utf-8-sig").split("\n")[rendered.body_line - 1:])
        result.item = c.Agreement(
            key=key, program_key=program_key, slug=slug, title=meta.title, version=meta.version,
            requires_signature=meta.requires_signature, html=rendered.html,
            text_sha256=sha256(body.encode()), source=path,
            sources_html=_sources(meta, renderer, path, result, sink),
        )
    result.problems = sink.problems
    return result


def build_exam(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    sink, result = ProblemSink(path), FileResult("exam")
    parsed = _read_yaml(data, sink, "an exam")
    spec = parsed and validate(s.ExamSpec, parsed.data, parsed.places, sink)
    if parsed:
        result.places = parsed.places
    if spec:
        places = parsed.places
        questions = _questions(spec, path, places, sink, renderer, result)
        if spec.draw is not None and spec.draw > len(spec.questions):
            line, column = places.value(("draw",))
            sink.error("draw-too-large",
                       f"draw asks for {spec.draw} questions but the pool has only {len(spec.questions)}",
                       line, column)
        description = _fragment(renderer, spec.description, path, places, ("description",), sink, result)
        if not sink.has_errors:
            result.item = c.Exam(
                key=key, title=spec.title, description_html=description,
                pass_percent=float(spec.pass_percent), attempts=spec.attempts, grading=spec.grading,
                time_limit_minutes=spec.time_limit_minutes, shuffle=spec.shuffle, draw=spec.draw,
                review=spec.review, questions=tuple(questions), content_hash=sha256(data), source=path,
            )
    result.problems = sink.problems
    return result


def _read_yaml(data: bytes, sink: ProblemSink, what: str) -> LocatedYaml | None:
    text = decode(data, sink)
    return _mapping(_yaml(text, sink), sink, what) if text is not None else None


def _read_markdown(data, path, sink, renderer, result, spec_model):
    text = decode(data, sink)
    if text is None:
        return None, None
    rendered = renderer.render(text, path, heading_offset=BODY_HEADING_OFFSET)
    _report_body(rendered, sink, result)
    if rendered.front_matter is None:
        sink.error("no-front-matter",
                   "file must start with YAML front matter between '---' lines (with at least a title)", 1, 1)
        return rendered, None
    parsed = _mapping(_yaml(rendered.front_matter, sink, rendered.front_matter_line - 1), sink, "front matter")
    if parsed is None:
        return rendered, None
    result.places = parsed.places
    return rendered, validate(spec_model, parsed.data, parsed.places, sink)


def _report_body(rendered: Rendered, sink: ProblemSink, result: FileResult) -> None:
    for raw in rendered.raw_html:
        sink.error("raw-html", f"raw HTML is not allowed in Markdown ({raw.text!r}); use Markdown syntax",
                   raw.line, raw.column)
    for callout in rendered.unknown_callouts:
        sink.warning("unknown-callout",
                     f"'::: {callout.text}' is not a callout{did_you_mean(callout.text, ['note', 'tip', 'warning'])};"
                     " use note, tip or warning", callout.line, callout.column)
    result.links.extend(rendered.links)


def _fragment(renderer, text, path, places, where, sink, result, inline=False) -> str:
    """Render a Markdown value held in YAML, reporting raw HTML and links at the value's place."""
    if not text:
        return ""
    rendered = renderer.fragment(text, path, inline=inline)
    line, column = places.value(where)
    if rendered.raw_html:
        first = rendered.raw_html[0].text
        sink.error("raw-html", f"raw HTML is not allowed in Markdown ({first!r}); use Markdown syntax",
                   line, column)
    for link in rendered.links:
        result.links.append(LinkRef(link.kind, link.target, link.resolved, line, column))
    return rendered.html


def _sources(meta, renderer, path, result, sink) -> tuple[str, ...]:
    """The public sources a page cites, each one line of inline Markdown (usually a link)."""
    return tuple(_fragment(renderer, text, path, result.places, ("sources", index), sink, result, inline=True)
                 for index, text in enumerate(meta.sources))


def _questions(spec, path, places, sink, renderer, result) -> list[c.Question]:
    built: list[c.Question] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(spec.questions):
        at = ("questions", index)
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in s.QUESTION_SPECS:
            line, column = places.value(at + ("type",))
            if kind is None:
                sink.error("missing-key", "missing required key 'type'", line, column)
            else:
                sink.error("invalid-value", f"unknown question type {kind!r}"
                           f"{did_you_mean(kind, s.QUESTION_SPECS)}; use one of: {', '.join(s.QUESTION_SPECS)}",
                           line, column)
            continue
        question = validate(s.QUESTION_SPECS[kind], raw, places, sink, at)
        if question is None:
            continue
        if question.id in seen_ids:
            line, column = places.value(at + ("id",))
            sink.error("duplicate-id", f"question id '{question.id}' is used more than once in this exam",
                       line, column)
        seen_ids.add(question.id)
        built.append(_question(question, at, path, places, sink, renderer, result))
    return built


def _question(q, at, path, places, sink, renderer, result) -> c.Question:
    def md(text, where, inline=False):
        return _fragment(renderer, text, path, places, at + where, sink, result, inline)

    fields: dict[str, Any] = {}
    if isinstance(q, (s.SingleSpec, s.MultipleSpec)):
        fields["choices"] = tuple(
            c.Choice(md(ch.text, ("choices", i, "text"), True), ch.correct,
                     md(ch.feedback, ("choices", i, "feedback")))
            for i, ch in enumerate(q.choices)
        )
        fields["partial"] = getattr(q, "partial", False)
    elif isinstance(q, s.TrueFalseSpec):
        fields["answer"] = q.answer
    elif isinstance(q, s.NumericSpec):
        fields.update(answer=float(q.answer), tolerance=float(q.tolerance), unit=q.unit)
    elif isinstance(q, s.MatchingSpec):
        fields["pairs"] = tuple(
            c.Pair(md(p.left, ("pairs", i, "left"), True), md(p.right, ("pairs", i, "right"), True))
            for i, p in enumerate(q.pairs)
        )
    elif isinstance(q, s.OrderingSpec):
        fields["items_html"] = tuple(md(item, ("items", i), True) for i, item in enumerate(q.items))
    return c.Question(
        id=q.id, type=q.type, prompt_html=md(q.prompt, ("prompt",)), points=float(q.points),
        explanation_html=md(q.explanation, ("explanation",)), **fields,
    )
