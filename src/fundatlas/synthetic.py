"""Realistic synthetic project pages, for benchmarks and the crash test: any number, reproducible.

Pages come in French, English and Spanish, in the layouts the parser reads (``fields`` with dash
or bullet rendering, the older ``table``, the old site's ``values``), with navigation text,
countries drawn from the gazetteer (``all_country_names``), fields left out or shown empty, and
the same project often published in two or three languages (same project and PRIMA IDs).
Project IDs are unique per project. Labels and values come from the vocabulary files, so the
pages follow the site's words as the parser knows them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from fundatlas.normalize.countries import all_country_names, country_name
from fundatlas.vocab import load_json

LANGS = ("fr", "en", "es")
_NAV = {
    "fr": ["-", "Qui sommes nous", "Notre travail", "Ce que nous faisons", "- Où travaillons-nous", "-",
           "Agir", "Travailler avec nous", "Engagez-vous", "- Données et recherche", "- 2030 AGENDA"],
    "en": ["-", "Who we are", "Our Work", "What We Do", "Partnerships", "- Where we work", "-", "Take Action",
           "Work with us", "Get involved", "- Data and Research", "- 2030 Agenda"],
    "es": ["-", "Quiénes somos", "Nuestro trabajo", "Qué hacemos", "- Dónde trabajamos", "-", "Participe",
           "Trabaje con nosotros", "- Datos e investigación", "- Agenda 2030"],
}
_TITLE = {
    "fr": ["Renforcement des capacités de {c} en matière de gestion des migrations",
           "Promotion de l'intégration des migrants au {c}", "Profil migratoire : {c}"],
    "en": ["Strengthening Migration Management Capacities in {c}", "Promoting Migrant Integration in {c}",
           "Migration Profile of {c}"],
    "es": ["Fortalecimiento de la gestión de la migración en {c}", "Promoción de la integración de los "
           "migrantes en {c}", "Perfil migratorio de {c}"],
}
_SENTENCES = {
    "fr": ["Le projet vise à renforcer les capacités du gouvernement pour la gestion des migrations.",
           "Les autorités nationales ont demandé l'appui de l'OIM pour élaborer une politique migratoire.",
           "Les activités comprennent des formations, des études et des ateliers de consultation.",
           "Ce projet contribue aux objectifs du Pacte mondial pour des migrations sûres."],
    "en": ["The project aims to strengthen the government's capacity to manage migration.",
           "National authorities requested IOM support to develop a migration policy.",
           "Activities include training, studies and consultation workshops with partners.",
           "This project contributes to the objectives of the Global Compact for Migration."],
    "es": ["El proyecto tiene por objeto fortalecer la capacidad del gobierno para gestionar la migración.",
           "Las autoridades nacionales solicitaron el apoyo de la OIM para elaborar una política migratoria.",
           "Las actividades incluyen capacitaciones, estudios y talleres de consulta con los asociados.",
           "Este proyecto contribuye a los objetivos del Pacto Mundial para la Migración."],
}
_OFFICES = ("MR", "FJ", "CR", "NI", "MV", "MG", "WS", "VU", "MN", "ZA", "GE", "EG", "KG", "CO", "DJ", "BD")
_FIELD_ORDER = ("start_year", "end_year", "status", "project_type", "budget_usd", "coverage", "year",
                "idf_region", "prima_id", "project_id", "beneficiaries")


@dataclass(frozen=True, slots=True)
class SyntheticPage:
    name: str  # a file name: "<lang>-<number>.txt"
    url: str
    lang: str
    layout: str
    project_id: str | None
    text: str


@dataclass(slots=True)
class _Project:
    project_id: str | None
    prima_id: str | None
    type_code: str
    budget: int
    coverage: str
    year: int
    start: int
    end: int
    region: str
    countries: list[str]


@cache
def _labels() -> dict[str, dict[str, str]]:
    fields = load_json("labels.json")["fields"]
    return {name: {lang: words[0] for lang, words in by_lang.items()} for name, by_lang in fields.items()}


@cache
def _values() -> dict[str, dict[str, dict[str, str]]]:
    data = load_json("values.json")
    out: dict[str, dict[str, dict[str, str]]] = {}
    for kind in ("status", "coverage", "idf_region", "project_type"):
        out[kind] = {code: {lang: entry[lang][0] for lang in LANGS if entry.get(lang)}
                     for code, entry in data[kind].items() if not code.startswith("_") and isinstance(entry, dict)}
    return out


@cache
def _types() -> list[tuple[str, str]]:
    data = load_json("values.json")["project_type"]
    return [(code, entry["prefix"]) for code, entry in data.items()
            if isinstance(entry, dict) and entry.get("prefix") and all(entry.get(lang) for lang in LANGS)]


@cache
def _countries() -> dict[str, dict[str, list[str]]]:
    """iso3 → lang → names (the display name first), for countries every language can name."""
    by_code: dict[str, dict[str, list[str]]] = {}
    for lang in LANGS:
        for name, iso3 in sorted(all_country_names(lang).items()):
            if name.isascii() and not name.replace(" ", "").replace("-", "").isalpha():
                continue
            by_code.setdefault(iso3, {}).setdefault(lang, []).append(name)
    out = {}
    for iso3, names in by_code.items():
        if all(country_name(iso3, lang) for lang in LANGS) and len(names) == len(LANGS):
            out[iso3] = {lang: [str(country_name(iso3, lang))] + names[lang] for lang in LANGS}
    return out


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_id: dict[str, int] = {}
        self.next_prima: dict[str, int] = {}
        self.legacy = 0
        self.codes = sorted(_countries())

    def _project_id(self, prefix: str) -> str:
        number = self.next_id.get(prefix, 1)
        if number < 10_000:
            self.next_id[prefix] = number + 1
            return f"{prefix}.{number:04d}"
        self.legacy += 1  # this prefix is full: a unique legacy-shaped ID instead
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        a, rest = divmod(self.legacy, 36 * 36)
        return f"{alphabet[a % 36]}{alphabet[rest // 36]}{alphabet[rest % 36]}-805"

    def _prima(self) -> str:
        office = self.rng.choice(_OFFICES)
        number = self.next_prima.get(office, 0) + 1
        self.next_prima[office] = number
        return f"{office}{10 + number // 10_000}P{number % 10_000:04d}"

    def project(self) -> _Project:
        rng = self.rng
        type_code, prefix = rng.choice(_types())
        year = rng.randint(2005, 2024)
        roll = rng.random()
        project_id = None if roll < 0.05 or (year >= 2024 and roll < 0.5) else self._project_id(prefix)
        prima_id = self._prima() if year >= 2014 and rng.random() < 0.9 else None
        if project_id is None and prima_id is None and rng.random() < 0.8:
            prima_id = self._prima()
        coverage = "national" if rng.random() < 0.65 else rng.choice(("regional", "regional", "global"))
        count = 1 if coverage == "national" else rng.randint(2, 6)
        ceiling = 300_000 if coverage == "national" else 400_000
        budget = rng.choice((50_000, 75_000, 100_000, 150_000, 200_000, 250_000, ceiling, ceiling + 50_000))
        start = year + rng.choice((0, 0, 1))
        region = rng.choice([code for code in _values()["idf_region"] if code != "global"])
        return _Project(project_id, prima_id, type_code, budget, coverage, year, start, start + rng.randint(1, 3),
                        region, rng.sample(self.codes, count))

    def values(self, project: _Project, lang: str) -> dict[str, str]:
        rng, words = self.rng, _values()
        names = [rng.choice(_countries()[iso3][lang][:2]) for iso3 in project.countries]
        end = 2024 if lang != "en" and project.year <= 2018 else project.end  # the placeholder of old pages
        status = "active" if project.end >= 2025 else "completed"
        values = {
            "start_year": str(project.start), "end_year": str(end), "status": words["status"][status][lang],
            "project_type": words["project_type"][project.type_code][lang],
            "budget_usd": f"{project.budget}.00", "coverage": words["coverage"][project.coverage][lang],
            "year": str(project.year), "idf_region": words["idf_region"][project.region][lang],
            "prima_id": project.prima_id or "", "project_id": project.project_id or "",
            "beneficiaries": " ".join(names),
        }
        for name in ("start_year", "year", "coverage", "status", "idf_region"):
            if rng.random() < 0.06:
                values[name] = ""  # a field the page leaves out
        return values

    def description(self, lang: str) -> str:
        return " ".join(self.rng.choices(_SENTENCES[lang], k=self.rng.randint(2, 14)))


def _fields_page(gen: _Generator, project: _Project, lang: str, bullet: bool) -> str:
    values, labels = gen.values(project, lang), _labels()
    title = gen.rng.choice(_TITLE[lang]).format(c=country_name(project.countries[0], lang))
    lines = [] if bullet else list(_NAV[lang])
    lines += [title, ""] if bullet else [title]
    for name in _FIELD_ORDER:
        value = values[name]
        if not value and gen.rng.random() < 0.5:
            continue  # absent rather than empty
        label = labels[name][lang]
        if name == "status" and lang == "es":
            label = labels["project_type"]["es"]  # the Spanish pages' mislabelled status row
        if bullet:
            lines += [f"  • {label}", f"    {value}"] if value else [f"  • {label}"]
        else:
            lines += ["-", label] + ([value] if value else [])
    lines.append(gen.description(lang))
    return "\n".join(lines) + "\n"


_TABLE = {
    "fr": ("INFORMATIONS SUR LE PROJET", "MISSION", "ANNÉE", "MONTANT DU FINANCEMENT", "PAYS BÉNÉFICIAIRES",
           "DURÉE", "CODE", "{n} dollars É.-U.", "{m} mois", "À propos du projet"),
    "en": ("PROJECT INFORMATION", "MISSION", "YEAR", "FUNDING AMOUNT", "BENEFICIARY COUNTRIES", "DURATION",
           "CODE", "USD {n}", "{m} months", "About the project"),
    "es": ("INFORMACIÓN DEL PROYECTO", "MISIÓN", "AÑO", "MONTO DE LA FINANCIACIÓN", "PAÍSES BENEFICIARIOS",
           "DURACIÓN", "CÓDIGO", "{n} dólares EE.UU.", "{m} meses", "Acerca del proyecto"),
}


def _table_page(gen: _Generator, project: _Project, lang: str) -> str:
    header, mission, year, amount, countries, duration, code, money, months, about = _TABLE[lang]
    names = ", ".join(str(country_name(iso3, lang)) for iso3 in project.countries)
    title = gen.rng.choice(_TITLE[lang]).format(c=country_name(project.countries[0], lang))
    budget = f"{project.budget:,}".replace(",", " ")
    lines = [*_NAV[lang], title, about, gen.description(lang), f"{header} |", "---|",
             f"{mission}: {country_name(project.countries[0], lang)} |", f"{year}: {project.year} |",
             f"{amount}: {money.format(n=budget)} |", f"{countries}: {names} |",
             f"{duration}: {months.format(m=12 * (project.end - project.start))} |"]
    if project.project_id:
        lines.append(f"{code}: {project.project_id} |")
    return "\n".join(lines) + "\n"


def _values_page(gen: _Generator, project: _Project) -> str:
    words = _values()
    title = gen.rng.choice(_TITLE["en"]).format(c=country_name(project.countries[0], "en"))
    status = "active" if project.end >= 2025 else "completed"
    lines = ["- About the Fund", "- Contact Us", "- Donate", title, title, words["idf_region"][project.region]["en"]]
    if project.project_id:
        lines.append(project.project_id)
    lines += [f"{project.budget:,}", *(str(country_name(c, "en")) for c in project.countries),
              words["project_type"][project.type_code]["en"], words["coverage"][project.coverage]["en"],
              words["status"][status]["en"], gen.description("en")]
    return "\n".join(lines) + "\n"


def synthetic_pages(count: int, *, seed: int = 0) -> Iterator[SyntheticPage]:
    """``count`` pages (about 1.6 per project), the same for the same ``seed``."""
    gen = _Generator(seed)
    made = 0
    while made < count:
        project = gen.project()
        langs = gen.rng.sample(LANGS, k=gen.rng.choices((1, 2, 3), weights=(55, 30, 15))[0])
        for lang in langs:
            if made >= count:
                return
            roll = gen.rng.random()
            if roll < 0.08 and project.project_id:
                layout, text = "values", _values_page(gen, project)
            elif roll < 0.16:
                layout, text = "table", _table_page(gen, project, lang)
            else:
                layout, text = "fields", _fields_page(gen, project, lang, bullet=roll < 0.55)
            made += 1
            node = 100_000 + made
            prefix = "" if lang == "en" else f"{lang}/"
            yield SyntheticPage(f"{lang}-{node}.txt", f"https://www.iom.int/{prefix}node/{node}", lang, layout,
                                project.project_id, text)
