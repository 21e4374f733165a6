"""The observatory and the peers comparison, one questionnaire version at a time (issue 12).

Versions ask different questions and score differently: the figures of ai-maturity v2 and v3 never
add up, the small-cell rule holds for each version, and a company compares only with companies that
answered the same version. A questionnaire for another audience is another id, named in the list."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from assessor.store import assessments as store
from assessor.store import stats
from assessor.store.db import connect
from factories import FAST_ARGON2, best_answers, create_assessment, login, make_advisor, make_app, worst_answers

V2, V3 = "ai-maturity@2", "ai-maturity@3"


@pytest.fixture
def app(tmp_path):
    """The real questionnaires (versions 1 to 3), a cheap password hasher, no CSRF on the login."""
    return make_app(tmp_path, ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


@pytest.fixture
def admin(app):
    make_advisor(app, "admin@example.org", is_admin=True)
    client = app.test_client()
    assert login(client, "admin@example.org").status_code == 302
    return client


def version(app, key: str):
    return app.extensions["assessor.questionnaires"][key]


def submit(app, key: str, count: int, best: bool = True, **profile) -> list[tuple[int, str]]:
    q = version(app, key)
    return [create_assessment(app, (best_answers if best else worst_answers)(q), submit=True, questionnaire=q,
                              **profile) for _i in range(count)]


def page(client, query: str = "") -> str:
    html = client.get("/conseiller/observatoire" + query).get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<svg.*?</svg>", "", html, flags=re.S))


def key_figure(html: str) -> str:
    figure = re.search(r'Diagnostics validés</p> <p class="figure"><span class="figure-value">(.*?)</span></p>',
                       html).group(1)
    return re.sub(r"<[^>]+>", "", figure)


def options(html: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select[^>]* id="questionnaire" name="questionnaire">(.*?)</select>', html).group(1)
    return [(value, label, bool(selected)) for selected, value, label in
            re.findall(r'<option( selected)? value="([^"]*)">([^<]*)</option>', select)]


def test_each_version_has_its_own_figures_and_the_current_one_comes_first(app, admin):
    submit(app, V2, 6, best=False)
    submit(app, V3, 7)
    html = page(admin)
    assert key_figure(html) == "7"  # not 13: v2 and v3 never add up
    assert options(html) == [
        (V3, "Entreprises — Diagnostic de maturité IA des TPE et PME, version 3 du 2 décembre 2026", True),
        (V2, "Entreprises — Diagnostic de maturité IA des TPE et PME, version 2 du 22 novembre 2026", False),
    ]  # version 1 has no figures: not offered
    assert 'id="questionnaire-shown">Entreprises — Diagnostic de maturité IA des TPE et PME, version 3 du' in html
    assert re.search(r"Transformation</th><td>7</td>", html)  # v3's best answers only

    chosen = page(admin, "?questionnaire=ai-maturity%402")
    assert key_figure(chosen) == "6"
    assert [selected for _v, _l, selected in options(chosen)] == [False, True]
    assert "version 2 du 22 novembre 2026</p>" in chosen
    assert re.search(r"Découverte</th><td>6</td>", chosen) and not re.search(r"Transformation</th><td>\d", chosen)
    # The choice sits in the GET form with the other options: it works without JavaScript.
    form = re.search(r'<form method="get" action="/conseiller/observatoire"[^>]*>(.*?)</form>', chosen).group(1)
    assert 'name="questionnaire"' in form and 'name="region"' in form


def test_a_version_with_four_diagnostics_shows_less_than_five(app, admin):
    submit(app, V2, 4)
    submit(app, V3, 6)
    html = page(admin, "?questionnaire=ai-maturity%402")
    assert key_figure(html) == "&lt; 5"
    assert "Effectif insuffisant : moins de 5 diagnostics" in html and "Répartition par niveau" not in html
    assert key_figure(page(admin)) == "6"


def test_the_small_cell_rule_holds_within_a_version(app, admin):
    """Six in industry (v3), three in construction (v3) and three in construction (v2): construction
    is hidden in v3 although v2 and v3 together count six there."""
    submit(app, V3, 6, sector="C")
    submit(app, V3, 3, sector="F")
    submit(app, V2, 3, sector="F")
    html = page(admin)
    assert re.search(r"C – Industrie manufacturière</th><td>6</td>", html)
    assert re.search(r'F – Construction</th><td><span class="suppressed"', html)


def test_an_unknown_version_falls_back_to_the_current_one(app, admin):
    submit(app, V3, 5)
    html = page(admin, "?questionnaire=ai-maturity%409")
    assert key_figure(html) == "5" and [v for v, _l, selected in options(html) if selected] == [V3]
    assert "N'est pas un choix valide." in html.replace("&#39;", "'")


def test_an_advisor_sees_their_regions_of_the_chosen_version_and_the_national_figures(app):
    submit(app, V2, 5)
    submit(app, V2, 2, region="FR-OCC", department="31")
    submit(app, V3, 8)
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"])
    client = app.test_client()
    assert login(client, "hdf@example.org").status_code == 302
    html = page(client, "?questionnaire=ai-maturity%402")
    assert key_figure(html) == "5" and "France entière : 7" in html


def test_demo_data_lists_its_versions_only_when_included(app, admin):
    submit(app, V2, 5, is_demo=True)
    assert [v for v, _l, _s in options(page(admin))] == [V3]
    html = page(admin, "?questionnaire=ai-maturity%402&demo=y")
    assert [v for v, _l, _s in options(html)] == [V3, V2] and key_figure(html) == "5"


def test_the_list_names_the_audience(app):
    from assessor.web.observatory import questionnaire_label

    public = SimpleNamespace(audience="public", title=version(app, V3).title, version=1, date="2027-01-04")
    with app.test_request_context():
        assert questionnaire_label(version(app, V3), "fr").startswith("Entreprises — ")
        assert questionnaire_label(public, "fr") == ("Collectivités — Diagnostic de maturité IA des TPE et PME, "
                                                     "version 1 du 4 janvier 2027")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert questionnaire_label(public, "en") == ("Public bodies — AI maturity assessment for small and "
                                                     "medium-sized businesses, version 1 of January 4, 2027")


def test_a_questionnaire_for_public_bodies_is_listed_apart_and_never_mixed(app, admin):
    """The public bodies' questionnaire (questionnaires/ai-public-v1.yaml, audience "public")."""
    public = version(app, "ai-public@1")
    assert public.audience == "public"
    submit(app, V3, 5)
    for _i in range(6):
        create_assessment(app, best_answers(public), submit=True, questionnaire=public)
    html = page(admin)
    assert key_figure(html) == "5"
    assert [(value, label) for value, label, _s in options(html)] == [
        (V3, "Entreprises — Diagnostic de maturité IA des TPE et PME, version 3 du 2 décembre 2026"),
        ("ai-public@1", "Collectivités — Diagnostic de maturité IA des collectivités et établissements publics, "
                        "version 1 du 2 décembre 2026"),
    ]
    chosen = page(admin, "?questionnaire=ai-public%401")
    assert key_figure(chosen) == "6" and 'id="questionnaire-shown">Collectivités — ' in chosen
    assert "Par taille d'entreprise" not in chosen and "Par secteur d'activité" not in chosen  # companies' only
    assert "Par taille d'entreprise" in page(admin)


