"""The observatory's impact page (issue 15): what the diagnostics led to, by region, size and sector.

A funnel (diagnosed → an action started → a programme contacted → an application → a programme
obtained) and the maturity gain between a company's first diagnostic and its follow-up, accompanied
companies against the others. The small-cell rule: no figure from fewer than 5 companies
(``impact.SMALL_CELL``), no comparison with fewer than 10 in a group (``impact.COMPARE_MIN``).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..domain import i18n
from ..domain.referential import NAF_SECTIONS, REGIONS, SIZE_BANDS
from ..store import impact, stats
from ..store.db import get_db
from .observatory import ScopeForm, scope_choices, selection_of
from .language import lang

bp = Blueprint("impact", __name__, url_prefix="/conseiller")

STAGE_LABELS = {
    "diagnosed": _l("Diagnostiquées"), "started": _l("Au moins une action commencée"),
    "contacted": _l("Programme contacté"), "applied": _l("Candidature déposée"), "obtained": _l("Programme obtenu"),
}


class ImpactForm(ScopeForm):
    """The impact page's scope: the observatory's (a region, demo data or not)."""


def funnel_rows(found: dict[str, impact.Funnel], labels: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per category: each stage's count (None below the small-cell threshold) and its share
    of the diagnosed companies (None when either is hidden). Categories without any company go.

    Each stage's column is a distribution of the companies over the categories: it is suppressed as
    the observatory's are (``stats.suppress``), so that no hidden cell is the total minus the others."""
    keys = [key for key, _label in labels if key in found]
    columns = {name: stats.suppress({key: found[key].stage(name) for key in keys}, keys) for name in impact.STAGES}
    rows = []
    for key, label in labels:
        if key not in found:
            continue
        diagnosed = columns["diagnosed"][key]
        stages = []
        for name in impact.STAGES:
            count = columns[name][key]
            share = int(100 * count / diagnosed + 0.5) if count is not None and diagnosed else None  # 62.5 → 63
            stages.append({"name": name, "count": count, "share": share})
        rows.append({"key": key, "label": label, "stages": stages})
    return rows


def gain_rows(found: dict[str, impact.Gain], labels: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per category: each group's companies and average gain (hidden below 5, and as a
    distribution: ``stats.suppress``), and the difference only when both groups have 10 companies."""
    keys = [key for key, _label in labels if key in found]
    groups = {group: stats.suppress({key: getattr(found[key], group)[0] for key in keys}, keys)
              for group in ("accompanied", "alone")}
    rows = []
    for key, label in labels:
        gain = found.get(key)
        if gain is None:
            continue
        with_, alone = (impact.average(gain.accompanied) if groups["accompanied"][key] is not None else None,
                        impact.average(gain.alone) if groups["alone"][key] is not None else None)
        rows.append({"key": key, "label": label,
                     "accompanied": groups["accompanied"][key], "accompanied_gain": with_,
                     "alone": groups["alone"][key], "alone_gain": alone,
                     "difference": round(with_ - alone, 1) if impact.comparable(gain) and None not in (with_, alone)
                     else None})
    return rows


@bp.route("/observatoire/impact")
@login_required
def index():
    language = lang()
    form = ImpactForm(request.args)
    allowed = scope_choices(form, language)
    form.validate()
    region = form.region.data if form.region.data in allowed else None
    selection = selection_of(form, allowed)
    include_demo = bool(form.demo.data)
    db = get_db()
    funnels = impact.funnel(db, selection, include_demo)
    gains = impact.gains(db, selection, include_demo)
    labels = {
        "region": [(code, i18n.label(REGIONS, code, language)) for code in (selection or list(REGIONS))],
        "size_band": [(code, i18n.label(SIZE_BANDS, code, language)) for code in SIZE_BANDS],
        "sector": [(code, f"{code} – {i18n.label(NAF_SECTIONS, code, language)}") for code in NAF_SECTIONS],
    }
    total = [("", _("Ensemble"))]
    breakdowns = [("region", _("Par région")), ("size_band", _("Par effectif")), ("sector", _("Par secteur"))]
    return render_template(
        "advisor/impact.html", form=form, include_demo=include_demo, stage_labels=STAGE_LABELS,
        small_cell=impact.SMALL_CELL, compare_min=impact.COMPARE_MIN, breakdowns=breakdowns,
        funnel_total=funnel_rows(funnels["all"], total), gain_total=gain_rows(gains["all"], total),
        funnel_by={kind: funnel_rows(funnels[kind], labels[kind]) for kind, _title in breakdowns},
        gain_by={kind: gain_rows(gains[kind], labels[kind]) for kind, _title in breakdowns},
        selection_label=dict(form.region.choices)[region or ""])
