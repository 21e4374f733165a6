"""The private link by e-mail: offered beside the link when the company gave an address and mail is
set up (``ASSESSOR_SMTP_*``), sent to that address only, at most once a minute per diagnostic and for
at most ``RESUME_MAIL_PER_ADDRESS_HOUR`` diagnostics an hour per address.

Sent in the request for now, within ``SMTP_TIMEOUT``; the task queue will take it over. The link
is never logged: the log says which diagnostic, never the address or the message.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..domain import i18n
from ..jobs import mail
from ..store import assessments as store
from ..store.db import get_db
from .http import is_safe_next, public_url

bp = Blueprint("resume_mail", __name__)


@bp.record_once
def _check_settings(state) -> None:
    mail.settings(state.app.config)  # a wrong ASSESSOR_SMTP_TLS stops the start-up, not a page


def mail_to(assessment: dict[str, Any] | None) -> str | None:
    """Return the address the private link can be mailed to, or None: no address, or no mail set up.
    The templates' ``resume_mail_to``."""
    if not assessment or not assessment.get("email") or mail.settings(current_app.config) is None:
        return None
    return assessment["email"]


@bp.route("/a/<token>/lien-par-email", methods=["POST"])
def send(token: str):
    """Mail the private link to the company's address, then go back to the page's link box."""
    db = get_db()
    assessment = store.by_token(db, token)
    smtp = mail.settings(current_app.config)
    if assessment is None or smtp is None or not assessment.get("email"):
        abort(404)
    back = request.form.get("back")
    if not (is_safe_next(back) and (back == f"/a/{token}" or back.startswith(f"/a/{token}/"))):
        back = url_for("assess.resume", token=token)
    claimed, previous = store.claim_link_mail(db, assessment["id"], datetime.now(timezone.utc),
                                              int(current_app.config["RESUME_MAIL_INTERVAL"]),
                                              int(current_app.config["RESUME_MAIL_PER_ADDRESS_HOUR"]))
    if claimed is not True:
        return _back(back, "attendre" if claimed == store.LINK_MAIL_WAIT else "plus-tard")
    language = i18n.language(assessment.get("lang"))
    with force_locale(language):
        words = {"company": assessment["company_name"], "url": public_url("assess.resume", token=token),
                 "lang": language}
        message = mail.message(smtp.sender, assessment["email"],
                               _("Votre lien privé : diagnostic de maturité IA"),
                               render_template("mail/resume_link.txt", **words),
                               render_template("mail/resume_link.html", **words), language)
    try:
        mail.send(smtp, message)
    except mail.MailError as exc:
        store.release_link_mail(db, assessment["id"], previous)
        current_app.logger.warning("private link of assessment %s not mailed: %s", assessment["id"], exc)
        return _back(back, "refuse")
    current_app.logger.info("private link of assessment %s mailed to its company", assessment["id"])
    return _back(back, "envoye")


def _back(path: str, outcome: str):
    return redirect(f"{path}?lien={outcome}#lien-de-reprise")
