"""The advisor's workspace: the list, one assessment's file, notes, follow-up, interview mode."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SearchField, SelectField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..domain import clock, scoring
from ..report import results as results_view
from .auth import EmptyForm
from ..store.db import get_db
from ..domain.diagnosis import answer_words
from .forms import ProfileForm, QueryForm, clean_text, special_labels, table_choices
from ..domain.questionnaire import DONT_KNOW, Questionnaire, is_visible
from ..domain.referential import NAF_SECTIONS, REGIONS, SIZE_BANDS
from ..store import workspace
from ..store import checkins as checkins_store
from ..store import assessments as store
from .content import current_questionnaire, questionnaire_for, questionnaires
from .language import lang
from .. import config as settings


bp = Blueprint("advisor", __name__, url_prefix="/conseiller")

FOLLOWUP_LABELS = {
    "nouveau": _l("Nouveau"), "contacté": _l("Contacté"), "en accompagnement": _l("En accompagnement"),
    "clos": _l("Clos"),
}
# Why a company is on the « À relancer » list (workspace.remind_step_sql).
REMIND_LABELS = {
    "contact": _l("Demande à être recontactée"), "J+9": _l("À relancer : J+9"),
    "J+21": _l("À relancer : J+21"), "J+45": _l("À relancer : J+45"),
}
MODE_LABELS = {"self": _l("En autonomie"), "interview": _l("Entretien")}
STATE_LABELS = {"submitted": _l("Validé"), "draft": _l("En cours")}
SORT_LABELS = {"date": _l("Date de validation"), "created": _l("Date de début"), "company": _l("Entreprise"),
               "score": _l("Score global"), "region": _l("Région")}


def _any(label: str) -> list[tuple[str, str]]:
    return [("", label)]


# The days a filter may name: far wider than the service's life, far narrower than what the
# conversion of a Paris day to UTC can handle (year 1 or 9999 overflowed it).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def _sensible_day(form, field: DateField) -> None:
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Choisissez une date entre le 1er janvier 2000 et le 31 décembre 2100."))


# Whom a diagnostic was taken for (questionnaire.AUDIENCES), as the list's filter names it.
AUDIENCE_LABELS = {"company": _l("Entreprises"), "public": _l("Collectivités et établissements publics")}


class FilterForm(QueryForm):
    """The list's filters: a GET form, so that a filtered list is a link (no CSRF token needed)."""

    q = SearchField(_l("Nom de l'entreprise ou de la collectivité"), validators=[Optional(), Length(max=100)])
    region = SelectField(_l("Région"), validators=[Optional()])
    audience = SelectField(_l("Public"), validators=[Optional()])
    size_band = SelectField(_l("Effectif"), validators=[Optional()])
    sector = SelectField(_l("Secteur"), validators=[Optional()])
    level = SelectField(_l("Niveau"), validators=[Optional()])
    status = SelectField(_l("Suivi"), validators=[Optional()])
    state = SelectField(_l("État du diagnostic"), validators=[Optional()])
    mode = SelectField(_l("Mode"), validators=[Optional()])
    date_from = DateField(_l("Validé à partir du"), validators=[Optional(), _sensible_day])
    date_to = DateField(_l("Validé jusqu'au"), validators=[Optional(), _sensible_day])
    mine = BooleanField(_l("Seulement les diagnostics qui me sont attribués"))
    demo = BooleanField(_l("Inclure les données de démonstration"))
    remind = BooleanField(_l("Seulement les entreprises à relancer"))
    sort = SelectField(_l("Trier par"), validators=[Optional()])
    order = SelectField(_l("Ordre"), validators=[Optional()])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Cette date précède la date de début : inversez-les."))

    def __init__(self, formdata, regions: Iterable[str], questionnaire: Questionnaire | None, language: str):
        super().__init__(formdata)
        everything = str(_l("Tous"))
        self.region.choices = table_choices({c: REGIONS[c] for c in regions}, language,
                                           placeholder=str(_l("Toutes")))
        self.audience.choices = _any(everything) + [(k, str(v)) for k, v in AUDIENCE_LABELS.items()]
        self.size_band.choices = table_choices(SIZE_BANDS, language, placeholder=everything)
        self.sector.choices = table_choices(NAF_SECTIONS, language, with_code=True, placeholder=everything)
        self.level.choices = _any(everything) + ([(level.id, level.label.get(language))
                                                 for level in questionnaire.levels] if questionnaire else [])
        self.status.choices = _any(everything) + [(k, str(v)) for k, v in FOLLOWUP_LABELS.items()]
        self.state.choices = _any(everything) + [(k, str(v)) for k, v in STATE_LABELS.items()]
        self.mode.choices = _any(everything) + [(k, str(v)) for k, v in MODE_LABELS.items()]
        self.sort.choices = [(k, str(v)) for k, v in SORT_LABELS.items()]
        self.order.choices = [("desc", str(_l("Décroissant"))), ("asc", str(_l("Croissant")))]

    def filters(self) -> workspace.Filters:
        """Return the filters; a value that is not valid is ignored rather than refused."""
        def ok(field) -> Any:
            return field.data if field.data and not field.errors else None
        return workspace.Filters(
            region=ok(self.region), audience=ok(self.audience), size_band=ok(self.size_band), sector=ok(self.sector), level=ok(self.level),
            followup_status=ok(self.status), state=ok(self.state), mode=ok(self.mode),
            date_from=ok(self.date_from), date_to=ok(self.date_to), tz=settings.zone(), include_demo=bool(self.demo.data),
            search=(ok(self.q) or "").strip() or None, sort=ok(self.sort) or "date",
            descending=(self.order.data or "desc") != "asc", mine=bool(self.mine.data),
            remind=bool(self.remind.data))


