"""Admins upload CSV files in the browser: a preview that writes nothing, then a confirmation of exactly that."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.models import AuditEntry, HodStatistic, PriorCompletion, ProducerRecord
from lms.services import accounts
from lms.services.registry import import_registry
from tests.support.apps import TEST_PASSWORD, make_app
from tests.support.web import csrf_token, sign_in

HEADER = "npn,name,resident_state,license_active,health_authority\n"
UPLOAD = (HEADER + "1234567,Ana Ruiz,TX,true,true\n2345678,Ben Cole,OH,false,true\n3456789,Cy Dunn,PA,yes,no\n"
          "0123,Zero Lead,TX,true,true\n")


@pytest.fixture
def upload_app(tmp_path, monkeypatch, sqlite_url):
    # A small body limit for every other form, a larger one for uploads: the registry file is big.
    app = make_app(tmp_path, monkeypatch, sqlite_url, MAX_CONTENT_LENGTH=4096, UPLOAD_MAX_BYTES=64 * 1024)
    yield app
    app.extensions["lms.db"].dispose()


def signed_in(app, role: str):
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, f"{role}@example.com", TEST_PASSWORD, role=role)
    client = app.test_client()
    sign_in(client, f"{role}@example.com")
    return client


@pytest.fixture
def admin(upload_app):
    return signed_in(upload_app, "admin")


def upload(client, kind: str, text: str | bytes, name: str = "registry.csv"):
    data = text.encode() if isinstance(text, str) else text
    token = csrf_token(client, "/admin/uploads/")
    return client.post(f"/admin/uploads/{kind}", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def confirm_form(client, preview_url: str) -> tuple[str, dict[str, str]]:
    """The preview's confirmation form: where it posts, and its hidden fields."""
    page = client.get(preview_url).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    return re.search(r'<form method="post" action="(/admin/uploads/[^"]+)"', page).group(1), fields


def confirm(client, preview_url: str, **overrides):
    action, fields = confirm_form(client, preview_url)
    return client.post(overrides.pop("action", action), data={**fields, **overrides})


def count(app, model) -> int:
    with app.extensions["lms.db"].reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def kept_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.rglob("*.csv")) if folder.exists() else []


def seed_registry(app, text: str) -> None:
    with app.extensions["lms.db"].unit_of_work() as uow:
        import_registry(uow, text.encode())


def test_an_admin_previews_an_upload_then_imports_exactly_it(upload_app, admin):
    seed_registry(upload_app, HEADER + "1234567,Ana Ruiz,TX,true,true\n2345678,Ben Cole,OH,true,true\n")
    index = admin.get("/admin/uploads/").get_data(as_text=True)
    assert "Producer registry CSV file" in index and "Help On Demand referral statistics CSV file" in index
    assert 'enctype="multipart/form-data"' in index and "Files up to 0.0625 MB" in index

    response = upload(admin, "registry", UPLOAD, "june-registry.csv")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = admin.get(preview_url).get_data(as_text=True)
    assert "Preview: Producer registry" in page and "june-registry.csv" in page
    assert re.search(r"<dt>To add</dt><dd>1</dd>\s*<dt>To update</dt><dd>1</dd>\s*<dt>Unchanged</dt><dd>1</dd>\s*"
                     r"<dt>Rejected</dt><dd>1</dd>", page)
    assert "<td>Cy Dunn</td><td>PA</td><td>yes</td><td>no</td>" in page  # the row to add
    assert "License active: yes → no" in page  # what the update changes
    assert '<tr><th scope="row">5</th><td>npn &#39;0123&#39;: An NPN never starts with 0' in page
    assert "Import: add 1, update 1" in page
    assert count(upload_app, ProducerRecord) == 2  # the preview wrote nothing
    with upload_app.extensions["lms.db"].reading() as session:
        assert session.get(ProducerRecord, "2345678").license_active is True

    action, form = confirm_form(admin, preview_url)
    done = admin.post(action, data=form)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/uploads/"
    index = admin.get("/admin/uploads/").get_data(as_text=True)
    assert "Producer registry imported from june-registry.csv: 1 added, 1 updated, 1 unchanged, 1 rejected." in index
    assert "admin@example.com" in index and "june-registry.csv" in index  # the recent imports table
    with upload_app.extensions["lms.db"].reading() as session:
        assert session.get(ProducerRecord, "2345678").license_active is False
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "registry.imported")
                                .order_by(AuditEntry.id.desc())).first()
        assert entry.actor_id is not None and entry.details["added"] == 1
    assert kept_files(upload_app) == []  # imported once; the kept copy is gone
    again = admin.post(action, data=form)  # the button pressed twice
    assert again.status_code == 302
    assert "no longer kept" in admin.get("/admin/uploads/").get_data(as_text=True)
    assert count(upload_app, ProducerRecord) == 3


