"""The regional observatory ("baromètre"): anonymised statistics for advisors.

Only submitted assessments whose company accepted statistical use count; demo data only when asked.
One questionnaire version at a time (the versions ask different questions, and a questionnaire for
another audience is another questionnaire): the company questionnaire's current version unless chosen.
Every count below 5 is shown as "< 5" (with one more cell hidden when a single one would otherwise be
recoverable from the total), and no average is shown over fewer than 5 assessments.
"""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import BooleanField, SelectField
from wtforms.validators import Optional

from ..domain import charts, clock, i18n
from ..store.db import get_db
from .forms import QueryForm
from ..domain.referential import NAF_SECTIONS, REGIONS, SIZE_BANDS
from ..store import stats
from ..domain.questionnaire import Questionnaire
from .content import current_questionnaire, questionnaires
from .language import lang
from .. import config as settings

bp = Blueprint("observatory", __name__, url_prefix="/conseiller")

TREND_MONTHS = 24


# The audiences a questionnaire may declare (``Questionnaire.audience``), as the choice list names them.
AUDIENCES = {"company": _l("Entreprises"), "public": _l("Collectivités")}


class ScopeForm(QueryForm):
    """Which figures: a region among the advisor's (or all of them), demo data or not."""

    region = SelectField(_l("Périmètre"), validators=[Optional()])
    demo = BooleanField(_l("Inclure les données de démonstration"))


class ObservatoryForm(ScopeForm):
    # Wide: its labels name the audience, the title and the version's date.
    questionnaire = SelectField(_l("Questionnaire"), validators=[Optional()], render_kw={"class": "select-wide"})


def scope_choices(form: ScopeForm, language: str) -> list[str]:
    """Offer the advisor's regions (every one to an administrator) in ``form``; return them."""
    allowed = list(REGIONS) if current_user.is_admin else list(current_user.regions)
    everything = _("Toute la France") if current_user.is_admin else _("Toutes mes régions")
    form.region.choices = [("", everything)] + [(code, i18n.label(REGIONS, code, language)) for code in allowed]
    return allowed


def selection_of(form: ScopeForm, allowed: list[str]) -> list[str] | None:
    """The regions the figures cover: the one chosen, else the advisor's (None: all of France)."""
    region = form.region.data if form.region.data in allowed else None
    if region:
        return [region]
    return None if current_user.is_admin else allowed


def questionnaire_label(questionnaire: Questionnaire, language: str) -> str:
    """« Entreprises — Diagnostic de maturité IA des TPE et PME, version 3 du 2 décembre 2026 »."""
    words = {"audience": str(AUDIENCES.get(questionnaire.audience, questionnaire.audience)), "title": questionnaire.title.get(language),
             "v": questionnaire.version}
    if questionnaire.date:
        return _("%(audience)s — %(title)s, version %(v)d du %(date)s", **words,
                 date=i18n.day(questionnaire.date, language))
    return _("%(audience)s — %(title)s, version %(v)d", **words)


def _questionnaire_choices(keys: list[str], default: Questionnaire, language: str) -> list[tuple[str, str]]:
    """The questionnaire versions with figures (and the default one), companies' first, then by
    questionnaire, newest version first; versions whose file is gone are left out (no labels)."""
    loaded = questionnaires()
    shown = {key: loaded[key] for key in keys if key in loaded} | {default.key: default}
    audiences = list(AUDIENCES)

    def rank(q: Questionnaire) -> tuple:
        return (audiences.index(q.audience) if q.audience in audiences else len(audiences),
                q.id != default.id, q.id, -q.version)

    ranked = sorted(shown.values(), key=rank)
    return [(q.key, questionnaire_label(q, language)) for q in ranked]


