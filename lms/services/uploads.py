"""CSV files an admin uploads in the browser, kept on the server between the preview and the confirmation.

Uploading keeps the file's bytes under the instance folder, named by their SHA-256, and shows what
importing it would do (lms.services.imports plans it; nothing is written to the database). The
confirmation names that hash and the digest of the plan shown: the kept bytes must still hash to
their name, and the plan made inside the write must still be the one shown, or nothing is imported.
A different file is a different hash and needs a preview of its own.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import UnitOfWork
from lms.models import AuditEntry, User
from lms.services import completions, help_on_demand, imports, registry
from lms.services.csvfiles import read_rows
from lms.services.errors import NotFound, RuleError
from lms.services.imports import Importer, ImportPlan

IMPORTERS: dict[str, Importer] = {found.name: found for found in
                                  (registry.IMPORTER, completions.IMPORTER, help_on_demand.IMPORTER)}
KEEP_SECONDS = 24 * 60 * 60  # an upload not confirmed within a day is deleted
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadGone(RuleError):
    """The kept file is no longer there (confirmed already, or older than a day)."""


def importer(kind: str) -> Importer:
    found = IMPORTERS.get(kind)
    if found is None:
        raise NotFound("There is no such import.")
    return found


def keep(folder: Path, kind: str, data: bytes) -> str:
    """Keep an uploaded file for its preview; returns its SHA-256. A file that cannot be imported at all
    raises CsvFileError and is not kept."""
    read_rows(data, importer(kind).columns)
    sha = imports.file_sha256(data)
    where = folder / kind
    where.mkdir(parents=True, exist_ok=True)
    _forget_old(where)
    target = where / f"{sha}.csv"
    if not target.exists():
        # Written under a temporary name and renamed, so a half-written file is never read as the upload.
        handle, temporary = tempfile.mkstemp(dir=where, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    target.touch()
    return sha


def _forget_old(where: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in where.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another request cleaned it up first


def _kept(folder: Path, kind: str, sha: str) -> bytes:
    if not _SHA256.match(sha):
        raise NotFound("There is no such upload.")
    try:
        data = (folder / kind / f"{sha}.csv").read_bytes()
    except FileNotFoundError:
        raise UploadGone("This upload is no longer kept (it was imported already, or is more than a day old). "
                         "Upload the file again.") from None
    if imports.file_sha256(data) != sha:
        raise RuleError("The kept copy of this upload has changed since it was uploaded, so nothing was imported. "
                        "Upload the file again.")
    return data


def preview(session: Session, folder: Path, kind: str, sha: str) -> ImportPlan:
    """What importing a kept upload would do; reads only."""
    found = importer(kind)
    return imports.plan(session, found, _kept(folder, kind, sha))


def confirm(uow: UnitOfWork, folder: Path, kind: str, sha: str, digest: str, actor_id: int,
            file_name: str | None) -> ImportPlan:
    """Import a kept upload exactly as previewed (its plan digest), audited; then stop keeping it."""
    found = importer(kind)
    data = _kept(folder, kind, sha)
    name = Path(file_name or "").name.strip()[:200] or None
    done = imports.apply(uow, found, data, expected_digest=digest, actor_id=actor_id, file_name=name)
    (folder / kind / f"{sha}.csv").unlink(missing_ok=True)
    return done


@dataclass(frozen=True)
class PastImport:
    entry: AuditEntry
    title: str
    actor_email: str | None  # None: the lms command


def recent(session: Session, limit: int = 10) -> list[PastImport]:
    """The latest imports of every kind, from the audit log, newest first."""
    titles = {found.event: found.title for found in IMPORTERS.values()}
    rows = session.execute(select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.actor_id)
                           .where(AuditEntry.action.in_(titles)).order_by(AuditEntry.id.desc()).limit(limit)).all()
    return [PastImport(entry, titles[entry.action], email) for entry, email in rows]
