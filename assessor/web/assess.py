"""The SME journey: profile, one page per dimension, review, results and PDF."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext

from ..report import results as results_view
from ..store.db import get_db
from .errors import redisplay_on_csrf_error
from .forms import EraseForm, ProfileForm, PublicProfileForm, answers_from_form, form_data_from_answers, section_form_class
from ..domain import audience
from ..domain.questionnaire import Questionnaire, is_visible
from ..domain.diagnosis import answer_words, shown_result
from ..domain.scoring import MIN_ANSWERED_PERCENT, Completeness, check_answers, completeness, score, to_record
from ..store import workspace
from ..store import assessments as store
from . import reports
from .content import current_questionnaire, questionnaire_for
from .language import lang

bp = Blueprint("assess", __name__)


def _load(token: str) -> tuple[dict, Questionnaire]:
    """Return the assessment a private token opens, or a friendly 404."""
    assessment = store.by_token(get_db(), token)
    if assessment is None:
        abort(404)
    return assessment, questionnaire_for(assessment)


@bp.route("/", methods=["GET", "POST"])
@redisplay_on_csrf_error
def home():
    form = ProfileForm(lang=lang())
    if not g.get("csrf_expired") and form.validate_on_submit():
        return _start(form, current_questionnaire())
    status = 422 if form.errors else 200
    return render_template("home.html", form=form, questionnaire=current_questionnaire(),
                           public_path=current_questionnaire("public") is not None), status


@bp.route("/collectivite", methods=["GET", "POST"])
@redisplay_on_csrf_error
def public_home():
    """The public bodies' path: the profile of a collectivité or public establishment, then the
    questionnaire whose audience is public (its latest version), with the same journey after."""
    questionnaire = current_questionnaire("public")
    if questionnaire is None:
        abort(404)
    form = PublicProfileForm(lang=lang(), fields=questionnaire.profile_fields)
    if not g.get("csrf_expired") and form.validate_on_submit():
        return _start(form, questionnaire)
    status = 422 if form.errors else 200
    return render_template("public_home.html", form=form, questionnaire=questionnaire), status


def _start(form: ProfileForm, questionnaire: Questionnaire):
    """Create the assessment of a valid profile form and open its first section."""
    profile = form.profile() | {"lang": lang()}
    _assessment_id, token = store.create(get_db(), profile, questionnaire.id, questionnaire.version)
    flash(_("Votre diagnostic est créé. Gardez le lien de reprise affiché ci-dessous : "
            "il permet d'y revenir à tout moment."), "resume")
    return redirect(url_for("assess.section", token=token, dimension_id=questionnaire.dimensions[0].id))


@bp.route("/a/<token>")
def resume(token: str):
    """Send the user back where they left off."""
    assessment, questionnaire = _load(token)
    if assessment["status"] == "submitted":
        return redirect(url_for("assess.results", token=token))
    answers = store.answers(get_db(), assessment["id"])
    for dimension in questionnaire.dimensions:
        pending = [q for q in dimension.questions
                   if q.scored and is_visible(questionnaire, q, answers) and q.id not in answers]
        if pending:
            return redirect(url_for("assess.section", token=token, dimension_id=dimension.id))
    return redirect(url_for("assess.review", token=token))


@bp.route("/a/<token>/s/<dimension_id>", methods=["GET", "POST"])
@redisplay_on_csrf_error
def section(token: str, dimension_id: str):
    assessment, questionnaire = _load(token)
    dimension = questionnaire.dimension(dimension_id)
    if dimension is None:
        abort(404)
    autosave = request.method == "POST" and bool(request.headers.get("X-Autosave"))
    if assessment["status"] == "submitted":
        if autosave:  # validated in another tab: the page's script says so, nothing is saved
            return {"error": "submitted"}, 409
        flash(_("Ce diagnostic a été validé : ses réponses ne peuvent plus être modifiées."), "info")
        return redirect(url_for("assess.results", token=token))
    db = get_db()
    stored = store.answers(db, assessment["id"])
    form_class = section_form_class(questionnaire.key, dimension, lang())
    if request.method == "POST":
        form = form_class()
        if not g.get("csrf_expired"):
            valid = form.validate()
            # Save whatever is valid, even when another field is not: nothing typed is lost.
            saved = store.save_answers(db, assessment["id"], answers_from_form(form, dimension, only_valid=True))
            if autosave:
                if not saved:
                    return {"error": "submitted"}, 409
                return ("", 204) if valid else ({"errors": form.errors}, 422)
            if valid:
                return redirect(_next_url(token, questionnaire, dimension, request.form.get("action")))
    else:
        form = form_class(data=form_data_from_answers(dimension, stored))
    merged = stored | {k: v for k, v in answers_from_form(form, dimension).items() if v is not None} \
        if request.method == "POST" else stored
    index = questionnaire.dimensions.index(dimension)
    status = 422 if form.errors else 200
    return render_template(
        "section.html", assessment=assessment, questionnaire=questionnaire, dimension=dimension,
        form=form, step=index + 1, steps=len(questionnaire.dimensions), token=token,
        hidden={q.id for q in dimension.questions
                if q.show_if and questionnaire.question(q.show_if.question).dimension != dimension.id
                and not is_visible(questionnaire, q, merged)},
        answered=_answered_count(questionnaire, merged),
    ), status


def _answered_count(questionnaire: Questionnaire, answers: dict) -> tuple[int, int]:
    """Return (done, total) as the validation rule counts them: the same total on every page."""
    state = completeness(questionnaire, answers)
    return state.answered, state.asked


def _next_url(token: str, questionnaire: Questionnaire, dimension, action: str | None) -> str:
    index = questionnaire.dimensions.index(dimension)
    if action == "previous" and index > 0:
        return url_for("assess.section", token=token, dimension_id=questionnaire.dimensions[index - 1].id)
    if action == "later":
        return url_for("assess.saved", token=token)
    if action and action.startswith("goto:") and questionnaire.dimension(action[5:]):
        return url_for("assess.section", token=token, dimension_id=action[5:])
    if index + 1 < len(questionnaire.dimensions):
        return url_for("assess.section", token=token, dimension_id=questionnaire.dimensions[index + 1].id)
    return url_for("assess.review", token=token)


@bp.route("/a/<token>/enregistre")
def saved(token: str):
    """Confirm that the answers are saved and show the link to come back."""
    assessment, questionnaire = _load(token)
    return render_template("saved.html", assessment=assessment, token=token)


@bp.route("/a/<token>/verification")
def review(token: str):
    assessment, questionnaire = _load(token)
    if assessment["status"] == "submitted":
        return redirect(url_for("assess.results", token=token))
    answers = store.answers(get_db(), assessment["id"])
    state = completeness(questionnaire, answers)
    return render_template("review.html", assessment=assessment, questionnaire=questionnaire,
                           answers=answers, token=token, answered=(state.answered, state.asked),
                           visible=lambda q: is_visible(questionnaire, q, answers),
                           words=lambda q: answer_words(q, answers.get(q.id), lang()),
                           steps=len(questionnaire.dimensions), completeness=state,
                           what_is_left=None if state.complete else what_is_left(questionnaire, state))


def what_is_left(questionnaire: Questionnaire, state: Completeness) -> str:
    """Explain, in the user's language, what is left to answer before the diagnostic can be validated."""
    parts = []
    empty = state.empty_dimensions
    if empty:
        titles = ", ".join(_("« %(title)s »", title=questionnaire.dimension(d).title.get(lang())) for d in empty)
        parts.append(ngettext("L'étape %(steps)s n'a encore aucune réponse : répondez à au moins une de ses "
                              "questions.",
                              "Les étapes %(steps)s n'ont encore aucune réponse : répondez à au moins une "
                              "question de chacune.", len(empty), steps=titles))
    if state.short_by:
        parts.append(_("Il faut répondre à au moins %(required)d questions sur %(asked)d (%(percent)d %%) ; "
                       "vous avez répondu à %(answered)d, il en reste %(missing)d.",
                       required=state.required, asked=state.asked, percent=MIN_ANSWERED_PERCENT,
                       answered=state.answered, missing=state.short_by))
    if not state.scorable and state.answered > state.skipped:  # answers, but none that gives a score
        parts.append(_("Toutes vos réponses sont « Je ne sais pas » ou « Non concerné » : choisissez une autre "
                       "réponse à au moins une question pour obtenir un score."))
    else:
        parts.append(_("« Je ne sais pas » et « Non concerné » comptent comme des réponses."))
    return " ".join(parts)


