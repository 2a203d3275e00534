"""The `lms` commands an operator runs: users, registry, completions, program."""

from __future__ import annotations

from sqlalchemy import select

from lms.config import PROJECT_ROOT
from lms.models import AgentProfile, ProducerRecord, User
from lms.services.profiles import ProfileInput, save_profile


def test_users_create_and_set_role(runner, app):
    result = runner.invoke(args=["users", "create", "--email", " Boss@Example.com", "--role", "admin"],
                           env={"LMS_NEW_PASSWORD": "a long admin passphrase"})
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    result = runner.invoke(args=["users", "create", "--email", "boss@example.com"],
                           env={"LMS_NEW_PASSWORD": "a long admin passphrase"})
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(args=["users", "set-role", "--email", "BOSS@example.com", "--role", "author"])
    assert result.exit_code == 1 and "boss@example.com is the only admin" in result.output
    runner.invoke(args=["users", "create", "--email", "deputy@example.com", "--role", "admin"],
                  env={"LMS_NEW_PASSWORD": "a long admin passphrase"})
    result = runner.invoke(args=["users", "set-role", "--email", "BOSS@example.com", "--role", "author"])
    assert result.exit_code == 0 and "boss@example.com is now author" in result.output
    result = runner.invoke(args=["users", "set-role", "--email", "ghost@example.com", "--role", "author"])
    assert result.exit_code == 1 and "no account uses ghost@example.com" in result.output


