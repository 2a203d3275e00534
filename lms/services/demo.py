"""Demo agents at every step of the registration, so the admin console has something to show at once.

Each agent's journey is planned from a seeded random generator (the same seed gives the same people,
answers and days): signed up only; a profile whose NPN the registry rejects, or accepts; identity
verified; training under way, some agents locked out of an exam; training done; registration
complete. Steps are dated over the last weeks, in the order the Registration Tracker asks for them,
and a registration completes at the step that made it hold, as `registration.refresh` decides.
`demo_rows` then writes, in bulk, the rows the services write at each step. Only certificate codes
are not from the seed: they stay unguessable, as every certificate code must.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lms.content import Catalog, Program
from lms.content.catalog import Exam, Track
from lms.db import UnitOfWork
from lms.models import User
from lms.services import demo_answers, demo_rows
from lms.services.dashboard import program_exams
from lms.services.errors import RuleError
from lms.services.exam_versions import ensure_version
from lms.services.programs import training_tracks

PROGRAM_KEY = "py2022"
DOMAIN = "agents.example.com"  # every demo agent's address ends so; example.com never receives mail
NPN_BASE = 900_000_000  # demo NPNs are 9000000001 and up: clear of the sample registry's
WINDOW = dt.timedelta(days=42)
BATCH = 1000

# (stage, share of agents): how far each got. Every stage gets at least one agent.
STAGES = (("signed_up", 0.08), ("npn_invalid", 0.05), ("profile", 0.07), ("identity", 0.08),
          ("training", 0.19), ("locked", 0.03), ("trained", 0.08), ("complete", 0.42))
STAGE_WORDS = {"signed_up": "signed up only", "npn_invalid": "NPN not valid", "profile": "profile with a valid NPN",
               "identity": "identity verified", "training": "training under way", "locked": "locked out of an exam",
               "trained": "training complete", "complete": "registration complete"}
_ORDER = [stage for stage, _ in STAGES]

FIRST = ("Ana", "Ben", "Carmen", "David", "Elena", "Faisal", "Grace", "Hiro", "Imani", "Jorge", "Keisha", "Liam",
         "Maya", "Nikhil", "Olivia", "Pedro", "Quinn", "Rosa", "Samuel", "Tara", "Usha", "Victor", "Wen", "Ximena",
         "Yusuf", "Zoe", "Aaliyah", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gabriel", "Hannah", "Isaac", "Jin")
LAST = ("Garcia", "Smith", "Nguyen", "Johnson", "Patel", "Williams", "Kim", "Brown", "Hernandez", "Jones", "Lee",
        "Miller", "Lopez", "Davis", "Okafor", "Wilson", "Martinez", "Anderson", "Chen", "Taylor", "Thomas", "Moore",
        "Jackson", "Martin", "Rivera", "White", "Cohen", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Singh")
STATES = ("TX", "FL", "CA", "GA", "NC", "OH", "PA", "IL", "AZ", "NY", "MI", "TN", "VA", "WA", "NJ", "SC", "AL",
          "MO", "IN", "CO", "UT", "LA", "OK", "NV", "WI")


@dataclass
class Step:
    kind: str  # confirm | profile | identity | read | attempt | accept
    gap: float  # seconds since the step before, stretched or squeezed to fit the agent's weeks
    length: float = 0.0  # seconds the step itself took (reading, an attempt)
    subject: Any = None  # the module key, the exam, the agreement
    attempt: demo_answers.Answered | None = None
    number: int = 0
    at: dt.datetime = dt.datetime.min.replace(tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return self.at + dt.timedelta(seconds=self.length)


@dataclass
class Journey:
    index: int
    stage: str
    first_name: str
    last_name: str
    state: str
    created_at: dt.datetime
    npn_status: str = "unchecked"
    returning: bool = False  # completed PY2021 elsewhere (an imported completion)
    track: Track | None = None
    chose_track: bool = False  # picked the returning-agent track
    steps: list[Step] = field(default_factory=list)
    track_done_at: dt.datetime | None = None
    completions: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (registration key, when)

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}.{self.index}@{DOMAIN}".lower()

    @property
    def npn(self) -> str:
        return str(NPN_BASE + self.index)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def step(self, kind: str) -> Step | None:
        return next((step for step in self.steps if step.kind == kind), None)


@dataclass
class DemoReport:
    agents: int = 0
    attempts: int = 0
    completions: int = 0
    audit_entries: int = 0
    stages: Counter = field(default_factory=Counter)


class DemoLoaded(RuleError):
    """Demo agents exist already: loading more would mix two cohorts (and two seeds) in one console."""


def existing(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.email.like(f"%@{DOMAIN}"))) or 0


def demo_program(catalog: Catalog) -> Program:
    program = catalog.programs.get(PROGRAM_KEY)
    if program is None:
        raise RuleError(f"Demo agents take the shipped {PROGRAM_KEY} program, which this content does not have.")
    return program


def generate(uow: UnitOfWork, catalog: Catalog, *, count: int, seed: int, now: dt.datetime, password_hash: str,
             admin_id: int | None, progress: Callable[[int, int], None] | None = None) -> DemoReport:
    """Plan and write `count` demo agents in one transaction (all or nothing), `progress` told per batch."""
    program = demo_program(catalog)
    report = DemoReport()
    with uow.write() as session:
        found = existing(session)
        if found:
            raise DemoLoaded(f"{found:,} demo agents (@{DOMAIN}) are already loaded; none added. A fresh "
                             "database takes another --agents or --seed.")
        for exam in program_exams(catalog, program):
            ensure_version(session, exam)
        journeys = plan(catalog, program, count, seed, now)
        while batch := [journey for _, journey in zip(range(BATCH), journeys, strict=False)]:
            demo_rows.write(session, catalog, program, batch, report, password_hash=password_hash,
                            admin_id=admin_id)
            if progress is not None:
                progress(report.agents, count)
    if report.agents:
        _analyze(uow)
    return report


def _analyze(uow: UnitOfWork) -> None:
    """Refresh the planner's statistics after a bulk load. Until autovacuum gets to it, PostgreSQL plans
    with the statistics of the empty tables, and an item analysis took 40 s instead of 0.4 s."""
    with uow.write() as session:
        for table in demo_rows.TABLES:
            session.execute(text(f"ANALYZE {table}"))


def assign_stages(count: int, seed: int) -> list[str]:
    """Each stage's share of `count` (at least one each when there are enough agents), in a seeded order."""
    stages = [stage for stage, share in STAGES for _ in range(max(1 if count >= len(STAGES) else 0,
                                                                   round(share * count)))]
    stages = stages[:count] + ["complete"] * (count - len(stages))
    random.Random(f"{seed}:stages").shuffle(stages)
    return stages


