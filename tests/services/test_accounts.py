"""Accounts: email normalisation, password rules, sign-in, password changes, resets and roles."""

from __future__ import annotations

import email
import email.policy

import pytest

from lms.services import accounts, audit, passwords
from lms.services.errors import FieldErrors, RuleError
from lms.services.mail import Mailer, MailSettings
from tests.support.apps import TEST_PASSWORD


def test_email_is_normalised(uow):
    user = accounts.sign_up(uow, "  Agent.Smith@Example.COM ", TEST_PASSWORD)
    assert user.email == "agent.smith@example.com"


def test_two_accounts_cannot_differ_only_by_case_or_spaces(uow):
    accounts.sign_up(uow, "agent@example.com", TEST_PASSWORD)
    with pytest.raises(FieldErrors) as error:
        accounts.sign_up(uow, " AGENT@example.com", TEST_PASSWORD)
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
    user = accounts.sign_up(uow, "hash@example.com", TEST_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_authenticate(uow):
    accounts.sign_up(uow, "auth@example.com", TEST_PASSWORD)
    assert accounts.authenticate(uow, " AUTH@example.com", TEST_PASSWORD).email == "auth@example.com"
    assert accounts.authenticate(uow, "auth@example.com", "wrong password") is None
    assert accounts.authenticate(uow, "nobody@example.com", TEST_PASSWORD) is None


def test_sign_up_is_audited(uow):
    user = accounts.sign_up(uow, "new@example.com", TEST_PASSWORD)
    assert [(e.action, e.details) for e in audit.entries_for(uow.session, user.id)] == [
        ("account.created", {"role": "learner"})]


def test_change_password_signs_out_other_sessions(uow):
    user = accounts.sign_up(uow, "change@example.com", TEST_PASSWORD)
    old_session_id = user.get_id()
    with pytest.raises(FieldErrors) as error:
        accounts.change_password(uow, user.id, "not it", "a brand new passphrase")
    assert "current_password" in error.value.errors
    changed = accounts.change_password(uow, user.id, TEST_PASSWORD, "a brand new passphrase")
    assert accounts.load_session_user(uow.session, old_session_id) is None
    assert accounts.load_session_user(uow.session, changed.get_id()).email == "change@example.com"


def test_reset_token_works_once_and_expires(uow, tmp_path, monkeypatch):
    mailer = Mailer(MailSettings(sender="lms@example.com", outbox=tmp_path / "outbox"))
    links: list[str] = []
    accounts.sign_up(uow, "reset@example.com", TEST_PASSWORD)
    accounts.request_password_reset(uow, "Reset@Example.com", "secret", mailer, lambda t: links.append(t) or t)
    token = links[0]
    raw = next((tmp_path / "outbox").glob("*.eml")).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "reset@example.com"
    assert token in message.get_content()
    assert token.encode() in raw  # readable in the file itself, not broken by line wrapping
    accounts.reset_password(uow, token, "secret", "a fresh passphrase here")
    with pytest.raises(RuleError, match="already been used"):
        accounts.reset_password(uow, token, "secret", "another passphrase here")
    with pytest.raises(RuleError, match="not valid"):
        accounts.check_reset_token(uow, token + "x", "secret")
    monkeypatch.setattr(accounts, "RESET_TOKEN_MAX_AGE", -1)
    fresh = accounts.reset_token(accounts.find_by_email(uow.session, "reset@example.com"), "secret")
    with pytest.raises(RuleError, match="expired"):
        accounts.check_reset_token(uow, fresh, "secret")


def test_reset_for_unknown_email_sends_nothing(uow, tmp_path):
    mailer = Mailer(MailSettings(sender="lms@example.com", outbox=tmp_path / "outbox"))
    accounts.request_password_reset(uow, "ghost@example.com", "secret", mailer, lambda t: t)
    assert not (tmp_path / "outbox").exists()


def test_role_changes_are_audited(uow):
    user = accounts.sign_up(uow, "role@example.com", TEST_PASSWORD)
    accounts.set_role(uow, user.id, "author", actor_id=None)
    with pytest.raises(RuleError):
        accounts.set_role(uow, user.id, "superuser", actor_id=None)
    entries = audit.entries_for(uow.session, user.id)
    assert [(e.action, e.details) for e in entries][0] == ("role.changed", {"new": "author", "old": "learner"})


def test_nobody_removes_their_own_admin_role_and_one_admin_always_remains(uow):
    first = accounts.sign_up(uow, "first-admin@example.com", TEST_PASSWORD, role="admin")
    second = accounts.sign_up(uow, "second-admin@example.com", TEST_PASSWORD, role="admin")
    with pytest.raises(RuleError, match="your own admin role"):
        accounts.set_role(uow, first.id, "learner", actor_id=first.id)
    accounts.set_role(uow, second.id, "author", actor_id=first.id)
    with pytest.raises(RuleError, match="only admin"):
        accounts.set_role(uow, first.id, "learner", actor_id=None)  # the `lms users set-role` path
    assert accounts.find_by_email(uow.session, "first-admin@example.com").role == "admin"


def test_a_failed_write_leaves_nothing_behind(uow):
    user = accounts.sign_up(uow, "atomic@example.com", TEST_PASSWORD)
    with pytest.raises(RuleError), uow.write():
        accounts.set_role(uow, user.id, "author", actor_id=None)  # joins the outer write
        raise RuleError("something later in the same action failed")
    assert accounts.find_by_email(uow.session, "atomic@example.com").role == "learner"
    assert [e.action for e in audit.entries_for(uow.session, user.id)] == ["account.created"]
