"""The profile form, the tracker page and the admin's identity attestation."""

from __future__ import annotations

from tests.support.web import csrf_token, post_form, sign_in, sign_up

PROFILE = {"first_name": "Ana", "last_name": "Ruiz", "npn": "1234567", "resident_state": "TX",
           "sell_states": ["TX", "OK"], "phone": "512-555-0100"}


def test_profile_form_shows_each_error_beside_its_field_and_keeps_input(learner):
    response = post_form(learner, "/profile", {**PROFILE, "npn": "0123", "phone": "12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="npn-error"' in page and "never starts with 0" in page
    assert 'id="phone-error"' in page
    assert 'value="Ruiz"' in page and 'value="0123"' in page
    assert 'value="OK" checked' in page or 'checked id="sell_states-' in page


def test_profile_saves_and_states_the_npn_result(learner):
    response = post_form(learner, "/profile", PROFILE, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Not found: your NPN is not in the producer registry" in page
    assert 'value="(512) 555-0100"' in page


def test_tracker_page_lists_steps_with_status(learner):
    page = learner.get("/tracker").get_data(as_text=True)
    assert "Complete your agent profile with a valid NPN" in page
    assert "Not started" in page and "Waiting for earlier steps" in page and "Available soon" not in page
    assert "Individual Marketplace registration" in page and "SHOP registration (optional)" in page


def test_learners_cannot_open_admin_pages(learner):
    assert learner.get("/admin/users").status_code == 403


def test_admin_attests_identity_with_an_audit_entry(app, make_user):
    agent, admin = app.test_client(), app.test_client()
    agent_email = sign_up(agent)
    sign_in(admin, make_user("admin").email)
    users = admin.get(f"/admin/users?q={agent_email}").get_data(as_text=True)
    user_id = int(users.split('href="/admin/users/')[1].split('"')[0])
    token = csrf_token(admin, f"/admin/users/{user_id}")
    assert admin.post(f"/admin/users/{user_id}/identity", data={}).status_code == 400  # no CSRF token
    refused = admin.post(f"/admin/users/{user_id}/identity", data={"csrf_token": token, "reason": " "},
                         follow_redirects=True).get_data(as_text=True)
    assert "Say how the agent&#39;s identity was proofed" in refused and "Not verified" in refused
    admin.post(f"/admin/users/{user_id}/identity", data={"csrf_token": token, "reason": "Remote proofing passed"})
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "identity.attested" in page and "Verified" in page and "Remote proofing passed" in page
    tracker = agent.get("/tracker").get_data(as_text=True)
    identity = tracker.split('id="step-identity"')[1].split("</li>")[0]
    assert "Complete" in identity


def test_authors_see_the_content_report_and_can_reload(app, make_user, learner):
    from tests.support.web import sign_in

    author = app.test_client()
    sign_in(author, make_user("author").email)
    page = author.get("/author/content").get_data(as_text=True)
    assert "No problems: every file is valid." in page
    response = post_form(author, "/author/content/reload", {}, form_url="/author/content")
    assert "Content reloaded: 0 changed files re-rendered" in author.get(response.headers["Location"]).get_data(
        as_text=True)
    assert learner.get("/author/content").status_code == 403


def test_admin_sets_the_current_program_and_the_page_shows_the_choice(app, make_user):
    from tests.support.web import sign_in

    admin = app.test_client()
    sign_in(admin, make_user("admin").email)
    assert 'id="program-auto" name="program" value="" checked' in admin.get("/admin/program").get_data(as_text=True)
    post_form(admin, "/admin/program", {"program": "py2022"}, form_url="/admin/program")
    page = admin.get("/admin/program").get_data(as_text=True)
    assert 'value="py2022" checked' in page and 'value="" checked' not in page
    post_form(admin, "/admin/program", {"program": "py1999"}, form_url="/admin/program")
    assert "There is no program &#39;py1999&#39;" in admin.get("/admin/program").get_data(as_text=True)
