"""`lms` commands that need the app: database, users, registry, completions, programs."""

from __future__ import annotations

import datetime as dt
import secrets
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from lms import migrate
from lms import outbox as outbox_module
from lms.config import PROJECT_ROOT
from lms.db import UnitOfWork
from lms.extensions import catalog, clock, database, outbox
from lms.models import User
from lms.services import (
    accounts,
    demo,
    exam_resets,
    exams,
    help_on_demand,
    passwords,
    people,
    programs,
    registry,
    reminders,
)
from lms.services.completions import import_completions
from lms.services.csvfiles import CsvFileError
from lms.services.errors import FieldErrors, RuleError
from lms.services.profiles import ProfileInput, save_profile
from lms.services.registry import ImportReport

db_cli = AppGroup("db", help="The database schema.")
users_cli = AppGroup("users", help="Accounts and roles.")
registry_cli = AppGroup("registry", help="The producer registry behind NPN validation.")
completions_cli = AppGroup("completions", help="Completions of earlier plan years.")
program_cli = AppGroup("program", help="The plan year program agents work in.")


def _fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(code)


def _account(session: Session, email: str) -> User:
    user = accounts.find_by_email(session, email)
    if user is None:
        _fail(f"no account uses {email.strip().lower()}")
    return user


def _uow() -> UnitOfWork:
    return database().unit_of_work()


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring it up to the newest schema, keeping its data."""
    url = current_app.config["DATABASE_URL"]
    before = migrate.current_revision(database().engine)
    migrate.upgrade(url)
    after = migrate.current_revision(database().engine)
    click.echo(f"Database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})."))


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["learner", "author", "admin"]), default="learner", show_default=True)
@click.password_option("--password", envvar="LMS_NEW_PASSWORD",
                       help="Prompted for when not given (or set LMS_NEW_PASSWORD).")
def users_create(email: str, role: str, password: str) -> None:
    """Create an account."""
    with _uow() as uow:
        try:
            user = accounts.create_account(uow, email, password, role=role)
        except FieldErrors as error:
            _fail(" ".join(error.errors.values()))
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["learner", "author", "admin"]), required=True)
@click.option("--reason", default=None, help="Why; it goes to the audit log.")
def users_set_role(email: str, role: str, reason: str | None) -> None:
    """Change an account's role (written to the audit log)."""
    with _uow() as uow:
        user = _account(uow.session, email)
        try:
            changed = accounts.set_role(uow, user.id, role, actor_id=None, reason=reason)
        except RuleError as error:
            _fail(str(error))
    click.echo(f"{changed.email} is now {role}.")


def _print_report(report: ImportReport) -> None:
    for line, reason in report.rejected:
        click.echo(f"line {line}: rejected: {reason}", err=True)
    click.echo(report.summary())


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror or exc}")
    return b""


def _import(csv_file: Path, importer: Callable[[UnitOfWork, bytes], ImportReport]) -> None:
    """Run a CSV import: one line for a file that cannot be imported (nothing is), else the report."""
    data = _read(csv_file)
    try:
        with _uow() as uow:
            report = importer(uow, data)
    except CsvFileError as error:
        _fail(f"{csv_file}: {error}; nothing was imported")
    _print_report(report)


@registry_cli.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path))
def registry_import(csv_file: Path) -> None:
    """Load producer records from CSV (columns: npn, name, resident_state, license_active,
    health_authority). Re-importing a file changes nothing; bad rows are listed by line."""
    _import(csv_file, registry.import_registry)


@registry_cli.command("revalidate")
def registry_revalidate() -> None:
    """Re-check every agent's NPN against the producer registry."""
    def progress(items):
        with click.progressbar(items, label="Checking NPNs", show_pos=True, file=sys.stderr) as bar:
            yield from bar

    with _uow() as uow:
        program = programs.current_program(uow.session, catalog(), clock().today())
        report = registry.revalidate(uow, progress, catalog(), program)
    counts = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in sorted(report.by_status.items()))
    click.echo(f"Checked {report.checked} profiles; {report.changed} changed status. {counts}".rstrip(". ") + ".")


@completions_cli.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path))
def completions_import(csv_file: Path) -> None:
    """Load completions of years run elsewhere (columns: npn, program, completed_on)."""
    _import(csv_file, import_completions)


@program_cli.command("current")
@click.argument("key", required=False)
@click.option("--automatic", is_flag=True, help="Forget the admin's choice; use the newest open program.")
def program_current(key: str | None, automatic: bool) -> None:
    """Show, or set, the program agents work in."""
    with _uow() as uow:
        if key or automatic:
            try:
                programs.set_current_program(uow, catalog(), None if automatic else key, actor_id=None)
            except RuleError as error:
                _fail(str(error))
        program = programs.current_program(uow.session, catalog(), clock().today())
    click.echo(f"Current program: {program.key} ({program.title})" if program else "No program is published.")


