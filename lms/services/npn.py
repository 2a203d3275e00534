"""The shape of a National Producer Number: 1-10 digits, never starting with 0."""

from __future__ import annotations


def npn_problem(npn: str) -> str | None:
    if not npn:
        return "Enter your National Producer Number (NPN)."
    if not npn.isdigit() or not npn.isascii():
        return "An NPN has digits only: no letters, spaces or dashes."
    if len(npn) > 10:
        return f"An NPN has at most 10 digits (this one has {len(npn)})."
    if npn.startswith("0"):
        return "An NPN never starts with 0. Check the number on your licence."
    return None
