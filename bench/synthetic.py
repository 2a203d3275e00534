"""A synthetic content tree shaped like real courses, for benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

PARAGRAPH = ("Agents must confirm each consumer's household size and expected income before they submit an "
             "application, because the premium tax credit depends on both. Explain the reconciliation on "
             "Form 8962 in plain words, and write down the consumer's consent with the date and your NPN. ")


def module_text(index: int, exam_key: str, next_file: str | None) -> str:
    link = f"Continue with [the next module]({next_file}).\n" if next_file else ""
    return f"""---
title: Synthetic module {index}
minutes: {5 + index % 30}
objectives: [Explain rule {index}, Apply rule {index} to a household]
exam: {exam_key}
---
# Module {index}

{PARAGRAPH * 3}

## Key points

- Household income is measured as *modified adjusted gross income*.
- A **silver** plan is needed for cost-sharing reductions.
- Report changes within 30 days.

::: note
Keep records of consent for every consumer you help.
:::

| Income (% FPL) | Expected contribution |
|---|---:|
| up to 150 | 0 % |
| 400 and over | 8.5 % |

Term {index}
: A definition of the term used in this module.[^{index}]

{PARAGRAPH * 2}

[^{index}]: A footnote for module {index}.

{link}"""


def exam_document(index: int, rng: random.Random) -> dict:
    questions = []
    for number in range(10):
        kind = ("single", "multiple", "true_false", "numeric", "matching", "ordering")[number % 6]
        question = {"id": f"q{number}", "type": kind, "prompt": f"Question {number} about *rule* {index}?",
                    "explanation": "Because the **rule** says so."}
        if kind in ("single", "multiple"):
            question["choices"] = [{"text": f"Choice {c} for {index}",
                                    "correct": c == 0 or (kind == "multiple" and c == 2),
                                    "feedback": "See the module."} for c in range(4)]
        elif kind == "true_false":
            question["answer"] = rng.random() < 0.5
        elif kind == "numeric":
            question.update(answer=60, tolerance=0, unit="days")
        elif kind == "matching":
            question["pairs"] = [{"left": f"Term {p}", "right": f"Meaning {p}"} for p in range(4)]
        else:
            question["items"] = [f"Step {s}" for s in range(4)]
        questions.append(question)
    return {"title": f"Exam {index}", "pass_percent": 80, "attempts": 3, "shuffle": True, "questions": questions}


def generate(root: Path, modules: int = 1000, tracks: int = 20, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    per_track = modules // tracks
    program = root / "courses" / "pybench"
    track_names = [f"track-{t:02d}" for t in range(tracks)]
    program.mkdir(parents=True, exist_ok=True)
    (program / "program.yaml").write_text(yaml.safe_dump({
        "title": "Benchmark program", "plan_year": 2030, "opens": "2029-07-01",
        "registration": {"training": "bench-training"}, "tracks": track_names}))
    written = []
    for t, name in enumerate(track_names):
        folder = program / name
        folder.mkdir(exist_ok=True)
        files = [f"{m:02d}-module-{m}.md" for m in range(per_track)]
        (folder / "track.yaml").write_text(yaml.safe_dump({
            "title": f"Track {t}", "satisfies": "bench-training", "modules": files}))
        quizzes = root / "quizzes" / "pybench" / name
        quizzes.mkdir(parents=True, exist_ok=True)
        for m, file in enumerate(files):
            index = t * per_track + m
            exam_key = f"pybench/{name}/exam-{m}"
            following = files[m + 1] if m + 1 < len(files) else None
            (folder / file).write_text(module_text(index, exam_key, following))
            (quizzes / f"exam-{m}.yaml").write_text(yaml.safe_dump(exam_document(index, rng), sort_keys=False))
            written.append(folder / file)
    return written
