"""CSV imports in two steps: a plan that writes nothing, and an apply that writes exactly a previewed plan."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from sqlalchemy import func, select

from lms.models import AuditEntry, HodStatistic, PriorCompletion, ProducerRecord
from lms.services import imports, uploads
from lms.services.completions import IMPORTER as COMPLETIONS
from lms.services.csvfiles import CsvFileError
from lms.services.errors import NotFound, RuleError
from lms.services.help_on_demand import IMPORTER as HOD
from lms.services.registry import IMPORTER as REGISTRY
from lms.services.registry import import_registry

HEADER = "npn,name,resident_state,license_active,health_authority\n"
STORED = HEADER + "1234567,Ana Ruiz,TX,true,true\n2345678,Ben Cole,OH,true,true\n"
UPLOAD = (HEADER + "1234567,Ana Ruiz,TX,true,true\n"  # unchanged
          "2345678,Ben Cole,OH,false,true\n"  # licence lapsed: updated
          "3456789,Cy Dunn,pa,yes,no\n"  # new
          "0123,Zero Lead,TX,true,true\n"  # bad NPN
          "3456789,Cy Again,PA,yes,no\n")  # duplicate


def count(database, model) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def audit(database) -> list[AuditEntry]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_plan_reports_every_change_and_bad_row_and_writes_nothing(database):
    with database.unit_of_work() as uow:
        import_registry(uow, STORED.encode())
    before = len(audit(database))
    with database.unit_of_work() as uow:
        plan = imports.plan(uow.session, REGISTRY, UPLOAD.encode())
    assert (plan.rows, len(plan.added), len(plan.updated), plan.unchanged) == (5, 1, 1, 1)
    assert plan.rejected == ((5, "npn '0123': An NPN never starts with 0. Check the number on your licence."),
                             (6, "npn 3456789 already appears on line 4"))
    assert plan.added[0].values == {"npn": "3456789", "name": "Cy Dunn", "resident_state": "PA",
                                    "license_active": True, "health_authority": False}
    assert plan.updated[0].line == 3 and plan.updated[0].changed_fields == ("license_active",)
    assert plan.updated[0].before["license_active"] is True
    with database.reading() as session:
        assert session.get(ProducerRecord, "2345678").license_active is True
        assert session.get(ProducerRecord, "3456789") is None
    assert len(audit(database)) == before


def test_applying_writes_what_the_plan_said_in_one_audited_transaction(database):
    with database.unit_of_work() as uow:
        import_registry(uow, STORED.encode())
        shown = imports.plan(uow.session, REGISTRY, UPLOAD.encode())
        done = imports.apply(uow, REGISTRY, UPLOAD.encode(), expected_digest=shown.digest, actor_id=None,
                             file_name="june.csv")
    assert done.digest == shown.digest
    assert done.report().summary() == "1 added, 1 updated, 1 unchanged, 2 rejected"
    with database.reading() as session:
        assert session.get(ProducerRecord, "2345678").license_active is False
        assert session.get(ProducerRecord, "3456789").name == "Cy Dunn"
    entry = audit(database)[-1]
    assert entry.action == "registry.imported"
    assert entry.details == {"file_sha256": imports.file_sha256(UPLOAD.encode()), "file_name": "june.csv", "rows": 5,
                             "added": 1, "updated": 1, "unchanged": 1, "rejected": 2}


def test_a_previewed_plan_is_refused_once_the_data_it_compared_with_has_changed(database):
    with database.unit_of_work() as uow:
        shown = imports.plan(uow.session, REGISTRY, UPLOAD.encode())
    assert len(shown.added) == 3  # nothing stored yet
    with database.unit_of_work() as uow:
        import_registry(uow, STORED.encode())  # someone imports meanwhile
    events = len(audit(database))
    with database.unit_of_work() as uow, pytest.raises(imports.PlanChanged, match="no longer what the preview"):
        imports.apply(uow, REGISTRY, UPLOAD.encode(), expected_digest=shown.digest)
    assert count(database, ProducerRecord) == 2
    assert len(audit(database)) == events


def test_completions_and_hod_statistics_plan_by_their_composite_keys(database):
    completions = b"npn,program,completed_on\n2345678,py2021,2021-08-30\n2345678,PY2020,2020-09-01\nx,py2021,2021\n"
    with database.unit_of_work() as uow:
        first = imports.apply(uow, COMPLETIONS, completions)
        again = imports.plan(uow.session, COMPLETIONS,
                             b"npn,program,completed_on\n2345678,py2021,2021-09-01\n2345678,py2020,2020-09-01\n")
    assert first.report().summary() == "2 added, 0 updated, 0 unchanged, 1 rejected"
    assert (len(again.updated), again.unchanged) == (1, 1)
    assert again.updated[0].name == "npn 2345678 in py2021"
    assert again.updated[0].before["completed_on"] == dt.date(2021, 8, 30)
    statistics = b"npn,period,referrals_offered,referrals_accepted\n2345678,2021-q4,10,4\n2345678,2021-Q4,10,5\n"
    with database.unit_of_work() as uow:
        done = imports.apply(uow, HOD, statistics)
    assert done.rejected == ((3, "npn 2345678 in 2021-Q4 already appears on line 2"),)
    assert count(database, HodStatistic) == 1 and count(database, PriorCompletion) == 2


def test_an_upload_is_kept_by_its_hash_and_confirmed_exactly_once(database, tmp_path):
    folder = tmp_path / "uploads"
    sha = uploads.keep(folder, "registry", UPLOAD.encode())
    assert (folder / "registry" / f"{sha}.csv").read_bytes() == UPLOAD.encode()
    with database.unit_of_work() as uow:
        shown = uploads.preview(uow.session, folder, "registry", sha)
        assert count(database, ProducerRecord) == 0
        done = uploads.confirm(uow, folder, "registry", sha, shown.digest, actor_id=None, file_name="../x/june.csv")
    assert len(done.added) == 3 and count(database, ProducerRecord) == 3
    assert audit(database)[-1].details["file_name"] == "june.csv"
    with database.unit_of_work() as uow, pytest.raises(uploads.UploadGone, match="Upload the file again"):
        uploads.confirm(uow, folder, "registry", sha, shown.digest, actor_id=None, file_name=None)


def test_a_kept_file_changed_on_disk_or_a_bad_hash_imports_nothing(database, tmp_path):
    folder = tmp_path / "uploads"
    sha = uploads.keep(folder, "registry", STORED.encode())
    with database.unit_of_work() as uow:
        shown = uploads.preview(uow.session, folder, "registry", sha)
    (folder / "registry" / f"{sha}.csv").write_text(HEADER + "9999999,Slipped In,TX,true,true\n")
    with database.unit_of_work() as uow, pytest.raises(RuleError, match="has changed since it was uploaded"):
        uploads.confirm(uow, folder, "registry", sha, shown.digest, actor_id=None, file_name=None)
    with database.unit_of_work() as uow, pytest.raises(NotFound):
        uploads.preview(uow.session, folder, "registry", "../../secret_key")
    with database.unit_of_work() as uow, pytest.raises(NotFound):
        uploads.preview(uow.session, folder, "nonsense", sha)
    assert count(database, ProducerRecord) == 0


def test_a_file_that_fails_as_a_whole_is_not_kept_and_old_uploads_are_forgotten(tmp_path):
    folder = tmp_path / "uploads"
    with pytest.raises(CsvFileError, match="missing required column"):
        uploads.keep(folder, "completions", STORED.encode())
    assert not (folder / "completions").exists() or not any((folder / "completions").iterdir())
    old = uploads.keep(folder, "registry", STORED.encode())
    stale = time.time() - uploads.KEEP_SECONDS - 60
    os.utime(folder / "registry" / f"{old}.csv", (stale, stale))
    new = uploads.keep(folder, "registry", UPLOAD.encode())
    assert [path.name for path in (folder / "registry").iterdir()] == [f"{new}.csv"]