@bp.route("/a/<token>/valider", methods=["POST"])
def submit(token: str):
    assessment, questionnaire = _load(token)
    db = get_db()
    answers = store.answers(db, assessment["id"])
    problems = check_answers(questionnaire, answers)
    if problems:  # stored answers are validated on the way in; this guards against a changed file
        current_app.logger.error("Invalid stored answers for assessment %s: %s", assessment["id"], problems)
        abort(500)
    if assessment["status"] != "submitted":  # a second click finds it submitted: see below
        state = completeness(questionnaire, answers)
        if not state.complete:  # a result built on a few answers would mislead whoever reads it
            flash(_("Votre diagnostic ne peut pas encore être validé. %(left)s",
                    left=what_is_left(questionnaire, state)), "error")
            return redirect(url_for("assess.review", token=token))
    result = score(questionnaire, answers, assessment["size_band"])
    if result.overall is None:
        flash(_("Toutes vos réponses sont « Je ne sais pas » ou « Non concerné » : choisissez une autre réponse "
                "à au moins une question pour obtenir un score."), "error")
        return redirect(url_for("assess.review", token=token))
    # A second click, or a second tab, finds the assessment already submitted: nothing changes.
    store.submit(db, assessment["id"], result.summary(), result.scoring_version,
                 record=to_record(result, questionnaire))
    reports.prepare_quietly(store.get(db, assessment["id"]), questionnaire, lang())  # ready when asked
    return redirect(url_for("assess.results", token=token))