def plan(catalog: Catalog, program: Program, count: int, seed: int, now: dt.datetime) -> Iterator[Journey]:
    difficulty = {exam.key: demo_answers.difficulties(exam, seed) for exam in program_exams(catalog, program)}
    for index, stage in enumerate(assign_stages(count, seed), start=1):
        yield journey(catalog, program, index, stage, random.Random(f"{seed}:agent:{index}"), difficulty, now)


def journey(catalog: Catalog, program: Program, index: int, stage: str, rng: random.Random,
            difficulty: dict[str, dict[str, float]], now: dt.datetime) -> Journey:
    level = _ORDER.index(stage)
    # Sign-ups rise towards three weeks ago and tail off since, as a mailing campaign would have it.
    created = now - WINDOW * rng.triangular(0.02, 1.0, 0.5)
    found = Journey(index, stage, rng.choice(FIRST), rng.choice(LAST), rng.choice(STATES), created)
    hour = 3600.0
    if stage != "signed_up" or rng.random() < 0.5:
        found.steps.append(Step("confirm", rng.uniform(60, 2 * hour)))
    if level >= _ORDER.index("npn_invalid"):
        found.npn_status = rng.choice(("inactive", "no_health_authority", "not_found")) \
            if stage == "npn_invalid" else "valid"
        found.steps.append(Step("profile", rng.expovariate(1 / (10 * hour)), rng.uniform(120, 600)))
        found.returning = rng.random() < 0.4  # most agents come back year after year
    if level >= _ORDER.index("identity"):
        found.steps.append(Step("identity", rng.expovariate(1 / (30 * hour))))
    full, returning = training_tracks(catalog, program)
    found.track = returning if found.returning and returning and rng.random() < 0.8 else full
    found.chose_track = found.track is not None and found.track is returning
    required, *others = [[catalog.agreements[key] for key in registration.agreement_keys
                          if key in catalog.agreements] for registration in program.registrations]
    if stage == "training" and rng.random() < 0.25:  # some accept the agreements before the training is done
        for agreement in required:
            found.steps.append(Step("accept", rng.expovariate(1 / (12 * hour)), rng.uniform(60, 400), agreement))
    if level >= _ORDER.index("training") and found.track is not None:
        ability = rng.gauss(-1.5, 0.4) if stage == "locked" else rng.gauss(0.0, 1.0)
        _train(catalog, found, ability, rng, difficulty)
    if stage == "complete":
        for agreement in required:
            found.steps.append(Step("accept", rng.expovariate(1 / (20 * hour)), rng.uniform(60, 400), agreement))
        for agreements in others:
            if rng.random() < 0.3:  # SHOP agents too
                for agreement in agreements:
                    found.steps.append(Step("accept", rng.expovariate(1 / (6 * hour)), rng.uniform(60, 300),
                                            agreement))
    _date(found, now, rng)
    _completions(catalog, program, found)
    return found


