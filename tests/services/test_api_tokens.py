"""API tokens: the secret is shown once and only its hash kept; revoked tokens and demoted owners are refused."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from lms.models import ApiToken, AuditEntry, OutboxEvent
from lms.services import accounts, api_tokens
from lms.services.errors import NotFound, RuleError
from tests.support.apps import TEST_PASSWORD

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin_id(uow):
    return accounts.create_account(uow, "owner@example.com", TEST_PASSWORD, role="admin").id


def test_the_secret_is_returned_once_and_only_its_sha256_is_stored(uow, admin_id):
    created = api_tokens.create(uow, admin_id, "  Nightly   warehouse export ", NOW)
    assert created.secret.startswith("lms_") and len(created.secret) >= 40
    assert created.name == "Nightly warehouse export" and created.secret.startswith(created.prefix)
    row = uow.session.get(ApiToken, created.id)
    assert row.secret_sha256 == hashlib.sha256(created.secret.encode()).hexdigest()
    stored = [str(getattr(row, column.key)) for column in ApiToken.__table__.columns]
    stored += [repr(entry.details) for entry in uow.session.scalars(select(AuditEntry))]
    stored += [repr(event.payload) for event in uow.session.scalars(select(OutboxEvent))]
    assert not any(created.secret in value for value in stored)
    # Nothing hands the secret out again: the listing has its prefix only.
    listed = api_tokens.tokens(uow.session)
    assert [(token.name, token.prefix, token.owner_email, token.active) for token in listed] == [
        ("Nightly warehouse export", created.prefix, "owner@example.com", True)]
    assert not hasattr(listed[0], "secret")


def test_two_tokens_never_share_a_secret(uow, admin_id):
    first, second = (api_tokens.create(uow, admin_id, name, NOW) for name in ("One", "Two"))
    assert first.secret != second.secret and first.prefix != second.prefix


def test_a_working_token_names_its_admin_and_nothing_else_does(uow, admin_id):
    created = api_tokens.create(uow, admin_id, "Reports", NOW)
    assert api_tokens.holder(uow.session, created.secret) == admin_id
    for wrong in ("", created.secret[:-1], created.secret + "x", created.secret.upper(), "lms_" + "a" * 200,
                  created.prefix, api_tokens.digest(created.secret)):
        assert api_tokens.holder(uow.session, wrong) is None, wrong


def test_a_revoked_token_is_refused_and_both_steps_are_audited(uow, admin_id):
    other = accounts.create_account(uow, "colleague@example.com", TEST_PASSWORD, role="admin").id
    created = api_tokens.create(uow, admin_id, "Leaked script", NOW)
    assert api_tokens.revoke(uow, created.id, other, NOW) == "Leaked script"
    assert api_tokens.holder(uow.session, created.secret) is None
    entries = [(entry.action, entry.actor_id, entry.subject_user_id, entry.details) for entry in uow.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("api_token.%")).order_by(AuditEntry.id))]
    details = {"token_id": created.id, "token_name": "Leaked script", "prefix": created.prefix}
    assert entries == [("api_token.created", admin_id, admin_id, details),
                       ("api_token.revoked", other, admin_id, details)]
    [listed] = api_tokens.tokens(uow.session)
    assert (listed.active, listed.revoked_by_email) == (False, "colleague@example.com")
    with pytest.raises(RuleError, match="already revoked"):
        api_tokens.revoke(uow, created.id, admin_id, NOW)


def test_a_token_stops_working_when_its_owner_is_no_longer_an_admin(uow, admin_id):
    created = api_tokens.create(uow, admin_id, "Reports", NOW)
    other = accounts.create_account(uow, "next-admin@example.com", TEST_PASSWORD, role="admin").id
    accounts.set_role(uow, admin_id, "learner", other)
    assert api_tokens.holder(uow.session, created.secret) is None
    accounts.set_role(uow, admin_id, "admin", other)
    assert api_tokens.holder(uow.session, created.secret) == admin_id


@pytest.mark.parametrize("role", ["learner", "author"])
def test_only_admins_create_or_revoke_tokens(uow, admin_id, role):
    someone = accounts.create_account(uow, f"{role}@example.com", TEST_PASSWORD, role=role).id
    with pytest.raises(RuleError, match="Only admins"):
        api_tokens.create(uow, someone, "Mine", NOW)
    created = api_tokens.create(uow, admin_id, "Theirs", NOW)
    with pytest.raises(RuleError, match="Only admins"):
        api_tokens.revoke(uow, created.id, someone, NOW)
    assert uow.session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == created.id)) is None


def test_a_token_needs_a_short_name_and_unknown_tokens_are_not_found(uow, admin_id):
    with pytest.raises(RuleError, match="Name the token"):
        api_tokens.create(uow, admin_id, "   ", NOW)
    with pytest.raises(RuleError, match="100 characters"):
        api_tokens.create(uow, admin_id, "x" * 101, NOW)
    assert uow.session.scalars(select(ApiToken)).all() == []
    with pytest.raises(NotFound):
        api_tokens.revoke(uow, 12345, admin_id, NOW)
