"""Help On Demand: who must take its training this year, who is exempt, and the referral statistics behind it.

The training opens once the Individual Marketplace registration is complete. An agent who finished
it in an earlier program need not take it again, unless in the last period of imported referral
statistics they accepted fewer referrals within 15 minutes than the threshold (default 50 %).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lms.content import Catalog, Program, Track
from lms.db import UnitOfWork
from lms.models import AgentProfile, HodStatistic, TrackCompletion
from lms.services.imports import Importer, ImportReport, apply
from lms.services.npn import npn_problem

REQUIREMENT = "help-on-demand-training"
DEFAULT_THRESHOLD = 0.5
REQUIRED_COLUMNS = ("npn", "period", "referrals_offered", "referrals_accepted")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")


@dataclass(frozen=True)
class HodStatus:
    track: Track | None
    exempt: bool  # completed in an earlier program and not flagged
    flagged: HodStatistic | None  # the last period's statistics, when below the threshold
    completed: bool  # this program's track is complete
    threshold: float

    @property
    def explanation(self) -> str:
        if self.completed:
            return "You completed the Help On Demand training for this plan year."
        if self.flagged is not None:
            rate = self.flagged.accepted / self.flagged.offered
            return (f"In {self.flagged.period} you accepted {self.flagged.accepted} of {self.flagged.offered} "
                    f"referrals within 15 minutes ({rate:.0%}), below {self.threshold:.0%}: take the training "
                    "again to keep receiving referrals.")
        if self.exempt:
            return ("Not required this year: you completed the Help On Demand training in an earlier plan year. "
                    "Your participation continues once your Marketplace registration is complete.")
        return "Optional: take it to receive referrals of consumers who ask for help through HealthCare.gov."


def hod_track(catalog: Catalog, program: Program) -> Track | None:
    return next((track for track in catalog.tracks_of(program) if track.satisfies == REQUIREMENT), None)


# Built once: the tracker asks on every view.
_COMPLETIONS = select(TrackCompletion).where(TrackCompletion.user_id == bindparam("who"))
_LATEST_STATISTIC = (select(HodStatistic).where(HodStatistic.npn == bindparam("npn"))
                     .order_by(HodStatistic.period.desc()).limit(1))


def status(session: Session, catalog: Catalog, program: Program, user_id: int,
           threshold: float = DEFAULT_THRESHOLD) -> HodStatus:
    track = hod_track(catalog, program)
    completions = list(session.scalars(_COMPLETIONS, {"who": user_id}))
    completed = track is not None and any(done.track_key == track.key for done in completions)
    earlier = track is not None and any(done.program_key != program.key and done.track_key.split("/", 1)[-1]
                                        == track.slug for done in completions)
    flagged = None
    profile = session.get(AgentProfile, user_id)
    if profile is not None and profile.npn:
        last = session.scalar(_LATEST_STATISTIC, {"npn": profile.npn})
        if last is not None and last.offered > 0 and last.accepted / last.offered < threshold:
            flagged = last
    return HodStatus(track, earlier and flagged is None, flagged, completed, threshold)


def _statistic(values: dict[str, str]) -> dict[str, Any]:
    npn, period = values["npn"].strip(), values["period"].strip().upper()
    problem = npn_problem(npn)
    if problem:
        raise ValueError(f"npn '{npn}': {problem}")
    if not _PERIOD.match(period):
        raise ValueError(f"period '{values['period']}' is not a month (2021-12) or a quarter (2021-Q4)")
    numbers = []
    for column in ("referrals_offered", "referrals_accepted"):
        text = values[column].strip()
        if not text.isdigit():
            raise ValueError(f"{column} '{text}' is not a whole number")
        numbers.append(int(text))
    offered, accepted = numbers
    if accepted > offered:
        raise ValueError(f"referrals_accepted ({accepted}) is more than referrals_offered ({offered})")
    return {"npn": npn, "period": period, "offered": offered, "accepted": accepted}


IMPORTER = Importer("hod", "Help On Demand referral statistics", REQUIRED_COLUMNS, HodStatistic, ("npn", "period"),
                    _statistic, lambda values: f"npn {values['npn']} in {values['period']}", "hod.imported")


def import_statistics(uow: UnitOfWork, data: bytes) -> ImportReport:
    """Upsert (npn, period) statistics; bad rows are listed by line; a bad file imports nothing."""
    return apply(uow, IMPORTER, data).report()
