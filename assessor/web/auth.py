"""Advisors' sign-in: passwords (argon2id), the signed-in advisor, login and logout with throttling."""
from __future__ import annotations

import functools
import ipaddress
import math
import secrets
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from ..store.db import get_db
from ..store import workspace as store
from ..store import accounts
from .http import is_safe_next


bp = Blueprint("auth", __name__, url_prefix="/conseiller")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Connectez-vous pour accéder à l'espace conseiller.")
login_manager.login_message_category = "info"


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
    row = accounts.get_advisor(get_db(), int(advisor_id))
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


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(_l("Indiquez votre adresse e-mail.")),
                                                        Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[InputRequired(_l("Indiquez votre mot de passe.")),
                                                            Length(max=1024)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that POST."""


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


def _release_time(counter: accounts.LoginCounter) -> float:
    """Return when a counter lets logins through again."""
    wait = wait_after(counter.failures, _free_failures(counter.kind), current_app.config["LOGIN_LOCK_SECONDS"])
    return counter.last_failed_at + wait


def _seconds_to_wait(email: str, now: float) -> float:
    counters = accounts.login_counters(get_db(), email, client_address(),
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
        row = accounts.advisor_by_email(db, email)
        if check_password(row["password_hash"] if row else None, form.password.data or "") and row["active"]:
            accounts.clear_login_failures(db, email, client_address())
            if hasher().check_needs_rehash(row["password_hash"]):
                accounts.set_password(db, row["id"], hash_password(form.password.data), end_sessions=False)
            language = session.get("lang")
            session.clear()  # a fresh session at each login
            if language:
                session["lang"] = language
            session.permanent = True
            login_user(Advisor(row))
            return redirect(target if is_safe_next(target) else url_for("advisor.index"))
        now = _now()
        accounts.record_login_failure(db, email, client_address(), now, now - current_app.config["LOGIN_FORGET_SECONDS"])
        flash(_("Adresse e-mail ou mot de passe incorrect."), "error")
        status = 200
    elif form.errors:
        status = 422
    return render_template("advisor/login.html", form=form, next=target), status


@bp.route("/deconnexion", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # The session lives in a signed cookie: clearing it here would leave a copy of it valid.
        accounts.end_all_sessions(get_db(), current_user.id)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Vous êtes déconnecté(e), sur cet appareil comme sur les autres."), "info")
    return redirect(url_for("auth.login"))



def init_app(app: Flask) -> None:
    login_manager.init_app(app)
