"""The AI inventory a company can download (CSV for a spreadsheet): prefilled with the uses it
declared and the AI Act rules that may apply to each, or blank (issue 11)."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app
from flask_babel import gettext as _

from ..domain import clock, i18n
from ..domain.ai_act import Rules, Section, assess
from ..store import assessments as store
from ..store.db import get_db
from .. import config as settings
from .assess import _load
from .export import csv_cell
from .language import lang

bp = Blueprint("ai_act", __name__)


def _columns() -> list[str]:
    return [_("Outil ou service d'IA"), _("Usage (à quoi il sert)"), _("Qui l'utilise (service, personnes)"),
            _("Fournisseur"), _("Données saisies (personnelles, confidentielles ?)"),
            _("Personnes concernées (clients, salariés, candidats…)"),
            _("Règles qui peuvent s'appliquer (à vérifier)"),
            _("Mesures prises (formation, information, contrôle humain)"), _("Responsable"),
            _("Dernière mise à jour")]


def inventory_csv(section: Section | None, language: str) -> str:
    """Return the inventory as CSV text: UTF-8 with a BOM (Excel), ';' separated, one row per use."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_columns())
    for use in section.uses if section else ():
        rules = [section.rules.obligation(oid) for oid in use.obligations]
        words = " ; ".join(
            f"{i18n.text(o.reference, language)} – {i18n.text(o.title, language)}"
            + (f" ({_('à partir du %(date)s', date=i18n.day(o.since, language))})" if o.since else "")
            for o in rules if o is not None)
        writer.writerow([csv_cell(v) for v in ("", i18n.text(use.label, language), "", "", "", "", words, "", "", "")])
    return "\ufeff" + buffer.getvalue()


def _download(body: str, filename: str) -> Response:
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/a/<token>/inventaire-ia.csv")
def inventory(token: str):
    """Download the AI inventory prefilled with the uses the company declared."""
    assessment, _questionnaire = _load(token)
    rules: Rules | None = current_app.extensions.get("assessor.ai_act")
    section = None
    if rules is not None:  # without the rules file, the blank template
        answers = store.answers(get_db(), assessment["id"])
        section = assess(rules, answers, assessment["size_band"], assessment["sector"], clock.today(settings.zone()))
    return _download(inventory_csv(section, lang()), f"inventaire-ia-{assessment['id']}.csv")


@bp.route("/inventaire-ia.csv")
def blank_inventory():
    """Download a blank AI inventory."""
    return _download(inventory_csv(None, lang()), "inventaire-ia.csv")
