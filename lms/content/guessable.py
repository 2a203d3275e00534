"""Warnings for exams a learner could pass by spotting patterns in the keys rather than knowing the answers.

They run on exams with no errors. A question opts out of one with `quiet: {code: reason}`; an opted-out
question is also left out of the exam-wide counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Any, Literal, get_args

from lms.content.sortable import sort_keys

GuessableCode = Literal["true-false-balance", "longest-correct", "giveaway-length", "no-feedback",
                        "duplicate-prompt", "answer-in-prompt"]
GUESSABLE_CODES: tuple[str, ...] = get_args(GuessableCode)

BALANCE_LIMIT = 0.7  # more than this share of true/false keys one way lets "always false" pass
BALANCE_MINIMUM = 3  # fewer true/false questions than this cannot be balanced
LONGEST_MINIMUM = 3  # single-choice questions needed before "pick the longest" is a pattern
GIVEAWAY_RATIO = 1.5  # a correct choice this many times longer than every distractor stands out
DUPLICATE_RATIO = 0.9  # prompts this alike (difflib ratio of their words) ask the same thing twice
QUOTED_MINIMUM = 12  # a correct choice shorter than this may appear in a prompt by chance

Report = Callable[[str, str, tuple[Any, ...]], None]  # (code, message, place in the exam)


def check_guessable(pool: list[Any], report: Report) -> None:
    questions = [(index, raw) for index, raw in enumerate(pool) if isinstance(raw, dict)]
    _check_true_false_balance(questions, report)
    _check_longest_correct(questions, report)
    _check_duplicate_prompts(questions, report)
    for index, raw in questions:
        if raw.get("type") in ("single", "multiple"):
            _check_choices(index, raw, report)
        if not _quiet(raw, "answer-in-prompt"):
            _check_answer_in_prompt(index, raw, report)


def _quiet(raw: dict[str, Any], code: str) -> bool:
    quiet = raw.get("quiet")
    return isinstance(quiet, dict) and code in quiet


def _check_true_false_balance(questions: list[tuple[int, dict[str, Any]]], report: Report) -> None:
    keys = [raw.get("answer") for _, raw in questions
            if raw.get("type") == "true_false" and not _quiet(raw, "true-false-balance")]
    if len(keys) < BALANCE_MINIMUM:
        return
    falses = sum(1 for key in keys if key is False)
    majority, word = max((falses, "false"), (len(keys) - falses, "true"))
    if majority / len(keys) > BALANCE_LIMIT:
        report("true-false-balance", f"{majority} of {len(keys)} true/false answers are '{word}'; "
               f"answering '{word}' throughout would pass them (keep each way at {BALANCE_LIMIT:.0%} or less)",
               ("questions",))


def _choices(raw: dict[str, Any]) -> list[dict[str, Any]]:
    choices = raw.get("choices")
    return [choice for choice in choices if isinstance(choice, dict)] if isinstance(choices, list) else []


def _choice_texts(raw: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(str(choice.get("text", "")).strip(), choice.get("correct") is True) for choice in _choices(raw)]


def _check_longest_correct(questions: list[tuple[int, dict[str, Any]]], report: Report) -> None:
    singles = [_choice_texts(raw) for _, raw in questions
               if raw.get("type") == "single" and not _quiet(raw, "longest-correct")]
    singles = [choices for choices in singles if len(choices) >= 2]
    if len(singles) < LONGEST_MINIMUM:
        return
    longest = sum(1 for choices in singles if _correct_is_longest(choices))
    if longest * 2 > len(singles):
        report("longest-correct", f"the correct choice is the longest in {longest} of {len(singles)} single-choice "
               "questions; 'pick the longest' would pass (make some distractors the longest)", ("questions",))


def _correct_is_longest(choices: list[tuple[str, bool]]) -> bool:
    correct = [len(text) for text, is_correct in choices if is_correct]
    wrong = [len(text) for text, is_correct in choices if not is_correct]
    return bool(correct and wrong) and max(correct) > max(wrong)


def _check_choices(index: int, raw: dict[str, Any], report: Report) -> None:
    texts = _choice_texts(raw)
    wrong = [len(text) for text, is_correct in texts if not is_correct]
    if raw.get("type") == "single" and wrong and not _quiet(raw, "giveaway-length"):
        for position, (text, is_correct) in enumerate(texts):
            if is_correct and len(text) > GIVEAWAY_RATIO * max(wrong):
                report("giveaway-length", f"the correct choice is {len(text)} characters, every distractor "
                       f"{max(wrong)} or fewer; its length gives it away (write distractors of similar length)",
                       ("questions", index, "choices", position, "text"))
    if _quiet(raw, "no-feedback"):
        return
    for position, choice in enumerate(_choices(raw)):
        if choice.get("correct") is not True and not choice.get("feedback"):
            report("no-feedback", "this distractor has no feedback; say why it is wrong, so a learner who picked "
                   "it learns from the review", ("questions", index, "choices", position))


def _words(text: Any) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", str(text).lower()))


def _check_duplicate_prompts(questions: list[tuple[int, dict[str, Any]]], report: Report) -> None:
    earlier: list[tuple[str, Any]] = []
    for index, raw in questions:
        prompt = _words(raw.get("prompt", ""))
        if not prompt or _quiet(raw, "duplicate-prompt"):
            continue
        for other, other_id in earlier:
            alike = SequenceMatcher(None, prompt, other, autojunk=False)
            if alike.real_quick_ratio() >= DUPLICATE_RATIO and alike.quick_ratio() >= DUPLICATE_RATIO \
                    and alike.ratio() >= DUPLICATE_RATIO:
                how = "the same as" if prompt == other else "nearly the same as"
                alikeness = "" if prompt == other else f" ({alike.ratio():.0%} alike)"
                report("duplicate-prompt", f"this prompt is {how} the prompt of question '{other_id}'{alikeness}; "
                       "one attempt may ask the same thing twice (merge them, or make each test something different)",
                       ("questions", index, "prompt"))
                break
        earlier.append((prompt, raw.get("id", index + 1)))


def _check_answer_in_prompt(index: int, raw: dict[str, Any], report: Report) -> None:
    kind = raw.get("type")
    if kind == "ordering":
        items = raw.get("items")
        keys = sort_keys(items) if isinstance(items, list) and len(items) >= 2 else None
        if keys is not None and (keys == sorted(keys) or keys == sorted(keys, reverse=True)) \
                and len(set(keys)) == len(keys):
            report("answer-in-prompt", "every item carries a date or number, in the order of the key; sorting them "
                   "gives the answer without knowing it (take the values out of the items, or ask what each "
                   "one is)", ("questions", index, "items"))
    elif kind in ("single", "multiple"):
        prompt = f" {_words(raw.get('prompt', ''))} "
        texts = [(_words(text), correct) for text, correct in _choice_texts(raw)]
        quoted = [text for text, correct in texts if correct and len(text) >= QUOTED_MINIMUM and f" {text} " in prompt]
        if quoted and not any(f" {text} " in prompt for text, correct in texts if not correct and text):
            report("answer-in-prompt", f"the prompt contains the correct choice ('{quoted[0]}') and no distractor; "
                   "a learner can match the words instead of knowing the answer", ("questions", index, "prompt"))
