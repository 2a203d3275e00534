"""The admin's list of people: filtered, searched, sorted and paged in SQL.

Every filter is a SQL condition (EXISTS or IN over indexed columns), so a page costs the same
for 20 agents or 20,000; only the rows of the page shown are turned into what the table says,
with one query per kind of record for the whole page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from lms.content import Catalog, Program, Track
from lms.models import (
    AgentProfile,
    AgreementAcceptance,
    Attempt,
    AttemptGrant,
    AuditEntry,
    ModuleProgress,
    RegistrationCompletion,
    TrackChoice,
    TrackCompletion,
    User,
)
from lms.models.types import UTCDateTime
from lms.services import standings
from lms.services.programs import training_tracks

PAGE_SIZE = 50
INVALID_NPN = ("not_found", "inactive", "no_health_authority")
NPN_WORDS = {"valid": "Valid", "not_found": "Not found", "inactive": "Licence inactive",
             "no_health_authority": "No health authority", "unchecked": "Not checked"}

# (value, label) pairs: the choices the list offers, and the only values a filter accepts.
ROLE_CHOICES = (("learner", "Agents"), ("author", "Authors"), ("admin", "Admins"), ("all", "Everyone"))
NPN_CHOICES = (("", "Any NPN status"), ("valid", "NPN valid"), ("invalid", "NPN invalid"),
               ("unchecked", "NPN not checked"), ("missing", "No NPN entered"))
IDENTITY_CHOICES = (("", "Verified or not"), ("verified", "Identity verified"), ("missing", "Identity not verified"))
TRAINING_CHOICES = (("", "Any training status"), ("not_started", "Training not started"),
                    ("in_progress", "Training in progress"), ("done", "Training done"),
                    ("agreements_missing", "Training done, agreements missing"),
                    ("locked", "Locked out of an exam"))
SORT_CHOICES = (("name", "Name"), ("email", "Email"), ("npn", "NPN"), ("activity", "Last activity"),
                ("created", "Account created"))


@dataclass(frozen=True)
class PeopleFilter:
    text: str = ""
    role: str = "learner"  # "all" for everyone
    npn: str = ""
    identity: str = ""
    training: str = ""
    registration: str = ""  # "<registration key>:complete|incomplete|lapsed"
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PeopleFilter:
        """Read the list's query string; a value the list does not offer is ignored, never an error."""
        def pick(name: str, choices: tuple[tuple[str, str], ...], default: str) -> str:
            value = args.get(name, default)
            return value if value in {key for key, _ in choices} else default

        page = args.get("page", "1")
        return cls(text=args.get("q", "").strip()[:200], role=pick("role", ROLE_CHOICES, "learner"),
                   npn=pick("npn", NPN_CHOICES, ""), identity=pick("identity", IDENTITY_CHOICES, ""),
                   training=pick("training", TRAINING_CHOICES, ""), registration=args.get("registration", "")[:80],
                   sort=pick("sort", SORT_CHOICES, "name"), descending=args.get("order") == "desc",
                   page=min(int(page), 1_000_000) if page.isascii() and page.isdigit() and int(page) > 0 else 1)

    def args(self, **changes) -> dict[str, str]:
        """The query string for this filter with some values changed (links to other pages and sorts)."""
        chosen = replace(self, **changes)
        found = {"q": chosen.text, "role": chosen.role, "npn": chosen.npn, "identity": chosen.identity,
                 "training": chosen.training, "registration": chosen.registration, "sort": chosen.sort,
                 "order": "desc" if chosen.descending else "", "page": str(chosen.page) if chosen.page > 1 else ""}
        return {key: value for key, value in found.items() if value}


@dataclass(frozen=True)
class RegistrationCell:
    title: str
    status: str  # complete | lapsed | incomplete

    @property
    def words(self) -> str:
        return {"complete": "Complete", "lapsed": "Lapsed", "incomplete": "Not complete"}[self.status]


@dataclass(frozen=True)
class PersonRow:
    user: User
    profile: AgentProfile | None
    track: Track | None
    percent: int | None  # modules read and exams passed in the Marketplace training
    training: str  # not_started | in_progress | done | locked
    registrations: tuple[RegistrationCell, ...]
    last_activity: dt.datetime | None

    @property
    def npn_words(self) -> str:
        return NPN_WORDS[self.profile.npn_status] if self.profile and self.profile.npn else "No NPN"

    @property
    def training_words(self) -> str:
        return {"not_started": "Not started", "in_progress": "In progress", "done": "Done",
                "locked": "Locked out of an exam"}[self.training]