def test_registry_import_reports_lines_and_summary(runner, app, tmp_path):
    csv_file = tmp_path / "registry.csv"
    csv_file.write_text("npn,name,resident_state,license_active,health_authority\n"
                        "1234567,Ana Ruiz,TX,true,true\n0555,Bad,TX,true,true\n")
    result = runner.invoke(args=["registry", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "line 3: rejected: npn '0555': An NPN never starts with 0" in result.output
    assert "1 added, 0 updated, 0 unchanged, 1 rejected" in result.output
    with app.extensions["lms.db"].reading() as session:
        assert session.get(ProducerRecord, "1234567").name == "Ana Ruiz"


def test_registry_import_of_a_bad_file_is_one_line_and_imports_nothing(runner, tmp_path):
    csv_file = tmp_path / "registry.csv"
    csv_file.write_text("npn,name\n1234567,Ana\n")
    result = runner.invoke(args=["registry", "import", str(csv_file)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {csv_file}: missing required columns: resident_state, license_active, health_authority "
        "(the header row has: npn, name); nothing was imported"]
    missing = runner.invoke(args=["registry", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.output and "Traceback" not in missing.output


def test_registry_revalidate_shows_progress_and_summary(runner, app, make_user):
    user = make_user()
    with app.extensions["lms.db"].unit_of_work() as uow:
        save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
        with uow.write() as session:
            session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", license_active=True,
                                       health_authority=True))
    result = runner.invoke(args=["registry", "revalidate"])
    assert result.exit_code == 0, result.output
    assert "Checked 1 profiles; 1 changed status. 1 valid." in result.output
    with app.extensions["lms.db"].reading() as session:
        assert session.scalar(select(AgentProfile.npn_status)) == "valid"


def test_completions_import(runner, tmp_path):
    csv_file = tmp_path / "py2021.csv"
    csv_file.write_text("npn,program,completed_on\n1234567,py2021,2021-08-01\n")
    result = runner.invoke(args=["completions", "import", str(csv_file)])
    assert result.exit_code == 0 and "1 added" in result.output


def test_program_current(runner):
    assert "Current program: py2022" in runner.invoke(args=["program", "current"]).output
    result = runner.invoke(args=["program", "current", "py1999"])
    assert result.exit_code == 1 and "no program 'py1999'" in result.output
    assert runner.invoke(args=["program", "current", "py2022"]).exit_code == 0
    assert runner.invoke(args=["program", "current", "--automatic"]).exit_code == 0


def test_db_upgrade_on_a_new_database(tmp_path, monkeypatch):
    from tests.support.apps import make_app

    app = make_app(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'new.db'}")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "(was empty)" in result.output
    again = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "was" not in again.output
    app.extensions["lms.db"].dispose()


def test_demo_loads_accounts_registry_and_completions_once(runner, app):
    from lms.services import accounts

    result = runner.invoke(args=["demo", "--password", "demo passphrase 2022"])
    assert result.exit_code == 0, result.output
    assert "admin admin@example.com" in result.output and "agent ben@example.com" in result.output
    with app.extensions["lms.db"].unit_of_work() as uow:
        ben = accounts.find_by_email(uow.session, "ben@example.com")
        assert ben.profile.npn_status == "valid" and ben.identity_verified
        assert accounts.authenticate(uow, "admin@example.com", "demo passphrase 2022").role == "admin"
        assert uow.session.get(ProducerRecord, "4567890").health_authority is False
        # The NPN the README offers a newcomer is valid and nobody's yet, so their profile step can pass.
        free = uow.session.get(ProducerRecord, "5678901")
        assert free.license_active and free.health_authority
        assert uow.session.query(AgentProfile).filter_by(npn="5678901").count() == 0
        assert "**5678901**" in (PROJECT_ROOT / "README.md").read_text()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output


def test_demo_generates_agents_who_can_sign_in_and_only_once(runner, app):
    from lms.services import accounts, demo

    result = runner.invoke(args=["demo", "--agents", "30", "--seed", "3", "--password", "demo passphrase 2022"])
    assert result.exit_code == 0, result.output
    assert "Created 30 demo agents" in result.output and "registration complete" in result.output
    with app.extensions["lms.db"].unit_of_work() as uow:
        agent = uow.session.scalar(select(User).where(User.email.like(f"%@{demo.DOMAIN}")).limit(1))
        assert accounts.authenticate(uow, agent.email, "demo passphrase 2022").id == agent.id
    again = runner.invoke(args=["demo", "--agents", "30"])
    assert again.exit_code == 0 and "Demo agents already loaded: 30 demo agents" in again.output


def test_hod_import_reports_lines_and_summary(runner, tmp_path):
    csv_file = tmp_path / "hod.csv"
    csv_file.write_text("npn,period,referrals_offered,referrals_accepted\n1234567,2021-Q4,10,4\n0555,2021-Q4,1,1\n")
    result = runner.invoke(args=["hod", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "line 3: rejected: npn '0555'" in result.output and "1 added, 0 updated, 0 unchanged, 1 rejected" in \
        result.output


def test_remind_dry_run_sends_nothing_and_a_real_run_sends_once(tmp_path, monkeypatch, sqlite_url):
    from lms.models import ReminderSent
    from lms.services import accounts
    from tests.support.apps import make_app

    app = make_app(tmp_path, monkeypatch, sqlite_url, TODAY="2021-10-20")
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "late@example.com", "correct horse battery staple")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["remind", "--dry-run"])
    assert dry.exit_code == 0 and "late@example.com: oe-14" in dry.output and "dry run: none sent" in dry.output
    with app.extensions["lms.db"].reading() as session:
        assert session.query(ReminderSent).count() == 0
    assert "1 reminders queued" in runner.invoke(args=["remind"]).output
    assert "0 reminders queued" in runner.invoke(args=["remind"]).output
    app.extensions["lms.db"].dispose()


def test_attempts_grant_on_the_command_line(tmp_path, monkeypatch, sqlite_url, player_root):
    import datetime as dt

    from lms.services import accounts, exams
    from tests.support.apps import make_app
    from tests.support.player_tree import answer_values, getter

    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    catalog = app.extensions["lms.catalog"].catalog
    exam = catalog.exams["py2030/returning/refresh"]  # two attempts, the key shown never
    now = dt.datetime.now(dt.UTC)
    with app.extensions["lms.db"].unit_of_work() as uow:
        user_id = accounts.create_account(uow, "cli-locked@example.com", "correct horse battery staple").id
        for _ in range(2):
            attempt = exams.start_attempt(uow, catalog, exam, user_id, now)
            version, layout = exams.attempt_exam(uow.session, attempt)
            exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, False)), now)
    runner = app.test_cli_runner()
    args = ["attempts", "grant", "--email", "cli-locked@example.com", "--exam", "py2030/returning/refresh"]
    result = runner.invoke(args=[*args, "--reason", "exam outage on the 3rd"])
    assert result.exit_code == 0 and "One more attempt at Refresh exam granted" in result.output
    again = runner.invoke(args=[*args, "--reason", "again"])
    assert again.exit_code == 1 and "only be granted once every attempt is used" in again.output
    missing = runner.invoke(args=["attempts", "grant", "--email", "x@example.com", "--exam", "nope", "--reason", "r"])
    assert missing.exit_code == 1 and "there is no exam 'nope'" in missing.output
    app.extensions["lms.db"].dispose()
