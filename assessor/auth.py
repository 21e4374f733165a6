"""Advisor accounts: login with throttling, logout, sessions revocable, account administration, CLI.

- Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher()`` defaults; tests may set
  cheaper parameters in ``ARGON2_TEST_PARAMS``).
- The session remembers the account id *and* its ``session_version``; logging out, resetting a
  password or deactivating an account increments the version, which ends every session of that
  account at its next request, including a copy of its cookie.
- Failed logins are counted per (e-mail typed, client address) and per client address
  (``login_throttles``). Past ``LOGIN_MAX_FAILURES`` failures of a pair (``LOGIN_MAX_FAILURES_PER_IP``
  of an address), each new attempt waits 1, 2, 4... seconds after the last failure, at most
  ``LOGIN_LOCK_SECONDS``; meanwhile the login answers 429 without checking the password. So typing
  wrong passwords for someone else's e-mail only slows down the typist's own address: the right
  password from elsewhere always gets in. A counter is forgotten ``LOGIN_FORGET_SECONDS`` after its
  last failure; the right password clears its pair's. Unknown addresses and wrong passwords get the
  same answer, in the same time.
"""
from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import math
import secrets
import time
from typing import Any

import click
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask.cli import AppGroup
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from . import clock
from .db import get_db
from .forms import clean_line, table_choices
from .referential import REGIONS
from .store import advisors as store
from .web import is_safe_next, lang

bp = Blueprint("auth", __name__, url_prefix="/conseiller")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Connectez-vous pour accéder à l'espace conseiller.")
login_manager.login_message_category = "info"


# -- passwords ----------------------------------------------------------------------------------


def hasher() -> PasswordHasher:
    """Return the application's password hasher: argon2id with argon2-cffi's defaults."""
    ph = current_app.extensions.get("assessor.password_hasher")
    if ph is None:
        ph = PasswordHasher(**(current_app.config.get("ARGON2_TEST_PARAMS") or {}))
        current_app.extensions["assessor.password_hasher"] = ph
    return ph


def hash_password(password: str) -> str:
    return hasher().hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """Return a hash to check unknown addresses against, so that they take as long as known ones."""
    dummy = current_app.extensions.get("assessor.dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["assessor.dummy_hash"] = hash_password(secrets.token_urlsafe(16))
    return dummy


def generate_password() -> str:
    """Return a random password of 16 characters (96 bits)."""
    return secrets.token_urlsafe(12)


MIN_PASSWORD_LENGTH = 12


# -- the signed-in advisor ----------------------------------------------------------------------


class Advisor(UserMixin):
    """The signed-in advisor, as Flask-Login sees them."""

    def __init__(self, row: dict[str, Any]):
        self.row = row
        self.id = row["id"]
        self.email = row["email"]
        self.name = row["name"] or row["email"]
        self.is_admin = bool(row["is_admin"])
        self.regions = tuple(row["regions"])
        self.scope = store.Scope.of(row)

    def get_id(self) -> str:
        # The version makes the session cookie stale as soon as the account's version changes.
        return f"{self.id}:{self.row['session_version']}"


@login_manager.user_loader
def load_advisor(user_id: str) -> Advisor | None:
    advisor_id, _sep, version = user_id.partition(":")
    if not advisor_id.isdigit() or not version.isdigit():
        return None
    row = store.get_advisor(get_db(), int(advisor_id))
    if row is None or not row["active"] or row["session_version"] != int(version):
        return None
    return Advisor(row)


@login_manager.unauthorized_handler
def _unauthorized():
    flash(str(login_manager.login_message), login_manager.login_message_category)
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def admin_required(view):
    """Let administrators in; send anonymous users to the login page; refuse other advisors."""
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


# -- forms --------------------------------------------------------------------------------------


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(_l("Indiquez votre adresse e-mail.")),
                                                        Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[InputRequired(_l("Indiquez votre mot de passe.")),
                                                            Length(max=1024)])


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


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that POST."""


# -- login and logout ---------------------------------------------------------------------------


def _now() -> float:
    """Return the current time in seconds (a seam for the tests of the delays)."""
    return time.time()


def client_address() -> str:
    """Return the client's address as the throttles count it: an IPv6 client owns its whole /64."""
    address = request.remote_addr or "?"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def wait_after(failures: int, free: int, longest: float) -> float:
    """Return how long a login waits after the last of ``failures`` failures: nothing below ``free``,
    then 1 s, doubling with each failure, at most ``longest``."""
    if failures < free:
        return 0.0
    return float(min(longest, 2 ** min(failures - free, 32)))


