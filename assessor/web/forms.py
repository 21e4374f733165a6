"""WTForms classes: the company profile, and one form per questionnaire section built from the data."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import Form
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain import i18n
from ..domain.questionnaire import (DONT_KNOW, NOT_APPLICABLE, QUESTION_TYPES, TEXT_MAX_LENGTH, Dimension, Question)
from ..domain.eligibility import OPCO_UNKNOWN
from ..domain.referential import (AGENT_BANDS, DEPARTMENTS, NAF_SECTIONS, OPCOS, POPULATION_BANDS, PUBLIC_KINDS,
                                  PUBLIC_ROLES, REGIONS, ROLES, SIZE_BANDS)


# C0 and C1 control characters (NUL, escape, bell…), which no keyboard types: they break exports,
# terminals and PDFs. Tab, line feed and carriage return are handled apart.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_line(value: Any) -> Any:
    """Filter for a one-line field: control characters dropped, line breaks and tabs made spaces,
    outer spaces stripped (so that a name of spaces is an empty name, refused as such)."""
    if not isinstance(value, str):
        return value
    return _CONTROLS.sub("", re.sub(r"[\t\r\n]", " ", value)).strip()


def clean_text(value: Any) -> Any:
    """Filter for a text area: control characters dropped, line breaks kept (as \\n), outer spaces stripped."""
    if not isinstance(value, str):
        return value
    return _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def table_choices(table: dict[str, tuple[str, str]], lang: str, with_code: bool = False,
                  placeholder: str | None = None) -> list[SelectChoice]:
    """Return a reference table (code → French and English labels) as choices in the user's language."""
    labels = {code: i18n.label(table, code, lang) for code in table}
    choices = [SelectChoice(code, f"{code} – {labels[code]}" if with_code else labels[code]) for code in table]
    return ([SelectChoice("", placeholder)] if placeholder is not None else []) + choices


NAME_MAX_LENGTH = 200


