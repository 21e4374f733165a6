"""The signed-in advisor's own account page: the daily e-mail digest of the companies to get back
to (« À relancer », issue 15), in French or English."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..jobs import mail
from ..store import accounts
from ..store.db import get_db

bp = Blueprint("advisor_account", __name__, url_prefix="/conseiller")


class DigestForm(FlaskForm):
    digest = BooleanField(_l("Recevoir chaque matin un e-mail des entreprises à relancer"))
    digest_lang = RadioField(_l("Langue de l'e-mail"), choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
                             validators=[InputRequired()])


@bp.route("/mon-compte", methods=["GET", "POST"])
@login_required
def account():
    db = get_db()
    advisor = accounts.get_advisor(db, current_user.id)
    form = DigestForm(data={"digest": bool(advisor.get("digest")), "digest_lang": advisor.get("digest_lang") or "fr"})
    if form.validate_on_submit():
        accounts.set_digest(db, current_user.id, form.digest.data, form.digest_lang.data)
        flash(_("Votre choix est enregistré : vous recevrez l'e-mail des entreprises à relancer chaque matin où "
                "il y en a.") if form.digest.data else _("Votre choix est enregistré : vous ne recevrez pas "
                                                           "d'e-mail des entreprises à relancer."), "success")
        return redirect(url_for("advisor_account.account"))
    return render_template("advisor/my_account.html", form=form, advisor=advisor,
                           mail_on=mail.settings(current_app.config) is not None), 422 if form.errors else 200
