"""Accounts: signing up (with a confirmed email address), signing in, passwords and roles.

Nothing here tells a visitor whether an address has an account: signing up and asking for a reset
answer the same either way, and what the owner needs to know goes to their inbox (through the
event outbox, so a slow or broken mail server changes neither the answer nor its timing).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import events
from lms.db import UnitOfWork
from lms.models import User
from lms.models.people import ROLES
from lms.models.types import utcnow
from lms.services import passwords, sessions, tokens
from lms.services.errors import FieldErrors, NotFound, RuleError


class EmailNotConfirmed(RuleError):
    """The password was right, but the address was never confirmed; a new link is on its way."""

    def __init__(self) -> None:
        super().__init__("Confirm your email address first: we have just sent you a new link. It works for "
                         "three days.")


def normalise_email(raw: str) -> str:
    """Trimmed and lower-cased, so two accounts can never differ by case or spaces alone."""
    email = (raw or "").strip().lower()
    if not email:
        raise FieldErrors({"email": "Enter your email address."})
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise FieldErrors({"email": "Enter an email address like name@example.com."}) from None
    return email


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def _new_password_hash(email: str, password: str, field: str) -> str:
    problem = passwords.policy_problem(password, email)
    if problem:
        raise FieldErrors({field: problem})
    return passwords.hash_password(password)  # argon2 is slow on purpose: never under the write lock


def create_account(uow: UnitOfWork, email: str, password: str, role: str = "learner",
                   confirmed: bool = True) -> User:
    """An account made by an administrator (or a test): a taken address is an error they may see."""
    email = normalise_email(email)
    if role not in ROLES:
        raise FieldErrors({"role": f"Role must be one of: {', '.join(ROLES)}."})
    password_hash = _new_password_hash(email, password, "password")
    taken = FieldErrors({"email": "An account with this email address already exists."})
    with uow.write() as session:
        if find_by_email(session, email):
            raise taken
        user = User(email=email, password_hash=password_hash, role=role,
                    email_confirmed_at=utcnow() if confirmed else None)
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:  # another request created the same account between our check and our insert
            raise taken from None
        events.emit(session, "account.created", actor_id=user.id, subject_user_id=user.id, role=role,
                    confirmed=confirmed)
    return user


def sign_up(uow: UnitOfWork, email: str, password: str) -> None:
    """A visitor asks for an account. The answer never says whether the address already had one.

    A new address gets an unconfirmed account and a confirmation link; a known one gets an email
    telling its owner (or, while still unconfirmed, a fresh confirmation link).
    """
    email = normalise_email(email)
    password_hash = _new_password_hash(email, password, "password")
    with uow.write() as session:
        existing = find_by_email(session, email)
        if existing is not None:
            name = "account.sign_up_repeated" if existing.email_confirmed_at else "account.confirmation_requested"
            events.emit(session, name, actor_id=None, subject_user_id=existing.id)
            return
        user = User(email=email, password_hash=password_hash, role="learner")
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:  # the same address, a moment ago, from another tab: nothing more to do
            return
        events.emit(session, "account.created", actor_id=user.id, subject_user_id=user.id, role="learner",
                    confirmed=False)


def confirm_email(uow: UnitOfWork, token: str, secret_key: str) -> User:
    """Follow the emailed link: the address is confirmed (again is harmless) and its owner may sign in."""
    data = tokens.read_confirmation_token(token, secret_key)
    with uow.write() as session:
        user = session.get(User, data["user"])
        if user is None or user.email != data.get("email"):
            raise RuleError("This confirmation link is not valid any more. Sign up again to get a new one.")
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
            events.emit(session, "account.confirmed", actor_id=user.id, subject_user_id=user.id)
    return user


def check_confirmation_token(token: str, secret_key: str) -> None:
    tokens.read_confirmation_token(token, secret_key)


def authenticate(uow: UnitOfWork, email: str, password: str) -> User | None:
    """The account when the password is right; a stored hash with old parameters is upgraded.

    An unconfirmed account raises EmailNotConfirmed (only to someone who knows its password).
    """
    user = find_by_email(uow.session, email or "")
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    user_id, rehash = user.id, passwords.needs_rehash(user.password_hash)
    if user.email_confirmed_at is None:
        with uow.write() as session:
            events.emit(session, "account.confirmation_requested", actor_id=user_id, subject_user_id=user_id)
        raise EmailNotConfirmed()
    if rehash:
        new_hash = passwords.hash_password(password)
        with uow.write() as session:
            _user(session, user_id).password_hash = new_hash
    return uow.session.get(User, user_id)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    return user


def change_password(uow: UnitOfWork, user_id: int, current_password: str, new_password: str) -> User:
    """Every signed-in session of the account ends; the caller starts a fresh one for this browser."""
    user = _user(uow.session, user_id)
    if not passwords.verify_password(user.password_hash, current_password):
        raise FieldErrors({"current_password": "That is not your current password."})
    new_hash = _new_password_hash(user.email, new_password, "new_password")
    with uow.write() as session:
        user = _user(session, user_id)
        user.password_hash = new_hash
        sessions.end_all(session, user)
        events.emit(session, "password.changed", actor_id=user.id, subject_user_id=user.id)
    return user


def request_password_reset(uow: UnitOfWork, email: str) -> None:
    """Queue a reset link for the account's owner. Known and unknown addresses take the same path and
    time here (one lookup, one write); the email itself is sent later by the outbox."""
    try:
        email = normalise_email(email)
    except FieldErrors:
        return
    user = find_by_email(uow.session, email)
    with uow.write() as session:
        events.emit(session, "password.reset_requested", actor_id=None,
                    subject_user_id=user.id if user else None, account="known" if user else "unknown")


def user_for_reset_token(session: Session, token: str, secret_key: str) -> User:
    data = tokens.read_reset_token(token, secret_key)
    user = session.get(User, data["user"])
    if user is None or data.get("fp") != tokens.password_fingerprint(user):
        raise RuleError("This reset link has already been used. Ask for a new one if you need it.")
    return user


def check_reset_token(uow: UnitOfWork, token: str, secret_key: str) -> None:
    """Raise a RuleError saying why the link cannot be used; return quietly when it can."""
    user_for_reset_token(uow.session, token, secret_key)


def reset_password(uow: UnitOfWork, token: str, secret_key: str, new_password: str) -> User:
    """Set a new password from an emailed link; this also confirms the address the link went to."""
    user = user_for_reset_token(uow.session, token, secret_key)
    new_hash = _new_password_hash(user.email, new_password, "new_password")
    with uow.write() as session:
        user = user_for_reset_token(session, token, secret_key)  # still unused: two tabs cannot both use it
        user.password_hash = new_hash
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
        sessions.end_all(session, user)
        events.emit(session, "password.reset", actor_id=user.id, subject_user_id=user.id)
    return user


def set_role(uow: UnitOfWork, user_id: int, role: str, actor_id: int | None, reason: str | None = None) -> User:
    """Change an account's role. Nobody removes their own admin role, and the last admin stays one.

    `reason` is what the admin console asks for (it must then say something); None where nobody is asked.
    """
    if role not in ROLES:
        raise RuleError(f"Role must be one of: {', '.join(ROLES)}.")
    if reason is not None and not reason.strip():
        raise RuleError("Say why the role changes; the reason goes to the audit log.")
    with uow.write() as session:
        user = _user(session, user_id)
        if user.role == role:
            return user
        if user.role == "admin":
            if actor_id == user.id:
                raise RuleError("You cannot remove your own admin role; ask another admin.")
            admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
            if admins == 1:
                raise RuleError(f"{user.email} is the only admin; make someone else an admin first.")
        events.emit(session, "role.changed", actor_id=actor_id, subject_user_id=user.id, old=user.role, new=role,
                    **({"reason": reason.strip()} if reason else {}))
        user.role = role
    return user
