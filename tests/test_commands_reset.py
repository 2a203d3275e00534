"""`lms attempts reset` and `lms users set-role --reason`: the same rules as the admin console, audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from lms.models import AuditEntry
from lms.services import accounts, exams
from tests.support.apps import TEST_PASSWORD, make_app
from tests.support.player_tree import answer_values, getter


def test_attempts_reset_on_the_command_line(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    catalog = app.extensions["lms.catalog"].catalog
    exam = catalog.exams["py2030/returning/refresh"]  # two attempts
    now = dt.datetime.now(dt.UTC)
    with app.extensions["lms.db"].unit_of_work() as uow:
        user_id = accounts.create_account(uow, "cli-reset@example.com", TEST_PASSWORD).id
        for _ in range(2):
            attempt = exams.start_attempt(uow, catalog, exam, user_id, now)
            version, layout = exams.attempt_exam(uow.session, attempt)
            exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, False)), now)
    runner = app.test_cli_runner()
    args = ["attempts", "reset", "--email", "cli-reset@example.com", "--exam", "py2030/returning/refresh"]
    blank = runner.invoke(args=[*args, "--reason", " "])
    assert blank.exit_code == 1 and "Say why you reset the exam" in blank.output
    result = runner.invoke(args=[*args, "--reason", "the exam had a wrong key"])
    assert result.exit_code == 0, result.output
    assert "Refresh exam reset for cli-reset@example.com: 2 attempts kept for history" in result.output
    again = runner.invoke(args=[*args, "--reason", "again"])
    assert again.exit_code == 1 and "no attempts at “Refresh exam” to reset" in again.output
    missing = runner.invoke(args=["attempts", "reset", "--email", "cli-reset@example.com", "--exam", "nope",
                                  "--reason", "r"])
    assert missing.exit_code == 1 and "there is no exam 'nope'" in missing.output
    with app.extensions["lms.db"].unit_of_work() as uow:
        assert exams.standing(uow.session, exam, user_id).left == 2
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "attempt.reset")).one()
        assert entry.actor_id is None and entry.details["reason"] == "the exam had a wrong key"
    app.extensions["lms.db"].dispose()


def test_set_role_on_the_command_line_records_the_reason(runner, app):
    runner.invoke(args=["users", "create", "--email", "role@example.com", "--role", "learner",
                        "--password", TEST_PASSWORD])
    result = runner.invoke(args=["users", "set-role", "--email", "role@example.com", "--role", "author",
                                 "--reason", "writes the SHOP course"])
    assert result.exit_code == 0 and "role@example.com is now author" in result.output
    with app.extensions["lms.db"].unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "role.changed")).one()
        assert entry.details == {"old": "learner", "new": "author", "reason": "writes the SHOP course"}
