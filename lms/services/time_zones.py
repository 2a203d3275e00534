"""Time zones an agent may choose: IANA names known to zoneinfo, US zones first."""

from __future__ import annotations

import functools
import zoneinfo

UTC_NAME = "UTC"

# The zones most agents live in, with the names they know them by; every other zone follows these.
US_ZONES: tuple[tuple[str, str], ...] = (
    ("America/New_York", "Eastern Time"),
    ("America/Chicago", "Central Time"),
    ("America/Denver", "Mountain Time"),
    ("America/Phoenix", "Mountain Time, Arizona (no daylight saving)"),
    ("America/Los_Angeles", "Pacific Time"),
    ("America/Anchorage", "Alaska Time"),
    ("Pacific/Honolulu", "Hawaii-Aleutian Time, Hawaii"),
    ("America/Puerto_Rico", "Atlantic Time, Puerto Rico and the U.S. Virgin Islands"),
    ("Pacific/Guam", "Chamorro Time, Guam and the Northern Mariana Islands"),
    ("Pacific/Pago_Pago", "Samoa Time, American Samoa"),
)



@functools.cache
def known_zones() -> frozenset[str]:
    """The zones an agent may choose: every Area/Place name zoneinfo knows, and UTC.

    Old single-word aliases (EST5EDT, Navajo) and Etc/GMT+5, whose sign runs backwards, are left out.
    """
    places = {name for name in zoneinfo.available_timezones()
              if "/" in name and not name.startswith(("Etc/", "posix/", "right/", "SystemV/"))}
    return frozenset(places | {UTC_NAME})


@functools.cache
def other_zones() -> tuple[str, ...]:
    """UTC, then every other known zone but the US ones listed first, alphabetically."""
    listed = {name for name, _label in US_ZONES} | {UTC_NAME}
    return (UTC_NAME, *sorted(known_zones() - listed))


def normalise_zone(value: str | None) -> str | None:
    """The zone's IANA name, or None when blank; ValueError when zoneinfo does not know it."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if cleaned not in known_zones():
        raise ValueError("Choose a time zone from the list.")
    return cleaned


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The zone to show times in: the named one, UTC when none is chosen or the name went out of use."""
    if name and name in known_zones():
        return zoneinfo.ZoneInfo(name)
    return zoneinfo.ZoneInfo(UTC_NAME)


def zone_label(name: str) -> str:
    """How the profile form names a zone: its US name, or the IANA name made readable."""
    return dict(US_ZONES).get(name) or name.replace("_", " ")
