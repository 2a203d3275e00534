"""An agent's records: the agreements they accepted, exactly as accepted, their certificates and transcript."""

from __future__ import annotations

from flask import Response, current_app, render_template
from flask_login import current_user, login_required

from lms.config import PROJECT_ROOT
from lms.extensions import catalog, clock
from lms.services import acceptances, certificates, transcript
from lms.web import certificates as documents
from lms.web.context import signed_in
from lms.web.database import db_session
from lms.web.player import bp


@bp.get("/account/agreements")
@login_required
def acceptances_list():
    return render_template("player/acceptances.html", acceptances=acceptances.acceptances_of(db_session(),
                                                                                             current_user.id),
                           certificates=certificates.for_user(db_session(), current_user.id))


@bp.get("/account/agreements/<id:acceptance_id>")
@login_required
def acceptance(acceptance_id: int):
    found = acceptances.acceptance_of(db_session(), current_user.id, acceptance_id)
    return render_template("player/acceptance.html", acceptance=found, verified=acceptances.verified(found),
                           program=catalog().programs.get(found.program_key))


def _certificate(code: str):
    found = certificates.mine(db_session(), current_user.id, code[:64])
    program = catalog().programs.get(found.program_key)
    registration = program.registration(found.registration_key) if program else None
    return found, certificates.verify(db_session(), found.code), program, registration


@bp.get("/certificates/<code>")
@login_required
def certificate(code: str):
    found, result, program, registration = _certificate(code)
    return render_template("player/certificate.html", certificate=found, result=result, program=program,
                           registration=registration,
                           document=documents.document(current_app.config, found, result, program, registration))


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    found, result, program, registration = _certificate(code)
    html = documents.document(current_app.config, found, result, program, registration)
    return Response(documents.pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="certificate-{found.code}.pdf"'})


TRANSCRIPT_STYLESHEET = PROJECT_ROOT / "static" / "css" / "transcript.css"


def _transcript():
    return transcript.transcript(db_session(), catalog(), signed_in(), clock().today(), clock().now())


@bp.get("/transcript")
@login_required
def transcript_page():
    return render_template("player/transcript.html", transcript=_transcript())


@bp.get("/transcript.pdf")
@login_required
def transcript_pdf():
    found = _transcript()
    html = render_template("player/transcript_pdf.html", transcript=found)
    return Response(documents.pdf(html, TRANSCRIPT_STYLESHEET), mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; "
                             f'filename="transcript-{found.generated_at:%Y-%m-%d}.pdf"'})
