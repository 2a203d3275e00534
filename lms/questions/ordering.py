"""`ordering`: put the items in order by giving each its position.

With `partial: true` each correctly placed neighbour pair (an item directly before the one that
follows it in the key) earns a share, so one misplaced item costs little, not everything.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool

from lms.content.fields import LocalProblem, Text, duplicates
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

MIN_ITEMS = 3  # with two, the only shuffled order is the reverse, which gives the answer away


class OrderingSpec(QuestionSpec):
    items: Annotated[list[Text], Field(min_length=MIN_ITEMS)]
    partial: StrictBool = False

    def check_duplicate_items(self) -> list[LocalProblem]:
        return duplicates("items", self.items)


@dataclass(frozen=True)
class OrderingData:
    items_html: tuple[str, ...]
    partial: bool = False


class Ordering(QuestionType):
    name = "ordering"
    spec = OrderingSpec
    input_template = """<p class="hint">Give each item its position, from 1 (first) to {{ question.data.items_html | length }} (last). Use each position once.</p>
<ul class="matches">
  {%- for index in qlayout.order %}
  {%- set token = qlayout.tokens[index] %}
  <li>
    <label for="{{ qid }}-{{ token }}">{{ question.data.items_html[index] | safe }}</label>
    <select id="{{ qid }}-{{ token }}" name="{{ name }}-{{ token }}">
      <option value="">Position</option>
      {%- for position in range(1, question.data.items_html | length + 1) %}
      <option value="{{ position }}"{% if answer and answer.get(index | string) == position %} selected{% endif %}>{{ position }}</option>
      {%- endfor %}
    </select>
  </li>
  {%- endfor %}
</ul>"""
    review_template = table_review_template("Step")

    def build(self, spec: OrderingSpec, context: BuildContext) -> OrderingData:
        return OrderingData(tuple(context.markdown(item, ("items", i), inline=True)
                                  for i, item in enumerate(spec.items)), spec.partial)

    def dump(self, data: OrderingData) -> dict[str, Any]:
        return {"items_html": list(data.items_html), "partial": data.partial}

    def load(self, stored: dict[str, Any]) -> OrderingData:
        return OrderingData(tuple(stored["items_html"]), bool(stored.get("partial", False)))

    def option_count(self, data: OrderingData) -> int:
        return len(data.items_html)

    def arrange(self, data: OrderingData, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
        return shuffled_away_from_key(rng, len(data.items_html))

    def read(self, data: OrderingData, qlayout: QuestionLayout, values: FormValues, name: str) -> dict[str, int]:
        count, answer = len(data.items_html), {}
        for item in range(count):
            position = first_value(values, f"{name}-{qlayout.tokens[item]}")
            if position.isdigit() and 1 <= int(position) <= count:
                answer[str(item)] = int(position)
        return answer

    def score(self, data: OrderingData, answer: Any) -> float:
        answer, count = answer or {}, len(data.items_html)
        if all(answer.get(str(item)) == item + 1 for item in range(count)):
            return 1.0
        if not data.partial:
            return 0.0
        neighbours = sum(isinstance(answer.get(str(item)), int) and answer.get(str(item + 1)) == answer[str(item)] + 1
                         for item in range(count - 1))
        return fraction(neighbours, count - 1)

    def review(self, data: OrderingData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        answer = answer or {}
        return ReviewParts(tuple(Row(data.items_html[item], correct=answer.get(str(item)) == item + 1,
                                     learner=str(answer.get(str(item), "No answer")), expected=str(item + 1))
                                 for item in qlayout.order))

    def form_values(self, data: OrderingData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        count = len(data.items_html)
        return {f"{name}-{qlayout.tokens[item]}": [str(item + 1 if right else count - item)]
                for item in range(count)}


TYPE = Ordering()
