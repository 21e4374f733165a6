"""Check-ins, the company's side (issue 15): asking for them on the results page, withdrawing, and
the check-in page its messages link to.

Three kinds of private links, each its own token in the path (never in a query string):
``/a/<token>`` (the results), ``/p/<token>`` (one check-in) and ``/desinscription/<token>`` (stop the
check-ins, from any message). The check-in page works without JavaScript (one form, radio groups in
fieldsets, a final « Enregistrer »); with it, each change is saved as it is made (the
questionnaire's autosave: ``form.js-autosave``).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from .. import config as settings
from .. import csrf
from ..jobs import checkins as jobs
from ..report import results as results_view
from ..store import assessments as assessments_store
from ..store import checkins as store
from ..store.db import get_db
from .content import questionnaire_for
from .errors import redisplay_on_csrf_error
from .forms import CheckinSubscribeForm, clean_text
from .language import lang, picked_language

bp = Blueprint("checkins", __name__)

COMMENT_MAX_LENGTH = 2000

ACTION_LABELS = {
    "pas_commencee": _l("Pas commencée"), "en_cours": _l("En cours"), "faite": _l("Faite"),
    "abandonnee": _l("Abandonnée"),
}
PROGRAMME_LABELS = {
    "pas_contacte": _l("Pas contacté"), "contacte": _l("Contacté"), "candidature": _l("Candidature déposée"),
    "obtenu": _l("Obtenu"), "refuse": _l("Refusé"),
}
LABELS = {"action": ACTION_LABELS, "programme": PROGRAMME_LABELS}


def steps_words(months: tuple[int, ...]) -> str:
    """« 3 mois puis 6 mois »: when the check-ins come, in words."""
    if len(months) == 1:
        return _("%(months)d mois", months=months[0])
    return _("%(first)s mois puis %(last)d mois", first=", ".join(str(m) for m in months[:-1]), last=months[-1])


def _field(kind: str, ref: str) -> str:
    return f"{kind}-{ref}"


# -- the results page's part -----------------------------------------------------------------------


def results_context(db, assessment: dict[str, Any], diagnosis, form: CheckinSubscribeForm | None = None
                    ) -> dict[str, Any]:
    """What the results page shows about check-ins: the offer or the consent, where the company
    stands on its plan, and the follow-up diagnostic once the last check-in is done."""
    months = settings.checkin_months(current_app.config)
    subscription = store.subscription(db, assessment["id"])
    if form is None:
        form = CheckinSubscribeForm(formdata=None, data={"email": (subscription or {}).get("email")
                                                         or assessment.get("email") or ""})
    every = store.of_assessment(db, assessment["id"])
    # where it stands: its latest answered check-in (store.latest's rule, from the same rows)
    latest = next((c for c in reversed(every) if c["updated_at"]), None)
    progress, page_url = None, None
    if latest:
        refs = _refs(diagnosis)
        progress = {kind: [(LABELS[kind][status], sum(1 for ref in refs[kind]
                                                       if latest["items"].get((kind, ref), default) == status))
                           for status in store.STATUSES[kind]]
                    for kind, default in (("action", "pas_commencee"), ("programme", "pas_contacte"))}
        progress["counts"] = {kind: len(refs[kind]) for kind in refs}
    if every:  # the latest check-in's page, if its link is still the one derived from the secret key
        last = every[-1]
        token = jobs.checkin_token(assessment["id"], last["step"])
        if assessments_store.hash_token(token) == last["token_hash"]:
            page_url = url_for("checkins.page", token=token)
    final = next((c for c in every if c["step"] == months[-1] and c["submitted_at"]), None)
    return {"checkin": {
        "months": months, "steps_words": steps_words(months), "subscription": subscription,
        "active": store.active(subscription), "form": form, "latest": latest, "progress": progress,
        "page_url": page_url, "propose_followup": final is not None,
    }}


def _refs(diagnosis) -> dict[str, list[str]]:
    plan = diagnosis.plan
    actions = list(dict.fromkeys(item.question_id for item in plan.quick_wins + plan.next_months))
    programmes = [r.entry.id for r in _unique_programmes(diagnosis.recommendations)]
    return {"action": actions, "programme": programmes}


def _unique_programmes(recommendations) -> list:
    """Each recommended programme once (one may answer two of the company's answers)."""
    first: dict[str, Any] = {}
    for recommendation in recommendations:
        first.setdefault(recommendation.entry.id, recommendation)
    return list(first.values())


def _submitted(token: str) -> dict[str, Any]:
    assessment = assessments_store.by_token(get_db(), token)
    if assessment is None:
        abort(404)
    if assessment["status"] != "submitted":
        abort(404)
    return assessment


@bp.route("/a/<token>/points-d-etape", methods=["GET"])
@bp.route("/a/<token>/points-d-etape/retrait", methods=["GET"])
def back_to_the_offer(token: str):
    """The address of a form's answer, opened again (a reload, the language switch on a refused
    address): the results page, at the offer."""
    _submitted(token)
    return redirect(url_for("assess.results", token=token) + "#points-d-etape")


@bp.route("/a/<token>/points-d-etape", methods=["POST"])
@redisplay_on_csrf_error
def subscribe(token: str):
    """« Recevoir un point d'étape dans 3 mois puis 6 mois »: the consent, dated, with its address."""
    from .assess import render_results

    assessment = _submitted(token)
    form = CheckinSubscribeForm()
    if g.get("csrf_expired") or not form.validate_on_submit():
        return render_results(token, assessment, checkin_form=form), 422
    # the messages' language: the one the reader picked on the page where they consent, else the diagnostic's
    jobs.subscribe(get_db(), assessment, form.email.data, picked_language() or assessment.get("lang") or lang())
    current_app.logger.info("assessment %s: check-ins asked for", assessment["id"])
    # the address is on the page itself, not in the flash message (the session cookie carries that)
    flash(_("C'est noté : vous recevrez un point d'étape %(when)s après la validation. Vous pouvez "
            "retirer votre accord à tout moment, depuis chaque e-mail ou depuis cette page.",
            when=steps_words(settings.checkin_months(current_app.config))), "success")
    return redirect(url_for("assess.results", token=token) + "#points-d-etape")


@bp.route("/a/<token>/points-d-etape/retrait", methods=["POST"])
def withdraw(token: str):
    """Withdraw the consent from the private results link, in one click."""
    assessment = _submitted(token)
    if store.withdraw(get_db(), assessment["id"]):
        current_app.logger.info("assessment %s: check-ins withdrawn from the results page", assessment["id"])
    flash(_("Vous ne recevrez plus de points d'étape."), "success")
    return redirect(url_for("assess.results", token=token) + "#points-d-etape")


# -- unsubscribe from a message ---------------------------------------------------------------------


@bp.route("/desinscription/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, except for the mail clients' one-click POST (RFC 8058)
def unsubscribe(token: str):
    """Stop the check-ins from the link of any message: one button (a link alone would be followed
    by the mail filters that open links), or the mail client's own one-click unsubscribe."""
    db = get_db()
    subscription = store.by_unsubscribe_token(db, token)
    if subscription is None:
        abort(404)
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        if not one_click and current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.form.get("csrf_token"))
            except (ValidationError, CSRFError):
                flash(_("Le formulaire a expiré : appuyez à nouveau sur le bouton."), "warning")
                return render_template("unsubscribe.html", subscription=subscription, token=token), 400
        if store.withdraw(db, subscription["assessment_id"]):
            current_app.logger.info("assessment %s: check-ins withdrawn from a message%s",
                                    subscription["assessment_id"], " (one-click)" if one_click else "")
        if one_click:
            return "", 200
        return redirect(url_for("checkins.unsubscribe", token=token))
    return render_template("unsubscribe.html", subscription=subscription, token=token)


# -- the check-in page ---------------------------------------------------------------------------


@bp.route("/p/<token>", methods=["GET", "POST"])
@redisplay_on_csrf_error
def page(token: str):
    db = get_db()
    checkin = store.by_token(db, token)
    if checkin is None:
        abort(404)
    assessment = assessments_store.get(db, checkin["assessment_id"])
    questionnaire = questionnaire_for(assessment)
    diagnosis = results_view.diagnose(db, assessment, questionnaire, lang())
    refs = _refs(diagnosis)
    autosave = request.method == "POST" and bool(request.headers.get("X-Autosave"))
    errors: dict[str, str] = {}
    if request.method == "POST" and not g.get("csrf_expired"):
        statuses: dict[tuple[str, str], str | None] = {}
        for kind, kind_refs in refs.items():
            for ref in kind_refs:
                value = request.form.get(_field(kind, ref))
                if value in store.STATUSES[kind]:
                    statuses[(kind, ref)] = value
        comment = clean_text(request.form.get("comment", ""))
        if len(comment) > COMMENT_MAX_LENGTH:
            errors["comment"] = _("Le commentaire ne peut pas dépasser %(max)d caractères.", max=COMMENT_MAX_LENGTH)
            comment = None
        final = request.form.get("action") == "save"
        store.save(db, checkin["id"], statuses, comment=comment, wants_contact=request.form.get("wants_contact") == "1",
                   submit=final and not errors)
        if autosave:
            return ({"errors": errors}, 422) if errors else ("", 204)
        if not errors:
            current_app.logger.info("assessment %s: check-in at %d months saved", assessment["id"], checkin["step"])
            flash(_("Merci, votre point d'étape est enregistré. Vous pouvez le modifier à tout moment avec le "
                    "même lien."), "success")
            return redirect(url_for("checkins.page", token=token))
        checkin = store.get(db, checkin["id"])
    elif request.method == "GET" and not checkin["opened_at"]:
        store.mark_opened(db, checkin["id"])
    saved = store.items(db, checkin["id"])
    posted = request.method == "POST"
    plan = diagnosis.plan
    actions = [{"item": item, "name": _field("action", item.question_id),
                "value": (request.form.get(_field("action", item.question_id)) if posted else None)
                or saved.get(("action", item.question_id))}
               for item in list(dict.fromkeys(plan.quick_wins + plan.next_months))]
    programmes = [{"entry": r.entry, "name": _field("programme", r.entry.id),
                   "value": (request.form.get(_field("programme", r.entry.id)) if posted else None)
                   or saved.get(("programme", r.entry.id))}
                  for r in _unique_programmes(diagnosis.recommendations)]
    status = 422 if errors else 200
    return render_template(
        "checkin.html", checkin=checkin, assessment=assessment, token=token, actions=actions,
        programmes=programmes, action_labels=ACTION_LABELS, programme_labels=PROGRAMME_LABELS, errors=errors,
        comment=request.form.get("comment", "") if posted else (checkin["comment"] or ""),
        wants_contact=(request.form.get("wants_contact") == "1") if posted else bool(checkin["wants_contact"]),
        comment_max=COMMENT_MAX_LENGTH), status