@bp.route("/a/<token>/resultats")
def results(token: str):
    assessment, questionnaire = _load(token)
    if assessment["status"] != "submitted":
        return redirect(url_for("assess.review", token=token))
    return render_results(token, assessment, questionnaire, prepare=True)


def render_results(token: str, assessment: dict, questionnaire: Questionnaire | None = None,
                   checkin_form=None, prepare: bool = False) -> str:
    """The results page of a submitted assessment; ``checkin_form``: the check-ins' form to show
    again with its errors; ``prepare``: queue the report in this language (from the diagnosis the
    page loaded: one load)."""
    from .checkins import results_context

    db = get_db()
    questionnaire = questionnaire or questionnaire_for(assessment)
    inputs = results_view.load(db, assessment, questionnaire)
    diagnosis = results_view.diagnose(db, assessment, questionnaire, lang(), inputs=inputs)
    if prepare:  # after a language switch or a follow-up's validation, the report is rendered meanwhile
        reports.prepare_quietly(assessment, questionnaire, lang(), inputs)
    context = results_view.context(diagnosis) | results_context(db, assessment, diagnosis, checkin_form)
    return render_template("results.html", token=token, **context)


@bp.route("/a/<token>/rapport.pdf")
def report(token: str):
    assessment, questionnaire = _load(token)
    if assessment["status"] != "submitted":
        return redirect(url_for("assess.review", token=token))
    return reports.download(assessment, questionnaire, request.args.get("lang") or lang(),
                            url_for("assess.results", token=token))


def _export(token: str) -> tuple[dict, str]:
    """Return the company's data (GDPR article 20) and the file name, without the token."""
    from .portability import export_data

    assessment, questionnaire = _load(token)
    answers = store.answers(get_db(), assessment["id"])
    result = None
    if assessment["status"] == "submitted":  # the figures stored at validation, as on every page
        result = shown_result(questionnaire, assessment, answers)[0]
    from ..store import checkins

    data = export_data(assessment, questionnaire, answers, result, lang(), checkins.export(get_db(), assessment["id"]))
    return data, f"diagnostic-ia-{assessment['id']}"


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/a/<token>/donnees.json")
def export_json(token: str):
    """Download the answers and results as JSON (right to data portability)."""
    from .portability import as_json

    data, name = _export(token)
    return _download(as_json(data), "application/json", f"{name}.json")


@bp.route("/a/<token>/donnees.csv")
def export_csv(token: str):
    """Download the answers and results as CSV, one row per question, for a spreadsheet."""
    from .portability import as_csv

    data, name = _export(token)
    return _download(as_csv(data), "text/csv", f"{name}.csv")


@bp.route("/a/<token>/supprimer", methods=["GET", "POST"])
@redisplay_on_csrf_error
def erase(token: str):
    """Let the company erase its diagnostics itself (the link is its only key: no account).

    From any link of a follow-up chain, the whole chain goes by default: each follow-up carries the
    company's name and e-mail, so nothing of the company remains; "only this one" is still offered.
    """
    assessment, _questionnaire = _load(token)
    db = get_db()
    chain = workspace.chain(db, assessment["id"]) or [assessment]
    form = EraseForm(count=len(chain), of_the=audience.words_for(assessment, lang()).of_the)
    if not g.get("csrf_expired") and form.validate_on_submit():
        from ..jobs.queue import report_cache

        if form.scope.data == "this":
            erased = [assessment["id"]] if store.delete(db, assessment["id"]) else []
        else:
            erased = workspace.erase_chain(db, assessment["id"])
        cache = report_cache()
        for erased_id in erased:
            cache.forget(erased_id)
        current_app.logger.info("assessment(s) %s erased by their owner", ", ".join(map(str, erased)))
        if len(erased) > 1:
            flash(_("Vos %(count)d diagnostics et toutes leurs réponses ont été supprimés.", count=len(erased)),
                  "success")
        else:
            flash(_("Votre diagnostic et toutes ses réponses ont été supprimés."), "success")
        return redirect(url_for("assess.home"))
    status = 422 if form.errors else 200
    return render_template("erase.html", form=form, assessment=assessment, token=token, chain=chain), status


@bp.route("/methodologie")
def methodology():
    from ..domain import recommend

    questionnaire = current_questionnaire()
    order = questionnaire.plan_order
    # the steps that wait for another, in the questionnaire's order: (question, the questions first)
    waits = [(question, [questionnaire.question(e) for e in order.after[question.id]])
             for question in questionnaire.questions if question.id in order.after]
    return render_template("methodology.html", questionnaire=questionnaire,
                           min_answered_percent=MIN_ANSWERED_PERCENT, plan_waits=waits,
                           plan_limits={"per_dimension": recommend.MAX_PER_DIMENSION,
                                        "soon": recommend.MAX_QUICK_WINS,
                                        "total": recommend.MAX_QUICK_WINS + recommend.MAX_LATER_STEPS})


@bp.route("/confidentialite")
def privacy():
    return render_template("privacy.html")