# -- peers ---------------------------------------------------------------------------------------


def test_peers_come_only_from_the_same_version(app, db):
    _id, token = submit(app, V3, 1, best=False, company_name="Moi")[0]
    submit(app, V2, 10)  # same size, sector and region, another version
    assert stats.peers(db, store.by_token(db, token), ["strategy"]) is None
    submit(app, V3, 9)
    assert stats.peers(db, store.by_token(db, token), ["strategy"]) is None
    submit(app, V3, 1)
    peers = stats.peers(db, store.by_token(db, token), ["strategy"])
    assert peers["count"] == 10 and peers["overall"] == 100


def test_an_earlier_diagnostic_on_another_version_is_not_taken_out_of_the_peers(app, db):
    """The company's own earlier diagnostic is left out of its peers, but only where it counted."""
    before_id, _t = submit(app, V2, 1, company_name="Moi")[0]
    _id, token = submit(app, V3, 1, best=False, company_name="Moi", previous_id=before_id)[0]
    submit(app, V3, 10)
    assert stats.peers(db, store.by_token(db, token), ["strategy"])["count"] == 10


# -- the migration -------------------------------------------------------------------------------


def _row(i: int, version_number: int | None, **extra) -> dict:
    return {"token_hash": f"h{i}", "company_name": f"E{i}", "status": "submitted", "consent_stats": 1,
            "questionnaire_id": "ai-maturity", "questionnaire_version": version_number, "region": "FR-HDF",
            "sector": "C", "size_band": "10-49", "level": "exploration", "overall": 30.0 + i,
            "submitted_at": f"2026-0{1 + i % 3}-02T10:00:00+00:00",
            "dimension_scores": json.dumps({"strategy": 20.0 + i, "data": 40.0 - i})} | extra