@dataclass(frozen=True)
class PeoplePage:
    rows: tuple[PersonRow, ...]
    total: int
    filter: PeopleFilter
    registration_choices: tuple[tuple[str, str], ...]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_shown(self) -> int:
        return (self.filter.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.rows) - 1 if self.rows else 0


@dataclass(frozen=True)
class _Training:
    """The program's Marketplace training in the keys the queries need."""

    tracks: tuple[Track, ...]
    module_keys: tuple[str, ...]
    exam_keys: tuple[str, ...]

    @classmethod
    def of(cls, catalog: Catalog, program: Program | None) -> _Training:
        if program is None:
            return cls((), (), ())
        tracks = tuple(t for t in catalog.tracks_of(program) if t.satisfies == program.registration_training)
        modules = [module for track in tracks for module in catalog.modules_of(track)]
        return cls(tracks, tuple(m.key for m in modules), tuple(sorted({m.exam_key for m in modules if m.exam_key})))


def last_activity() -> ColumnElement:
    """The agent's own latest audited action or module visit, whichever is later (NULL if neither).

    One scalar subquery over both maxima (each one index probe), so each is evaluated once per row.
    """
    own = select(func.max(AuditEntry.at).label("at")).where(AuditEntry.subject_user_id == User.id,
                                                            AuditEntry.actor_id == User.id).correlate(User)
    seen = (select(func.max(ModuleProgress.last_seen_at).label("at")).where(ModuleProgress.user_id == User.id)
            .correlate(User))
    latest = union_all(own, seen).order_by(literal_column("1").desc().nulls_last()).limit(1)
    return type_coerce(latest.scalar_subquery(), UTCDateTime)


def _locked_users(catalog: Catalog, program: Program) -> Select | None:
    """Users locked out of one of the program's exams: attempts used up, none open, no pass by its grading.

    Each exam's rules (attempts, pass mark, grading) become conditions on its key, so one grouped
    query answers for every exam at once.
    """
    exams = [catalog.exams[module.exam_key] for track in catalog.tracks_of(program)
             for module in catalog.modules_of(track) if module.exam_key and module.exam_key in catalog.exams]
    limited = {exam.key: exam for exam in exams if exam.attempts is not None}
    if not limited:
        return None
    keys = list(limited)
    used = (select(Attempt.user_id, Attempt.exam_key, func.count().label("used"),
                   func.sum(case((Attempt.status == "in_progress", 1), else_=0)).label("open"),
                   func.max(Attempt.percent).label("best"), func.avg(Attempt.percent).label("mean"),
                   func.min(Attempt.number).label("first_number"), func.max(Attempt.number).label("last_number"))
            .where(standings.counted(), Attempt.exam_key.in_(keys))
            .group_by(Attempt.user_id, Attempt.exam_key)).subquery()
    grants = (select(AttemptGrant.user_id, AttemptGrant.exam_key, func.sum(AttemptGrant.extra_attempts).label("extra"))
              .where(AttemptGrant.reset_at.is_(None), AttemptGrant.exam_key.in_(keys))
              .group_by(AttemptGrant.user_id, AttemptGrant.exam_key)).subquery()
    first, last = aliased(Attempt), aliased(Attempt)
    result = {"highest": used.c.best, "average": used.c.mean, "first": first.percent, "last": last.percent}
    locked = [and_(used.c.exam_key == exam.key, used.c.used >= exam.attempts + func.coalesce(grants.c.extra, 0),
                   result[exam.grading] < float(exam.pass_percent)) for exam in limited.values()]
    query = (select(used.c.user_id)
             .outerjoin(grants, and_(grants.c.user_id == used.c.user_id, grants.c.exam_key == used.c.exam_key)))
    gradings = {exam.grading for exam in limited.values()}
    for row, number, grading in ((first, used.c.first_number, "first"), (last, used.c.last_number, "last")):
        if grading in gradings:  # the first or last attempt's score is only read where an exam grades by it
            query = query.outerjoin(row, and_(row.user_id == used.c.user_id, row.exam_key == used.c.exam_key,
                                              row.number == number))
    return query.where(used.c.open == 0, or_(*locked))


def conditions(catalog: Catalog, program: Program | None, chosen: PeopleFilter) -> list[ColumnElement]:
    """The filter as SQL conditions on User and an outer-joined AgentProfile (the exports select the same people)."""
    return _conditions(catalog, program, chosen)


