"""Domain errors. The web layer turns them into form messages, flash messages or HTTP codes."""

from __future__ import annotations


class RuleError(Exception):
    """A request broke a rule; the message is written for the person who made it."""


class FieldErrors(RuleError):
    """Problems tied to form fields: {field name: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class NotFound(RuleError):
    """What was asked for does not exist, or not for this person (an agent never learns which)."""

    def __init__(self, message: str = "We could not find that."):
        super().__init__(message)


class NotSignedIn(RuleError):
    """The session a request came with no longer signs anyone in (signed out elsewhere, the password
    changed): found by a statement that checks the session's claim as it reads."""

    def __init__(self) -> None:
        super().__init__("Your session has ended. Please sign in again.")
