"""Accounts: email normalisation, password rules, sign-in, password changes and resets."""

from __future__ import annotations

import email
import email.policy

import pytest

from lms.services import accounts, passwords
from lms.services.errors import FieldErrors, RuleError
from lms.services.mail import Mailer, MailSettings
from tests.conftest import TEST_PASSWORD


def test_email_is_normalised(database):
    with database.writing() as session:
        user = accounts.sign_up(session, "  Agent.Smith@Example.COM ", TEST_PASSWORD)
    assert user.email == "agent.smith@example.com"


def test_two_accounts_cannot_differ_only_by_case_or_spaces(database):
    with database.writing() as session:
        accounts.sign_up(session, "agent@example.com", TEST_PASSWORD)
    with database.writing() as session, pytest.raises(FieldErrors) as error:
        accounts.sign_up(session, " AGENT@example.com", TEST_PASSWORD)
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


def test_passwords_are_stored_as_argon2_hashes(database):
    with database.writing() as session:
        user = accounts.sign_up(session, "hash@example.com", TEST_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_authenticate(database):
    with database.writing() as session:
        accounts.sign_up(session, "auth@example.com", TEST_PASSWORD)
    with database.reading() as session:
        assert accounts.authenticate(session, " AUTH@example.com", TEST_PASSWORD).email == "auth@example.com"
        assert accounts.authenticate(session, "auth@example.com", "wrong password") is None
        assert accounts.authenticate(session, "nobody@example.com", TEST_PASSWORD) is None


def test_change_password_signs_out_other_sessions(database):
    with database.writing() as session:
        user = accounts.sign_up(session, "change@example.com", TEST_PASSWORD)
        session.flush()
        old_session_id = user.get_id()
        with pytest.raises(FieldErrors) as error:
            accounts.change_password(session, user, "not it", "a brand new passphrase")
        assert "current_password" in error.value.errors
        accounts.change_password(session, user, TEST_PASSWORD, "a brand new passphrase")
    with database.reading() as session:
        assert accounts.load_session_user(session, old_session_id) is None
        assert accounts.load_session_user(session, user.get_id()).email == "change@example.com"


def test_reset_token_works_once_and_expires(database, tmp_path, monkeypatch):
    mailer = Mailer(MailSettings(sender="lms@example.com", outbox=tmp_path / "outbox"))
    links: list[str] = []
    with database.writing() as session:
        accounts.sign_up(session, "reset@example.com", TEST_PASSWORD)
    with database.reading() as session:
        accounts.request_password_reset(session, "Reset@Example.com", "secret", mailer, lambda t: links.append(t) or t)
    token = links[0]
    raw = next((tmp_path / "outbox").glob("*.eml")).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "reset@example.com"
    assert token in message.get_content()
    assert token.encode() in raw  # readable in the file itself, not broken by line wrapping
    with database.writing() as session:
        accounts.reset_password(session, token, "secret", "a fresh passphrase here")
    with database.writing() as session, pytest.raises(RuleError, match="already been used"):
        accounts.reset_password(session, token, "secret", "another passphrase here")
    with database.reading() as session:
        with pytest.raises(RuleError, match="not valid"):
            accounts.user_for_reset_token(session, token + "x", "secret")
        monkeypatch.setattr(accounts, "RESET_TOKEN_MAX_AGE", -1)
        with database.reading() as session2, pytest.raises(RuleError, match="expired"):
            fresh = accounts.reset_token(accounts.find_by_email(session2, "reset@example.com"), "secret")
            accounts.user_for_reset_token(session2, fresh, "secret")


def test_reset_for_unknown_email_sends_nothing(database, tmp_path):
    mailer = Mailer(MailSettings(sender="lms@example.com", outbox=tmp_path / "outbox"))
    with database.reading() as session:
        accounts.request_password_reset(session, "ghost@example.com", "secret", mailer, lambda t: t)
    assert not (tmp_path / "outbox").exists()


def test_role_changes_are_audited(database):
    from lms.services import audit

    with database.writing() as session:
        user = accounts.sign_up(session, "role@example.com", TEST_PASSWORD)
        session.flush()
        accounts.set_role(session, user, "author", actor_id=None)
        with pytest.raises(RuleError):
            accounts.set_role(session, user, "superuser", actor_id=None)
    with database.reading() as session:
        entries = audit.entries_for(session, user.id)
    assert [(e.action, e.details) for e in entries] == [("role.changed", '{"new": "author", "old": "learner"}')]
