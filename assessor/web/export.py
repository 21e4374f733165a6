"""The advisor's CSV export, streamed, in Paris time, safe for spreadsheets."""
from __future__ import annotations

import collections
import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import (Blueprint, Response, current_app, flash, stream_with_context)
from flask_babel import gettext as _
from flask_login import login_required

from ..domain import clock
from ..store.db import get_db
from ..domain.referential import AGENT_BANDS, POPULATION_BANDS, PUBLIC_KINDS, REGIONS, SIZE_BANDS
from ..store import workspace
from .content import current_questionnaire, questionnaires
from .language import lang
from .advisor import (AUDIENCE_LABELS, CHECKIN_STATUS_LABELS, FOLLOWUP_LABELS, MODE_LABELS, STATE_LABELS,
                      _filter_form, _level_label, _render_list, _scope)
from .. import config as settings

bp = Blueprint("export", __name__, url_prefix="/conseiller")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """Return a value as a CSV cell that a spreadsheet never runs as a formula.

    Numbers are written with a decimal comma for French Excel; text starting with = + - @ or a
    tab or carriage return is prefixed with a single quote (OWASP "CSV injection").
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _export_dimensions(audience: str | None = None) -> list[tuple[str, str]]:
    """Return (id, title) of every dimension of the current questionnaires' versions, in order: the
    companies' then the public bodies' (only one audience's when the list is filtered by it)."""
    currents = [current_questionnaire(a) for a in ("company", "public") if audience in (None, a)]
    ids = [q.id for q in currents if q]
    seen: dict[str, str] = {}
    versions = sorted((q for q in questionnaires().values() if q.id in ids),
                      key=lambda q: (ids.index(q.id), -q.version))
    for questionnaire in versions:
        for dimension in questionnaire.dimensions:
            seen.setdefault(dimension.id, dimension.title.get(lang()))
    return list(seen.items())


def csv_lines(rows: Iterable[tuple], dimensions: list[tuple[str, str]], chunk: int = 500) -> Iterator[str]:
    """Yield the export as text chunks: a BOM and the header, then ``chunk`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in (
        _("Identifiant"), _("Commencé le"), _("Validé le"), _("Entreprise"), _("Région"), _("Département"),
        _("Effectif"), _("Secteur (NAF)"), _("État"), _("Suivi"), _("Mode"), _("Score global"), _("Niveau"),
        _("Niveau plancher"), _("Indice de confiance (%)"), _("Démonstration"),
        _("Public visé"), _("Nature de la collectivité"), _("Population"), _("Agents"),
        *[_("Score %(dimension)s", dimension=title) for _id, title in dimensions],
        *checkin_headers())])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    # Every label is translated once here, not once per row.
    index = 1 if lang() == "en" else 0
    regions = {code: labels[index] for code, labels in REGIONS.items()}
    sizes = {code: labels[index] for code, labels in SIZE_BANDS.items()}
    kinds, populations, agents = ({code: labels[index] for code, labels in table.items()}
                                  for table in (PUBLIC_KINDS, POPULATION_BANDS, AGENT_BANDS))
    states, modes = {k: str(v) for k, v in STATE_LABELS.items()}, {k: str(v) for k, v in MODE_LABELS.items()}
    followups = {k: str(v) for k, v in FOLLOWUP_LABELS.items()}
    audiences = {k: str(v) for k, v in AUDIENCE_LABELS.items()}
    levels: dict[str | None, str | None] = {None: None}
    yes_no = {True: csv_cell(True), False: csv_cell(False)}
    dimension_ids = [dim_id for dim_id, _title in dimensions]
    decode = json.loads
    local_time = _local_time_formatter()

    written = 0
    try:
        for number, (assessment_id, created_at, submitted_at, company, region, department, size, sector, status,
                     followup, mode, overall, level, floor_level, confidence, scores, is_demo, audience, kind,
                     population, agents_band, step, checked_in_at, wants_contact, statuses) in enumerate(rows, 1):
            for key in (level, floor_level):
                if key not in levels:
                    levels[key] = _level_label(key)
            scores = decode(scores) if scores else {}
            writer.writerow([csv_cell(v) for v in (
                assessment_id, local_time(created_at), local_time(submitted_at), company,
                regions.get(region, region), department, sizes.get(size, size), sector, states.get(status, status),
                followups.get(followup, followup), modes.get(mode, mode), _float(overall), levels[level],
                levels[floor_level], _float(confidence * 100 if confidence is not None else None))]
                + [yes_no[bool(is_demo)]]
                + [csv_cell(v) for v in (audiences[audience or "company"], kinds.get(kind, kind),
                                         populations.get(population, population), agents.get(agents_band, agents_band))]
                + [csv_cell(_float(scores.get(dim_id))) for dim_id in dimension_ids]
                + checkin_cells(step, local_time(checked_in_at), wants_contact, statuses, yes_no))
            written = number
            if number % chunk == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    except Exception:  # the status went out with the header: only the file can tell
        # A streamed export must never end silently: a file cut short would pass for a complete one.
        current_app.logger.exception("CSV export interrupted after %d rows", written)
        writer.writerow([csv_cell(incomplete_export_line())])
    yield buffer.getvalue()


def checkin_headers() -> list[str]:
    """The headers of the latest check-in's columns: its step and day, then how many actions and
    programmes the company gave each status, then whether it asks to be contacted."""
    return [_("Dernier point d'étape (mois)"), _("Point d'étape répondu le"),
            *[_("Actions : %(status)s", status=label) for label in CHECKIN_STATUS_LABELS["action"].values()],
            *[_("Programmes : %(status)s", status=label) for label in CHECKIN_STATUS_LABELS["programme"].values()],
            _("Souhaite être recontactée")]


def checkin_cells(step: int | None, day: str | None, wants_contact: int | None, statuses: str | None,
                  yes_no: dict[bool, str]) -> list[str]:
    """The cells of the latest check-in (empty when the company answered none)."""
    if step is None:
        return [""] * (3 + sum(len(v) for v in CHECKIN_STATUS_LABELS.values()))
    counts = collections.Counter((statuses or "").split(","))
    return ([csv_cell(step), csv_cell(day)]
            + [csv_cell(counts.get(f"{kind}:{status}", 0)) for kind, labels in CHECKIN_STATUS_LABELS.items()
               for status in labels] + [yes_no[bool(wants_contact)]])


def incomplete_export_line() -> str:
    """Return the last line of an export that an error cut short."""
    return _("EXPORT INCOMPLET : une erreur a interrompu l'export, des lignes manquent. "
             "Relancez l'export ; si l'erreur se répète, prévenez l'administrateur.")


def _local_time_formatter() -> Callable[[str | None], str | None]:
    """Return a function writing a stored UTC timestamp as 'YYYY-MM-DD HH:MM' in the service's
    time zone (a spreadsheet has no time zone).

    The local hour is worked out once per UTC hour (time zones change offset on the hour), and the
    last few thousand hours are remembered: rows come sorted by date, so 100,000 rows cost a cache
    lookup each, not a time zone conversion, in bounded memory.
    """
    tz = settings.zone()

    @functools.lru_cache(maxsize=2048)
    def hour_prefix(utc_hour: str) -> str:
        moment = clock.local_datetime(utc_hour + ":00:00+00:00", tz)
        whole_hours = moment is not None and (moment.utcoffset() or dt.timedelta()).seconds % 3600 == 0
        return moment.strftime("%Y-%m-%d %H:") if moment is not None and whole_hours else ""

    def local_time(value: str | None) -> str | None:
        if not value:
            return None
        prefix = hour_prefix(value[:13])
        if not prefix:  # an offset with minutes (India, Newfoundland…)
            return clock.local_datetime(value, tz).strftime("%Y-%m-%d %H:%M")
        return prefix + value[14:16]

    return local_time


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


@bp.route("/export.csv")
@login_required
def export():
    """Stream the filtered list as CSV (UTF-8 with BOM, ';'), in constant memory.

    The filters are checked before the first byte: once streaming, the status is sent. A filter the
    list would ignore is refused here, with the list and its message, rather than exporting more
    than was asked.
    """
    form = _filter_form()
    if form.errors:
        flash(_("L'export n'a pas été fait : corrigez les filtres signalés ci-dessous puis exportez à nouveau."),
              "error")
        return _render_list(form, 422)
    filters = form.filters()
    scope, dimensions = _scope(), _export_dimensions(filters.audience)

    def generate() -> Iterator[str]:
        # The view's connection is closed when it returns: the stream opens its own, in the
        # request context that stream_with_context restores (and tears down at the end).
        yield from csv_lines(workspace.export_rows(get_db(), scope, filters), dimensions)

    stamp = clock.today(settings.zone()).isoformat()
    return Response(stream_with_context(generate()),
                    mimetype="text/csv", headers={
                        "Content-Disposition": f'attachment; filename="diagnostics-ia-{stamp}.csv"',
                        "Cache-Control": "no-store"})
