"""Help On Demand: the statistics import, who is exempt this year and who must take the training again."""

from __future__ import annotations

import pytest

from lms.models import TrackCompletion
from lms.services import accounts, help_on_demand
from lms.services.csvfiles import CsvFileError
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD

HEADER = "npn,period,referrals_offered,referrals_accepted\n"


def agent(uow) -> int:
    user_id = accounts.create_account(uow, "hod@example.com", TEST_PASSWORD).id
    save_profile(uow, user_id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
    return user_id


def test_the_import_keeps_good_rows_lists_bad_ones_and_is_idempotent(uow):
    data = (HEADER + "1234567,2021-Q3,10,9\n1234567,2021-q4,10,4\n0123,2021-Q4,1,1\n555,2021-13,1,1\n"
            "556,2021-Q4,two,1\n557,2021-Q4,1,3\n1234567,2021-Q4,1,1\n").encode()
    report = help_on_demand.import_statistics(uow, data)
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    reasons = dict(report.rejected)
    assert sorted(reasons) == [4, 5, 6, 7, 8]
    assert "never starts with 0" in reasons[4] and "not a month" in reasons[5] and "whole number" in reasons[6]
    assert "more than referrals_offered" in reasons[7] and "already appears on line 3" in reasons[8]
    again = help_on_demand.import_statistics(uow, data)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    with pytest.raises(CsvFileError, match="missing required column"):
        help_on_demand.import_statistics(uow, b"npn,period\n1,2021-Q4\n")


def test_past_participants_are_exempt_unless_their_last_period_was_below_the_threshold(uow, catalog):
    program = catalog.programs["py2022"]
    user_id = agent(uow)
    status = help_on_demand.status(uow.session, catalog, program, user_id)
    assert not status.exempt and "Optional" in status.explanation
    with uow.write() as session:
        session.add(TrackCompletion(user_id=user_id, track_key="py2021/help-on-demand", program_key="py2021"))
    status = help_on_demand.status(uow.session, catalog, program, user_id)
    assert status.exempt and "Not required this year" in status.explanation
    help_on_demand.import_statistics(uow, (HEADER + "1234567,2021-Q3,10,2\n1234567,2021-Q4,10,4\n").encode())
    status = help_on_demand.status(uow.session, catalog, program, user_id)
    assert not status.exempt and status.flagged.period == "2021-Q4"
    assert "accepted 4 of 10 referrals within 15 minutes (40%), below 50%" in status.explanation
    help_on_demand.import_statistics(uow, (HEADER + "1234567,2022-Q1,10,6\n").encode())
    assert help_on_demand.status(uow.session, catalog, program, user_id).exempt  # the last period counts
