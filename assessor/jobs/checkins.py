"""Check-in messages (issue 15): decided in the outbox, then sent, never twice.

:func:`send_due` is what ``flask --app assessor checkins send --as-of DAY`` and the queue's daily task
run. It writes each check-in that falls due with its outbox row in one transaction (the outbox's
unique key makes a second decision a no-op), then sends the unsent rows one at a time: a row is
taken in a write transaction (two workers never take the same one), sent, then marked sent. A
process that dies between the decision and the sending leaves the row unsent: the next run sends
it. One that dies after taking a row leaves it taken: it is taken again after ``LEASE_SECONDS``.
A failed send is tried again later (``RETRY_MINUTES``, doubled each time) up to
``MAIL_MAX_ATTEMPTS`` tries in all; ``checkins outbox`` lists what failed.

Without SMTP (``ASSESSOR_SMTP_HOST``), a message is written as an .eml file to ``OUTBOX_DIR``
(``instance/outbox/``), readable by its owner only: it carries a private link. Nothing here logs a
link or an address: the log says which message of which diagnostic.

The private links of a message are derived from the application's secret key (like the follow-up
drafts' links), so that a message tried again carries the same links, and the database holds only
their hashes.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import Huey, crontab
from sqlite_utils import Database

from .. import config as settings
from ..domain import clock, i18n
from ..store import assessments, checkins
from ..store.db import connect
from . import mail

RETRY_MINUTES = 15
LEASE_SECONDS = 600
# The sender of the messages written to the outbox folder when no SMTP sender is set.
LOCAL_SENDER = "assessor <assessor@localhost>"


@dataclasses.dataclass
class Run:
    """What one run did: check-ins decided, messages sent, failed tries, messages cancelled."""

    scheduled: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0


def link_token(purpose: str, app: Flask | None = None) -> str:
    """Return the private token of ``purpose`` (``checkin:<id>:<step>``, ``unsubscribe:<id>:<date>``)."""
    secret = str((app or current_app).secret_key).encode("utf-8")
    digest = hmac.new(secret, b"assessor." + purpose.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def checkin_token(assessment_id: int, step: int, app: Flask | None = None) -> str:
    return link_token(f"checkin:{int(assessment_id)}:{int(step)}", app)


def unsubscribe_token(assessment_id: int, consented_at: str, app: Flask | None = None) -> str:
    return link_token(f"unsubscribe:{int(assessment_id)}:{consented_at}", app)


def subscribe(db: Database, assessment: dict[str, Any], email: str, lang: str) -> None:
    """Record the company's consent to check-ins, dated now, with its unsubscribe link."""
    stamp = assessments.now_iso()
    checkins.subscribe(db, assessment["id"], email, i18n.language(lang),
                       assessments.hash_token(unsubscribe_token(assessment["id"], stamp)), now=stamp)


def public_base(app: Flask) -> str:
    """The address the links of a message start with: ``PUBLIC_URL`` (set it in production), else
    http://localhost, as the pages' links are on this machine."""
    return app.config.get("PUBLIC_URL") or "http://localhost"


# -- deciding and sending ----------------------------------------------------------------------------


def send_due(db: Database, as_of: dt.date, now: dt.datetime | None = None) -> Run:
    """Decide the check-ins due on ``as_of`` (one outbox row each), then send every unsent message."""
    app = current_app
    steps = settings.checkin_months(app.config)
    created = checkins.schedule_due(
        db, as_of, steps, settings.zone(),
        lambda assessment_id, step: assessments.hash_token(checkin_token(assessment_id, step)))
    if created:
        app.logger.info("%d check-in(s) due on %s", len(created), as_of.isoformat())
    run = flush(db, now)
    run.scheduled = len(created)
    return run


def flush(db: Database, now: dt.datetime | None = None) -> Run:
    """Send the outbox's messages that are due (new ones, and failed ones whose retry time came)."""
    run = Run()
    max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    while True:
        moment = now or dt.datetime.now(dt.timezone.utc)
        row = checkins.claim(db, moment, max_attempts, lease_seconds=LEASE_SECONDS)
        if row is None:
            return run
        deliver(db, row, run, moment, max_attempts)


# Who writes a message of each outbox kind: (db, row) → the message, or None when it must not be
# sent any more (consent withdrawn, diagnostic erased). Other kinds (an advisors' digest) add theirs.
COMPOSERS: dict[str, Callable[[Database, dict[str, Any]], EmailMessage | None]] = {}


