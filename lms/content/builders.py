"""Turn one content file into its catalog object, reporting every problem found in it.

Each builder sees a single file; rules that span files live in crosscheck.py. A builder's
result depends only on the file's path and bytes, which is what lets the loader cache it.
Problems are collected in one pass: a file whose keys are wrong still has its questions, its
module list and its cross-field rules checked, on what could be salvaged (validation.check).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from lms import questions  # its registry is read when building, so either package may be imported first
from lms.content import catalog as c
from lms.content import schemas as s
from lms.content.draws import check_draws
from lms.content.guessable import check_guessable
from lms.content.markdown import LinkRef, Rendered, Renderer
from lms.content.paths import module_slug
from lms.content.problems import Problem, ProblemSink, did_you_mean
from lms.content.validation import check
from lms.content.yamlsource import LocatedYaml, SourceMap, YamlSyntaxError, parse_yaml

# Module pages and agreements show the title as the page's only h1, so body headings step down.
BODY_HEADING_OFFSET = 1


@dataclass
class FileResult:
    """What one file contributed: its object (None when too broken to serve), its problems, and for
    cross-file rules its schema (salvaged when invalid), the places of its values and its links."""

    kind: str
    item: Any = None
    spec: Any = None
    places: SourceMap = field(default_factory=SourceMap)
    links: list[LinkRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class FileContext:
    """Everything the helpers of one build need, in one place."""

    kind: str
    key: str
    path: str
    data: bytes
    renderer: Renderer
    sink: ProblemSink = field(init=False)
    result: FileResult = field(init=False)

    def __post_init__(self) -> None:
        self.sink = ProblemSink(self.path)
        self.result = FileResult(self.kind)

    @property
    def places(self) -> SourceMap:
        return self.result.places

    def finish(self) -> FileResult:
        self.result.problems = self.sink.problems
        return self.result

    def text(self) -> str | None:
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.data[: exc.start].count(b"\n") + 1
            self.sink.error("not-utf8", f"file is not UTF-8 text (invalid byte at offset {exc.start})", line, 1)
            return None

    def yaml(self, text: str, what: str, line_offset: int = 0) -> LocatedYaml | None:
        """A YAML mapping with its places, or None after reporting why not."""
        try:
            parsed = parse_yaml(text, line_offset)
        except YamlSyntaxError as exc:
            self.sink.error("yaml-syntax", exc.message, exc.line, exc.column)
            return None
        for path, (line, column) in parsed.places.duplicates:
            self.sink.error("duplicate-key", f"key '{path[-1]}' appears more than once", line, column)
        if not isinstance(parsed.data, dict):
            line, column = parsed.places.value(())
            found = "an empty document" if parsed.data is None else f"a {type(parsed.data).__name__}"
            self.sink.error("invalid-type", f"{what} must be a mapping of keys to values (found {found})",
                            line, column)
            return None
        self.result.places = parsed.places
        return parsed

    def markdown(self, text: str, where: tuple[Any, ...], inline: bool = False) -> str:
        """Render a Markdown value held in YAML, reporting raw HTML and links at the value's place."""
        if not text:
            return ""
        rendered = self.renderer.fragment(text, self.path, inline=inline)
        line, column = self.places.value(where)
        if rendered.raw_html:
            self.sink.error("raw-html", f"raw HTML is not allowed in Markdown ({rendered.raw_html[0].text!r}); "
                                        "use Markdown syntax", line, column)
        for link in rendered.links:
            self.result.links.append(LinkRef(link.kind, link.target, link.resolved, line, column))
        return rendered.html

    def error(self, code: str, message: str, where: tuple[Any, ...]) -> None:
        line, column = self.places.key(where)
        self.sink.error(code, message, line, column)

    def within(self, prefix: tuple[Any, ...]) -> Scoped:
        return Scoped(self, prefix)


@dataclass(frozen=True)
class Scoped:
    """A file context seen from one part of the file (a question), so paths are relative to it."""

    context: FileContext
    prefix: tuple[Any, ...]

    def markdown(self, text: str, where: tuple[Any, ...], inline: bool = False) -> str:
        return self.context.markdown(text, self.prefix + where, inline)

    def error(self, code: str, message: str, where: tuple[Any, ...]) -> None:
        self.context.error(code, message, self.prefix + where)


