"""`matching`: choose the right-hand match for each left-hand item (one dropdown per item)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool

from lms.content.fields import LocalProblem, Spec, Text, duplicates
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
    shuffled_away_from_key,
    table_review_template,
)

MIN_PAIRS = 3  # with two, the only shuffled order is the reverse, which gives the answer away


class PairSpec(Spec):
    left: Text
    right: Text


class MatchingSpec(QuestionSpec):
    pairs: Annotated[list[PairSpec], Field(min_length=MIN_PAIRS)]
    partial: StrictBool = False

    def check_duplicate_sides(self) -> list[LocalProblem]:
        return (duplicates("pairs", [pair.left for pair in self.pairs], "left")
                + duplicates("pairs", [pair.right for pair in self.pairs], "right"))


@dataclass(frozen=True)
class Pair:
    left_html: str
    right_html: str


@dataclass(frozen=True)
class MatchingData:
    pairs: tuple[Pair, ...]
    partial: bool = False


class Matching(QuestionType):
    name = "matching"
    spec = MatchingSpec
    input_template = """<p class="hint">Choose the match for each item.</p>
<ul class="matches">
  {%- for pair in question.data.pairs %}
  {%- set left = loop.index0 %}
  <li>
    <label for="{{ qid }}-{{ left }}">{{ pair.left_html | safe }}</label>
    <select id="{{ qid }}-{{ left }}" name="{{ name }}-{{ left }}">
      <option value="">Choose a match</option>
      {%- for index in qlayout.order %}
      <option value="{{ qlayout.tokens[index] }}"{% if answer and answer.get(left | string) == index %} selected{% endif %}>{{ question.data.pairs[index].right_html | striptags }}</option>
      {%- endfor %}
    </select>
  </li>
  {%- endfor %}
</ul>"""
    review_template = table_review_template("Item")

    def build(self, spec: MatchingSpec, context: BuildContext) -> MatchingData:
        return MatchingData(tuple(Pair(context.markdown(pair.left, ("pairs", i, "left"), inline=True),
                                       context.markdown(pair.right, ("pairs", i, "right"), inline=True))
                                  for i, pair in enumerate(spec.pairs)), spec.partial)

    def dump(self, data: MatchingData) -> dict[str, Any]:
        return {"pairs": [vars(pair) for pair in data.pairs], "partial": data.partial}

    def load(self, stored: dict[str, Any]) -> MatchingData:
        return MatchingData(tuple(Pair(**pair) for pair in stored["pairs"]), bool(stored.get("partial", False)))

    def option_count(self, data: MatchingData) -> int:
        return len(data.pairs)

    def arrange(self, data: MatchingData, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
        # Always mixed up: in file order, each dropdown's matching entry would sit beside its item.
        return shuffled_away_from_key(rng, len(data.pairs))

    def read(self, data: MatchingData, qlayout: QuestionLayout, values: FormValues, name: str) -> dict[str, int]:
        answer = {}
        for left in range(len(data.pairs)):
            right = qlayout.index_of(first_value(values, f"{name}-{left}"))
            if right is not None:
                answer[str(left)] = right
        return answer

    def score(self, data: MatchingData, answer: Any) -> float:
        answer = answer or {}
        right = sum(answer.get(str(left)) == left for left in range(len(data.pairs)))
        if data.partial:
            return fraction(right, len(data.pairs))
        return 1.0 if right == len(data.pairs) else 0.0

    def review(self, data: MatchingData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        answer = answer or {}
        rows = []
        for left, pair in enumerate(data.pairs):
            given = answer.get(str(left))
            learner = data.pairs[given].right_html if isinstance(given, int) else "No answer"
            rows.append(Row(pair.left_html, correct=given == left, learner=learner, expected=pair.right_html))
        return ReviewParts(tuple(rows))

    def form_values(self, data: MatchingData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        count = len(data.pairs)
        return {f"{name}-{left}": [qlayout.tokens[left if right else (left + 1) % count]] for left in range(count)}


TYPE = Matching()
