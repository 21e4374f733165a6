"""The administrator's pages: advisors' accounts and refused logins."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, url_for)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectMultipleField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..store.db import get_db
from .forms import clean_line, table_choices
from ..domain.referential import REGIONS
from ..store import accounts as accounts_store
from .language import lang
from . import auth
from .auth import Advisor, EmptyForm, _release_time, admin_required, generate_password, hash_password
from .. import config as settings

bp = Blueprint("accounts", __name__, url_prefix="/conseiller")


class RegionsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _region_choices() -> list:
    return table_choices(REGIONS, lang())


class AdvisorForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[Optional(), Length(max=120)], filters=[clean_line])
    regions = RegionsField(_l("Régions suivies"), validate_choice=True)
    is_admin = BooleanField(_l("Administrateur (gère les comptes, voit tous les diagnostics)"))
    active = BooleanField(_l("Compte actif"), default=True)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.regions.choices = _region_choices()


class NewAdvisorForm(AdvisorForm):
    email = EmailField(_l("Adresse e-mail"), validators=[
        InputRequired(_l("Indiquez l'adresse e-mail du conseiller.")),
        Email(_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False), Length(max=254)])


@bp.route("/admin/comptes", methods=["GET", "POST"])
@admin_required
def accounts():
    form = NewAdvisorForm()
    db = get_db()
    if form.validate_on_submit():
        password = generate_password()
        try:
            advisor_id = accounts_store.create_advisor(db, form.email.data, hash_password(password), name=form.name.data,
                                              regions=form.regions.data, is_admin=form.is_admin.data)
        except accounts_store.DuplicateEmail:
            form.email.errors.append(_("Un compte existe déjà avec cette adresse e-mail."))
        else:
            # Shown once, in this response only: never in a flash message, which lives in the cookie.
            return render_template("advisor/password.html", advisor=accounts_store.get_advisor(db, advisor_id),
                                   password=password, created=True)
    status = 422 if form.errors else 200
    advisors = accounts_store.list_advisors(db)
    from ..store import checkins

    max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    return render_template("advisor/accounts.html", form=form, advisors=advisors,
                           failed_messages=checkins.failed(db, max_attempts), max_attempts=max_attempts,
                           **_refused_logins(db, {a["email"] for a in advisors})), status


def _refused_logins(db, emails: set[str]) -> dict[str, Any]:
    """What the administrator sees of the failed logins: per account, the failures still counted and
    the last one; the waits in force now, per address (an e-mail without an account is not named)."""
    config, now = current_app.config, auth._now()
    heavy = accounts_store.heavy_counters(db, config["LOGIN_MAX_FAILURES"], config["LOGIN_MAX_FAILURES_PER_IP"],
                                 now - config["LOGIN_LOCK_SECONDS"])
    throttles = [{"kind": c.kind, "email": c.email if c.email in emails else None, "address": c.address,
                  "failures": c.failures, "until": _release_time(c)} for c in heavy if _release_time(c) > now]
    return {"failures": accounts_store.failures_by_account(db, now - config["LOGIN_FORGET_SECONDS"]),
            "throttles": throttles, "moment": _moment, "clock_time": _clock_time}


def _local(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, settings.zone())


def _moment(epoch: float) -> str:
    """1796159700.0 -> "1 décembre 2026 à 22:15", in the service's time zone and the user's language."""
    local = _local(epoch)
    return _("%(day)s à %(time)s", day=format_date(local.date(), "long"), time=local.strftime("%H:%M"))


def _clock_time(epoch: float) -> str:
    return _local(epoch).strftime("%H:%M")


def _advisor_or_404(db, advisor_id: int) -> dict[str, Any]:
    advisor = accounts_store.get_advisor(db, advisor_id)
    if advisor is None:
        abort(404)
    return advisor


@bp.route("/admin/comptes/<id:advisor_id>", methods=["GET", "POST"])
@admin_required
def account(advisor_id: int):
    db = get_db()
    advisor = _advisor_or_404(db, advisor_id)
    form = AdvisorForm(data=None if request.method == "POST" else {
        "name": advisor["name"], "regions": advisor["regions"], "is_admin": bool(advisor["is_admin"]),
        "active": bool(advisor["active"])})
    if form.validate_on_submit():
        if advisor_id == current_user.id and (not form.active.data or not form.is_admin.data):
            flash(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur ni désactiver votre compte."),
                  "error")
        else:
            accounts_store.update_advisor(db, advisor_id, name=form.name.data, regions=form.regions.data or (),
                                 is_admin=form.is_admin.data, active=form.active.data)
            flash(_("Compte mis à jour."), "success")
            return redirect(url_for("accounts.account", advisor_id=advisor_id))
    status = 422 if form.errors else 200
    return render_template("advisor/account.html", form=form, advisor=advisor, reset_form=EmptyForm()), status


@bp.route("/admin/comptes/<id:advisor_id>/mot-de-passe", methods=["POST"])
@admin_required
def reset_password(advisor_id: int):
    db = get_db()
    advisor = _advisor_or_404(db, advisor_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    password = generate_password()
    accounts_store.set_password(db, advisor_id, hash_password(password))
    if advisor_id == current_user.id:
        login_user(Advisor(accounts_store.get_advisor(db, advisor_id)))  # keep the admin signed in
    return render_template("advisor/password.html", advisor=advisor, password=password, created=False)