def _scope() -> workspace.Scope:
    return current_user.scope


def _filter_form() -> FilterForm:
    regions = list(REGIONS) if current_user.is_admin else list(current_user.regions)
    form = FilterForm(request.args, regions, current_questionnaire(), lang())
    form.validate()
    return form


@bp.route("/")
@login_required
def index():
    return _render_list(_filter_form())


def _render_list(form: FilterForm, status: int = 200):
    try:
        page_number = max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        page_number = 1
    db, filters = get_db(), form.filters()
    page = workspace.search(db, _scope(), filters, page_number)
    args = {k: v for k, v in request.args.items() if k != "page"}
    all_args = {k: v for k, v in args.items() if k != "remind"}
    return render_template(
        "advisor/index.html", form=form, page=page, args=args, count_cap=workspace.COUNT_CAP,
        remind_count=workspace.remind_count(db, _scope(), filters), remind_labels=REMIND_LABELS,
        all_url=url_for("advisor.index", **all_args), remind_url=url_for("advisor.index", **(all_args | {"remind": "y"})),
        hidden_demo=workspace.hidden_demo_count(db, _scope(), filters),
        with_demo_url=url_for("advisor.index", **(args | {"demo": "y"})),
        followup_labels=FOLLOWUP_LABELS, mode_labels=MODE_LABELS, state_labels=STATE_LABELS,
        level_label=_level_label, today=clock.today(settings.zone()),
        review_due=current_app.extensions["assessor.catalogue"].due_for_review(clock.today(settings.zone()))), status


def _level_label(level_id: str | None) -> str:
    if not level_id:
        return "–"
    for questionnaire in questionnaires().values():
        level = questionnaire.level(level_id)
        if level is not None:
            return level.label.get(lang())
    return level_id


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Nouvelle note"), validators=[
        DataRequired(_l("La note est vide.")),
        Length(max=5000, message=_l("Une note ne peut pas dépasser 5 000 caractères."))],
        filters=[clean_text])


