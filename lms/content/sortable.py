"""Reading the date or number an ordering item carries, to see whether sorting alone solves it."""

from __future__ import annotations

import re
from typing import Any

_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), start=1) for name in names}
_NAMED_DATE = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{1,2})\b"
                         r"(?:,?\s+(\d{4}))?", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")

DateParts = tuple[int | None, int, int]  # (year or None, month, day)


def _date(text: str) -> DateParts | None:
    if found := _ISO_DATE.search(text):
        return int(found[1]), int(found[2]), int(found[3])
    if found := _NAMED_DATE.search(text):
        return (int(found[3]) if found[3] else None), _MONTHS[found[1].lower()], int(found[2])
    if found := _US_DATE.search(text):
        return (int(found[3]) if found[3] else None), int(found[1]), int(found[2])
    return None


def _number(text: str) -> float | None:
    found = _NUMBER.search(text)
    return float(found[0].replace(",", "")) if found else None


def sort_keys(items: list[Any]) -> list[tuple[float, ...]] | None:
    """Each item's date (or, failing dates, number) as something comparable; None unless every item has one.

    A year counts only when every date gives one, so "November 1" and "January 15, 2022" compare by
    month and day rather than guessing a year.
    """
    texts = [str(item) for item in items]
    dates = [_date(text) for text in texts]
    if all(date is not None for date in dates):
        known = [date for date in dates if date is not None]
        with_years = all(year is not None for year, _, _ in known)
        return [(float(year or 0) if with_years else 0.0, float(month), float(day)) for year, month, day in known]
    numbers = [_number(text) for text in texts]
    if all(number is not None for number in numbers):
        return [(number,) for number in numbers if number is not None]
    return None
