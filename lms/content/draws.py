"""Checks for how an exam draws its questions: `draw: N` from the whole pool, or `topics:` per topic.

A per-topic draw gives every attempt the same mix (two on eligibility, three on enrollment periods…),
so two learners do not sit exams of different difficulty. These checks run on the raw exam so they
report even when other keys of the exam are wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from lms.content.problems import did_you_mean

Report = Callable[[str, str, tuple[Any, ...], bool], None]  # (code, message, place, at the key rather than value)


def check_draws(settings: Any, pool: list[Any], report: Report) -> None:
    draw = getattr(settings, "draw", None)
    topics: dict[str, int] = getattr(settings, "topics", None) or {}
    if draw is not None and topics:
        report("draw-conflict", "use either 'draw' (any N questions) or 'topics' (N from each topic), not both",
               ("topics",), True)
        return
    if draw is not None and draw > len(pool):
        report("draw-too-large", f"draw asks for {draw} questions but the pool has only {len(pool)}", ("draw",), False)
    if topics:
        _check_topics(topics, pool, report)


def _check_topics(topics: dict[str, int], pool: list[Any], report: Report) -> None:
    sizes: Counter[str] = Counter()
    for index, raw in enumerate(pool):
        if not isinstance(raw, dict):
            continue
        topic = raw.get("topic")
        if topic is None:
            report("missing-topic", f"question '{raw.get('id', index + 1)}' has no 'topic', but this exam draws by "
                   f"topic; give it one of: {', '.join(topics)}", ("questions", index), False)
        elif isinstance(topic, str) and topic not in topics:
            report("unknown-topic", f"topic '{topic}' is not listed under the exam's 'topics'"
                   f"{did_you_mean(topic, topics)}; use one of: {', '.join(topics)}",
                   ("questions", index, "topic"), False)
        elif isinstance(topic, str):
            sizes[topic] += 1
    for topic, count in topics.items():
        if isinstance(count, int) and count > sizes[topic]:
            have = f"only {sizes[topic]}" if sizes[topic] else "none"
            report("draw-too-large", f"topic '{topic}' draws {count} questions but has {have}",
                   ("topics", topic), False)
