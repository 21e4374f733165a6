"""Reference lists of the company profile: regions, departments, NAF sections, sizes, roles.

Labels are French (the product's language of record); English labels sit beside them; ``i18n.label``
picks one.
"""
from __future__ import annotations

# ISO 3166-2:FR codes of the 18 regions.
REGIONS: dict[str, tuple[str, str]] = {
    "FR-ARA": ("Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
    "FR-BFC": ("Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté"),
    "FR-BRE": ("Bretagne", "Brittany"),
    "FR-CVL": ("Centre-Val de Loire", "Centre-Val de Loire"),
    "FR-20R": ("Corse", "Corsica"),
    "FR-GES": ("Grand Est", "Grand Est"),
    "FR-HDF": ("Hauts-de-France", "Hauts-de-France"),
    "FR-IDF": ("Île-de-France", "Île-de-France"),
    "FR-NOR": ("Normandie", "Normandy"),
    "FR-NAQ": ("Nouvelle-Aquitaine", "Nouvelle-Aquitaine"),
    "FR-OCC": ("Occitanie", "Occitanie"),
    "FR-PDL": ("Pays de la Loire", "Pays de la Loire"),
    "FR-PAC": ("Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur"),
    "FR-971": ("Guadeloupe", "Guadeloupe"),
    "FR-972": ("Martinique", "Martinique"),
    "FR-973": ("Guyane", "French Guiana"),
    "FR-974": ("La Réunion", "Réunion"),
    "FR-976": ("Mayotte", "Mayotte"),
}

_DEPARTMENTS_BY_REGION = {
    "FR-ARA": "01 Ain|03 Allier|07 Ardèche|15 Cantal|26 Drôme|38 Isère|42 Loire|43 Haute-Loire|"
              "63 Puy-de-Dôme|69 Rhône|73 Savoie|74 Haute-Savoie",
    "FR-BFC": "21 Côte-d'Or|25 Doubs|39 Jura|58 Nièvre|70 Haute-Saône|71 Saône-et-Loire|89 Yonne|"
              "90 Territoire de Belfort",
    "FR-BRE": "22 Côtes-d'Armor|29 Finistère|35 Ille-et-Vilaine|56 Morbihan",
    "FR-CVL": "18 Cher|28 Eure-et-Loir|36 Indre|37 Indre-et-Loire|41 Loir-et-Cher|45 Loiret",
    "FR-20R": "2A Corse-du-Sud|2B Haute-Corse",
    "FR-GES": "08 Ardennes|10 Aube|51 Marne|52 Haute-Marne|54 Meurthe-et-Moselle|55 Meuse|"
              "57 Moselle|67 Bas-Rhin|68 Haut-Rhin|88 Vosges",
    "FR-HDF": "02 Aisne|59 Nord|60 Oise|62 Pas-de-Calais|80 Somme",
    "FR-IDF": "75 Paris|77 Seine-et-Marne|78 Yvelines|91 Essonne|92 Hauts-de-Seine|"
              "93 Seine-Saint-Denis|94 Val-de-Marne|95 Val-d'Oise",
    "FR-NOR": "14 Calvados|27 Eure|50 Manche|61 Orne|76 Seine-Maritime",
    "FR-NAQ": "16 Charente|17 Charente-Maritime|19 Corrèze|23 Creuse|24 Dordogne|33 Gironde|"
              "40 Landes|47 Lot-et-Garonne|64 Pyrénées-Atlantiques|79 Deux-Sèvres|86 Vienne|"
              "87 Haute-Vienne",
    "FR-OCC": "09 Ariège|11 Aude|12 Aveyron|30 Gard|31 Haute-Garonne|32 Gers|34 Hérault|46 Lot|"
              "48 Lozère|65 Hautes-Pyrénées|66 Pyrénées-Orientales|81 Tarn|82 Tarn-et-Garonne",
    "FR-PDL": "44 Loire-Atlantique|49 Maine-et-Loire|53 Mayenne|72 Sarthe|85 Vendée",
    "FR-PAC": "04 Alpes-de-Haute-Provence|05 Hautes-Alpes|06 Alpes-Maritimes|13 Bouches-du-Rhône|"
              "83 Var|84 Vaucluse",
    "FR-971": "971 Guadeloupe",
    "FR-972": "972 Martinique",
    "FR-973": "973 Guyane",
    "FR-974": "974 La Réunion",
    "FR-976": "976 Mayotte",
}

# department code → (name, region code)
DEPARTMENTS: dict[str, tuple[str, str]] = {}
for _region, _items in _DEPARTMENTS_BY_REGION.items():
    for _item in _items.split("|"):
        _code, _, _name = _item.partition(" ")
        if _name:
            DEPARTMENTS[_code] = (_name, _region)
DEPARTMENTS = dict(sorted(DEPARTMENTS.items()))

# NAF rév. 2 sections.
NAF_SECTIONS: dict[str, tuple[str, str]] = {
    "A": ("Agriculture, sylviculture et pêche", "Agriculture, forestry and fishing"),
    "B": ("Industries extractives", "Mining and quarrying"),
    "C": ("Industrie manufacturière", "Manufacturing"),
    "D": ("Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
          "Electricity, gas, steam and air conditioning supply"),
    "E": ("Production et distribution d'eau\u00a0; assainissement, gestion des déchets et dépollution",
          "Water supply; sewerage, waste management and remediation"),
    "F": ("Construction", "Construction"),
    "G": ("Commerce\u00a0; réparation d'automobiles et de motocycles",
          "Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    "H": ("Transports et entreposage", "Transportation and storage"),
    "I": ("Hébergement et restauration", "Accommodation and food service activities"),
    "J": ("Information et communication", "Information and communication"),
    "K": ("Activités financières et d'assurance", "Financial and insurance activities"),
    "L": ("Activités immobilières", "Real estate activities"),
    "M": ("Activités spécialisées, scientifiques et techniques",
          "Professional, scientific and technical activities"),
    "N": ("Activités de services administratifs et de soutien",
          "Administrative and support service activities"),
    "O": ("Administration publique", "Public administration"),
    "P": ("Enseignement", "Education"),
    "Q": ("Santé humaine et action sociale", "Human health and social work activities"),
    "R": ("Arts, spectacles et activités récréatives", "Arts, entertainment and recreation"),
    "S": ("Autres activités de services", "Other service activities"),
    "T": ("Activités des ménages en tant qu'employeurs", "Activities of households as employers"),
    "U": ("Activités extra-territoriales", "Activities of extraterritorial organisations"),
}

SIZE_BANDS: dict[str, tuple[str, str]] = {
    "1-9": ("1 à 9 salariés", "1 to 9 employees"),
    "10-49": ("10 à 49 salariés", "10 to 49 employees"),
    "50-249": ("50 à 249 salariés", "50 to 249 employees"),
    "250+": ("250 salariés et plus", "250 employees or more"),
}

ROLES: dict[str, tuple[str, str]] = {
    "dirigeant": ("Dirigeant ou dirigeante", "Owner or managing director"),
    "direction": ("Membre de la direction", "Member of the management team"),
    "it": ("Responsable informatique ou numérique", "IT or digital manager"),
    "metier": ("Responsable d'un service (production, commercial, RH…)",
               "Head of a department (operations, sales, HR…)"),
    "salarie": ("Salarié ou salariée", "Employee"),
    "conseiller": ("Conseiller ou conseillère (pour le compte de l'entreprise)",
                   "Advisor (on behalf of the company)"),
    "autre": ("Autre", "Other"),
}


# The 11 operators of competences (OPCO) approved on 1 April 2019; a company belongs to one through
# its collective agreement (IDCC on payslips), not its NAF code. Sources: gref-bretagne.com,
# "Onze Opco sont finalement agréés…" and bicompro.com "Connaître son OPérateur de COmpétences"
# (verified 2026-12-02); Akto is the OPCO of labour-intensive services (ex-Opcalia branches).
OPCOS: dict[str, tuple[str, str]] = {
    "opco-ep": ("OPCO EP (entreprises de proximité)", "OPCO EP (local businesses)"),
    "akto": ("Akto (services à forte intensité de main-d'œuvre)", "Akto (labour-intensive services)"),
    "atlas": ("Atlas (services financiers et conseil)", "Atlas (financial services and consulting)"),
    "opco-2i": ("OPCO 2i (interindustriel)", "OPCO 2i (industry)"),
    "constructys": ("Constructys (construction)", "Constructys (construction)"),
    "opcommerce": ("L'Opcommerce (commerce)", "L'Opcommerce (retail)"),
    "ocapiat": ("Ocapiat (agriculture, pêche, agroalimentaire)", "Ocapiat (agriculture, fishing, food)"),
    "uniformation": ("Uniformation (cohésion sociale)", "Uniformation (social economy)"),
    "afdas": ("Afdas (culture, médias, loisirs, sport)", "Afdas (culture, media, leisure, sport)"),
    "mobilites": ("OPCO Mobilités", "OPCO Mobilités (transport and mobility)"),
    "opco-sante": ("OPCO Santé (secteur privé de la santé)", "OPCO Santé (private health sector)"),
}


# Acronyms a company may not know, explained once where a page or the report uses them (issue 14).
# OPCO: 11 approved bodies, one per industry (collective agreement, IDCC), that help fund training
# (sources: content-review.md #20, startcompetences.com/quel-est-opco-de-mon-entreprise-financement-
# formation-apprentissage/, gref-bretagne.com, read 2026-12-01).
TERMS: dict[str, tuple[str, str]] = {
    "OPCO": ("opérateur de compétences, l'organisme de votre branche professionnelle (il dépend de votre convention "
             "collective) qui peut financer une partie des formations de vos salariés",
             "opérateur de compétences, the training body of your industry (it depends on your collective "
             "agreement) that can fund part of your employees' training"),
}


# -- public bodies (issue 12): collectivités and public establishments --------------------------

# The kinds of public body, with the words a page uses for it: "votre commune", "la commune",
# "de la commune" (French genders differ: "le département", "du département").
PUBLIC_KINDS: dict[str, tuple[str, str]] = {
    "commune": ("Commune", "Municipality"),
    "epci": ("Intercommunalité (EPCI)", "Intermunicipal body (EPCI)"),
    "departement": ("Département", "Département (county council)"),
    "region": ("Région", "Region (regional council)"),
    "etablissement": ("Syndicat ou autre établissement public", "Syndicate or other public establishment"),
}

POPULATION_BANDS: dict[str, tuple[str, str]] = {
    "lt1000": ("Moins de 1\u202f000 habitants", "Fewer than 1,000 inhabitants"),
    "1000-3499": ("1\u202f000 à 3\u202f499 habitants", "1,000 to 3,499 inhabitants"),
    "3500-9999": ("3\u202f500 à 9\u202f999 habitants", "3,500 to 9,999 inhabitants"),
    "10000-49999": ("10\u202f000 à 49\u202f999 habitants", "10,000 to 49,999 inhabitants"),
    "50000-199999": ("50\u202f000 à 199\u202f999 habitants", "50,000 to 199,999 inhabitants"),
    "200000+": ("200\u202f000 habitants et plus", "200,000 inhabitants or more"),
}

AGENT_BANDS: dict[str, tuple[str, str]] = {
    "lt50": ("Moins de 50 agents", "Fewer than 50 staff"),
    "50-249": ("50 à 249 agents", "50 to 249 staff"),
    "250-999": ("250 à 999 agents", "250 to 999 staff"),
    "1000+": ("1\u202f000 agents et plus", "1,000 staff or more"),
}

PUBLIC_ROLES: dict[str, tuple[str, str]] = {
    "elu": ("Élu ou élue", "Elected official"),
    "direction": ("Direction générale", "General management"),
    "dsi": ("DSI, responsable du numérique", "IT or digital department"),
    "agent": ("Agent ou agente", "Staff member"),
    "autre": ("Autre", "Other"),
}