def test_a_file_that_fails_as_a_whole_is_refused_with_one_message_and_not_kept(upload_app, admin):
    response = upload(admin, "completions", UPLOAD, "wrong.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "wrong.csv: missing required columns: program, completed_on" in page and "nothing was imported" in page
    assert 'aria-invalid="true"' in page
    assert kept_files(upload_app) == [] and count(upload_app, PriorCompletion) == 0
    empty = upload(admin, "registry", b"\x89PNG\r\n\x1a\n\x00\x00", "picture.png")
    assert empty.status_code == 400 and "not a CSV file" in empty.get_data(as_text=True)


def test_a_different_file_cannot_be_slipped_in_between_preview_and_confirm(upload_app, admin):
    first = upload(admin, "registry", UPLOAD).headers["Location"]
    other = upload(admin, "registry", HEADER + "9999999,Slipped In,TX,true,true\n").headers["Location"]
    # The first preview's plan, confirmed against the other file: refused, nothing imported.
    response = confirm(admin, first, action=other)
    assert response.status_code == 302
    assert "no longer what the preview showed" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert count(upload_app, ProducerRecord) == 0
    # The kept copy of the first upload rewritten on disk: its bytes no longer hash to its name.
    kept = next(path for path in kept_files(upload_app) if path.stem in first)
    kept.write_text(HEADER + "9999999,Slipped In,TX,true,true\n")
    response = confirm(admin, other, action=first)
    assert "has changed since it was uploaded" in admin.get("/admin/uploads/").get_data(as_text=True)
    assert count(upload_app, ProducerRecord) == 0


def test_when_the_data_changes_after_the_preview_the_admin_sees_the_new_preview_first(upload_app, admin):
    preview_url = upload(admin, "registry", UPLOAD).headers["Location"]
    shown = admin.get(preview_url).get_data(as_text=True)
    assert "Import: add 3, update 0" in shown
    seed_registry(upload_app, HEADER + "3456789,Cy Dunn,PA,true,true\n")  # the lms command, meanwhile
    digest = re.search(r'name="digest" value="(\w+)"', shown).group(1)
    response = confirm(admin, preview_url, digest=digest)
    assert response.headers["Location"].startswith(preview_url.split("?")[0])
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "no longer what the preview showed" in page and "Import: add 2, update 1" in page
    assert count(upload_app, ProducerRecord) == 1
    confirm(admin, response.headers["Location"])
    assert count(upload_app, ProducerRecord) == 3


def test_completions_and_hod_statistics_upload_the_same_way(upload_app, admin):
    url = upload(admin, "completions", "npn,program,completed_on\n2345678,py2021,2021-08-30\n").headers["Location"]
    assert "Preview: Prior-year completions" in admin.get(url).get_data(as_text=True)
    confirm(admin, url)
    url = upload(admin, "hod", "npn,period,referrals_offered,referrals_accepted\n2345678,2021-Q4,10,4\n").headers[
        "Location"]
    confirm(admin, url)
    assert count(upload_app, PriorCompletion) == 1 and count(upload_app, HodStatistic) == 1
    same = admin.get(upload(admin, "hod", "npn,period,referrals_offered,referrals_accepted\n2345678,2021-Q4,10,4\n")
                     .headers["Location"]).get_data(as_text=True)
    assert "Nothing to import: every good row is already stored" in same and "Import:" not in same


def test_uploads_have_their_own_size_limit_which_only_admins_get(upload_app, admin):
    big = HEADER + "".join(f"{1000000 + n},Agent {n},TX,true,true\n" for n in range(300))  # about 10 KB
    assert 4096 < len(big) < 64 * 1024
    assert upload(admin, "registry", big).status_code == 302
    too_big = upload(admin, "registry", HEADER + "1234567,A,TX,true,true\n" * 3000)
    assert too_big.status_code == 413
    assert "larger than this site accepts (0.0625 MB, set by LMS_MAX_UPLOAD_BYTES)" in too_big.get_data(as_text=True)
    author = signed_in(upload_app, "author")
    refused = author.post("/admin/uploads/registry", data={"file": (io.BytesIO(big.encode()), "r.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 413  # the ordinary limit: an author's body is never read in full
    assert "Too much data" in refused.get_data(as_text=True) and "Recent imports" not in refused.get_data(as_text=True)
    assert author.get("/admin/uploads/").status_code == 403