def build_program(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    context = FileContext("program", key, path, data, renderer)
    parsed = _read_yaml(context, "program.yaml")
    if parsed is not None:
        checked = check(s.ProgramSpec, parsed.data, context.places, context.sink)
        context.result.spec, spec = checked.salvaged, checked.spec
        if spec is not None:
            context.result.item = c.Program(
                key=key, title=spec.title, plan_year=spec.plan_year, opens=spec.opens, closes=spec.closes,
                open_enrollment=spec.open_enrollment, previous=spec.previous,
                description_html=context.markdown(spec.description, ("description",)),
                agreement_keys=tuple(f"{key}/{a}" for a in spec.agreements),
                registrations=tuple(c.Registration(name, item.title, item.training,
                                                   tuple(f"{key}/{a}" for a in item.agreements))
                                    for name, item in spec.registration_items().items()),
                track_keys=tuple(f"{key}/{t}" for t in spec.tracks), source=path,
                minimum_time_percent=spec.minimum_time_percent,
            )
    return context.finish()


def build_track(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    context = FileContext("track", key, path, data, renderer)
    parsed = _read_yaml(context, "track.yaml")
    if parsed is not None:
        checked = check(s.TrackSpec, parsed.data, context.places, context.sink)
        context.result.spec, spec = checked.salvaged, checked.spec
        if spec is not None:
            program_key, slug = key.split("/", 1)
            context.result.item = c.Track(
                key=key, program_key=program_key, slug=slug, title=spec.title,
                description_html=context.markdown(spec.description, ("description",)),
                audience=spec.audience, required=spec.required, satisfies=spec.satisfies,
                unlock=tuple(c.Condition(u.kind, u.value) for u in spec.unlock if not u.problems()),
                module_keys=tuple(f"{key}/{module_slug(name)}" for name in spec.modules), source=path,
                minimum_time_percent=spec.minimum_time_percent,
            )
    return context.finish()


def build_module(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    context = FileContext("module", key, path, data, renderer)
    rendered, meta = _read_markdown(context, s.ModuleSpec)
    if rendered is not None and meta is not None:
        track_key, slug = key.rsplit("/", 1)
        context.result.item = c.Module(
            key=key, track_key=track_key, slug=slug, title=meta.title, minutes=meta.minutes,
            objectives=tuple(meta.objectives), exam_key=meta.exam, html=rendered.html,
            headings=rendered.headings, content_hash=sha256(data), source=path, sources_html=_sources(context, meta),
        )
    return context.finish()


def build_agreement(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    context = FileContext("agreement", key, path, data, renderer)
    rendered, meta = _read_markdown(context, s.AgreementSpec)
    if rendered is not None and meta is not None:
        program_key, slug = key.split("/", 1)
        # What an agent accepts is the text they read, so the hash covers the body, not the front matter.
        body = "\n".join(data.decode("utf-8-sig").split("\n")[rendered.body_line - 1:])
        context.result.item = c.Agreement(
            key=key, program_key=program_key, slug=slug, title=meta.title, version=meta.version,
            requires_signature=meta.requires_signature, html=rendered.html,
            text_sha256=sha256(body.encode()), source=path, sources_html=_sources(context, meta),
        )
    return context.finish()


def build_exam(key: str, path: str, data: bytes, renderer: Renderer) -> FileResult:
    context = FileContext("exam", key, path, data, renderer)
    parsed = _read_yaml(context, "an exam")
    if parsed is None:
        return context.finish()
    raw = parsed.data
    settings = check(s.ExamSpec, raw, context.places, context.sink)
    context.result.spec, spec = settings.salvaged, settings.spec
    pool = raw.get("questions") if isinstance(raw.get("questions"), list) else []
    questions = _questions(context, pool)
    check_draws(settings.salvaged, pool, lambda code, message, where, at_key: context.sink.error(
        code, message, *(context.places.key(where) if at_key else context.places.value(where))))
    if not context.sink.has_errors:
        check_guessable(pool, lambda code, message, where: context.sink.warning(code, message,
                                                                                 *context.places.key(where)))
    if spec is not None and not context.sink.has_errors:
        context.result.item = c.Exam(
            key=key, title=spec.title, description_html=context.markdown(spec.description, ("description",)),
            pass_percent=float(spec.pass_percent), attempts=spec.attempts, grading=spec.grading,
            time_limit_minutes=spec.time_limit_minutes, shuffle=spec.shuffle, draw=spec.draw,
            review=c.ReviewPolicy(**spec.review.model_dump()), topics=tuple(spec.topics.items()),
            questions=tuple(questions), content_hash=sha256(data), source=path,
        )
    return context.finish()


def _read_yaml(context: FileContext, what: str) -> LocatedYaml | None:
    text = context.text()
    return context.yaml(text, what) if text is not None else None


def _read_markdown(context: FileContext, spec_model: type[s.Spec]) -> tuple[Rendered | None, Any]:
    """(the rendered body, the valid front matter or None); the salvaged front matter goes to result.spec."""
    text = context.text()
    if text is None:
        return None, None
    rendered = context.renderer.render(text, context.path, heading_offset=BODY_HEADING_OFFSET)
    _report_body(context, rendered)
    if rendered.front_matter is None:
        context.sink.error("no-front-matter",
                           "file must start with YAML front matter between '---' lines (with at least a title)", 1, 1)
        return rendered, None
    parsed = context.yaml(rendered.front_matter, "front matter", rendered.front_matter_line - 1)
    if parsed is None:
        return rendered, None
    checked = check(spec_model, parsed.data, context.places, context.sink)
    context.result.spec = checked.salvaged
    return rendered, checked.spec


def _report_body(context: FileContext, rendered: Rendered) -> None:
    for raw in rendered.raw_html:
        context.sink.error("raw-html", f"raw HTML is not allowed in Markdown ({raw.text!r}); use Markdown syntax",
                           raw.line, raw.column)
    for callout in rendered.unknown_callouts:
        context.sink.warning("unknown-callout", f"'::: {callout.text}' is not a callout"
                             f"{did_you_mean(callout.text, ['note', 'tip', 'warning'])}; use note, tip or warning",
                             callout.line, callout.column)
    context.result.links.extend(rendered.links)


def _sources(context: FileContext, meta: Any) -> tuple[str, ...]:
    """The public sources a page cites, each one line of inline Markdown (usually a link)."""
    return tuple(context.markdown(text, ("sources", index), inline=True) for index, text in enumerate(meta.sources))


def _questions(context: FileContext, pool: list[Any]) -> list[c.Question]:
    """Every question checked on its own, whatever else is wrong with the exam."""
    built: list[c.Question] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(pool):
        if not isinstance(raw, dict):
            continue  # the exam's schema reports it
        at = ("questions", index)
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in questions.QUESTION_TYPES:
            line, column = context.places.value(at + ("type",))
            if kind is None:
                context.sink.error("missing-key", "missing required key 'type'", line, column)
            else:
                context.sink.error("invalid-value", f"unknown question type {kind!r}"
                                   f"{did_you_mean(str(kind), questions.QUESTION_TYPES)}; use one of: "
                                   f"{', '.join(questions.QUESTION_TYPES)}", line, column)
            continue
        question_type = questions.QUESTION_TYPES[kind]
        checked = check(question_type.spec, raw, context.places, context.sink, at)
        question_id = getattr(checked.salvaged, "id", None)
        if question_id in seen_ids:
            line, column = context.places.value(at + ("id",))
            context.sink.error("duplicate-id", f"question id '{question_id}' is used more than once in this exam",
                               line, column)
        if question_id:
            seen_ids.add(question_id)
        spec = checked.spec
        if spec is None:
            continue
        scoped = context.within(at)
        built.append(c.Question(
            id=spec.id, type=spec.type, prompt_html=scoped.markdown(spec.prompt, ("prompt",)),
            points=float(spec.points), explanation_html=scoped.markdown(spec.explanation, ("explanation",)),
            data=question_type.build(spec, scoped), see=spec.see, topic=spec.topic,
        ))
    return built