def _conditions(catalog: Catalog, program: Program | None, chosen: PeopleFilter) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    if chosen.role != "all":
        conditions.append(User.role == chosen.role)
    text = chosen.text.lower()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        full_name = func.lower(AgentProfile.first_name + " " + AgentProfile.last_name)
        matches = [User.email.like(like, escape="\\"), full_name.like(like, escape="\\")]
        if text.isdigit():
            matches.append(AgentProfile.npn.like(text + "%"))
        conditions.append(or_(*matches))
    statuses = {"valid": ("valid",), "invalid": INVALID_NPN, "unchecked": ("unchecked",)}
    if chosen.npn == "missing":
        conditions.append(AgentProfile.npn.is_(None))
    elif chosen.npn:
        conditions += [AgentProfile.npn_status.in_(statuses[chosen.npn]), AgentProfile.npn.is_not(None)]
    if chosen.identity:
        verified = User.identity_verified_at.is_not(None)
        conditions.append(verified if chosen.identity == "verified" else ~verified)
    if program is None:
        return conditions + ([false()] if chosen.training or chosen.registration else [])
    if chosen.training:
        conditions.append(_training_condition(catalog, program, chosen.training))
    if chosen.registration:
        conditions.append(_registration_condition(program, chosen.registration))
    return conditions


def _training_condition(catalog: Catalog, program: Program, wanted: str) -> ColumnElement:
    training = _Training.of(catalog, program)
    done = exists().where(TrackCompletion.user_id == User.id,
                          TrackCompletion.track_key.in_([track.key for track in training.tracks]))
    started = or_(exists().where(ModuleProgress.user_id == User.id,
                                 ModuleProgress.module_key.in_(training.module_keys)),
                  exists().where(Attempt.user_id == User.id, Attempt.exam_key.in_(training.exam_keys)))
    if wanted == "done":
        return done
    if wanted == "in_progress":
        return and_(started, ~done)
    if wanted == "not_started":
        return and_(~started, ~done)
    if wanted == "agreements_missing":
        agreements = [catalog.agreements[key] for key in program.registration_agreement_keys
                      if key in catalog.agreements]
        missing = [~exists().where(AgreementAcceptance.user_id == User.id,
                                   AgreementAcceptance.agreement_key == agreement.key,
                                   AgreementAcceptance.version == agreement.version) for agreement in agreements]
        return and_(done, or_(*missing)) if missing else false()
    locked = _locked_users(catalog, program)
    return User.id.in_(locked) if locked is not None else false()


def registration_choices(program: Program | None) -> tuple[tuple[str, str], ...]:
    if program is None:
        return (("", "Any registration status"),)
    choices = [("", "Any registration status")]
    for registration in program.registrations:
        choices += [(f"{registration.key}:complete", f"{registration.title}: complete"),
                    (f"{registration.key}:incomplete", f"{registration.title}: not complete"),
                    (f"{registration.key}:lapsed", f"{registration.title}: lapsed")]
    return tuple(choices)


def _registration_condition(program: Program, wanted: str) -> ColumnElement:
    key, _, status = wanted.partition(":")
    if program.registration(key) is None or status not in ("complete", "incomplete", "lapsed"):
        return false()
    mine = (RegistrationCompletion.user_id == User.id, RegistrationCompletion.program_key == program.key,
            RegistrationCompletion.registration_key == key)
    if status == "lapsed":
        return exists().where(*mine, RegistrationCompletion.lapsed_at.is_not(None))
    listed = exists().where(*mine, RegistrationCompletion.lapsed_at.is_(None))
    return listed if status == "complete" else ~listed


def _order(chosen: PeopleFilter, activity: ColumnElement | None) -> list:
    by_sort: dict[str, list[Any]] = {
        "name": [AgentProfile.last_name, AgentProfile.first_name, User.email], "email": [User.email],
        "npn": [AgentProfile.npn, User.email], "activity": [activity, User.email], "created": [User.created_at]}
    columns = by_sort[chosen.sort]
    ordered = [(col.desc() if chosen.descending else col.asc()).nulls_last() for col in columns]
    return [*ordered, User.id.desc() if chosen.descending else User.id.asc()]


