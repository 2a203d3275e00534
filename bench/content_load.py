"""Content loading benchmark: cold load, one-file reload, and the ratio to a bare baseline.

Prints figures; it is not a test. Targets: cold load <= 1.5x the baseline of bare
yaml.safe_load + MarkdownIt().render over the same files; one-file reload <= 5 % of a cold load.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate  # noqa: E402

from lms.content import ContentLoader  # noqa: E402

ROUNDS = 3


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def baseline(files: list[Path], loader=yaml.SafeLoader) -> None:
    md = MarkdownIt()
    for path in files:
        text = path.read_text()
        if path.suffix == ".yaml":
            yaml.load(text, Loader=loader)  # yaml.safe_load when loader is SafeLoader
        else:
            md.render(text)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        root = Path(folder)
        modules = generate(root)
        files = sorted(p for p in root.rglob("*") if p.suffix in (".md", ".yaml"))
        print(f"synthetic tree: {len(modules)} modules, "
              f"{sum(1 for p in files if 'quizzes' in p.parts)} exams, {len(files)} files")

        base_times, c_base_times, cold_times = [], [], []
        for _ in range(ROUNDS):  # interleaved so all see the same machine state
            base_times.append(timed(lambda: baseline(files)))
            c_base_times.append(timed(lambda: baseline(files, yaml.CSafeLoader)))
            loader = ContentLoader(root)
            cold_times.append(timed(loader.load))
        catalog = loader.load()
        assert not catalog.problems, catalog.problems[:3]
        assert len(catalog.modules) == len(modules) and len(catalog.exams) == len(modules)

        reload_times = []
        for round_number in range(ROUNDS * 2):
            target = modules[round_number * 37 % len(modules)]
            target.write_text(target.read_text() + f"\nEdited in round {round_number}.\n")
            reload_times.append(timed(loader.load))
            assert loader.rebuilt_last_load == 1

        base, c_base, cold, reload = (statistics.median(t) for t in (base_times, c_base_times, cold_times,
                                                                     reload_times))
        ratio, share = cold / base, reload / cold
        print(f"baseline (yaml.safe_load + MarkdownIt().render): {base * 1000:8.1f} ms (median of {ROUNDS})")
        print(f"  same with libyaml's CSafeLoader (for context):  {c_base * 1000:8.1f} ms "
              f"-> cold load is {cold / c_base:.2f}x of it")
        print(f"cold load (parse, validate, render, sanitise):   {cold * 1000:8.1f} ms (median of {ROUNDS})")
        print(f"one-file reload:                                 {reload * 1000:8.1f} ms (median of {ROUNDS * 2})")
        print(f"cold load / baseline = {ratio:.2f}x   (target <= 1.50x: {'met' if ratio <= 1.5 else 'MISSED'})")
        print(f"reload / cold load   = {share * 100:.1f} %  (target <= 5 %:   {'met' if share <= 0.05 else 'MISSED'})")


if __name__ == "__main__":
    main()
