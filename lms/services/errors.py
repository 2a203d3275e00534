"""Domain errors that views turn into form messages or HTTP codes."""

from __future__ import annotations


class RuleError(Exception):
    """A request broke a rule; the message is written for the person who made it."""


class FieldErrors(RuleError):
    """Problems tied to form fields: {field name: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
