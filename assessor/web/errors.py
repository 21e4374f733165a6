"""Every error page in one place: friendly, in the user's language, never a stack trace.

An error handler must not be able to fail: a view re-run by the CSRF handler that aborts gets its own
error page, and if even the error page cannot be rendered, a static French page is sent instead. A 4xx
logs nothing here (the access log has its line); an unexpected error logs its trace once, with the
route's rule rather than the path (a path may hold a private link's token).
"""
from __future__ import annotations

from collections.abc import Callable
from html import escape

from flask import Flask, current_app, flash, g, render_template, request, session
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed


def redisplay_on_csrf_error(view):
    """Mark a view that re-shows its form, with what the user typed, when the form token expired."""
    view.redisplay_on_csrf_error = True
    return view


def _csrf_error(error: CSRFError):
    if request.headers.get("X-Autosave"):  # nothing saved: the page's script says so, no page, no flash
        return {"error": "csrf"}, 400
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method == "POST" and getattr(view, "redisplay_on_csrf_error", False):
        flashes = list(session.get("_flashes", []))
        g.csrf_expired = True
        flash(_("Pour votre sécurité, le formulaire avait expiré : rien n'a été perdu. "
                "Vérifiez vos réponses ci-dessous puis validez à nouveau."), "warning")
        try:
            return view(**(request.view_args or {}))
        except Exception as raised:  # raised from here, Flask would answer 500
            # There was no form to re-show (an unknown link, an unknown section): the view's own
            # answer, without the message about a form that is not there.
            if flashes:
                session["_flashes"] = flashes
            else:
                session.pop("_flashes", None)
            return _http_error(raised) if isinstance(raised, HTTPException) else _unexpected(raised)
    return _page(400, lambda: _("Formulaire expiré"),
                 lambda: _("Le formulaire a expiré. Revenez à la page précédente, rechargez-la et validez à nouveau."))


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
    415: (lambda: _("Envoi non reconnu"),
          lambda: _("Ces données ne viennent pas d'un formulaire de ce site. Revenez à la page précédente "
                    "et utilisez le formulaire.")),
    422: (lambda: _("Données invalides"),
          lambda: _("Les informations envoyées ne sont pas valides. Corrigez-les puis réessayez.")),
    429: (lambda: _("Trop de tentatives"),
          lambda: _("Trop de tentatives en peu de temps. Patientez quelques minutes puis réessayez.")),
    500: (lambda: _("Erreur interne"),
          lambda: _("Une erreur inattendue s'est produite. Vos réponses déjà enregistrées sont conservées ; "
                    "réessayez dans un instant.")),
}
# Any other refusal (409, 416…): never Werkzeug's English name.
_OTHER_4XX = (lambda: _("Requête impossible"),
              lambda: _("Cette requête n'a pas pu être traitée. Revenez à la page précédente puis réessayez."))

# The last resort, when error.html itself cannot be rendered: no template, no translation, no database.
_STATIC_PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Diagnostic de maturité IA</title></head>
<body><main>
<h1>{title}</h1>
<p>{message}</p>
<p><a href="{home}">Retour à l'accueil</a></p>
<p>Code d'erreur : {code}</p>
</main></body>
</html>
"""
_STATIC_TEXTS = {
    404: ("Page introuvable", "Cette page n'existe pas, ou ce lien de diagnostic n'est pas valide."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. Vos réponses déjà enregistrées sont "
                            "conservées ; réessayez dans un instant."),
}


def static_page(code: int) -> str:
    """Return the error page that needs nothing but this module (French, like the default language)."""
    title, message = _STATIC_TEXTS.get(code) or (
        _STATIC_TEXTS[500] if code >= 500 else ("Requête impossible", "Cette requête n'a pas pu être traitée."))
    try:
        home = escape(request.script_root + "/")
    except RuntimeError:  # outside a request
        home = "/"
    return _STATIC_PAGE.format(title=title, message=message, home=home, code=code)


def _page(code: int, title: Callable[[], str], message: Callable[[], str], headers: dict | None = None):
    """Render error.html; if that fails too, send the static page (an error handler cannot fail)."""
    try:
        return render_template("error.html", code=code, title=title(), message=message()), code, headers or {}
    except Exception:  # whatever broke the page, the visitor still gets one
        current_app.logger.exception("error page %s could not be rendered", code)
        return static_page(code), code, {**(headers or {}), "Content-Type": "text/html; charset=utf-8"}


def _http_error(error: HTTPException):
    if request_ctx.url_adapter is None:
        # The Host header is not one of TRUSTED_HOSTS (a 400): the page links by paths only.
        request_ctx.url_adapter = current_app.url_map.bind("localhost", script_name=request.script_root or None)
    code = error.code or 500
    if code >= 500:
        title, message = _MESSAGES[500]
    else:
        title, message = _MESSAGES.get(code, _OTHER_4XX)
    description = getattr(error, "assessor_message", None)
    headers = {"Allow": ", ".join(error.valid_methods)} \
        if isinstance(error, MethodNotAllowed) and error.valid_methods else None
    return _page(code, title, (lambda: description) if description else message, headers)


def _unexpected(error: Exception):
    rule = request.url_rule.rule if request.url_rule is not None else "?"
    current_app.logger.error("Unhandled error on %s %s", request.method, rule, exc_info=error)
    return _page(500, *_MESSAGES[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
