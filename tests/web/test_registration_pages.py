"""An agent's registration year through the web: confirm, accept, complete, print, verify, be listed."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from lms.models import AgentProfile, ProducerRecord
from lms.services import accounts, people
from tests.support.apps import TEST_PASSWORD, make_app
from tests.support.web import post_form, sign_in, sign_up

NPN = "1234567"


@pytest.fixture
def site(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url)  # the shipped PY2022 content
    yield app
    app.extensions["lms.db"].dispose()


def registered_for_shop(app, client, npn: str = NPN, state: str = "TX", name: tuple[str, str] = ("Ana", "Ruiz")):
    """An agent with a valid NPN and verified identity who accepts the SHOP agreement (SHOP registration)."""
    email = sign_up(client)
    with app.extensions["lms.db"].unit_of_work() as uow, uow.write() as session:
        session.add(ProducerRecord(npn=npn, name=" ".join(name), resident_state=state, license_active=True,
                                   health_authority=True))
    post_form(client, "/profile", {"first_name": name[0], "last_name": name[1], "npn": npn, "resident_state": state,
                                   "sell_states": [state], "phone": "512-555-0100"})
    with app.extensions["lms.db"].unit_of_work() as uow:
        admin = accounts.find_by_email(uow.session, "admin@example.com") or accounts.create_account(
            uow, "admin@example.com", TEST_PASSWORD, role="admin")
        user = accounts.find_by_email(uow.session, email)
        catalog = app.extensions["lms.catalog"].catalog
        people.attest_identity(uow, user.id, admin.id, catalog, catalog.programs["py2022"])
    return email


def test_a_name_that_does_not_match_is_refused_and_a_match_accepts(site):
    client = site.test_client()
    registered_for_shop(site, client)
    page = client.get("/learn/py2022/agreements/shop").get_data(as_text=True)
    assert "Accept the" in page and "Your full legal name" in page
    refused = post_form(client, "/learn/py2022/agreements/shop", {"agree": "y", "full_name": "Ben Cole"})
    assert refused.status_code == 422 and "Type your full legal name" in refused.get_data(as_text=True)
    unticked = post_form(client, "/learn/py2022/agreements/shop", {"full_name": "Ana Ruiz"})
    assert unticked.status_code == 422 and "Tick the box" in unticked.get_data(as_text=True)
    accepted = post_form(client, "/learn/py2022/agreements/shop", {"agree": "y", "full_name": "  ana   RUIZ "})
    assert accepted.headers["Location"] == "/tracker"
    tracker = client.get("/tracker").get_data(as_text=True)
    assert "SHOP registration (optional):</strong>" in tracker and "Complete</span> since" in tracker
    link = re.search(r'href="(/account/agreements/\d+)"', client.get("/learn/py2022/agreements/shop")
                     .get_data(as_text=True)).group(1)
    printed = client.get(link).get_data(as_text=True)
    assert "Matches the text below" in printed and "signed as ana   RUIZ" in printed


def test_the_certificate_the_verify_page_and_revocation(site):
    client = site.test_client()
    registered_for_shop(site, client)
    post_form(client, "/learn/py2022/agreements/shop", {"agree": "y", "full_name": "Ana Ruiz"})
    tracker = client.get("/tracker").get_data(as_text=True)
    certificate_url = re.search(r'href="(/certificates/[0-9A-Z-]+)"', tracker).group(1)
    code = certificate_url.rsplit("/", 1)[1]
    page = client.get(certificate_url).get_data(as_text=True)
    assert "Ana Ruiz" in page and NPN in page and code in page and "SHOP" in page
    public = site.test_client()
    valid = public.get(f"/verify/{code.lower().replace('-', ' ')}")  # as someone types it from paper
    assert valid.status_code == 200 and "Valid" in valid.get_data(as_text=True) and NPN in valid.get_data(as_text=True)
    unknown = public.get("/verify/ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 404 and "No certificate has the code" in unknown.get_data(as_text=True)
    assert public.get("/verify/%3Cscript%3E").status_code == 404
    admin = site.test_client()
    sign_in(admin, "admin@example.com")
    with site.extensions["lms.db"].reading() as session:
        user_id = session.scalar(select(AgentProfile.user_id).where(AgentProfile.npn == NPN))
    admin_page = f"/admin/users/{user_id}"
    no_reason = post_form(admin, f"{admin_page}/certificates/{code}/revoke", {"reason": " "}, form_url=admin_page,
                          follow_redirects=True)
    assert "Say why" in no_reason.get_data(as_text=True)
    post_form(admin, f"{admin_page}/certificates/{code}/revoke", {"reason": "Issued in error"}, form_url=admin_page)
    revoked = public.get(f"/verify/{code}").get_data(as_text=True)
    assert "Revoked" in revoked and "was revoked on" in revoked


def test_the_public_list_searches_filters_pages_and_downloads(site):
    for npn, state, name in (("1234567", "TX", ("Ana", "Ruiz")), ("7654321", "OH", ("Ben", "Cole"))):
        client = site.test_client()
        registered_for_shop(site, client, npn, state, name)
        post_form(client, "/learn/py2022/agreements/shop", {"agree": "y", "full_name": " ".join(name)})
    public = site.test_client()
    everyone = public.get("/rcl/py2022").get_data(as_text=True)
    assert "Ana Ruiz" in everyone and "Ben Cole" in everyone
    by_npn = public.get("/rcl/py2022?npn=7654321").get_data(as_text=True)
    assert "Ben Cole" in by_npn and "Ana Ruiz" not in by_npn
    by_state = public.get("/rcl/py2022?state=tx").get_data(as_text=True)
    assert "Ana Ruiz" in by_state and "Ben Cole" not in by_state
    bad_npn = public.get("/rcl/py2022?npn=12-34")
    assert bad_npn.status_code == 400 and "digits only" in bad_npn.get_data(as_text=True)
    bad_state = public.get("/rcl/py2022?state=Atlantis")
    assert bad_state.status_code == 400 and "not a US state" in bad_state.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(public.get("/rcl/py2022.csv").get_data(as_text=True))))
    assert rows[0] == ["npn", "name", "resident_state", "individual_registration_date", "shop_registration_date",
                       "npn_valid"]
    assert sorted(row[:3] + row[4:] for row in rows[1:]) == [
        ["1234567", "Ana Ruiz", "TX", rows[1][4] if rows[1][0] == "1234567" else rows[2][4], "yes"],
        ["7654321", "Ben Cole", "OH", rows[2][4] if rows[2][0] == "7654321" else rows[1][4], "yes"]]
    assert all(row[3] == "" and re.match(r"\d{4}-\d{2}-\d{2}$", row[4]) for row in rows[1:])
    nobody = list(csv.reader(io.StringIO(public.get("/rcl/py2022.csv?state=AK").get_data(as_text=True))))
    assert nobody == [rows[0]]  # a state with nobody listed still gets the header row
    assert public.get("/rcl/py1999").status_code == 404


def test_the_public_list_is_rate_limited(site):
    public = site.test_client()
    statuses = [public.get("/rcl/py2022?npn=1234567").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_the_certificate_pdf_is_a_real_pdf_with_the_name_npn_code_and_a_qr_of_the_verify_address(site):
    import pypdf
    import pypdfium2
    import zxingcpp

    client = site.test_client()
    registered_for_shop(site, client)
    post_form(client, "/learn/py2022/agreements/shop", {"agree": "y", "full_name": "Ana Ruiz"})
    code = re.search(r'href="/certificates/([0-9A-Z-]+)"', client.get("/tracker").get_data(as_text=True)).group(1)
    response = client.get(f"/certificates/{code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Ana Ruiz" in text and NPN in text and code in text
    image = pypdfium2.PdfDocument(data)[0].render(scale=3).to_pil()
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(image)]
    assert decoded == [f"http://127.0.0.1:5000/verify/{code}"]


def test_completing_a_registration_emails_the_certificate_link(site):
    import email
    import email.policy
    from pathlib import Path

    client = site.test_client()
    address = registered_for_shop(site, client)
    post_form(client, "/learn/py2022/agreements/shop", {"agree": "y", "full_name": "Ana Ruiz"})
    site.extensions["lms.outbox"].run_until_idle()
    folder = Path(site.config["INSTANCE_PATH"]) / "outbox"
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(folder.glob("*.eml"))]
    [done] = [message for message in messages if "registration is complete" in message["Subject"]]
    assert done["To"] == address and done["Subject"] == "Your SHOP registration is complete"
    assert re.search(r"http://127\.0\.0\.1:5000/certificates/[0-9A-Z-]{14}", done.get_content())
    assert "/account/agreements" in client.get("/account/").get_data(as_text=True)