DEMO_AGENTS = (
    # (email, first, last, npn, state): Ana is new; Ben completed py2021, so he may take the returning track.
    ("ana@example.com", "Ana", "Ruiz", "1234567", "TX"),
    ("ben@example.com", "Ben", "Cole", "2345678", "OH"),
)


@click.command("demo")
@with_appcontext
@click.option("--password", envvar="LMS_DEMO_PASSWORD", default=None,
              help="Password for the demo accounts (default: a new random one, printed once).")
@click.option("--agents", "count", default=200, show_default=True, type=click.IntRange(0, 1_000_000),
              help=f"Generated agents at every step of the {demo.PROGRAM_KEY} registration (@{demo.DOMAIN}).")
@click.option("--seed", default=2022, show_default=True, help="The same seed makes the same agents, answers and days.")
def demo_command(password: str | None, count: int, seed: int) -> None:
    """Load demo data: the sample producer registry and completions in docs/examples, an admin, an author,
    two agents, and generated agents at every step of the registration (with attempts, some locked out),
    dated over the last six weeks. Safe to run again: existing accounts are left alone, and generated
    agents are only added to a database that has none."""
    password = password or secrets.token_urlsafe(12)
    examples = PROJECT_ROOT / "docs" / "examples"
    created = []
    with _uow() as uow, uow.write() as session:  # one transaction: all of it or nothing
        registry.import_registry(uow, (examples / "producer-registry.csv").read_bytes())
        import_completions(uow, (examples / "completions-py2021.csv").read_bytes())
        for email, role in (("admin@example.com", "admin"), ("author@example.com", "author")):
            if accounts.find_by_email(session, email) is None:
                accounts.create_account(uow, email, password, role=role)
                created.append(f"{role} {email}")
        admin = accounts.find_by_email(session, "admin@example.com")
        admin_id = admin.id if admin is not None else None
        for email, first, last, npn, state in DEMO_AGENTS:
            if accounts.find_by_email(session, email) is not None:
                continue
            agent = accounts.create_account(uow, email, password)
            save_profile(uow, agent.id, ProfileInput(first, last, npn, False, state, [state], "2025550100"))
            if admin is not None:
                people.attest_identity(uow, agent.id, admin.id)
            created.append(f"agent {email}")
    if created:
        click.echo("Created " + ", ".join(created) + f" with the password: {password}")
    else:
        click.echo("Demo accounts already loaded; registry and completions refreshed.")
    if count:
        _demo_agents(count, seed, password, admin_id)


def _demo_agents(count: int, seed: int, password: str, admin_id: int | None) -> None:
    today = clock().pinned_today
    # A pinned date (TODAY) is the demo's today too, so its weeks lead up to the day the app thinks it is.
    now = dt.datetime.combine(today, dt.time(18), dt.UTC) if today else clock().now()
    step = max(demo.BATCH, count // 10)

    def progress(done: int, total: int) -> None:
        if done % step < demo.BATCH or done == total:
            click.echo(f"  {done:,} of {total:,} agents ({100 * done // total}%)", err=True)

    with _uow() as uow:
        try:
            report = demo.generate(uow, catalog(), count=count, seed=seed, now=now, admin_id=admin_id,
                                   password_hash=passwords.hash_password(password), progress=progress)
        except demo.DemoLoaded as error:
            click.echo(f"Demo agents already loaded: {error}")
            return
        except RuleError as error:
            _fail(str(error))
    stages = ", ".join(f"{report.stages[stage]} {demo.STAGE_WORDS[stage]}" for stage, _ in demo.STAGES)
    click.echo(f"Created {report.agents:,} demo agents (@{demo.DOMAIN}, password: {password}): {stages}; "
               f"{report.attempts:,} exam attempts, {report.completions:,} registrations completed.")


@click.command("outbox")
@with_appcontext
@click.option("--watch", is_flag=True, help="Keep delivering new events until stopped (Ctrl+C).")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="Deliveries claimed per round.")
@click.option("--status", "show_status", is_flag=True, help="Only print how many deliveries are in each state.")
@click.option("--retry-failed", is_flag=True, help="Give deliveries that used up their attempts another round.")
def outbox_command(watch: bool, batch: int, show_status: bool, retry_failed: bool) -> None:
    """Deliver pending domain events to their handlers (email and other integrations).

    Safe to run in several processes at once. Web workers deliver in the background unless
    LMS_OUTBOX_WORKER=off, in which case run `lms outbox --watch` beside them (or from cron).
    """
    if retry_failed:
        click.echo(f"{outbox_module.retry_failed(database())} failed deliveries will be tried again.")
    if show_status:
        counts = outbox_module.status(database())
        click.echo(", ".join(f"{count} {name}" for name, count in counts.items()))
        return
    dispatcher = outbox()
    if not dispatcher.handlers:
        _fail("no outbox handlers are configured (LMS_INTEGRATIONS is empty)")
    if watch:
        stop = threading.Event()
        click.echo(f"Delivering to {', '.join(dispatcher.handlers)}; Ctrl+C stops.", err=True)
        try:
            dispatcher.watch(stop, batch=batch)
        except KeyboardInterrupt:
            stop.set()
        return

    def progress(report: outbox_module.Report) -> None:
        click.echo(f"  {report.delivered} delivered, {report.failed} failed so far", err=True)

    report = dispatcher.run_until_idle(batch, progress)
    for error in report.errors[:20]:
        click.echo(f"failed: {error}", err=True)
    click.echo(f"{report.delivered} delivered, {report.failed} failed (failures are retried later).")