class QueryForm(Form):
    """A GET form (filters): no CSRF token, but WTForms' own messages in the user's language."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations


class EraseForm(FlaskForm):
    """Confirm the erasure of a diagnostic: a box to tick, so that no stray click deletes it."""

    # When the company took the diagnostic more than once, the whole chain goes by default: a
    # follow-up copies the company's name and e-mail, so erasing one link would leave them behind.
    scope = RadioField(_l("Que voulez-vous supprimer ?"), default="chain", validators=[Optional()])
    confirm = BooleanField(_l("Je confirme : supprimer définitivement, avec toutes les réponses."),
                           validators=[InputRequired(_l("Cochez la case pour confirmer la suppression."))])

    def __init__(self, *args: Any, count: int = 1, of_the: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scope.choices = [
            SelectChoice("chain", _l("Les %(count)d diagnostics %(of_the)s : le premier et ses suivis "
                                     "(recommandé, rien ne reste)", count=count,
                                     of_the=of_the or str(_l("de l'entreprise")))),
            SelectChoice("this", _l("Seulement ce diagnostic"))]


class ProfileForm(FlaskForm):
    """The company profile asked before the questionnaire."""

    # the example of the message for an address that is not one, in the profile's own words
    email_invalid = _l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@entreprise.fr).")

    # DataRequired, not InputRequired: it checks the name once cleaned, so spaces alone are refused.
    company_name = StringField(
        _l("Nom de l'entreprise *"),
        validators=[DataRequired(_l("Indiquez le nom de votre entreprise.")),
                    Length(max=NAME_MAX_LENGTH, message=_l("Le nom ne peut pas dépasser 200 caractères."))],
        filters=[clean_line], render_kw={"maxlength": NAME_MAX_LENGTH})
    size_band = RadioField(_l("Effectif *"), validators=[InputRequired(_l("Choisissez la taille de votre entreprise."))])
    sector = SelectField(_l("Secteur d'activité (section NAF) *"),
                         validators=[InputRequired(_l("Choisissez votre secteur d'activité."))])
    region = SelectField(_l("Région *"))
    department = SelectField(_l("Département (facultatif)"), validators=[Optional()])
    role = SelectField(_l("Votre fonction *"), validators=[InputRequired(_l("Choisissez votre fonction."))])
    # Which OPCO funds the staff's training follows the collective agreement, not the sector: asked,
    # so that the right one is recommended; "je ne sais pas" keeps the OPCO "probable", to check.
    opco = SelectField(_l("Votre OPCO (facultatif)"), default=OPCO_UNKNOWN, validators=[Optional()])
    email = StringField(
        _l("Adresse e-mail (facultative)"),
        validators=[Length(max=254, message=_l("L'adresse e-mail est trop longue."))],
        filters=[clean_line], render_kw={"maxlength": 254})
    consent_contact = BooleanField(_l("J'accepte d'être contacté(e) par un conseiller au sujet de ce diagnostic."))
    consent_stats = BooleanField(_l("J'accepte que mes réponses, rendues anonymes, servent aux statistiques régionales."))

    def __init__(self, *args: Any, lang: str = "fr", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.size_band.choices = table_choices(SIZE_BANDS, lang)
        self.sector.choices = table_choices(NAF_SECTIONS, lang, with_code=True, placeholder=str(_l("— Choisissez —")))
        self.region.choices = table_choices(REGIONS, lang, placeholder=str(_l("— Choisissez —")))
        self.department.choices = [SelectChoice("", str(_l("— Aucun —")))] + [
            SelectChoice(code, f"{code} – {name}") for code, (name, _) in DEPARTMENTS.items()]
        self.role.choices = table_choices(ROLES, lang, placeholder=str(_l("— Choisissez —")))
        self.opco.choices = [SelectChoice(OPCO_UNKNOWN, str(_l("Je ne sais pas")))] + table_choices(OPCOS, lang)

    def validate_region(self, field: SelectField) -> None:
        department = self.department.data
        if not field.data and not department:
            raise ValidationError(_l("Choisissez votre région, ou votre département."))
        if field.data and department and DEPARTMENTS.get(department, ("", ""))[1] != field.data:
            raise ValidationError(_l("Ce département n'appartient pas à la région choisie."))

    def validate_email(self, field: StringField) -> None:
        if not field.data:
            if self.consent_contact.data:
                raise ValidationError(_l("Pour être contacté(e) par un conseiller, indiquez une adresse e-mail."))
            return
        Email(self.email_invalid, check_deliverability=False)(self, field)

    def profile(self) -> dict[str, Any]:
        """Return the profile to store; the region comes from the department when only it is given."""
        region = self.region.data or DEPARTMENTS[self.department.data][1]
        return {
            "company_name": self.company_name.data, "size_band": self.size_band.data,
            "sector": self.sector.data, "region": region, "department": self.department.data or None,
            "role": self.role.data, "email": self.email.data or None, "opco": self.opco.data or OPCO_UNKNOWN,
            "consent_contact": self.consent_contact.data, "consent_stats": self.consent_stats.data,
        }


# A public body's profile field (questionnaire.PROFILE_FIELDS) → the form field that asks it.
_PUBLIC_FIELD_NAMES = {"name": "company_name", "body_kind": "body_kind", "population_band": "population_band",
                       "agents_band": "agents_band", "region": "region", "department": "department",
                       "role": "role", "email": "email"}


class PublicProfileForm(ProfileForm):
    """The profile of a collectivité or public establishment, built from the questionnaire's
    ``profile`` list: the fields it does not ask are left out (name and region are always asked)."""

    company_name = StringField(
        _l("Nom de la collectivité ou de l'établissement *"),
        validators=[DataRequired(_l("Indiquez le nom de votre collectivité ou de votre établissement.")),
                    Length(max=NAME_MAX_LENGTH, message=_l("Le nom ne peut pas dépasser 200 caractères."))],
        filters=[clean_line], render_kw={"maxlength": NAME_MAX_LENGTH})
    body_kind = RadioField(_l("Nature *"), validators=[InputRequired(_l("Choisissez la nature de votre collectivité "
                                                                        "ou de votre établissement."))])
    population_band = SelectField(_l("Population (nombre d'habitants) *"),
                                  validators=[InputRequired(_l("Choisissez le nombre d'habitants."))])
    agents_band = RadioField(_l("Nombre d'agents *"),
                             validators=[InputRequired(_l("Choisissez le nombre d'agents."))])
    role = SelectField(_l("Votre fonction *"), validators=[InputRequired(_l("Choisissez votre fonction."))])
    size_band = None
    sector = None
    opco = None
    email_invalid = _l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@mairie.fr).")

    def __init__(self, *args: Any, lang: str = "fr", fields: tuple[str, ...] = tuple(_PUBLIC_FIELD_NAMES),
                 **kwargs: Any):
        FlaskForm.__init__(self, *args, **kwargs)
        self.body_kind.choices = table_choices(PUBLIC_KINDS, lang)
        self.population_band.choices = table_choices(POPULATION_BANDS, lang, placeholder=str(_l("— Choisissez —")))
        self.agents_band.choices = table_choices(AGENT_BANDS, lang)
        self.region.choices = table_choices(REGIONS, lang, placeholder=str(_l("— Choisissez —")))
        self.department.choices = [SelectChoice("", str(_l("— Aucun —")))] + [
            SelectChoice(code, f"{code} – {name}") for code, (name, _) in DEPARTMENTS.items()]
        self.role.choices = table_choices(PUBLIC_ROLES, lang, placeholder=str(_l("— Choisissez —")))
        asked = {_PUBLIC_FIELD_NAMES[f] for f in fields if f in _PUBLIC_FIELD_NAMES} | {"company_name", "region"}
        for name in set(_PUBLIC_FIELD_NAMES.values()) - asked:
            del self[name]

    def validate_region(self, field: SelectField) -> None:
        if "department" not in self:
            if not field.data:
                raise ValidationError(_l("Choisissez votre région."))
            return
        super().validate_region(field)

    def profile(self) -> dict[str, Any]:
        """Return the profile to store: the body's name in company_name, no size band nor sector."""
        department = self.department.data if "department" in self else None
        value = (lambda name: (self[name].data or None) if name in self else None)
        return {
            "audience": "public", "company_name": self.company_name.data,
            "body_kind": value("body_kind"), "population_band": value("population_band"),
            "agents_band": value("agents_band"),
            "region": self.region.data or DEPARTMENTS[department][1], "department": department or None,
            "role": value("role"), "email": value("email"),
            "consent_contact": self.consent_contact.data, "consent_stats": self.consent_stats.data,
        }


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question_id: str) -> str:
    return "q_" + question_id.replace(".", "__")


