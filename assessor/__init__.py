"""assessor: an AI-readiness diagnostic for French SMEs."""
from __future__ import annotations

import os
import zoneinfo
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings

csrf = CSRFProtect()
babel = Babel()


def select_locale() -> str:
    """The language picked with the switch, else the browser's (issue 14), French by default."""
    from .web.language import chosen_language

    return chosen_language()


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Create the application: load settings, validate the data files, prepare the database."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=instance_path or os.environ.get("ASSESSOR_INSTANCE_PATH") or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.update(settings.from_environment())
    if test_config:
        app.config.update(test_config)
    try:
        zoneinfo.ZoneInfo(app.config["TIMEZONE"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"unknown time zone {app.config['TIMEZONE']!r} (ASSESSOR_TIMEZONE): "
                           "use a name such as Europe/Paris") from None
    app.config.update(settings.public_settings(app.config))
    settings.checkin_months(app.config)  # a wrong ASSESSOR_CHECKIN_MONTHS stops the start-up
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies, x_port=proxies, x_prefix=proxies)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)

    from .domain import ai_act, catalogue, questionnaire
    from .store import db, migrations
    from .web import logs

    logs.init_app(app)

    # Invalid data files stop the start-up with every problem listed.
    app.extensions["assessor.questionnaires"] = questionnaire.load_directory(
        settings.Path(app.config["QUESTIONNAIRES_DIR"]))
    app.extensions["assessor.catalogue"] = catalogue.load_catalogue(
        settings.Path(app.config["QUESTIONNAIRES_DIR"]) / "catalogue.yaml",
        app.extensions["assessor.questionnaires"])
    # The AI Act rules (optional: a folder without them shows no AI Act section).
    rules = settings.Path(app.config["QUESTIONNAIRES_DIR"]) / ai_act.FILE_NAME
    app.extensions["assessor.ai_act"] = (ai_act.load_rules(rules, app.extensions["assessor.questionnaires"])
                                         if rules.exists() else None)

    db.init_app(app)
    if app.config["DATABASE"] != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(app.config["DATABASE"])), exist_ok=True)
    database = db.connect(app.config["DATABASE"])
    try:
        migrations.apply(database)
    finally:
        database.close()

    from .jobs import queue

    queue.init_app(app)  # the task queue (no connection, no WeasyPrint: jobs run in workers)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from . import cli, web
    from .web import (accounts, advisor, advisor_account, ai_act as ai_act_web, assess, auth, checkins, errors, export,
                      followup, impact, language, observatory, resume_mail)

    web.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    for blueprint in (language.bp, assess.bp, followup.bp, auth.bp, accounts.bp, advisor.bp, export.bp,
                      observatory.bp, ai_act_web.bp, resume_mail.bp, checkins.bp, advisor_account.bp, impact.bp):
        app.register_blueprint(blueprint)
    cli.init_app(app)
    missing = [f"ASSESSOR_{key}" for key in settings.CONTROLLER_SETTINGS if not app.config.get(key)]
    if missing and not app.testing:
        app.logger.warning("the privacy page cannot name the data controller (GDPR article 13): set %s",
                           ", ".join(missing))
    return app
