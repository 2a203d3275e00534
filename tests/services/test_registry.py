"""Producer registry import and weekly revalidation; imports of earlier years' completions."""

from __future__ import annotations

import pytest

from lms.models import PriorCompletion, ProducerRecord
from lms.services import accounts
from lms.services.completions import import_completions
from lms.services.csvfiles import CsvFileError
from lms.services.profiles import ProfileInput, save_profile
from lms.services.registry import import_registry, revalidate
from tests.support.apps import TEST_PASSWORD

HEADER = "npn,name,resident_state,license_active,health_authority\n"
GOOD_ROWS = "1234567,Ana Ruiz,TX,true,true\n7654321,Ben Cole,ok,yes,no\n"


def test_import_keeps_good_rows_and_lists_bad_ones_by_line(database):
    data = (HEADER + GOOD_ROWS + "0123,Zero Lead,TX,true,true\n99,No State,XX,true,true\n"
            "55,Bad Flag,TX,maybe,true\n56,Short Row\n1234567,Duplicate,TX,true,true\n").encode()
    with database.unit_of_work() as uow:
        report = import_registry(uow, data)
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    assert [line for line, _ in report.rejected] == [4, 5, 6, 7, 8]
    reasons = dict(report.rejected)
    assert "never starts with 0" in reasons[4]
    assert "'XX' is not a US state" in reasons[5]
    assert "license_active 'maybe'" in reasons[6]
    assert "has 2 fields" in reasons[7]
    assert "already appears on line 2" in reasons[8]
    with database.reading() as session:
        record = session.get(ProducerRecord, "7654321")
        assert (record.resident_state, record.license_active, record.health_authority) == ("OK", True, False)


def test_import_is_idempotent_and_updates_changes(database):
    with database.unit_of_work() as uow:
        import_registry(uow, (HEADER + GOOD_ROWS).encode())
        again = import_registry(uow, (HEADER + GOOD_ROWS).encode())
        assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
        changed = import_registry(uow, (HEADER + "1234567,Ana Ruiz,TX,false,true\n").encode())
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 0)


@pytest.mark.parametrize(("data", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV file"),
    (b"\xff\xfe\xfa bad utf8", "not a CSV file in UTF-8"),
    (b"", "empty"),
    (b"npn,name,resident_state\n1,A,TX\n", "missing required columns: license_active, health_authority"),
])
def test_bad_files_fail_with_one_line_and_import_nothing(database, data, message):
    with database.unit_of_work() as uow, pytest.raises(CsvFileError, match=message):
        import_registry(uow, data)
    with database.reading() as session:
        assert session.query(ProducerRecord).count() == 0


def test_revalidate_updates_every_profile(database):
    with database.unit_of_work() as uow:
        import_registry(uow, (HEADER + GOOD_ROWS).encode())
        user = accounts.create_account(uow, "reval@example.com", TEST_PASSWORD)
        save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
        import_registry(uow, (HEADER + "1234567,Ana Ruiz,TX,false,true\n").encode())
        seen = []
        report = revalidate(uow, lambda items: seen.extend(items) or items)
    assert (report.checked, report.changed, report.by_status) == (1, 1, {"inactive": 1})
    assert len(seen) == 1


def test_completions_import(database):
    data = (b"npn,program,completed_on\n1234567,PY2021,2021-08-01\n0999,py2021,2021-08-01\n"
            b"7654321,py2021,August 1\n1234567,py2021,2021-08-02\n")
    with database.unit_of_work() as uow:
        report = import_completions(uow, data)
    assert report.added == 1
    assert [line for line, _ in report.rejected] == [3, 4, 5]
    with database.reading() as session:
        assert session.query(PriorCompletion).one().program_key == "py2021"
