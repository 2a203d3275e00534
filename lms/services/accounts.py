"""Sign-up, sign-in, passwords and roles."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import events
from lms.db import UnitOfWork
from lms.models import User
from lms.models.people import ROLES
from lms.services import passwords
from lms.services.errors import FieldErrors, NotFound, RuleError
from lms.services.mail import Mailer

log = logging.getLogger(__name__)
RESET_TOKEN_MAX_AGE = 3600
_RESET_SALT = "lms.password-reset"


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
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def sign_up(uow: UnitOfWork, email: str, password: str, role: str = "learner") -> User:
    email = normalise_email(email)
    problem = passwords.policy_problem(password, email)
    if problem:
        raise FieldErrors({"password": problem})
    if role not in ROLES:
        raise FieldErrors({"role": f"Role must be one of: {', '.join(ROLES)}."})
    taken = FieldErrors({"email": "An account with this email address already exists. Sign in instead, "
                                  "or reset your password if you have forgotten it."})
    password_hash = passwords.hash_password(password)  # slow on purpose: outside the write lock
    with uow.write() as session:
        if find_by_email(session, email):
            raise taken
        user = User(email=email, password_hash=password_hash, role=role)
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:
            # Another request created the same account between our check and our insert.
            raise taken from None
        events.emit(session, "account.created", actor_id=user.id, subject_user_id=user.id, role=role)
    return user


def authenticate(uow: UnitOfWork, email: str, password: str) -> User | None:
    """The account when the password is right; a stored hash with old parameters is upgraded."""
    user = find_by_email(uow.session, email or "")
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        new_hash = passwords.hash_password(password)
        with uow.write() as session:
            fresh = session.get(User, user.id)
            if fresh is not None:
                fresh.password_hash = new_hash
    return user


def load_session_user(session: Session, session_id: str) -> User | None:
    """The user for a Flask-Login id "<user id>:<auth version>"; stale versions are signed out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.auth_version == int(version) else None


def _new_password_hash(email: str, new_password: str) -> str:
    problem = passwords.policy_problem(new_password, email)
    if problem:
        raise FieldErrors({"new_password": problem})
    return passwords.hash_password(new_password)


def _store_password(session: Session, user_id: int, password_hash: str, action: str) -> User:
    user = _user(session, user_id)
    user.password_hash = password_hash
    user.auth_version += 1  # every other signed-in session of the account ends
    events.emit(session, action, actor_id=user.id, subject_user_id=user.id)
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    return user


def change_password(uow: UnitOfWork, user_id: int, current_password: str, new_password: str) -> User:
    user = _user(uow.session, user_id)
    if not passwords.verify_password(user.password_hash, current_password):
        raise FieldErrors({"current_password": "That is not your current password."})
    new_hash = _new_password_hash(user.email, new_password)  # argon2 is slow on purpose: not under the lock
    with uow.write() as session:
        return _store_password(session, user_id, new_hash, "password.changed")


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)


def _fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key).dumps({"user": user.id, "fp": _fingerprint(user)})


def request_password_reset(uow: UnitOfWork, email: str, secret_key: str, mailer: Mailer,
                           link_for: Callable[[str], str]) -> None:
    """Email a reset link when the account exists; behave the same when it does not."""
    try:
        email = normalise_email(email)
    except FieldErrors:
        return
    user = find_by_email(uow.session, email)
    if user is None:
        log.info("password reset requested for unknown address")
        return
    link = link_for(reset_token(user, secret_key))
    mailer.send(user.email, "Reset your Marketplace Agent Training password",
                "Someone (we hope you) asked to reset the password of your Marketplace Agent Training account.\n\n"
                f"Choose a new password here within the next hour:\n\n{link}\n\n"
                "If you did not ask for this, ignore this message; your password stays the same.\n")
    log.info("password reset link for user %s: %s", user.id, link)


def user_for_reset_token(session: Session, token: str, secret_key: str) -> User:
    try:
        data = _serializer(secret_key).loads(token, max_age=RESET_TOKEN_MAX_AGE)
    except SignatureExpired:
        raise RuleError("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise RuleError("This reset link is not valid. Ask for a new one.") from None
    user_id = data.get("user") if isinstance(data, dict) else None
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or data.get("fp") != _fingerprint(user):
        raise RuleError("This reset link has already been used. Ask for a new one if you need it.")
    return user


def check_reset_token(uow: UnitOfWork, token: str, secret_key: str) -> None:
    """Raise a RuleError saying why the link cannot be used; return quietly when it can."""
    user_for_reset_token(uow.session, token, secret_key)


def reset_password(uow: UnitOfWork, token: str, secret_key: str, new_password: str) -> User:
    user = user_for_reset_token(uow.session, token, secret_key)
    new_hash = _new_password_hash(user.email, new_password)
    with uow.write() as session:
        user = user_for_reset_token(session, token, secret_key)  # still unused: two tabs cannot both use it
        return _store_password(session, user.id, new_hash, "password.reset")


def set_role(uow: UnitOfWork, user_id: int, role: str, actor_id: int | None) -> User:
    """Change an account's role. Nobody removes their own admin role, and the last admin stays one."""
    if role not in ROLES:
        raise RuleError(f"Role must be one of: {', '.join(ROLES)}.")
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
        events.emit(session, "role.changed", actor_id=actor_id, subject_user_id=user.id, old=user.role, new=role)
        user.role = role
    return user