class _ExclusiveChoice:
    """Refuse a checklist where an exclusive answer ("none", "je ne sais pas") is ticked with others."""

    def __init__(self, exclusive: set[str]):
        self.exclusive = exclusive

    def __call__(self, form: FlaskForm, field: SelectMultipleField) -> None:
        chosen = set(field.data or [])
        if len(chosen) > 1 and chosen & self.exclusive:
            raise ValidationError(_l("Cette réponse ne peut pas être cochée avec une autre : "
                                     "décochez-la ou décochez les autres."))


def special_labels() -> dict[str, str]:
    return {DONT_KNOW: str(_l("Je ne sais pas")), NOT_APPLICABLE: str(_l("Non concerné"))}


def _question_field(question: Question, lang: str):
    label = question.text.get(lang)
    specials = [(v, lbl) for v, lbl in special_labels().items()
                if (v == DONT_KNOW and question.dont_know) or (v == NOT_APPLICABLE and question.not_applicable)]
    if question.type == "text":
        return TextAreaField(label, filters=[clean_text], validators=[Optional(), Length(
            max=TEXT_MAX_LENGTH, message=_l("Votre réponse ne peut pas dépasser %(max)d caractères.",
                                            max=TEXT_MAX_LENGTH))])
    choices = [SelectChoice(o.value, o.label.get(lang)) for o in question.options] + [
        SelectChoice(v, lbl) for v, lbl in specials]
    if QUESTION_TYPES[question.type].multiple:
        exclusive = {o.value for o in question.options if o.exclusive} | {v for v, _label in specials}
        return MultiCheckboxField(label, choices=choices, validators=[Optional(), _ExclusiveChoice(exclusive)],
                                  validate_choice=True)
    return RadioField(label, choices=choices, validators=[Optional()])


_FORM_CLASSES: dict[tuple[str, str, str], type[FlaskForm]] = {}


def section_form_class(questionnaire_key: str, dimension: Dimension, lang: str) -> type[FlaskForm]:
    """Return the form class of one section, built once per questionnaire version and language."""
    key = (questionnaire_key, dimension.id, lang)
    if key not in _FORM_CLASSES:
        attrs = {field_name(q.id): _question_field(q, lang) for q in dimension.questions}
        _FORM_CLASSES[key] = type(f"SectionForm_{dimension.id}", (FlaskForm,), attrs)
    return _FORM_CLASSES[key]


def answers_from_form(form: FlaskForm, dimension: Dimension, only_valid: bool = False) -> dict[str, Any]:
    """Return question id → stored value from a section form (None for a cleared answer)."""
    values: dict[str, Any] = {}
    for question in dimension.questions:
        field = form[field_name(question.id)]
        if only_valid and field.errors:
            continue
        data = field.data
        if question.type == "multiple":
            if data and len(data) == 1 and data[0] in (DONT_KNOW, NOT_APPLICABLE):
                data = data[0]
            values[question.id] = data or None
        elif question.type == "text":
            values[question.id] = (data or "").strip() or None
        else:
            values[question.id] = data or None
    return values


def form_data_from_answers(dimension: Dimension, answers: dict[str, Any]) -> dict[str, Any]:
    """Return the data to pre-fill a section form with stored answers."""
    data = {}
    for question in dimension.questions:
        value = answers.get(question.id)
        if question.type == "multiple" and isinstance(value, str):
            value = [value]
        data[field_name(question.id)] = value
    return data


class CheckinSubscribeForm(FlaskForm):
    """Ask for the check-ins (issue 15): the address they go to, prefilled from the profile."""

    email = StringField(
        _l("Votre adresse e-mail"),
        validators=[InputRequired(_l("Indiquez l'adresse e-mail où recevoir les points d'étape.")),
                    Length(max=254, message=_l("L'adresse e-mail est trop longue.")),
                    Email(_l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."),
                          check_deliverability=False)],
        filters=[clean_line], render_kw={"maxlength": 254, "autocomplete": "email"})
