"""Rules that span files: references, listings, links and unlock conditions; then the Catalog."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path
from typing import Any

from lms.content import paths
from lms.content.builders import FileResult
from lms.content.catalog import Catalog
from lms.content.paths import SourceFile, is_asset_path, page_key
from lms.content.problems import Problem, did_you_mean

_KINDS = {"program": "programs", "track": "tracks", "module": "modules", "exam": "exams",
          "agreement": "agreements"}


def _field(spec: Any, name: str, default: Any = None) -> Any:
    """A field of a schema that may have been salvaged from a file with errors (then it may be absent)."""
    return getattr(spec, name, default)


def _registrations(program_spec: Any) -> dict[str, Any]:
    try:
        return program_spec.registration_items()
    except AttributeError:  # a salvaged spec whose registrations were wrong: their own error says so
        return {}


def _registration_training(registrations: dict[str, Any], key: str) -> str | None:
    registration = registrations.get(key) or (next(iter(registrations.values()), None) if key == "complete" else None)
    return registration.training if registration is not None else None


def cross_check(root: Path, sources: list[SourceFile], results: dict[str, FileResult],
                read_problems: list[Problem]) -> Catalog:
    checker = _Checker(root, sources, results)
    checker.run()
    problems = read_problems + checker.problems
    for result in results.values():
        problems.extend(result.problems)
    return Catalog(
        root=root, assets=frozenset(checker.assets), problems=tuple(sorted(set(problems))),
        file_count=sum(1 for source in sources if source.kind != "asset"), **checker.items,
    )


class _Checker:
    def __init__(self, root: Path, sources: list[SourceFile], results: dict[str, FileResult]):
        self.root = root
        self.sources = sources
        self.results = results
        self.paths = {source.path for source in sources}
        self.kind_of = {source.path: source.kind for source in sources}
        self.problems: list[Problem] = []
        self.assets: set[str] = set()
        self.loaded: dict[str, list[tuple[str, FileResult]]] = defaultdict(list)
        for source in sources:
            result = results.get(source.path)
            if result is not None:
                self.loaded[source.kind].append((source.path, result))
        self.items = self.served_items()

    def served_items(self) -> dict[str, dict]:
        """What learners see: programs, the tracks and agreements they list, the modules tracks list."""
        items: dict[str, dict] = {name: {} for name in _KINDS.values()}
        for kind in ("program", "exam"):
            for _path, result in self.loaded[kind]:
                if result.item is not None:
                    items[_KINDS[kind]][result.item.key] = result.item
        for program in items["programs"].values():
            for agreement_key in program.agreement_keys:
                agreement = self.results.get(paths.agreement_file(program.key, agreement_key.split("/", 1)[1]))
                if agreement is not None and agreement.item is not None:
                    items["agreements"][agreement_key] = agreement.item
            for track_key in program.track_keys:
                track = self.results.get(paths.track_file(track_key))
                if track is None or track.item is None:
                    continue
                module_keys = []
                for name in track.spec.modules:
                    module = self.results.get(f"{paths.track_folder(track_key)}/{name}")
                    if module is not None and module.item is not None and module.item.key not in module_keys:
                        items["modules"][module.item.key] = module.item
                        module_keys.append(module.item.key)
                items["tracks"][track_key] = dataclasses.replace(track.item, module_keys=tuple(module_keys))
        return items

    def report(self, path, severity, code, message, place=(1, 1)) -> None:
        self.problems.append(Problem(path, place[0], place[1], severity, code, message))

    def run(self) -> None:
        for path, result in self.loaded["program"]:
            if result.spec:
                self.check_program(path, result)
        self.check_orphans()
        for path, result in self.loaded["track"]:
            if result.spec:
                self.check_track(path, result)
        self.check_exam_references()
        self.check_links()
        for source in self.sources:
            if source.kind == "stray":
                self.report(source.path, "warning", "stray-file",
                            "this file is not part of any program, track or exam and is ignored"
                            + (" (exam files end in .yaml)" if source.path.endswith(".yml") else ""))

    # --- programs -----------------------------------------------------------------------
    def check_program(self, path: str, result: FileResult) -> None:
        spec, places = result.spec, result.places
        program = paths.program_of(path) or ""
        listed_tracks, listed_agreements = _field(spec, "tracks", []), _field(spec, "agreements", [])
        for index, track in enumerate(listed_tracks):
            if paths.track_file(f"{program}/{track}") not in self.paths:
                self.report(path, "error", "missing-file", f"track '{track}' has no "
                            f"{paths.track_file(f'{program}/{track}')}", places.value(("tracks", index)))
        for index, agreement in enumerate(listed_agreements):
            if paths.agreement_file(program, agreement) not in self.paths:
                self.report(path, "error", "missing-file", f"agreement '{agreement}' has no file "
                            f"{paths.agreement_file(program, agreement)}", places.value(("agreements", index)))
        tracks = self.program_tracks(program, listed_tracks)
        registrations = _registrations(spec)
        for name, registration in registrations.items():
            at = ("registrations", name) if _field(spec, "registrations") else ("registration",)
            for index, agreement in enumerate(registration.agreements):
                if hasattr(spec, "agreements") and agreement not in listed_agreements:
                    self.report(path, "error", "unknown-agreement",
                                f"registration '{name}' names agreement '{agreement}', which the program's agreements "
                                f"do not list{did_you_mean(agreement, listed_agreements)}",
                                places.value(at + ("agreements", index)))
            training = registration.training
            if training and not any(_field(track.spec, "satisfies") == training for track in tracks.values()):
                self.report(path, "error", "unsatisfied-requirement",
                            f"no track satisfies the registration requirement '{training}' "
                            "(set `satisfies:` in a track.yaml)", places.value(at + ("training",)))
        for source in self.sources:
            if paths.program_of(source.path) == program and source.kind in ("track", "agreement"):
                name = source.path.split("/")[2] if source.kind == "track" else source.path.split("/")[3][:-3]
                field_name = "tracks" if source.kind == "track" else "agreements"
                if hasattr(spec, field_name) and name not in _field(spec, field_name, []):
                    self.report(source.path, "warning", f"unlisted-{source.kind}",
                                f"{source.kind} '{name}' is not listed in {path} and is ignored")
        self.check_unlock_graph(program, registrations, tracks)

    def program_tracks(self, program: str, names: list[str]) -> dict[str, FileResult]:
        tracks = {}
        for name in names:
            result = self.results.get(paths.track_file(f"{program}/{name}"))
            if result is not None and result.spec is not None:
                tracks[name] = result
        return tracks

    def check_orphans(self) -> None:
        reported: set[str] = set()
        for source in self.sources:
            parts = source.path.split("/")
            if parts[0] != "courses" or source.kind not in ("track", "module", "agreement"):
                continue
            program_file = paths.program_file(parts[1])
            if program_file not in self.paths and parts[1] not in reported:
                reported.add(parts[1])
                self.report(source.path, "error", "missing-file",
                            f"folder courses/{parts[1]} has no program.yaml, so its content is not served")
            track_file = paths.track_file(f"{parts[1]}/{parts[2]}")
            if source.kind == "module" and track_file not in self.paths and track_file not in reported:
                reported.add(track_file)
                self.report(source.path, "error", "missing-file",
                            f"folder {'/'.join(parts[:3])} has no track.yaml, so its modules are not served")

    # --- tracks -------------------------------------------------------------------------
    def check_track(self, path: str, result: FileResult) -> None:
        spec, places = result.spec, result.places
        folder = path.rsplit("/", 1)[0]
        present = sorted(p.rsplit("/", 1)[1] for p in self.paths
                         if p.startswith(folder + "/") and self.kind_of[p] == "module")
        if not hasattr(spec, "modules"):  # the list itself is wrong; its own error says so
            self.check_conditions(path, result)
            return
        slugs: dict[str, str] = {}
        for index, name in enumerate(spec.modules):
            if name not in present:
                self.report(path, "error", "missing-file", f"module file '{name}' does not exist in {folder}"
                            f"{did_you_mean(name, present)}", places.value(("modules", index)))
            slug = self.results[f"{folder}/{name}"].item.slug if self.module_loaded(f"{folder}/{name}") else None
            if slug and slug in slugs and slugs[slug] != name:
                self.report(path, "error", "duplicate-module", f"'{name}' and '{slugs[slug]}' both give the module "
                            f"key '{slug}'; rename one", places.value(("modules", index)))
            elif slug:
                slugs[slug] = name
        for name in present:
            if name not in spec.modules:
                self.report(f"{folder}/{name}", "warning", "unlisted-module",
                            f"module is not listed in {path} and is not shown to learners")
        self.check_conditions(path, result)

    def module_loaded(self, path: str) -> bool:
        result = self.results.get(path)
        return result is not None and result.item is not None

    def check_conditions(self, path: str, result: FileResult) -> None:
        program_key = paths.program_of(path) or ""
        program = self.results.get(paths.program_file(program_key))
        if program is None or program.spec is None:
            return
        pspec = program.spec
        listed_tracks = _field(pspec, "tracks", [])
        requirements = {_field(t.spec, "satisfies") for t in self.program_tracks(program_key, listed_tracks).values()}
        registrations = _registrations(pspec)
        requirements.update(registration.training for registration in registrations.values())
        known = {"registration": ("unknown-registration", "registration", [*registrations, "complete"]),
                 "completed": ("unknown-track", "track", listed_tracks),
                 "accepted": ("unknown-agreement", "agreement", _field(pspec, "agreements", [])),
                 "satisfied": ("unknown-requirement", "requirement", sorted(r for r in requirements if r))}
        for index, condition in enumerate(_field(result.spec, "unlock", [])):
            if condition.problems() or condition.kind not in known:
                continue
            code, noun, names = known[condition.kind]
            if condition.value not in names:
                self.report(path, "error", code, f"unlock condition names unknown {noun} '{condition.value}'"
                            f"{did_you_mean(condition.value, names)}",
                            result.places.value(("unlock", index, condition.kind)))

    def check_unlock_graph(self, program: str, registrations: dict[str, Any], tracks: dict[str, FileResult]) -> None:
        """Report tracks whose unlock conditions can never all hold (a cycle or a dead end)."""
        def needs(name: str) -> list[list[str]]:
            """Each condition as the tracks any one of which would satisfy it ([] = always)."""
            alternatives = []
            for condition in _field(tracks[name].spec, "unlock", []):
                if condition.problems():
                    continue
                if condition.kind == "completed" and condition.value in tracks:
                    alternatives.append([condition.value])
                elif condition.kind == "satisfied" or (condition.kind == "registration" and
                                                       _registration_training(registrations, condition.value)):
                    requirement = (condition.value if condition.kind == "satisfied"
                                   else _registration_training(registrations, condition.value))
                    alternatives.append([t for t, r in tracks.items() if _field(r.spec, "satisfies") == requirement])
            return [group for group in alternatives if group]

        reachable: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name in tracks:
                if name not in reachable and all(set(group) & reachable for group in needs(name)):
                    reachable.add(name)
                    changed = True
        for name in tracks:
            if name in reachable:
                continue
            blocked = lambda n: [t for group in needs(n) for t in group if t not in reachable]  # noqa: E731
            cycle = _find_cycle(name, blocked)
            path, place = paths.track_file(f"{program}/{name}"), tracks[name].places.key(("unlock",))
            if cycle:
                self.report(path, "error", "unlock-cycle", f"track '{name}' can never unlock: its unlock "
                            f"conditions depend on each other ({' → '.join(cycle)})", place)
            else:
                self.report(path, "error", "unlock-dead-end", f"track '{name}' can never unlock: it waits for "
                            f"{', '.join(repr(t) for t in blocked(name))}, which can never unlock", place)

    # --- exams and links -----------------------------------------------------------------
    def check_exam_references(self) -> None:
        exam_keys = sorted(source.key for source in self.sources if source.kind == "exam" and source.key)
        used: set[str] = set()
        for path, result in self.loaded["module"]:
            reference = getattr(result.spec, "exam", None)
            if not reference:
                continue
            used.add(reference)
            if reference not in exam_keys:
                self.report(path, "error", "unknown-exam", f"exam '{reference}' does not exist (expected "
                            f"{paths.exam_file(reference)}){did_you_mean(reference, exam_keys)}",
                            result.places.value(("exam",)))
        self.check_see_anchors()
        for source in self.sources:
            if source.kind == "exam" and source.key not in used:
                self.report(source.path, "warning", "unused-exam", "no module uses this exam (add `exam: "
                            f"{source.key}` to a module's front matter)")

    def check_see_anchors(self) -> None:
        """Each question's `see:` names a heading of a module in the track of the module that uses the exam."""
        for module_path, module_result in self.loaded["module"]:
            reference = getattr(module_result.spec, "exam", None)
            exam_path = paths.exam_file(reference) if reference else None
            exam = self.results.get(exam_path) if exam_path else None
            if exam is None or exam.spec is None:
                continue
            folder = module_path.rsplit("/", 1)[0]
            for index, raw in enumerate(_field(exam.spec, "questions", []) or []):
                see = raw.get("see") if isinstance(raw, dict) else None
                if not isinstance(see, str) or "#" not in see:
                    continue
                target, anchor = see.split("#", 1)
                target_result = self.results.get(f"{folder}/{target}") if target else module_result
                anchors = {heading.anchor for heading in target_result.item.headings} \
                    if target_result is not None and target_result.item is not None else set()
                if anchor not in anchors:
                    where = target or module_path.rsplit("/", 1)[1]
                    self.report(exam_path, "error", "unknown-anchor",
                                f"see: '{see}' names no heading of {where}{did_you_mean(anchor, sorted(anchors))}",
                                exam.places.value(("questions", index, "see")))

    def check_links(self) -> None:
        for path, result in self.results.items():
            for link in result.links:
                problem = self.link_problem(link)
                noun = "image" if link.kind == "image" else "link"
                if problem:
                    self.report(path, "error", f"broken-{noun}", f"{noun} '{link.target}' {problem}",
                                (link.line, link.column))
                elif is_asset_path(link.resolved):
                    unsafe = paths.leaves_content(self.root, link.resolved)
                    if unsafe:
                        self.report(path, "error", "unsafe-file", f"{noun} '{link.target}' {unsafe}; it is not "
                                    "served", (link.line, link.column))
                    else:
                        self.assets.add(link.resolved)

    def link_problem(self, link) -> str | None:
        if link.resolved == ".." or link.resolved.startswith("../"):
            return "points outside the content folder"
        if link.resolved not in self.paths:
            return f"points at nothing (no file {link.resolved})"
        page = page_key(link.resolved) if link.kind == "link" else None
        if page:
            program, folder, slug = page.split("/")
            key = f"{program}/{slug}" if folder == "agreements" else page
            if key not in (self.items["agreements"] if folder == "agreements" else self.items["modules"]):
                return "points at a Markdown file that is not a listed module or agreement"
            return None
        if not is_asset_path(link.resolved):
            return "points at a content file, which is never published; link to its module instead"
        return None


def _find_cycle(start: str, successors) -> list[str] | None:
    """A path start → … → start through `successors`, or None."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for following in successors(node):
            if following == start:
                return trail + [start]
            if following not in seen:
                seen.add(following)
                stack.append((following, trail + [following]))
    return None