def _free_failures(kind: str) -> int:
    config = current_app.config
    return config["LOGIN_MAX_FAILURES"] if kind == "pair" else config["LOGIN_MAX_FAILURES_PER_IP"]


def _release_time(counter: store.LoginCounter) -> float:
    """Return when a counter lets logins through again."""
    wait = wait_after(counter.failures, _free_failures(counter.kind), current_app.config["LOGIN_LOCK_SECONDS"])
    return counter.last_failed_at + wait


def _seconds_to_wait(email: str, now: float) -> float:
    counters = store.login_counters(get_db(), email, client_address(),
                                    now - current_app.config["LOGIN_FORGET_SECONDS"])
    return max([_release_time(counter) - now for counter in counters] + [0.0])


def _wait_in_words(seconds: float) -> str:
    if seconds < 60:
        count = max(1, math.ceil(seconds))
        return ngettext("%(num)d seconde", "%(num)d secondes", count)
    return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    target = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(target if is_safe_next(target) else url_for("advisor.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data or ""
        db = get_db()
        wait = _seconds_to_wait(email, _now())
        if wait > 0:
            # Said the same way whether the account exists or not; the password is not even checked.
            flash(_("Trop de tentatives de connexion depuis votre réseau. Pour votre sécurité, la connexion "
                    "est suspendue : réessayez dans %(wait)s.", wait=_wait_in_words(wait)), "error")
            response = current_app.make_response((render_template("advisor/login.html", form=form, next=target),
                                                  429))
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        row = store.advisor_by_email(db, email)
        if check_password(row["password_hash"] if row else None, form.password.data or "") and row["active"]:
            store.clear_login_failures(db, email, client_address())
            if hasher().check_needs_rehash(row["password_hash"]):
                store.set_password(db, row["id"], hash_password(form.password.data), end_sessions=False)
            language = session.get("lang")
            session.clear()  # a fresh session at each login
            if language:
                session["lang"] = language
            session.permanent = True
            login_user(Advisor(row))
            return redirect(target if is_safe_next(target) else url_for("advisor.index"))
        now = _now()
        store.record_login_failure(db, email, client_address(), now, now - current_app.config["LOGIN_FORGET_SECONDS"])
        flash(_("Adresse e-mail ou mot de passe incorrect."), "error")
        status = 200
    elif form.errors:
        status = 422
    return render_template("advisor/login.html", form=form, next=target), status


@bp.route("/deconnexion", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # The session lives in a signed cookie: clearing it here would leave a copy of it valid.
        store.end_all_sessions(get_db(), current_user.id)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Vous êtes déconnecté(e), sur cet appareil comme sur les autres."), "info")
    return redirect(url_for("auth.login"))


# -- account administration ---------------------------------------------------------------------


@bp.route("/admin/comptes", methods=["GET", "POST"])
@admin_required
def accounts():
    form = NewAdvisorForm()
    db = get_db()
    if form.validate_on_submit():
        password = generate_password()
        try:
            advisor_id = store.create_advisor(db, form.email.data, hash_password(password), name=form.name.data,
                                              regions=form.regions.data, is_admin=form.is_admin.data)
        except store.DuplicateEmail:
            form.email.errors.append(_("Un compte existe déjà avec cette adresse e-mail."))
        else:
            # Shown once, in this response only: never in a flash message, which lives in the cookie.
            return render_template("advisor/password.html", advisor=store.get_advisor(db, advisor_id),
                                   password=password, created=True)
    status = 422 if form.errors else 200
    advisors = store.list_advisors(db)
    return render_template("advisor/accounts.html", form=form, advisors=advisors,
                           **_refused_logins(db, {a["email"] for a in advisors})), status


def _refused_logins(db, emails: set[str]) -> dict[str, Any]:
    """What the administrator sees of the failed logins: per account, the failures still counted and
    the last one; the waits in force now, per address (an e-mail without an account is not named)."""
    config, now = current_app.config, _now()
    heavy = store.heavy_counters(db, config["LOGIN_MAX_FAILURES"], config["LOGIN_MAX_FAILURES_PER_IP"],
                                 now - config["LOGIN_LOCK_SECONDS"])
    throttles = [{"kind": c.kind, "email": c.email if c.email in emails else None, "address": c.address,
                  "failures": c.failures, "until": _release_time(c)} for c in heavy if _release_time(c) > now]
    return {"failures": store.failures_by_account(db, now - config["LOGIN_FORGET_SECONDS"]),
            "throttles": throttles, "moment": _moment, "clock_time": _clock_time}


def _local(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, clock.zone())


def _moment(epoch: float) -> str:
    """1796159700.0 -> "1 décembre 2026 à 22:15", in the service's time zone and the user's language."""
    local = _local(epoch)
    return _("%(day)s à %(time)s", day=format_date(local.date(), "long"), time=local.strftime("%H:%M"))


def _clock_time(epoch: float) -> str:
    return _local(epoch).strftime("%H:%M")


def _advisor_or_404(db, advisor_id: int) -> dict[str, Any]:
    advisor = store.get_advisor(db, advisor_id)
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
            store.update_advisor(db, advisor_id, name=form.name.data, regions=form.regions.data,
                                 is_admin=form.is_admin.data, active=form.active.data)
            flash(_("Compte mis à jour."), "success")
            return redirect(url_for("auth.account", advisor_id=advisor_id))
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
    store.set_password(db, advisor_id, hash_password(password))
    if advisor_id == current_user.id:
        login_user(Advisor(store.get_advisor(db, advisor_id)))  # keep the admin signed in
    return render_template("advisor/password.html", advisor=advisor, password=password, created=False)


# -- command line -------------------------------------------------------------------------------

advisors_cli = AppGroup("advisors", help="Manage advisor accounts.")


@advisors_cli.command("create")
@click.argument("email")
@click.option("--region", "regions", multiple=True, type=click.Choice(sorted(REGIONS)),
              help="ISO 3166-2:FR code of a region the advisor covers (repeat the option for several).")
@click.option("--admin", "is_admin", is_flag=True, help="Administrator: manages accounts, sees everything.")
@click.option("--name", default=None, help="Display name.")
@click.option("--password-prompt", is_flag=True,
              help="Ask for the password instead of generating one (generated by default, printed once).")
def create_command(email: str, regions: tuple[str, ...], is_admin: bool, name: str | None,
                   password_prompt: bool) -> None:
    """Create an advisor account for EMAIL."""
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL")
    if password_prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.ClickException(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    else:
        password = generate_password()
    try:
        advisor_id = store.create_advisor(get_db(), email, hash_password(password), name=name,
                                          regions=regions, is_admin=is_admin)
    except store.DuplicateEmail:
        raise click.ClickException(f"an account already exists for {store.normalise_email(email)}") from None
    click.echo(f"advisor {advisor_id} created: {store.normalise_email(email)}"
               f"{' (admin)' if is_admin else ''}, regions: {', '.join(sorted(regions)) or 'none'}")
    if not password_prompt:
        click.echo(f"password (shown once): {password}")


@advisors_cli.command("list")
def list_command() -> None:
    """List the advisor accounts, under a header naming the columns."""
    click.echo(f"{'id':>4}  {'email':<40} {'role':<7} {'state':<8} regions")
    for row in store.list_advisors(get_db()):
        role = "admin" if row["is_admin"] else "advisor"
        state = "active" if row["active"] else "inactive"
        click.echo(f"{row['id']:>4}  {row['email']:<40} {role:<7} {state:<8} {', '.join(row['regions']) or '-'}")


@advisors_cli.command("reset-password")
@click.argument("email")
@click.option("--password-prompt", is_flag=True, help="Ask for the new password instead of generating one.")
def reset_password_command(email: str, password_prompt: bool) -> None:
    """Give EMAIL a new password and end its open sessions."""
    db = get_db()
    row = store.advisor_by_email(db, email)
    if row is None:
        raise click.ClickException(f"no account for {store.normalise_email(email)}")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True) if password_prompt \
        else generate_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    store.set_password(db, row["id"], hash_password(password))
    click.echo(f"password changed for {row['email']}; open sessions ended")
    if not password_prompt:
        click.echo(f"password (shown once): {password}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(advisors_cli)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(bp)
    register_cli(app)
