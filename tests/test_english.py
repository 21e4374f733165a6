"""The reader in English (issue 14): an English browser gets English on its first visit, the choice
is remembered, and no French leaks into the English pages (punctuation, operators, kinds)."""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest

from assessor.domain.questionnaire import latest
from tests.factories import best_answers, create_assessment, worst_answers

# A few words that only French writes: seen in operator and kind labels before (issue 14).
FRENCH_WORDS = ("opérateur", "compétences", "agence", "avec", "Région", "Réseau", "Université de", "Accompagnement",
                "Sensibilisation", "Formation certifiante", "Financement", "Événement", "Ressource", "pour le compte",
                "Direction générale", "chambres de", "Ministère", " et ", " du ", " des ", "Je ne sais pas")
# French typography: a space (ordinary or no-break) before ":" "?" "!" ";", or guillemets.
FRENCH_PUNCTUATION = re.compile(r"[\u00a0\u202f ][:?!;](?=\s|$)|[«»]")
# Names (of programmes, operators and places) keep their French words: they are names.
NAMES = re.compile(r"Cité de l'IA|Medef Lille Métropole|La Mêlée|Mon Compte Formation|Banque de France|"
                   r"Fondation Abeona|Collectivité de Corse|GIP Action contre la cybermalveillance|"
                   r"Images & Réseaux|La Réunion Développement|Hauts-de-France Innovation Développement|"
                   r"Bretagne Développement Innovation|Guyane Développement Innovation|Auvergne-Rhône-Alpes Entreprises|"
                   r"Caisse des dépôts|(?<=OPCO \()opérateur de compétences|(?<=OPCO: )opérateur de compétences|Conseil national du numérique|Pays de la Loire|Provence-Alpes-Côte d'Azur|Centre-Val de Loire|Lyon Métropole Saint-Étienne Roanne")


class _Text(HTMLParser):
    """The words a reader sees: text and the attributes read aloud, not scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    BLOCKS = frozenset({"p", "li", "div", "section", "h1", "h2", "h3", "h4", "dt", "dd", "td", "th", "tr", "br", "ul", "ol",
              "label", "option", "button", "legend", "summary", "title", "figcaption", "caption", "a"})

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag in self.BLOCKS:
            self.parts.append(" ")
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(f" {value} ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", "".join(parser.parts))


def french_in(text: str, extra_allowed: tuple[str, ...] = ()) -> list[str]:
    text = NAMES.sub("NAME", text)
    for allowed in extra_allowed:
        text = text.replace(allowed, "NAME")
    found = [m.group(0) + " in …" + text[max(0, m.start() - 50):m.end() + 20] for m in FRENCH_PUNCTUATION.finditer(text)]
    found += [word + " in …" + text[max(0, i - 50):i + 50] for word in FRENCH_WORDS if (i := text.find(word)) >= 0]
    return found


def test_an_english_browser_gets_english_on_its_first_visit(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html


@pytest.mark.parametrize("header", [None, "fr-FR,fr;q=0.9,en;q=0.8", "de-DE,de;q=0.9", "*"])
def test_french_stays_the_default(client, header):
    headers = {"Accept-Language": header} if header else {}
    assert '<html lang="fr">' in client.get("/", headers=headers).get_data(as_text=True)


def test_the_choice_wins_over_the_browser_and_is_remembered_after_the_session(app, client):
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    client.get("/", headers=english)
    client.get("/langue/fr", headers=english)
    assert '<html lang="fr">' in client.get("/", headers=english).get_data(as_text=True)
    client.delete_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))  # the browser was closed
    assert '<html lang="fr">' in client.get("/", headers=english).get_data(as_text=True)
    response = client.get("/", headers=english)
    assert "Accept-Language" in response.headers.get("Vary", "")


def english_pages(app, client, auth):
    """Yield (url, html) for every page a reader in English may see: company side, then advisor side."""
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    draft_id, draft = create_assessment(app, worst_answers(questionnaire))
    weak = {k: v for k, v in worst_answers(questionnaire).items()} | {
        q.id: "dont_know" for q in questionnaire.questions[:3] if q.dont_know}
    done_id, done = create_assessment(app, weak, submit=True, consent_contact=True, email="a@example.org")
    _best_id, best = create_assessment(app, best_answers(questionnaire), submit=True)
    urls = ["/", "/methodologie", "/confidentialite", f"/a/{draft}/verification", f"/a/{draft}/enregistre",
            f"/a/{done}/resultats", f"/a/{best}/resultats", f"/a/{draft}/supprimer"]
    urls += [f"/a/{draft}/s/{d.id}" for d in questionnaire.dimensions]
    for url in urls:
        response = client.get(url, headers=english)
        assert response.status_code == 200, url
        yield url, response.get_data(as_text=True)
    yield "/conseiller/connexion", client.get("/conseiller/connexion", headers=english).get_data(as_text=True)
    auth.login(regions=["FR-HDF"])
    for url in ["/conseiller/", f"/conseiller/evaluations/{done_id}", f"/conseiller/evaluations/{draft_id}",
                "/conseiller/observatoire", "/conseiller/entretien", "/conseiller/admin/comptes"]:
        response = client.get(url, headers=english)
        assert response.status_code == 200, url
        yield url, response.get_data(as_text=True)


def test_no_french_leaks_into_the_english_pages(app, client, auth):
    leaks = {}
    company_names = ("Entreprise Test",)
    for url, html in english_pages(app, client, auth):
        assert '<html lang="en">' in html, url
        found = french_in(unescape(visible_text(html)), company_names)
        if found:
            leaks[url] = found
    assert not leaks, leaks


@pytest.mark.parametrize("lang, words", [
    ("fr", "opérateur de compétences, l'organisme de votre branche professionnelle"),
    ("en", "opérateur de compétences, the training body of your industry"),
])
def test_opco_is_explained_once_on_the_results_and_in_the_report(app, client, lang, words):
    import datetime as dt

    from assessor.report import render as reporting
    from assessor.report import sample

    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    answers = best_answers(questionnaire) | {"skills.training_plan": "nothing_planned",
                                              "skills.management_knowledge": "basics"}
    _, token = create_assessment(app, answers, submit=True)
    client.get(f"/langue/{lang}")
    html = unescape(client.get(f"/a/{token}/resultats").get_data(as_text=True))
    assert visible_text(html).count("OPCO") > 2  # in the plan and the advice, explained once
    assert html.count('<dfn lang="fr">OPCO</dfn>') == 1 and words in html
    with app.app_context():
        context = sample.sample_context(app, lang, today=dt.date(2026, 12, 2))
        report = unescape(reporting.render_html(context, lang))
    if "OPCO" in report:
        assert report.count('<dfn lang="fr">OPCO</dfn>') == 1 and words in report


def test_no_french_leaks_into_the_english_report(app):
    import datetime as dt

    from assessor.report import render as reporting
    from assessor.report import sample

    with app.app_context():
        context = sample.sample_context(app, "en", today=dt.date(2026, 12, 2))
        html = unescape(reporting.render_html(context, "en"))
    typed = (context["assessment"]["company_name"], context["answers"].get("use_cases.priority_problem") or "")
    assert not french_in(visible_text(html), typed)