class FollowupForm(FlaskForm):
    status = SelectField(_l("Statut du suivi"), validators=[InputRequired()])
    assigned = SelectField(_l("Conseiller attribué"), coerce=int, validators=[Optional()])

    def __init__(self, *args, advisors: list[dict[str, Any]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(k, str(v)) for k, v in FOLLOWUP_LABELS.items()]
        self.assigned.choices = [(0, str(_l("— Personne —")))] + [
            (a["id"], a["name"] or a["email"]) for a in advisors]


# What the company says in its check-ins (store.checkins.STATUSES), as the file counts them.
CHECKIN_STATUS_LABELS = {
    "action": {"pas_commencee": _l("pas commencée"), "en_cours": _l("en cours"), "faite": _l("faite"),
               "abandonnee": _l("abandonnée")},
    "programme": {"pas_contacte": _l("pas contacté"), "contacte": _l("contacté"),
                  "candidature": _l("candidature déposée"), "obtenu": _l("obtenu"), "refuse": _l("refusé")},
}


def status_counts(items: dict[tuple[str, str], str], kind: str) -> list[tuple[str, int]]:
    """Return, for one kind of a check-in's items, (status label, how many) in the statuses' order."""
    counts = [(str(label), sum(1 for (k, _ref), s in items.items() if k == kind and s == status))
              for status, label in CHECKIN_STATUS_LABELS[kind].items()]
    return [(label, n) for label, n in counts if n]


def _checkins(db, chain: list[dict[str, Any]], assessment: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the check-ins of the company's diagnostics (this one, or its visible chain), by date."""
    rows = []
    for diagnostic in chain or [assessment]:
        for row in checkins_store.of_assessment(db, diagnostic["id"]):
            rows.append(row | {"diagnostic_id": diagnostic["id"], "actions": status_counts(row["items"], "action"),
                               "programmes": status_counts(row["items"], "programme")})
    return sorted(rows, key=lambda r: (r["due_on"], r["id"]))


def _visible_or_404(assessment_id: int) -> dict[str, Any]:
    """Return an assessment the advisor may see; a 404 otherwise, whether it exists or not."""
    assessment = workspace.visible(get_db(), _scope(), assessment_id)
    if assessment is None:
        abort(404)
    return assessment


def _answer_rows(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Return, per dimension, each asked question with its answer in words."""
    language = lang()
    special = special_labels()
    sections = []
    for dimension in questionnaire.dimensions:
        items = []
        for question in dimension.questions:
            if not is_visible(questionnaire, question, answers):
                continue
            value = answers.get(question.id)
            words = answer_words(question, value, language)
            items.append({"question": question, "value": value,
                          "text": special.get(value) if words.status in special else words.words,
                          "dont_know": words.status == DONT_KNOW, "missing": words.status == "unanswered"})
        sections.append({"dimension": dimension, "items": items})
    return sections


def _render_detail(assessment: dict[str, Any], note_form: NoteForm | None = None,
                   followup_form: FollowupForm | None = None, status: int = 200):
    db = get_db()
    questionnaire = questionnaire_for(assessment)
    answers = store.answers(db, assessment["id"])
    context = results_view.build(db, assessment, questionnaire, lang(), answers=answers) \
        if assessment["status"] == "submitted" else {"assessment": assessment, "questionnaire": questionnaire}
    advisors = workspace.assignable_advisors(db, assessment["region"], assessment["assigned_advisor_id"])
    if followup_form is None:
        followup_form = FollowupForm(advisors=advisors, data={
            "status": assessment["followup_status"] or "nouveau", "assigned": assessment["assigned_advisor_id"] or 0})
    scope = _scope()
    diagnosis = context.get("diagnosis")
    chain = [row for row in (diagnosis.chain if diagnosis else workspace.chain(db, assessment["id"]))
             if scope.allows(row)]
    creator = workspace.advisor_names(db, [assessment["created_by"]]).get(assessment["created_by"]) \
        if assessment["created_by"] else None
    return render_template(
        "advisor/detail.html", **context, sections=_answer_rows(questionnaire, answers),
        notes=workspace.notes(db, assessment["id"]), note_form=note_form or NoteForm(),
        followup_form=followup_form, restart_form=EmptyForm(), chain=chain if len(chain) > 1 else [],
        creator=creator, checkins=_checkins(db, chain, assessment), followup_labels=FOLLOWUP_LABELS, mode_labels=MODE_LABELS, state_labels=STATE_LABELS,
        level_label=_level_label, scoring_version=scoring.SCORING_VERSION), status


@bp.route("/evaluations/<id:assessment_id>")
@login_required
def detail(assessment_id: int):
    return _render_detail(_visible_or_404(assessment_id))


@bp.route("/evaluations/<id:assessment_id>/notes", methods=["POST"])
@login_required
def add_note(assessment_id: int):
    assessment = _visible_or_404(assessment_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(assessment, note_form=form, status=422)
    workspace.add_note(get_db(), assessment_id, current_user.id, form.body.data)
    flash(_("Note ajoutée."), "success")
    return redirect(url_for("advisor.detail", assessment_id=assessment_id, _anchor="notes"))


@bp.route("/evaluations/<id:assessment_id>/suivi", methods=["POST"])
@login_required
def set_followup(assessment_id: int):
    assessment = _visible_or_404(assessment_id)
    db = get_db()
    form = FollowupForm(advisors=workspace.assignable_advisors(db, assessment["region"],
                                                               assessment["assigned_advisor_id"]))
    if not form.validate_on_submit():
        return _render_detail(assessment, followup_form=form, status=422)
    workspace.set_followup(db, assessment_id, form.status.data, form.assigned.data or None)
    flash(_("Suivi mis à jour."), "success")
    return redirect(url_for("advisor.detail", assessment_id=assessment_id, _anchor="suivi"))


@bp.route("/evaluations/<id:assessment_id>/nouveau-diagnostic", methods=["POST"])
@login_required
def restart(assessment_id: int):
    """Start a follow-up diagnostic of this company, filled in with the advisor (interview mode)."""
    from .followup import start_followup

    assessment = _visible_or_404(assessment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if assessment["status"] != "submitted":
        flash(_("Ce diagnostic n'est pas encore validé : terminez-le avant d'en commencer un nouveau."), "error")
        return redirect(url_for("advisor.detail", assessment_id=assessment_id))
    db = get_db()
    questionnaire, token = start_followup(db, assessment, mode="interview", created_by=current_user.id)
    _flash_private_link(assessment["company_name"])
    if store.answers(db, store.by_token(db, token)["id"]):
        flash(_("Les réponses du diagnostic précédent sont déjà remplies : parcourez-les avec l'entreprise et "
                "modifiez ce qui a changé."), "info")
    return redirect(url_for("assess.section", token=token, dimension_id=questionnaire.dimensions[0].id))


@bp.route("/evaluations/<id:assessment_id>/rapport.pdf")
@login_required
def report(assessment_id: int):
    assessment = _visible_or_404(assessment_id)
    if assessment["status"] != "submitted":
        abort(404)
    from .reports import download

    return download(assessment, questionnaire_for(assessment), request.args.get("lang") or lang(),
                    url_for("advisor.detail", assessment_id=assessment_id))


def _flash_private_link(company: str) -> None:
    # Flashed messages live in the advisor's session cookie: the company's link is shown by the
    # page (its resume box), never put in here.
    flash(_("Diagnostic créé pour %(company)s. Son lien privé, affiché ci-dessous, est à transmettre "
            "à l'entreprise : lui seul permet d'y revenir.", company=company), "resume")


@bp.route("/entretien", methods=["GET", "POST"])
@login_required
def interview():
    """Fill a diagnostic on behalf of a company during a meeting."""
    form = ProfileForm(lang=lang())
    if form.validate_on_submit():
        questionnaire = current_questionnaire()
        _assessment_id, token = store.create(
            get_db(), form.profile() | {"lang": lang()}, questionnaire.id, questionnaire.version,
            mode="interview", created_by=current_user.id)
        _flash_private_link(form.company_name.data)
        return redirect(url_for("assess.section", token=token, dimension_id=questionnaire.dimensions[0].id))
    return render_template("advisor/interview.html", form=form), 422 if form.errors else 200