hod_cli = AppGroup("hod", help="Help On Demand referral statistics.")
attempts_cli = AppGroup("attempts", help="Exam attempts.")


@attempts_cli.command("grant")
@click.option("--email", required=True, help="The agent's email address.")
@click.option("--exam", "exam_key", required=True, help="The exam's key, such as py2022/marketplace/eligibility.")
@click.option("--reason", required=True, help="Why; it goes to the audit log.")
@click.option("--even-after-review", is_flag=True,
              help="Grant it although the agent has already seen the correct answers in review.")
def attempts_grant(email: str, exam_key: str, reason: str, even_after_review: bool) -> None:
    """Give an agent who used every attempt without passing one more attempt (audited)."""
    exam = catalog().exams.get(exam_key)
    if exam is None:
        _fail(f"there is no exam '{exam_key}'")
    with _uow() as uow:
        user = _account(uow.session, email)
        try:
            exams.grant_attempt(uow, exam, user.id, None, reason, even_after_review=even_after_review)
        except exams.KeySeen as error:
            _fail(f"{error} Add --even-after-review to grant it anyway.")
        except RuleError as error:
            _fail(str(error))
    click.echo(f"One more attempt at {exam.title} granted to {email.strip().lower()}.")


@attempts_cli.command("reset")
@click.option("--email", required=True, help="The agent's email address.")
@click.option("--exam", "exam_key", required=True, help="The exam's key, such as py2022/marketplace/eligibility.")
@click.option("--reason", required=True, help="Why; it goes to the audit log.")
def attempts_reset(email: str, exam_key: str, reason: str) -> None:
    """Start an exam afresh for an agent who has not passed it: the attempts are kept but no longer count
    (audited)."""
    exam = catalog().exams.get(exam_key)
    if exam is None:
        _fail(f"there is no exam '{exam_key}'")
    with _uow() as uow:
        user = _account(uow.session, email)
        try:
            reset = exam_resets.reset_exam(uow, exam, user.id, None, reason, clock().now())
        except RuleError as error:
            _fail(str(error))
    click.echo(f"{exam.title} reset for {email.strip().lower()}: {reset} attempt{'s' * (reset != 1)} kept for "
               "history, no longer counted.")


@hod_cli.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path))
def hod_import(csv_file: Path) -> None:
    """Load referral statistics (columns: npn, period, referrals_offered, referrals_accepted). Agents whose
    acceptance within 15 minutes in their last period is below LMS_HOD_THRESHOLD must retake the training."""
    _import(csv_file, help_on_demand.import_statistics)


@click.command("remind")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Print who would get which reminder; send and record nothing.")
def remind_command(dry_run: bool) -> None:
    """Email agents whose registration is incomplete as Open Enrollment approaches (each reminder once).

    Run it daily from cron; LMS_REMINDER_DAYS (default 30,14,7,1) says how many days before Open
    Enrollment reminders go.
    """
    with _uow() as uow:
        program = programs.current_program(uow.session, catalog(), clock().today())
        if program is None:
            _fail("no program is published")
        due = reminders.due(uow, catalog(), program, clock().today(), current_app.config["REMINDER_DAYS"])
        for reminder in due:
            click.echo(f"{reminder.email}: {reminder.kind}: {'; '.join(reminder.steps_left) or 'nothing left'}")
        if dry_run:
            click.echo(f"{len(due)} reminders due (dry run: none sent).")
            return
        sent = reminders.send(uow, program, due)
    click.echo(f"{sent} reminders queued; the outbox emails them.")


def init_app(app: Flask) -> None:
    for group in (db_cli, users_cli, registry_cli, completions_cli, program_cli, hod_cli, attempts_cli):
        app.cli.add_command(group)
    app.cli.add_command(remind_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(outbox_command)
