"""Follow-up over time: a company takes the diagnostic again to measure its progress.

The new assessment copies the company profile, points to the one it follows (``previous_id``) and
uses the current questionnaire; its results compare with the first assessment of the chain. A
follow-up filled in with an advisor (interview mode) starts from the answers of the diagnostic it
follows: the advisor goes through them with the company and changes what has changed.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from sqlite_utils import Database

from ..store.db import get_db
from ..domain.questionnaire import Questionnaire
from ..domain.scoring import AnswerError, normalise_answer
from ..store import assessments as store
from .content import current_questionnaire, questionnaire_for

bp = Blueprint("followup", __name__)


# The follow-up drafts this browser started, by the id of the diagnostic they follow. The session
# cookie is signed, not encrypted, and an advisor's holds the drafts of the companies it meets: it
# keeps a random key per draft, never a private link. The draft's token is derived from that key
# with the app's secret key, so only the server can turn the cookie back into the link, and the
# database still stores nothing but token hashes.
_SESSION_KEY = "followup_drafts"
_REMEMBERED = 5


def carried_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Return the earlier answers that still fit ``questionnaire`` (a newer version may have dropped a
    question or an option): those are pre-filled, the others are asked afresh."""
    kept = {}
    for question_id, value in answers.items():
        question = questionnaire.question(question_id)
        if question is None:
            continue
        try:
            value = normalise_answer(question, value)
        except AnswerError:
            continue
        if value is not None:
            kept[question_id] = value
    return kept


def _draft_token(draft_key: str) -> str:
    """Return the private token of the follow-up draft started under ``draft_key``."""
    digest = hmac.new(str(current_app.secret_key).encode("utf-8"), b"assessor.followup-draft:" + draft_key.encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start_followup(db: Database, previous: dict[str, Any], *, mode: str = "self",
                   created_by: int | None = None) -> tuple[Questionnaire, str]:
    """Create a new draft assessment following up ``previous``; return its questionnaire and token.

    If this browser already started a follow-up of ``previous`` that is still a draft (a double
    click, or the button pressed again before finishing), that draft is returned instead of a
    second one. In interview mode the draft is pre-filled with the answers of ``previous``.
    """
    started = session.get(_SESSION_KEY, {})
    draft_key = started.get(str(previous["id"]))
    token = _draft_token(draft_key) if isinstance(draft_key, str) else None
    draft = store.by_token(db, token) if token else None
    if draft is not None and draft["status"] == "draft" and draft["previous_id"] == previous["id"]:
        return questionnaire_for(draft), token
    questionnaire = current_questionnaire(previous.get("audience") or "company")
    profile = {key: previous.get(key) for key in store.PROFILE_FIELDS}
    draft_key = secrets.token_urlsafe(16)
    assessment_id, token = store.create(db, profile, questionnaire.id, questionnaire.version, mode=mode,
                                        created_by=created_by, previous_id=previous["id"],
                                        is_demo=bool(previous.get("is_demo")), token=_draft_token(draft_key))
    if mode == "interview":
        store.save_answers(db, assessment_id, carried_answers(questionnaire, store.answers(db, previous["id"])))
    kept = [(key, value) for key, value in started.items() if key != str(previous["id"])]
    session[_SESSION_KEY] = dict(kept[-(_REMEMBERED - 1):] + [(str(previous["id"]), draft_key)])
    session.pop("followups", None)  # written by earlier versions, with private links in it
    return questionnaire, token


@bp.route("/a/<token>/suivi", methods=["POST"])
def start(token: str):
    """Start the diagnostic again from a submitted one's private link."""
    db = get_db()
    previous = store.by_token(db, token)
    if previous is None:
        abort(404)
    if previous["status"] != "submitted":
        return redirect(url_for("assess.resume", token=token))
    questionnaire, new_token = start_followup(db, previous)
    # Flashed messages live in the session cookie: the new link is shown by the page, not in here.
    flash(_("Votre nouveau diagnostic est créé : vos résultats seront comparés à votre premier diagnostic. "
            "Il a son propre lien privé, affiché ci-dessous : conservez-le pour le reprendre."), "resume")
    return redirect(url_for("assess.section", token=new_token, dimension_id=questionnaire.dimensions[0].id))

