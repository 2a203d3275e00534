"""The question types, one module each, in the one registry every other layer consults.

To add a type, write its module (see base.QuestionType) and list it here; document it in
docs/authoring.md. Nothing else changes: validation, exam versions, layout, scoring, review and
the templates all look types up here.
"""

from __future__ import annotations

from lms.questions import cloze, matching, multiple, numeric, ordering, single, true_false
from lms.questions.base import QuestionSpec, QuestionType

QUESTION_TYPES: dict[str, QuestionType] = {
    module.TYPE.name: module.TYPE for module in (single, multiple, true_false, numeric, matching, ordering, cloze)
}


def question_type(name: str) -> QuestionType:
    return QUESTION_TYPES[name]


def specs() -> dict[str, type[QuestionSpec]]:
    return {name: kind.spec for name, kind in QUESTION_TYPES.items()}
