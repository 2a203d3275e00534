"""Throttling guesses: sign-in, password change and reset requests, counted per address and per account.

An attempt is counted *before* the password is checked, with one atomic increment per scope (Redis
INCR when `RATELIMIT_STORAGE_URI` names Redis, shared by every worker), so however many requests
arrive at once no more than the limit are ever checked. A successful sign-in gives its count back,
so people who sign in often are never throttled; a password reset clears the account's count.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from lms.web.errors import error_page


@dataclass(frozen=True)
class Rule:
    name: str
    per_address: str
    per_account: str
    message: str


SIGN_IN = Rule("sign-in", "10 per minute", "30 per hour",
               "Too many sign-in attempts. Wait a minute, then try again. If you have forgotten your password, "
               "reset it.")
PASSWORD_CHANGE = Rule("password-change", "10 per minute", "5 per 15 minutes",
                       "Too many wrong current passwords. Wait a few minutes, then try again, or sign out and reset "
                       "your password.")
RESET_REQUEST = Rule("reset-request", "5 per minute", "3 per hour",
                     "Too many reset requests. Check your inbox (and spam folder) for the links already sent, or "
                     "wait an hour and ask again.")


RCL_SEARCH = Rule("rcl", "60 per minute", "60 per minute",
                  "Too many searches of the Registration Completion List from your connection. Wait a minute, or "
                  "download the whole list as CSV.")
VERIFY = Rule("verify", "30 per minute", "30 per minute",
              "Too many certificate checks from your connection. Wait a minute, then try again.")


class Refused(Exception):
    """Over a limit: the request gets a 429 page with the rule's message."""

    def __init__(self, rule: Rule):
        super().__init__(rule.message)
        self.rule = rule


@dataclass
class Ticket:
    """The counts one attempt took; give them back when the attempt turns out fine."""

    throttle: Throttle
    hits: list[tuple[RateLimitItem, str]]

    def refund(self) -> None:
        for item, key in self.hits:
            self.throttle.storage.incr(item.key_for(key), item.get_expiry(), amount=-1)
        self.hits = []


class Throttle:
    def __init__(self, storage_uri: str):
        storage = storage_from_string(storage_uri)
        if not isinstance(storage, Storage):
            raise ValueError(f"RATELIMIT_STORAGE_URI {storage_uri!r} names an asynchronous storage; use memory:// "
                             "or redis://")
        self.storage = storage
        self.window = FixedWindowRateLimiter(self.storage)

    def take(self, rule: Rule, account: str | None) -> Ticket:
        """Count one attempt for the client's address and for `account`; Refused if either is over."""
        scopes = [(parse(rule.per_address), f"{rule.name}/address/{client_address()}")]
        if account:
            scopes.append((parse(rule.per_account), f"{rule.name}/account/{account.strip().lower()}"))
        ticket = Ticket(self, [])
        for item, key in scopes:
            allowed = self.window.hit(item, key)
            ticket.hits.append((item, key))
            if not allowed:
                ticket.refund()  # a refused attempt uses up nothing: it was never checked
                raise Refused(rule)
        return ticket

    def clear(self, rule: Rule, account: str) -> None:
        item = parse(rule.per_account)
        self.window.clear(item, f"{rule.name}/account/{account.strip().lower()}")


def client_address() -> str:
    """The client's address: from the connection, or from proxy headers only when LMS_PROXY_HOPS says so."""
    return request.remote_addr or "unknown"


def throttle() -> Throttle:
    return current_app.extensions["lms.throttle"]


def init_app(app: Flask) -> None:
    app.extensions["lms.throttle"] = Throttle(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))

    @app.errorhandler(Refused)
    def refused(error: Refused):
        return error_page(429, "Too many attempts", error.rule.message)