def _rows(figures: stats.Figures, kind: str, labels: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Return one row per category: count (None when suppressed), share of the total, average score."""
    data = figures.by[kind]
    counts = stats.suppress({key: n for key, (n, _total) in data.items()}, [key for key, _label in labels])
    rows = []
    for key, label in labels:
        count, total = data.get(key, (0, 0.0))
        shown = counts[key]
        rows.append({
            "key": key, "label": label, "count": shown,
            "share": 100.0 * shown / figures.count if shown is not None and figures.count else None,
            "average": stats.average_or_none(count, total / count if count else None),
        })
    return rows


def _months(today: dt.date) -> list[tuple[str, str]]:
    months = []
    year, month = today.year, today.month
    for _i in range(TREND_MONTHS):
        months.append((f"{year:04d}-{month:02d}", f"{month:02d}/{year:04d}"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _dimension_rows(figures: stats.Figures, national: stats.Figures | None,
                    dimensions: list[tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for dim_id, title in dimensions:
        count, total = figures.dimensions.get(dim_id, (0, 0.0))
        row = {"id": dim_id, "title": title,
               "average": stats.average_or_none(count, total / count if count else None)}
        if national is not None:
            n_count, n_total = national.dimensions.get(dim_id, (0, 0.0))
            row["national"] = stats.average_or_none(n_count, n_total / n_count if n_count else None)
        rows.append(row)
    return rows


def share_bars_svg(rows: list[dict[str, Any]], title: str, width: int = 560) -> Markup:
    """Return horizontal bars of each category's share (%), "< 5" for a suppressed count."""
    label_width = 230
    usable = width - label_width - 70
    labels = [charts.bar_label_lines(row["label"]) for row in rows]
    heights = [26 if len(lines) == 1 else 38 for lines in labels]
    height = sum(heights) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="bars">'
             f'<title>{escape(title)}</title>']
    y = 5
    for row, lines, row_height in zip(rows, labels, heights):
        middle = y + row_height / 2
        share = row["share"]
        parts.append(charts.bar_label_text(lines, label_width - 8, middle))
        parts.append(f'<rect x="{label_width}" y="{middle - 8:.1f}" width="{usable}" height="16" class="bar-track"/>')
        if share is not None:
            parts.append(f'<rect x="{label_width}" y="{middle - 8:.1f}" width="{usable * share / 100:.1f}" '
                         f'height="16" class="bar-fill"/>')
        shown = "< 5" if row["count"] is None else f"{share:.0f} %"
        parts.append(f'<text x="{label_width + usable + 8}" y="{middle + 4.5:.1f}" class="bar-value">'
                     f'{escape(shown)}</text>')
        y += row_height
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_svg(points: list[dict[str, Any]], title: str, width: int = 640, height: int = 220) -> Markup:
    """Return a column chart of submitted assessments per month; suppressed months show a hatch mark."""
    left, bottom, top = 40, 40, 10
    plot_height = height - bottom - top
    peak = max([p["count"] or 0 for p in points] + [SMALL_TICK])
    step = (width - left - 10) / max(1, len(points))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="trend">'
             f'<title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 10}" y2="{top + plot_height}" '
             f'class="trend-axis"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" class="bar-value">{peak}</text>',
             f'<text x="{left - 6}" y="{top + plot_height}" text-anchor="end" class="bar-value">0</text>']
    for i, point in enumerate(points):
        x = left + i * step + step * 0.15
        if point["count"] is None:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{top + plot_height - 4}" text-anchor="middle" '
                         f'class="trend-small">·</text>')
        else:
            bar = plot_height * point["count"] / peak
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_height - bar:.1f}" width="{step * 0.7:.1f}" '
                         f'height="{bar:.1f}" class="bar-fill"/>')
        if (len(points) - 1 - i) % 3 == 0:  # every third month back from the last: labels never overlap
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'class="trend-label">{escape(point["label"])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


SMALL_TICK = 5


@bp.route("/observatoire")
@login_required
def index():
    language = lang()
    form = ObservatoryForm(request.args)
    allowed = scope_choices(form, language)
    include_demo = bool(form.demo.data)
    db = get_db()
    default = current_questionnaire()
    form.questionnaire.choices = _questionnaire_choices(
        stats.questionnaires_with_figures(db, include_demo), default, language)
    form.validate()
    region = form.region.data if form.region.data in allowed else None
    chosen = form.questionnaire.data
    questionnaire = questionnaires()[chosen] if chosen in dict(form.questionnaire.choices) else default
    form.questionnaire.data = questionnaire.key
    selection = selection_of(form, allowed)
    figures = stats.figures(db, questionnaire.key, selection, include_demo)
    national = stats.figures(db, questionnaire.key, None, include_demo) if selection is not None else None

    dimensions = [(d.id, d.title.get(language)) for d in questionnaire.dimensions]
    levels = [(level.id, level.label.get(language)) for level in questionnaire.levels]
    sizes = [(code, i18n.label(SIZE_BANDS, code, language)) for code in SIZE_BANDS]
    sectors = [(code, f"{code} – {i18n.label(NAF_SECTIONS, code, language)}") for code in NAF_SECTIONS]
    regions = [(code, i18n.label(REGIONS, code, language)) for code in (selection or list(REGIONS))]
    months = _months(clock.today(settings.zone()))
    enough = figures.count >= stats.SMALL_CELL

    level_rows = _rows(figures, "level", levels)
    size_rows = _rows(figures, "size_band", sizes)
    sector_rows = _rows(figures, "sector", sectors)
    region_rows = _rows(figures, "region", regions)
    month_rows = _rows(figures, "month", months)
    dimension_rows = _dimension_rows(figures, national, dimensions)
    national_levels = _rows(national, "level", levels) if national is not None else None
    return render_template(
        "advisor/observatory.html", form=form, enough=enough, questionnaire=questionnaire,
        count=figures.count if enough else None,
        overall=stats.average_or_none(figures.count, figures.overall),
        national_count=national.count if national is not None and national.count >= stats.SMALL_CELL else None,
        national_overall=stats.average_or_none(national.count, national.overall) if national is not None else None,
        has_national=national is not None, small_cell=stats.SMALL_CELL,
        level_rows=level_rows, national_levels=national_levels, size_rows=size_rows, sector_rows=sector_rows,
        region_rows=region_rows, month_rows=month_rows, dimension_rows=dimension_rows,
        level_chart=share_bars_svg(level_rows, _("Répartition des entreprises par niveau de maturité")),
        size_chart=share_bars_svg(size_rows, _("Répartition des entreprises par effectif")),
        dimension_chart=charts.bar_svg([(r["title"], r["average"]) for r in dimension_rows],
                                       _("Score moyen par dimension, sur 100")),
        trend_chart=trend_svg(month_rows, _("Diagnostics validés par mois, sur 24 mois")),
        questionnaire_label=questionnaire_label(questionnaire, language),
        include_demo=include_demo, selection_label=dict(form.region.choices)[region or ""],
    )