def people_page(session: Session, catalog: Catalog, program: Program | None, chosen: PeopleFilter) -> PeoplePage:
    conditions = _conditions(catalog, program, chosen)
    joined = select(User.id).outerjoin(AgentProfile, AgentProfile.user_id == User.id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    if chosen.page > pages:
        chosen = replace(chosen, page=pages)
    # The page's ids first (last activity computed for every row only when it is the sort), then their rows.
    ordered = last_activity() if chosen.sort == "activity" else None
    ids = list(session.scalars(select(User.id).outerjoin(AgentProfile, AgentProfile.user_id == User.id)
                               .where(*conditions).order_by(*_order(chosen, ordered))
                               .limit(PAGE_SIZE).offset((chosen.page - 1) * PAGE_SIZE)))
    found = {user.id: (user, profile, seen) for user, profile, seen in session.execute(
        select(User, AgentProfile, last_activity()).outerjoin(AgentProfile, AgentProfile.user_id == User.id)
        .where(User.id.in_(ids)))} if ids else {}
    rows = _rows(session, catalog, program, [found[user_id] for user_id in ids])
    return PeoplePage(tuple(rows), total, chosen, registration_choices(program))


def _rows(session: Session, catalog: Catalog, program: Program | None,
          found: list[tuple[User, AgentProfile | None, dt.datetime | None]]) -> list[PersonRow]:
    """What the table shows for one page of people: a few queries for the whole page."""
    ids = [user.id for user, _, _ in found]
    training = _Training.of(catalog, program)
    if program is None or not ids:
        return [PersonRow(user, profile, None, None, "not_started", (), seen) for user, profile, seen in found]
    completions = {(row.user_id, row.registration_key): row for row in session.scalars(
        select(RegistrationCompletion).where(RegistrationCompletion.user_id.in_(ids),
                                             RegistrationCompletion.program_key == program.key))}
    choices = dict(_pairs(session, select(TrackChoice.user_id, TrackChoice.track_key).where(
        TrackChoice.user_id.in_(ids), TrackChoice.program_key == program.key)))
    done = set(_pairs(session, select(TrackCompletion.user_id, TrackCompletion.track_key).where(
        TrackCompletion.user_id.in_(ids), TrackCompletion.track_key.in_([t.key for t in training.tracks]))))
    read = set(_pairs(session, select(ModuleProgress.user_id, ModuleProgress.module_key).where(
        ModuleProgress.user_id.in_(ids), ModuleProgress.module_key.in_(training.module_keys),
        ModuleProgress.completed_at.is_not(None))))
    visited = set(session.scalars(select(ModuleProgress.user_id).where(
        ModuleProgress.user_id.in_(ids), ModuleProgress.module_key.in_(training.module_keys)).distinct()))
    attempts: dict[tuple[int, str], list[Attempt]] = {}
    for attempt in session.scalars(select(Attempt).where(Attempt.user_id.in_(ids), Attempt.exam_key.in_(
            training.exam_keys), standings.counted()).order_by(Attempt.number)):
        attempts.setdefault((attempt.user_id, attempt.exam_key), []).append(attempt)
    grants: dict[int, dict[str, int]] = {}
    for user_id, key, extra in session.execute(
            select(AttemptGrant.user_id, AttemptGrant.exam_key, func.sum(AttemptGrant.extra_attempts))
            .where(AttemptGrant.user_id.in_(ids), AttemptGrant.exam_key.in_(training.exam_keys),
                   AttemptGrant.reset_at.is_(None)).group_by(AttemptGrant.user_id, AttemptGrant.exam_key)):
        grants.setdefault(user_id, {})[key] = int(extra)
    full, _ = training_tracks(catalog, program)
    by_key = {track.key: track for track in training.tracks}
    rows = []
    for user, profile, seen in found:
        finished = next((track for track in training.tracks if (user.id, track.key) in done), None)
        track = finished or by_key.get(choices.get(user.id, "")) or full
        steps = total = 0
        locked = False
        for module in catalog.modules_of(track) if track else []:
            total += 1
            steps += (user.id, module.key) in read
            exam = catalog.exams.get(module.exam_key) if module.exam_key else None
            if exam is not None:
                standing = standings.standing(session, exam, user.id, attempts.get((user.id, exam.key), []),
                                              grants.get(user.id, {}))
                total += 1
                steps += standing.passed
                locked = locked or standing.locked
        started = user.id in visited or any(user_id == user.id for user_id, _ in attempts)
        status = ("done" if finished else "locked" if locked else "in_progress" if started or steps
                  else "not_started")
        percent = 100 if finished else (100 * steps // total if total else None)
        cells = tuple(_cell(registration.title, completions.get((user.id, registration.key)))
                      for registration in program.registrations)
        rows.append(PersonRow(user, profile, track, percent, status, cells, seen))
    return rows


def _pairs(session: Session, query: Select) -> list[tuple[int, str]]:
    return [(first, second) for first, second in session.execute(query)]


def _cell(title: str, completion: RegistrationCompletion | None) -> RegistrationCell:
    if completion is None:
        return RegistrationCell(title, "incomplete")
    return RegistrationCell(title, "lapsed" if completion.lapsed_at else "complete")