def deliver(db: Database, row: dict[str, Any], run: Run, now: dt.datetime, max_attempts: int,
            message: EmailMessage | None = None) -> None:
    """Send one taken outbox row (``message``: already composed by the caller) and record what happened."""
    log = current_app.logger
    compose = COMPOSERS.get(row["kind"])
    if message is None:
        message = compose(db, row) if compose else None
    if message is None:
        checkins.cancel(db, row["id"], "no longer to be sent" if compose else f"unknown kind {row['kind']!r}")
        log.info("message %s (%s) cancelled: no longer to be sent", row["id"], row["kind"])
        run.cancelled += 1
        return
    try:
        transport(message, row)
    except mail.MailError as exc:
        later = now + dt.timedelta(minutes=RETRY_MINUTES * 2 ** (row["attempts"] - 1))
        final = row["attempts"] >= max_attempts
        checkins.mark_failed(db, row["id"], str(exc), None if final else later.isoformat(timespec="seconds"))
        log.warning("message %s (%s) of assessment %s not sent, try %d of %d%s: %s", row["id"], row["kind"],
                    row["assessment_id"], row["attempts"], max_attempts,
                    " (no more tries: see `checkins outbox`)" if final else "", exc)
        run.failed += 1
        return
    checkins.mark_sent(db, row["id"])
    log.info("message %s (%s) of assessment %s sent", row["id"], row["kind"], row["assessment_id"])
    run.sent += 1


def transport(message: EmailMessage, row: dict[str, Any]) -> None:
    """Hand the message to the SMTP server, or write it to the outbox folder without SMTP."""
    smtp = mail.settings(current_app.config)
    if smtp is not None:
        mail.send(smtp, message)
        return
    folder = current_app.config["OUTBOX_DIR"]
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".message-")  # 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(message))
        # Named by its outbox row: written again after a crash, it is still one file.
        os.replace(temporary, os.path.join(folder, f"{int(row['id']):06d}-{row['kind']}.eml"))
    except OSError as exc:
        raise mail.MailError(f"the outbox folder could not be written ({type(exc).__name__})") from None


def sender() -> str:
    smtp = mail.settings(current_app.config)
    return smtp.sender if smtp else (current_app.config.get("SMTP_FROM") or LOCAL_SENDER)


def compose_checkin(db: Database, row: dict[str, Any]) -> EmailMessage | None:
    """The check-in message: its private link, the unsubscribe link, in the company's language."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    assessment = assessments.get(db, row["assessment_id"]) if row["assessment_id"] else None
    subscription = checkins.subscription(db, row["assessment_id"]) if assessment else None
    if not checkins.active(subscription):
        return None
    step = int(json.loads(row["payload"] or "{}").get("step") or 0)
    checkin = next((c for c in checkins.of_assessment(db, assessment["id"]) if c["step"] == step), None)
    if checkin is None:
        return None
    token = checkin_token(assessment["id"], step)
    unsubscribe = unsubscribe_token(assessment["id"], subscription["consented_at"])
    # Derived from the secret key: if it changed since, the links are made anew (the hashes follow).
    checkins.relink(db, checkin["id"], assessments.hash_token(token), assessment["id"],
                    assessments.hash_token(unsubscribe))
    language = i18n.language(row["lang"])
    with app.test_request_context("/", base_url=public_base(app)), force_locale(language):
        words = {"company": assessment["company_name"], "step": step, "lang": language,
                 "url": url_for("checkins.page", token=token, _external=True),
                 "unsubscribe_url": url_for("checkins.unsubscribe", token=unsubscribe, _external=True),
                 "validated": i18n.day(assessment["submitted_at"], language, "long", settings.zone())}
        subject = _("Votre point d'étape à %(months)d mois : diagnostic de maturité IA", months=step)
        message = mail.message(sender(), row["to_addr"], subject, render_template("mail/checkin.txt", **words),
                               render_template("mail/checkin.html", **words), language)
    domain = message["Message-ID"].rpartition("@")[2]
    del message["Message-ID"]  # one id per outbox row: a copy sent again is recognisable as the same
    message["Message-ID"] = f"<{row['key'].replace(':', '.')}.{row['id']}@{domain}"
    message["List-Unsubscribe"] = f"<{words['unsubscribe_url']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    return message


COMPOSERS[checkins.CHECKIN] = compose_checkin


# -- the queue's periodic tasks ------------------------------------------------------------------


def register(app: Flask, huey: Huey) -> dict[str, Any]:
    """The daily check-ins (07:05 UTC: the morning in France) and the hourly retry of failed messages."""

    def run(task: Callable[[Database], Any]) -> None:
        with app.app_context():
            db = connect(app.config["DATABASE"])
            try:
                task(db)
            finally:
                db.close()

    @huey.periodic_task(crontab(minute="5", hour="7"), name="send_checkins")
    def send_checkins() -> None:
        run(lambda db: send_due(db, clock.today(settings.zone())))

    @huey.periodic_task(crontab(minute="35"), name="retry_mail")
    def retry_mail() -> None:
        run(flush)

    return {"send_checkins": send_checkins, "retry_mail": retry_mail}
