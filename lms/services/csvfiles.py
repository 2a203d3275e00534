"""CSV files: reading uploads (one clear error for a bad file, line numbers for bad rows) and writing
streamed downloads a line at a time."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field


class CsvFileError(Exception):
    """The file as a whole cannot be imported; nothing was imported."""


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str] = field(default_factory=dict)  # header name (lower-cased, trimmed) -> value
    problem: str | None = None  # why the row cannot be read at all


def read_rows(data: bytes, required: tuple[str, ...]) -> list[CsvRow]:
    """Every non-blank data row with its line number; a bad file raises CsvFileError."""
    if b"\x00" in data[:4096]:
        raise CsvFileError("this is not a CSV file (it contains binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError("this is not a CSV file in UTF-8 text") from None
    if not text.strip():
        raise CsvFileError("the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise CsvFileError(f"this is not a readable CSV file ({exc})") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise CsvFileError(f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                           f"(the header row has: {', '.join(h for h in header if h) or 'nothing'})")
    rows: list[CsvRow] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            line = reader.line_num
            if len(values) != len(header):
                rows.append(CsvRow(line, problem=f"has {len(values)} fields; the header has {len(header)}"))
                continue
            rows.append(CsvRow(line, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        raise CsvFileError(f"line {reader.line_num}: {exc}") from None
    return rows


class CsvLines:
    """Rows as CSV text one line at a time, for downloads streamed as they are read."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def __call__(self, values: list) -> str:
        self._writer.writerow(values)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def formula_safe(text: str) -> str:
    """Text people typed, kept from running as a formula when the file opens in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
