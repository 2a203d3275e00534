"""Certificates as documents: the printable page's QR code and the PDF made from the same page."""

from __future__ import annotations

from pathlib import Path

import segno
from flask import render_template
from weasyprint import CSS, HTML

from lms.config import PROJECT_ROOT, public_url
from lms.content import Program, Registration
from lms.models import Certificate
from lms.services.certificates import Verification


def verify_url(settings, code: str) -> str:
    """The public address that checks this certificate (from LMS_PUBLIC_URL, as in emails)."""
    return f"{public_url(settings)}/verify/{code}"


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, title="QR code of the verification address")


def document(settings, certificate: Certificate, result: Verification, program: Program | None,
             registration: Registration | None) -> str:
    url = verify_url(settings, certificate.code)
    return render_template("player/certificate_document.html", certificate=certificate, result=result,
                           program=program, registration=registration, verify_url=url, qr=qr_svg(url))


STYLESHEET = PROJECT_ROOT / "static" / "css" / "certificate.css"


def pdf(html: str, stylesheet: Path = STYLESHEET) -> bytes:
    """The document as a PDF: nothing is fetched (the QR code is inline SVG, the font a local one)."""
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(stylesheet))])