def _snapshot(database):
    return (sorted((*r[:-1], round(r[-1], 6))
                   for r in database.execute("select * from stats_counts where n != 0").fetchall()),
            sorted((*r[:-1], round(r[-1], 6))
                   for r in database.execute("select * from stats_dimensions where n != 0").fetchall()))


def test_the_migration_carries_the_figures_over_per_version(tmp_path):
    from assessor.store import migrations
    from assessor.store.stats_schema import create_stats_triggers

    database = connect(str(tmp_path / "old.sqlite3"))
    migrations.migrations.apply(database, stop_before="m011_stats_per_questionnaire_version")
    rows = [_row(i, 2 if i % 3 else 3) for i in range(12)]
    rows += [_row(20, 3, consent_stats=0), _row(21, 2, status="draft"), _row(22, 3, is_demo=1)]
    database["assessments"].insert_all(rows)
    before = database.execute(
        "select sum(n), sum(total) from stats_counts where questionnaire_id = 'ai-maturity' and is_demo = 0 "
        "and kind = 'all'").fetchone()
    assert before == (12, sum(30.0 + i for i in range(12)))  # v2 and v3 mixed

    migrations.apply(database)
    counted = {v: [r for r in rows[:12] if r["questionnaire_version"] == v] for v in (2, 3)}
    for number, mine in counted.items():
        figures = stats.figures(database, f"ai-maturity@{number}", None, False)
        assert figures.count == len(mine) and figures.overall_total == sum(r["overall"] for r in mine)
        assert figures.dimensions["strategy"] == (len(mine), sum(20.0 + int(r["token_hash"][1:]) for r in mine))
        months = {}
        for r in mine:
            count, total = months.get(r["submitted_at"][:7], (0, 0.0))
            months[r["submitted_at"][:7]] = (count + 1, total + r["overall"])
        assert figures.by["month"] == months
    assert stats.figures(database, "ai-maturity@3", None, True).count == len(counted[3]) + 1  # the demo one
    assert (stats.figures(database, "ai-maturity@2", None, False).count
            + stats.figures(database, "ai-maturity@3", None, False).count) == before[0]

    # The triggers count by version from now on, moving a diagnostic whose version changes.
    database["assessments"].insert(_row(30, 3))
    database.execute("update assessments set questionnaire_version = 3 where token_hash = 'h1'")
    assert stats.figures(database, "ai-maturity@3", None, False).count == len(counted[3]) + 2
    assert stats.figures(database, "ai-maturity@2", None, False).count == len(counted[2]) - 1
    incremental = _snapshot(database)
    stats.rebuild(database)
    assert _snapshot(database) == incremental

    # The live copy of the triggers (stats_schema) is, today, what m011 froze.
    frozen = sorted(database.execute("select name, sql from sqlite_master where type = 'trigger'").fetchall())
    create_stats_triggers(database)
    assert sorted(database.execute("select name, sql from sqlite_master where type = 'trigger'").fetchall()) \
        == frozen
    database.close()
