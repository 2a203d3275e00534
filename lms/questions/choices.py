"""What single- and multiple-choice questions share: choices with feedback, their layout and review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool

from lms.content.fields import LocalProblem, Markdown, Spec, Text, duplicates
from lms.questions.base import BuildContext, QuestionLayout, QuestionSpec, ReviewParts, Row


class ChoiceSpec(Spec):
    text: Text
    correct: StrictBool = False
    feedback: Markdown = ""


class ChoicesSpec(QuestionSpec):
    choices: Annotated[list[ChoiceSpec], Field(min_length=2)]

    def check_duplicate_choices(self) -> list[LocalProblem]:
        return duplicates("choices", [choice.text for choice in self.choices], "text")


@dataclass(frozen=True)
class Choice:
    text_html: str
    correct: bool
    feedback_html: str


def build_choices(spec: ChoicesSpec, context: BuildContext) -> tuple[Choice, ...]:
    return tuple(Choice(context.markdown(choice.text, ("choices", index, "text"), inline=True), choice.correct,
                        context.markdown(choice.feedback, ("choices", index, "feedback")))
                 for index, choice in enumerate(spec.choices))


def load_choices(stored: dict[str, Any]) -> tuple[Choice, ...]:
    return tuple(Choice(**choice) for choice in stored["choices"])


def review_choices(choices: tuple[Choice, ...], qlayout: QuestionLayout, chosen: set[int]) -> ReviewParts:
    return ReviewParts(tuple(Row(choices[i].text_html, i in chosen, choices[i].correct,
                                 feedback_html=choices[i].feedback_html if i in chosen else "")
                             for i in qlayout.order))


_INPUT_TEMPLATE = """<ul class="options">
  {%- for index in qlayout.order %}
  {%- set token = qlayout.tokens[index] %}
  <li>
    <input type="KIND" id="{{ qid }}-{{ token }}" name="{{ name }}" value="{{ token }}"
      {%- if answer is not none and (answer == index if answer is number else index in answer) %} checked{% endif %}>
    <label for="{{ qid }}-{{ token }}">{{ question.data.choices[index].text_html | safe }}</label>
  </li>
  {%- endfor %}
</ul>"""


def input_template(kind: str) -> str:
    """Radio buttons ("radio") or checkboxes ("checkbox") over the choices, in the attempt's order."""
    return _INPUT_TEMPLATE.replace("KIND", kind)


REVIEW_TEMPLATE = """<ul class="review-rows">
  {%- for row in item.rows %}
  <li class="{{ 'right' if row.correct }} {{ 'chosen' if row.chosen }}">
    {{ row.html | safe }}
    {%- if row.chosen %}<strong> (your answer)</strong>{% endif %}
    {%- if row.correct %}<strong> (correct answer)</strong>{% endif %}
    {%- if row.feedback_html %}<div class="feedback markdown">{{ row.feedback_html | safe }}</div>{% endif %}
  </li>
  {%- endfor %}
</ul>"""
