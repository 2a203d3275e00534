"""`cloze`: a short text with blanks, each answered from a dropdown.

Authors write the blanks inline as `[[right|wrong|wrong]]`: the first choice is the right one, and
every attempt shows each blank's choices in its own random order. Each blank is scored on its own;
the question earns its points when every blank is right, or a share per right blank with
`partial: true`.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass
from typing import Any

from pydantic import StrictBool

from lms.content.fields import LocalProblem, Text
from lms.questions.base import (
    BuildContext,
    FormValues,
    QuestionLayout,
    QuestionSpec,
    QuestionType,
    ReviewParts,
    Row,
    first_value,
    fraction,
    shuffled,
    table_review_template,
)

GAP = re.compile(r"\[\[(.*?)\]\]")
_MARK = "\u2045{}\u2046"  # stands in for a blank while the text goes through Markdown
_MARKS = re.compile("\u2045(\\d+)\u2046")


def gaps_of(text: str) -> list[list[str]]:
    return [[choice.strip() for choice in found.split("|")] for found in GAP.findall(text)]


class ClozeSpec(QuestionSpec):
    text: Text
    partial: StrictBool = False

    def check_gaps(self) -> list[LocalProblem]:
        found: list[LocalProblem] = []
        gaps = gaps_of(self.text)
        if not gaps:
            found.append((("text",), "too-few", "text needs at least one blank written as [[right|wrong|...]]"))
        if "[[" in GAP.sub("", self.text) or "\u2045" in self.text:
            found.append((("text",), "invalid-value", "a blank opened with [[ is not closed with ]]"))
        for number, choices in enumerate(gaps, start=1):
            if len(choices) < 2:
                found.append((("text",), "too-few", f"blank {number} needs at least 2 choices, the right one first"))
            if any(not choice for choice in choices):
                found.append((("text",), "empty-value", f"blank {number} has an empty choice"))
            elif len(set(choices)) != len(choices):
                found.append((("text",), "duplicate-item", f"blank {number} lists the same choice twice"))
        return found


@dataclass(frozen=True)
class ClozeData:
    segments_html: tuple[str, ...]  # the text around the blanks: one more piece than there are blanks
    gaps_html: tuple[tuple[str, ...], ...]  # each blank's choices, the right one first
    partial: bool = False

    @property
    def offsets(self) -> tuple[int, ...]:
        """Where each blank's choices start among all the question's options."""
        starts, total = [], 0
        for choices in self.gaps_html:
            starts.append(total)
            total += len(choices)
        return tuple(starts)


class Cloze(QuestionType):
    name = "cloze"
    spec = ClozeSpec
    input_template = """<div class="markdown cloze">
{%- set data = question.data %}
{%- for segment in data.segments_html %}{{ segment | safe }}
{%- if not loop.last %}{% set gap = loop.index0 %}{% set start = data.offsets[gap] %}
<select id="{{ qid }}-{{ gap }}" name="{{ name }}-{{ gap }}" aria-label="Blank {{ gap + 1 }} of {{ data.gaps_html | length }}">
  <option value="">Choose…</option>
  {%- for index in qlayout.order[start:start + data.gaps_html[gap] | length] %}
  <option value="{{ qlayout.tokens[index] }}"{% if answer and answer.get(gap | string) == index - start %} selected{% endif %}>{{ data.gaps_html[gap][index - start] | safe }}</option>
  {%- endfor %}
</select>
{%- endif %}{% endfor %}
</div>"""
    review_template = table_review_template("Blank")

    def build(self, spec: ClozeSpec, context: BuildContext) -> ClozeData:
        gaps = gaps_of(spec.text)
        counter = iter(range(len(gaps)))
        marked = GAP.sub(lambda _match: _MARK.format(next(counter)), spec.text)
        pieces = _MARKS.split(context.markdown(marked, ("text",)))
        segments, numbers = pieces[0::2], [int(number) for number in pieces[1::2]]
        if numbers != list(range(len(gaps))):
            context.error("invalid-value", "a blank must sit in the text itself, not inside a link, image or "
                                           "code", ("text",))
        return ClozeData(tuple(segments), tuple(tuple(html.escape(choice) for choice in choices) for choices in gaps),
                         spec.partial)

    def dump(self, data: ClozeData) -> dict[str, Any]:
        return {"segments_html": list(data.segments_html), "gaps_html": [list(gap) for gap in data.gaps_html],
                "partial": data.partial}

    def load(self, stored: dict[str, Any]) -> ClozeData:
        return ClozeData(tuple(stored["segments_html"]), tuple(tuple(gap) for gap in stored["gaps_html"]),
                         bool(stored.get("partial", False)))

    def option_count(self, data: ClozeData) -> int:
        return sum(len(choices) for choices in data.gaps_html)

    def arrange(self, data: ClozeData, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
        # Always shuffled: the right choice is written first.
        return tuple(start + index for start, choices in zip(data.offsets, data.gaps_html, strict=True)
                     for index in shuffled(rng, len(choices)))

    def read(self, data: ClozeData, qlayout: QuestionLayout, values: FormValues, name: str) -> dict[str, int]:
        answer = {}
        for gap, (start, choices) in enumerate(zip(data.offsets, data.gaps_html, strict=True)):
            index = qlayout.index_of(first_value(values, f"{name}-{gap}"))
            if index is not None and start <= index < start + len(choices):
                answer[str(gap)] = index - start
        return answer

    def score(self, data: ClozeData, answer: Any) -> float:
        answer = answer or {}
        right = sum(answer.get(str(gap)) == 0 for gap in range(len(data.gaps_html)))
        if data.partial:
            return fraction(right, len(data.gaps_html))
        return 1.0 if right == len(data.gaps_html) else 0.0

    def review(self, data: ClozeData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        answer = answer or {}
        rows = []
        for gap, choices in enumerate(data.gaps_html):
            given = answer.get(str(gap))
            learner = choices[given] if isinstance(given, int) and 0 <= given < len(choices) else "No answer"
            rows.append(Row(f"Blank {gap + 1}", correct=given == 0, learner=learner, expected=choices[0]))
        return ReviewParts(tuple(rows))

    def form_values(self, data: ClozeData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        return {f"{name}-{gap}": [qlayout.tokens[start + (0 if right else 1)]]
                for gap, start in enumerate(data.offsets)}


TYPE = Cloze()
