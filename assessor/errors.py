"""Every error page in one place: friendly, in the user's language, never a stack trace."""
from __future__ import annotations

from flask import Flask, current_app, flash, g, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .logs import redact


def redisplay_on_csrf_error(view):
    """Mark a view that re-shows its form, with what the user typed, when the form token expired."""
    view.redisplay_on_csrf_error = True
    return view


def _csrf_error(error: CSRFError):
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method == "POST" and getattr(view, "redisplay_on_csrf_error", False):
        g.csrf_expired = True
        flash(_("Pour votre sécurité, le formulaire avait expiré : rien n'a été perdu. "
                "Vérifiez vos réponses ci-dessous puis validez à nouveau."), "warning")
        return view(**(request.view_args or {}))
    return render_template("error.html", code=400, title=_("Formulaire expiré"),
                           message=_("Le formulaire a expiré. Revenez à la page précédente, "
                                     "rechargez-la et validez à nouveau.")), 400


_MESSAGES = {
    400: (lambda: _("Requête invalide"), lambda: _("La requête n'a pas pu être comprise.")),
    403: (lambda: _("Accès refusé"), lambda: _("Vous n'avez pas accès à cette page.")),
    404: (lambda: _("Page introuvable"),
          lambda: _("Cette page n'existe pas, ou ce lien de diagnostic n'est pas valide. "
                    "Vérifiez que vous avez copié le lien en entier.")),
    405: (lambda: _("Action impossible"), lambda: _("Cette action n'est pas possible sur cette page.")),
    413: (lambda: _("Envoi trop volumineux"),
          lambda: _("Les données envoyées sont trop volumineuses. Raccourcissez vos réponses en texte libre "
                    "puis réessayez.")),
    429: (lambda: _("Trop de tentatives"),
          lambda: _("Trop de tentatives en peu de temps. Patientez quelques minutes puis réessayez.")),
    500: (lambda: _("Erreur interne"),
          lambda: _("Une erreur inattendue s'est produite. Vos réponses déjà enregistrées sont conservées ; "
                    "réessayez dans un instant.")),
}


def _http_error(error: HTTPException):
    if request_ctx.url_adapter is None:
        # The Host header is not one of TRUSTED_HOSTS (a 400): the page links by paths only.
        request_ctx.url_adapter = current_app.url_map.bind("localhost", script_name=request.script_root or None)
    code = error.code or 500
    title, message = _MESSAGES.get(code, (lambda: error.name, lambda: ""))
    description = getattr(error, "assessor_message", None)
    return render_template("error.html", code=code, title=title(),
                           message=description or message()), code


def _unexpected(error: Exception):
    current_app.logger.exception("Unhandled error on %s", redact(request.path))  # no private link in logs
    title, message = _MESSAGES[500]
    return render_template("error.html", code=500, title=title(), message=message()), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
