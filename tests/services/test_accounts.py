"""Accounts: email normalisation, password rules, sign-in, password changes, resets and roles."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.models import AuditEntry
from lms.services import accounts, audit, passwords, sessions, tokens
from lms.services.errors import FieldErrors, RuleError
from tests.support.apps import TEST_PASSWORD


def test_email_is_normalised(uow):
    user = accounts.create_account(uow, "  Agent.Smith@Example.COM ", TEST_PASSWORD)
    assert user.email == "agent.smith@example.com"


def test_two_accounts_cannot_differ_only_by_case_or_spaces(uow):
    accounts.create_account(uow, "agent@example.com", TEST_PASSWORD)
    with pytest.raises(FieldErrors) as error:
        accounts.create_account(uow, " AGENT@example.com", TEST_PASSWORD)
    assert "already exists" in error.value.errors["email"]


@pytest.mark.parametrize(("password", "message"), [
    ("short7!", "at least 8"),
    ("x" * 129, "at most 128"),
    ("password1", "most common passwords"),
    ("Baseball1", "most common passwords"),
    ("agent@example.com", "email address"),
])
def test_password_policy_refuses(password, message):
    assert message in passwords.policy_problem(password, "agent@example.com")


@pytest.mark.parametrize("password", ["eightchr", "x" * 128, "no composition rules needed here", "ünïcödé pass"])
def test_password_policy_accepts_length_without_composition_rules(password):
    assert passwords.policy_problem(password, "agent@example.com") is None


def test_passwords_are_stored_as_argon2_hashes(uow):
    user = accounts.create_account(uow, "hash@example.com", TEST_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_authenticate(uow):
    accounts.create_account(uow, "auth@example.com", TEST_PASSWORD)
    assert accounts.authenticate(uow, " AUTH@example.com", TEST_PASSWORD).email == "auth@example.com"
    assert accounts.authenticate(uow, "auth@example.com", "wrong password") is None
    assert accounts.authenticate(uow, "nobody@example.com", TEST_PASSWORD) is None


def test_account_creation_is_audited(uow):
    user = accounts.create_account(uow, "new@example.com", TEST_PASSWORD)
    assert [(e.action, e.details) for e in audit.entries_for(uow.session, user.id)] == [
        ("account.created", {"confirmed": True, "role": "learner"})]


def test_change_password_signs_out_other_sessions(uow):
    user = accounts.create_account(uow, "change@example.com", TEST_PASSWORD)
    laptop, phone = sessions.start(uow, user.id, "laptop"), sessions.start(uow, user.id, "phone")
    assert sessions.identity_for(uow, user.get_id(), phone).email == "change@example.com"
    with pytest.raises(FieldErrors) as error:
        accounts.change_password(uow, user.id, "not it", "a brand new passphrase")
    assert "current_password" in error.value.errors
    changed = accounts.change_password(uow, user.id, TEST_PASSWORD, "a brand new passphrase")
    for session_id in (laptop, phone):
        assert sessions.identity_for(uow, user.get_id(), session_id) is None
        assert sessions.identity_for(uow, changed.get_id(), session_id) is None  # ended, not just outdated
    fresh = sessions.start(uow, user.id, "laptop")
    assert sessions.identity_for(uow, changed.get_id(), fresh).email == "change@example.com"


def test_signing_out_ends_the_session_on_the_server_and_everywhere_ends_all(uow):
    user = accounts.create_account(uow, "out@example.com", TEST_PASSWORD)
    laptop, phone = sessions.start(uow, user.id, "laptop"), sessions.start(uow, user.id, "phone")
    sessions.end(uow, laptop)
    assert sessions.identity_for(uow, user.get_id(), laptop) is None  # a copied cookie stops working
    assert sessions.identity_for(uow, user.get_id(), phone) is not None
    sessions.end_everywhere(uow, user.id)
    assert sessions.active(uow.session, user.id) == []
    assert sessions.identity_for(uow, user.get_id(), phone) is None


def test_the_signed_in_identity_is_read_cheaply_and_follows_role_changes_on_the_next_request(uow):
    user = accounts.create_account(uow, "who@example.com", TEST_PASSWORD)
    browser = sessions.start(uow, user.id, "laptop")
    identity = sessions.identity_for(uow, user.get_id(), browser)
    assert (identity.id, identity.role, identity.get_id(), identity.is_authenticated) == (
        user.id, "learner", f"{user.id}:1", True)
    assert identity._user is None  # nothing more was read
    assert identity.email == "who@example.com" and identity.profile is None  # the full row, loaded on demand
    accounts.set_role(uow, user.id, "author", actor_id=None)
    assert sessions.identity_for(uow, user.get_id(), browser).role == "author"
    for login_id, session_id in ((f"{user.id}:2", browser), (user.get_id(), "not-a-session"), ("x:1", browser),
                                 (f"{user.id}:1", None), (f"{user.id}:" + "9" * 30, browser)):
        assert sessions.identity_for(uow, login_id, session_id) is None


def emails(app, outbox_dir):
    """Deliver what the outbox holds, then read the messages the email handler wrote."""
    app.extensions["lms.outbox"].run_until_idle()
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(outbox_dir.glob("*.eml"))]


def link_in(message) -> str:
    return next(word for word in message.get_content().split() if word.startswith("http"))


def test_reset_link_works_once_and_expires(app, monkeypatch):
    database, outbox_dir = app.extensions["lms.db"], Path(app.config["INSTANCE_PATH"]) / "outbox"
    with database.unit_of_work() as uow:
        accounts.create_account(uow, "reset@example.com", TEST_PASSWORD)
        accounts.request_password_reset(uow, "Reset@Example.com")
    [message] = emails(app, outbox_dir)
    assert message["To"] == "reset@example.com" and "Reset your" in message["Subject"]
    link = link_in(message)
    assert link.startswith("http://127.0.0.1:5000/account/reset/")  # the public URL, not a request's Host
    token = link.rsplit("/", 1)[1]
    assert token.encode() in next(outbox_dir.glob("*.eml")).read_bytes()  # whole in the file, not line-wrapped
    with database.unit_of_work() as uow:
        accounts.reset_password(uow, token, "test-secret", "a fresh passphrase here")
        with pytest.raises(RuleError, match="already been used"):
            accounts.reset_password(uow, token, "test-secret", "another passphrase here")
        with pytest.raises(RuleError, match="not valid"):
            accounts.check_reset_token(uow, token + "x", "test-secret")
        monkeypatch.setattr(tokens, "RESET_MAX_AGE", -1)
        fresh = tokens.reset_token(accounts.find_by_email(uow.session, "reset@example.com"), "test-secret")
        with pytest.raises(RuleError, match="expired"):
            accounts.check_reset_token(uow, fresh, "test-secret")


def test_a_reset_for_an_unknown_address_is_recorded_the_same_way_and_sends_nothing(app):
    outbox_dir = Path(app.config["INSTANCE_PATH"]) / "outbox"
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.request_password_reset(uow, "ghost@example.com")
        assert [(e.action, e.subject_user_id, e.details) for e in uow.session.scalars(select(AuditEntry))] == [
            ("password.reset_requested", None, {"account": "unknown"})]
    assert emails(app, outbox_dir) == []


def test_sign_up_confirms_the_address_before_the_account_can_be_used(app):
    database, outbox_dir = app.extensions["lms.db"], Path(app.config["INSTANCE_PATH"]) / "outbox"
    with database.unit_of_work() as uow:
        accounts.sign_up(uow, "New.Agent@example.com", TEST_PASSWORD)
        with pytest.raises(accounts.EmailNotConfirmed):
            accounts.authenticate(uow, "new.agent@example.com", TEST_PASSWORD)
    first, again = emails(app, outbox_dir)  # the sign-up's link, and a new one after the refused sign-in
    assert "Confirm your email address" in first["Subject"] == again["Subject"]
    with database.unit_of_work() as uow:
        user = accounts.confirm_email(uow, link_in(again).rsplit("/", 1)[1], "test-secret")
        assert user.email_confirmed_at is not None
        assert accounts.authenticate(uow, "new.agent@example.com", TEST_PASSWORD).email == "new.agent@example.com"


def test_signing_up_with_a_taken_address_tells_its_owner_not_the_visitor(app):
    database, outbox_dir = app.extensions["lms.db"], Path(app.config["INSTANCE_PATH"]) / "outbox"
    with database.unit_of_work() as uow:
        accounts.create_account(uow, "owner@example.com", TEST_PASSWORD)
        assert accounts.sign_up(uow, "OWNER@example.com", "some other passphrase") is None
        assert accounts.authenticate(uow, "owner@example.com", TEST_PASSWORD) is not None  # unchanged
    [message] = emails(app, outbox_dir)
    assert message["To"] == "owner@example.com" and "tried to create" in message["Subject"]


def test_role_changes_are_audited(uow):
    user = accounts.create_account(uow, "role@example.com", TEST_PASSWORD)
    accounts.set_role(uow, user.id, "author", actor_id=None)
    with pytest.raises(RuleError):
        accounts.set_role(uow, user.id, "superuser", actor_id=None)
    entries = audit.entries_for(uow.session, user.id)
    assert [(e.action, e.details) for e in entries][0] == ("role.changed", {"new": "author", "old": "learner"})


def test_nobody_removes_their_own_admin_role_and_one_admin_always_remains(uow):
    first = accounts.create_account(uow, "first-admin@example.com", TEST_PASSWORD, role="admin")
    second = accounts.create_account(uow, "second-admin@example.com", TEST_PASSWORD, role="admin")
    with pytest.raises(RuleError, match="your own admin role"):
        accounts.set_role(uow, first.id, "learner", actor_id=first.id)
    accounts.set_role(uow, second.id, "author", actor_id=first.id)
    with pytest.raises(RuleError, match="only admin"):
        accounts.set_role(uow, first.id, "learner", actor_id=None)  # the `lms users set-role` path
    assert accounts.find_by_email(uow.session, "first-admin@example.com").role == "admin"


def test_a_failed_write_leaves_nothing_behind(uow):
    user = accounts.create_account(uow, "atomic@example.com", TEST_PASSWORD)
    with pytest.raises(RuleError), uow.write():
        accounts.set_role(uow, user.id, "author", actor_id=None)  # joins the outer write
        raise RuleError("something later in the same action failed")
    assert accounts.find_by_email(uow.session, "atomic@example.com").role == "learner"
    assert [e.action for e in audit.entries_for(uow.session, user.id)] == ["account.created"]
