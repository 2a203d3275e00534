"""The National Producer Number: its shape (1-10 digits, never starting with 0) and its registry statuses in words."""

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


NPN_STATUS_WORDS = {
    "valid": "Valid: your NPN is in the producer registry with an active licence and health authority.",
    "not_found": "Not found: your NPN is not in the producer registry. Check the number, or contact your "
                 "state insurance department.",
    "inactive": "Licence inactive: the producer registry shows no active licence for this NPN.",
    "no_health_authority": "No health line of authority: the producer registry shows an active licence, but "
                           "without the health line of authority the Marketplace requires.",
    "unchecked": "Not yet checked: save your profile with an NPN to check it against the producer registry.",
}