def _train(catalog: Catalog, found: Journey, ability: float, rng: random.Random,
           difficulty: dict[str, dict[str, float]]) -> None:
    """Read the track's modules in order and take their exams, as far as the agent's stage goes."""
    assert found.track is not None
    modules = catalog.modules_of(found.track)
    exams = [catalog.exams[key] for module in modules if (key := module.exam_key) and key in catalog.exams]
    budget = len(modules) + len(exams)  # steps (modules read, exams passed) the agent gets through
    if found.stage == "training":
        budget = rng.randint(1, budget - 1)
    locked = rng.choice(exams) if found.stage == "locked" and exams else None
    for module in modules:
        minimum = catalog.minimum_seconds(module)
        reading = (module.minutes or 5) * 60 * rng.uniform(0.5, 1.4)
        found.steps.append(Step("read", rng.expovariate(1 / 7200), max(minimum, round(reading)), module.key))
        budget -= 1
        exam = catalog.exams.get(module.exam_key) if module.exam_key else None
        if exam is None:
            if budget <= 0:
                return
            continue
        if budget <= 0 and rng.random() < 0.6:
            return
        passed = _take(found, exam, ability, rng, difficulty[exam.key], fail=exam is locked,
                       give_up=budget <= 0)
        if not passed:
            return
        budget -= 1
        if budget <= 0 and found.stage == "training":
            return


def _take(found: Journey, exam: Exam, ability: float, rng: random.Random, difficulty: dict[str, float], *,
          fail: bool, give_up: bool) -> bool:
    """Attempts until a pass. The locked agent fails every one; one whose stage ends here fails and stops
    early; the rest pass by the last attempt (having re-read what they missed)."""
    allowed = exam.attempts or 3
    for number in range(1, allowed + 1):
        outcome: bool | None = False if fail or give_up else True if number == allowed else None
        answered = demo_answers.answer(exam, difficulty, ability + 0.6 * (number - 1), rng, outcome)
        limit = 60 * (exam.time_limit_minutes or 30)
        found.steps.append(Step("attempt", rng.expovariate(1 / (3600 if number == 1 else 20 * 3600)),
                                rng.uniform(0.2, 0.9) * limit, exam, answered, number))
        if answered.score.passed:
            return True
        if give_up and number >= rng.randint(1, allowed - 1 if allowed > 1 else 1):
            return False
    return False


def _date(found: Journey, now: dt.datetime, rng: random.Random) -> None:
    """Give each step its moment: gaps too long for the time since sign-up are squeezed, so that the last
    step ends somewhere before now (not all at once just before it)."""
    margin = dt.timedelta(minutes=10)
    lengths = sum(step.length for step in found.steps)
    gaps = sum(step.gap for step in found.steps)
    room = (now - margin - found.created_at).total_seconds() * rng.uniform(0.6, 1.0)
    if room < lengths * 1.2:
        found.created_at = now - margin - dt.timedelta(seconds=lengths * 1.2)
        room = lengths * 1.2
    scale = min(1.0, (room - lengths) / gaps) if gaps else 1.0
    moment = found.created_at
    for step in found.steps:
        step.at = moment + dt.timedelta(seconds=step.gap * scale)
        moment = step.end


def _completions(catalog: Catalog, program: Program, found: Journey) -> None:
    """When the track and each registration completed: at the step that made it hold (registration.refresh)."""
    modules = catalog.modules_of(found.track) if found.track else []
    to_read = {module.key for module in modules}
    to_pass = {module.exam_key for module in modules if module.exam_key}
    read: set[str] = set()
    passed: set[str] = set()
    accepted: set[str] = set()
    profile = identity = False
    for step in found.steps:
        if step.kind == "profile":
            profile = found.npn_status == "valid"
        elif step.kind == "identity":
            identity = True
        elif step.kind == "read":
            read.add(step.subject)
        elif step.kind == "attempt" and step.attempt is not None and step.attempt.score.passed:
            passed.add(step.subject.key)
        elif step.kind == "accept":
            accepted.add(step.subject.key)
        if found.track_done_at is None and to_read and to_read <= read and to_pass <= passed:
            found.track_done_at = step.end
        done = {key for key, _ in found.completions}
        for registration in program.registrations:
            trained = not registration.training or found.track_done_at is not None
            if (registration.key not in done and profile and identity and trained
                    and set(registration.agreement_keys) <= accepted):
                found.completions.append((registration.key, step.end))
