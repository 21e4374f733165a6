"""The advisors' daily digest: one e-mail a day to each advisor who asked for it (their account
page), listing the companies of their « À relancer » list, in French or English.

It names the company and links to its file in the advisor area (behind the sign-in), never to a
company's private link. Sent by the daily periodic task and by ``flask --app assessor checkins digest
--as-of YYYY-MM-DD``; never twice a day per advisor, whoever runs it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from huey import Huey, crontab
from sqlite_utils import Database

from .. import config as settings
from ..domain import clock, i18n
from ..domain.referential import REGIONS
from ..store import accounts, checkins, digests, workspace
from ..store.db import connect
from . import checkins as outbox
from . import mail

# Up to this many companies are listed; the e-mail says how many more the list has.
LISTED = 50
# The periodic task runs at this hour, UTC: 7:30 or 8:30 in Paris, before an advisor's day starts.
HOUR_UTC, MINUTE = "6", "30"


@dataclasses.dataclass(frozen=True)
class Digest:
    """One advisor's e-mail of a day."""

    advisor_id: int
    to: str
    lang: str
    subject: str
    text: str
    html: str
    count: int


def key(advisor_id: int, day: dt.date) -> str:
    """The outbox key of an advisor's digest of a day: one message per advisor and day."""
    return f"digest:{int(advisor_id)}:{day.isoformat()}"


def advisor_url(app: Flask, assessment_id: int) -> str:
    """The address of a company's file in the advisor area (PUBLIC_URL, else a path)."""
    path = app.url_map.bind("localhost").build("advisor.detail", {"assessment_id": assessment_id})
    return (app.config.get("PUBLIC_URL") or "") + path


def list_url(app: Flask) -> str:
    path = app.url_map.bind("localhost").build("advisor.index", {"remind": "y"})
    return (app.config.get("PUBLIC_URL") or "") + path


def compose(app: Flask, db: Database, advisor: dict[str, Any], as_of: dt.date) -> Digest | None:
    """Return an advisor's digest of the day ``as_of``, or None when nobody is to get back to."""
    tz = settings.zone()
    scope = workspace.Scope.of(advisor)
    filters = workspace.Filters(remind=True, as_of=as_of, tz=tz, sort="date", descending=False)
    page = workspace.search(db, scope, filters, per_page=LISTED)
    if not page.rows:
        return None
    language = advisor.get("digest_lang") if advisor.get("digest_lang") in i18n.LANGUAGES else "fr"
    with force_locale(language):
        reasons = _reasons()
        rows = [{"company": row["company_name"], "region": i18n.label(REGIONS, row["region"], language),
                 "validated": i18n.day(row["submitted_at"], language, "long", tz),
                 "reason": reasons.get(row["remind_step"], row["remind_step"]),
                 "url": advisor_url(app, row["id"])} for row in page.rows]
        more = max(0, page.total - len(rows))
        words = {"rows": rows, "more": more, "capped": page.capped, "list_url": list_url(app), "lang": language,
                 "day": i18n.day(as_of, language, "long", tz), "name": advisor.get("name") or advisor["email"],
                 "account_url": (app.config.get("PUBLIC_URL") or "")
                 + app.url_map.bind("localhost").build("advisor_account.account", {})}
        subject = ngettext("À relancer : %(num)d entreprise le %(day)s",
                           "À relancer : %(num)d entreprises le %(day)s", page.total, day=words["day"]) \
            if not page.capped else _("À relancer : plus de %(num)d entreprises le %(day)s",
                                      num=workspace.COUNT_CAP, day=words["day"])
        text = render_template("mail/digest.txt", **words)
        html = render_template("mail/digest.html", subject=subject, **words)
    return Digest(advisor["id"], advisor["email"], language, subject, text, html, page.total)


def _reasons() -> dict[str, str]:
    return {"J+9": _("sans suivi 9 jours après son diagnostic (J+9)"),
            "J+21": _("sans suivi 21 jours après son diagnostic (J+21)"),
            "J+45": _("sans suivi 45 jours après son diagnostic (J+45)"),
            "contact": _("son point d'étape demande à être recontactée")}


def register(app: Flask, huey: Huey):
    """Register the daily digest on the application's queue; return the task."""

    @huey.periodic_task(crontab(minute=MINUTE, hour=HOUR_UTC), name="advisor_digest")
    def advisor_digest() -> None:
        with app.app_context():
            send_all(app, clock.today(settings.zone()))

    return advisor_digest


def send_all(app: Flask, as_of: dt.date) -> dict[str, int]:
    """Compose and send the digests of the day ``as_of``; return how many were sent, had gone
    already, wait for a retry after a failure, had nobody to list, or failed now.

    The outbox row (``digest:<advisor>:<day>``) is written before the message goes, and taken
    (``store.checkins.claim``) before it is sent: two runs of the same day send one message. A
    failed send is tried again by the outbox's hourly retry (``jobs.checkins.flush``), a bounded
    number of times (``MAIL_MAX_ATTEMPTS``).
    """
    counts = {"sent": 0, "already": 0, "pending": 0, "empty": 0, "failed": 0}
    max_attempts = int(app.config["MAIL_MAX_ATTEMPTS"])
    db = connect(app.config["DATABASE"])
    try:
        for advisor in accounts.digest_advisors(db):
            if digests.sent_key(db, key(advisor["id"], as_of)):  # a second run of the day: nothing to compose
                counts["already"] += 1
                continue
            digest = compose(app, db, advisor, as_of)
            if digest is None:
                counts["empty"] += 1
                continue
            outbox_id = digests.enqueue(db, key(advisor["id"], as_of), digest.to, digest.lang)
            now = dt.datetime.now(dt.timezone.utc)
            row = checkins.claim(db, now, max_attempts, lease_seconds=outbox.LEASE_SECONDS, only=[outbox_id])
            if row is None:
                counts["already" if digests.sent(db, outbox_id) else "pending"] += 1
                continue
            run = outbox.Run()
            # composed once: the message just composed goes (a retry composes it anew, as of its day)
            outbox.deliver(db, row, run, now, max_attempts,
                           message=mail.message(outbox.sender(), digest.to, digest.subject, digest.text,
                                                digest.html, digest.lang))
            counts["sent"] += run.sent
            counts["failed"] += run.failed
            counts["empty"] += run.cancelled  # nobody left to list when it went
    finally:
        db.close()
    return counts


def compose_row(db: Database, row: dict[str, Any]) -> EmailMessage | None:
    """The digest message of an outbox row (``jobs.checkins.COMPOSERS``), composed as of its day;
    None (not to be sent any more) when the advisor left, stopped asking for it, or has nobody left
    to get back to."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _kind, advisor_id, day = row["key"].split(":")
    advisor = accounts.get_advisor(db, int(advisor_id))
    if advisor is None or not advisor["active"] or not advisor.get("digest"):
        return None
    digest = compose(app, db, advisor, dt.date.fromisoformat(day))
    if digest is None:
        return None
    return mail.message(outbox.sender(), digest.to, digest.subject, digest.text, digest.html, digest.lang)


outbox.COMPOSERS[digests.KIND] = compose_row
