"""What the full-text index holds for a project: one document, its id the project's.

``search_documents`` is an ordinary table (portable), rewritten with the project in the same
transaction: one row per project, with its title and description in each language (a column per
language, so that a phrase never runs from one text into another) and its keywords: words in all
three languages whatever languages its pages are in (its type, region and coverage in fr/en/es, its
countries' names in fr/en/es, so "Fiji", "Fidji" and "Fiyi" all find a project for FJI).

Each column also ends with the glossary's concept tokens for what it mentions
(``fundatlas.glossary``): "traite des êtres humains" in a French description puts the trafficking
group's token in ``body_fr``, which is what a search for "trafficking" looks for. The glossary the
index was built with is recorded (``store_settings``); searches look for spellings instead of
tokens while it differs from the current one, until ``rebuild_all`` (``fundatlas db reindex``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from fundatlas import glossary
from fundatlas.normalize.countries import country_name
from fundatlas.store.merge import language_order
from fundatlas.store.schema import beneficiaries, project_texts, projects, search_documents, store_settings
from fundatlas.vocab import load_json

LANGS = ("en", "fr", "es")
#: The document's columns, in the full-text index's order.
COLUMNS = ("title_en", "title_fr", "title_es", "body_en", "body_fr", "body_es", "keywords")
#: ``store_settings`` name of the fingerprint of what the index was built with.
GLOSSARY_SETTING = "search_glossary"
#: The layout of the documents' tokens; part of the fingerprint (a change makes the index stale).
DOCUMENT_FORMAT = "3"
#: Filter tokens: a project's region, type, status, coverage, countries and languages as words of its
#: keywords, so that a text query and these filters are one full-text expression.
FILTER_PREFIX = glossary.TOKEN_PREFIX + "f"
FILTER_KINDS = ("idf_region", "project_type", "status", "coverage", "country", "lang")
#: The year filters' kind: a project's year (its allocation year, else its start year), so that a
#: range of years is the expression's alternatives ``year2015 OR ... OR year2020``.
YEAR_KIND = "year"


def filter_token(kind: str, value: str) -> str:
    """The token that says ``kind`` is ``value`` (``status``, ``completed`` -> ``zzidffstatuscompleted``)."""
    return FILTER_PREFIX + re.sub(r"[^0-9a-z]", "", f"{kind}{value}".lower())


def fingerprint() -> str:
    """What an index must have been built with for concept and filter tokens to be searched."""
    return f"{glossary.fingerprint()}.{DOCUMENT_FORMAT}"


@cache
def _coded_words() -> dict[str, dict[str, list[str]]]:
    """kind -> code -> every page word for it (all languages)."""
    values = load_json("values.json")
    out: dict[str, dict[str, list[str]]] = {}
    for kind in ("status", "coverage", "idf_region", "project_type"):
        out[kind] = {}
        for code, entry in values[kind].items():
            if code.startswith("_"):
                continue
            out[kind][code] = [word for lang in LANGS for word in entry.get(lang, [])]
    return out


def keywords(fields: Mapping[str, Any], countries: Sequence[Mapping[str, Any]]) -> str:
    """The words a project is found by in every language, besides its own texts."""
    words: list[str] = []
    coded = _coded_words()
    for kind in ("project_type", "idf_region", "coverage", "status"):
        code = fields.get(kind)
        if code:
            words.extend(coded[kind].get(str(code), []))
    for country in countries:
        iso3 = str(country["iso3"])
        words.append(str(country.get("name") or ""))
        words.extend(name for lang in LANGS if (name := country_name(iso3, lang)))
    for name in ("project_id", "prima_id"):
        if fields.get(name):
            words.append(str(fields[name]))
    return " ; ".join(dict.fromkeys(w for w in words if w))


def document_row(
    project_row: int,
    fields: Mapping[str, Any],
    texts: Sequence[Mapping[str, Any]],
    countries: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """A project's search document (texts in another language than en/fr/es go with English)."""
    parts: dict[str, list[str]] = {name: [] for name in COLUMNS if name != "keywords"}
    for text in texts:
        lang = text["lang"] if text["lang"] in LANGS else "en"
        parts[f"title_{lang}"].append(text.get("title") or "")
        parts[f"body_{lang}"].append(text.get("description") or "")
    row: dict[str, Any] = {"id": project_row}
    for name, listed in parts.items():
        row[name] = with_tokens("\n".join(part for part in listed if part))
    row["keywords"] = with_tokens(keywords(fields, countries), filter_tokens(fields, texts, countries))
    return row


def filter_tokens(
    fields: Mapping[str, Any], texts: Sequence[Mapping[str, Any]], countries: Sequence[Mapping[str, Any]]
) -> list[str]:
    values: dict[str, list[str]] = {kind: [str(fields[kind])] if fields.get(kind) else []
                                    for kind in ("idf_region", "project_type", "status", "coverage")}
    values["country"] = [str(country["iso3"]) for country in countries]
    values["lang"] = [str(text["lang"]) for text in texts]
    year = fields.get("year") if fields.get("year") is not None else fields.get("start_year")
    values[YEAR_KIND] = [str(year)] if year is not None else []
    return list(dict.fromkeys(filter_token(kind, value) for kind, listed in values.items() for value in listed))


def with_tokens(text: str, extra: Sequence[str] = ()) -> str:
    """``text`` followed, on a last line, by the concept tokens of the glossary groups it mentions
    and the ``extra`` tokens."""
    tokens = [*(glossary.concept_tokens(text) if text else []), *extra]
    return f"{text}\n{' '.join(tokens)}" if tokens else text


def without_tokens(text: str) -> str:
    """A document's column without the tokens fundatlas added (for display)."""
    head, _, tail = text.rpartition("\n")
    return head if tail.startswith(glossary.TOKEN_PREFIX) else text


def replace_document(connection: Connection, row: Mapping[str, Any]) -> None:
    """Rewrite a project's document (the FTS index follows through the database's triggers)."""
    connection.execute(delete(search_documents).where(search_documents.c.id == row["id"]))
    connection.execute(insert(search_documents), [dict(row)])


def index_glossary(connection: Connection) -> str | None:
    """The fingerprint of the glossary the index was built with (None: not recorded)."""
    value = connection.execute(
        select(store_settings.c.value).where(store_settings.c.name == GLOSSARY_SETTING)
    ).scalar()
    return None if value is None else str(value)


def _record_glossary(connection: Connection) -> None:
    connection.execute(delete(store_settings).where(store_settings.c.name == GLOSSARY_SETTING))
    connection.execute(insert(store_settings), [{"name": GLOSSARY_SETTING, "value": fingerprint()}])


def remove_documents(connection: Connection, project_row: int) -> None:
    connection.execute(delete(search_documents).where(search_documents.c.id == project_row))


def rebuild_all(connection: Connection, *, only_changed: bool = False) -> int:
    """Rewrite the documents of every project from the stored projects; returns how many were written.

    With ``only_changed``, a project whose documents are already right is left alone (a reparse
    that changed nothing writes nothing).
    """
    texts: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(select(project_texts)):
        texts.setdefault(row.project, []).append(dict(row._mapping))
    for listed in texts.values():
        listed.sort(key=lambda text: language_order(str(text["lang"])))
    countries: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(select(beneficiaries).order_by(beneficiaries.c.project, beneficiaries.c.position)):
        countries.setdefault(row.project, []).append(dict(row._mapping))
    existing: dict[int, tuple[Any, ...]] = {}
    if only_changed and index_glossary(connection) == fingerprint():
        columns = [search_documents.c[name] for name in COLUMNS]
        for row in connection.execute(select(search_documents.c.id, *columns)):
            existing[row[0]] = tuple(row[1:])
    written = 0
    pending: dict[int, dict[str, Any]] = {}
    for row in connection.execute(select(projects)).all():
        document = document_row(row.id, dict(row._mapping), texts.get(row.id, []), countries.get(row.id, []))
        if existing.get(row.id) == tuple(document[name] for name in COLUMNS):
            continue
        pending[row.id] = document
        written += 1
        if len(pending) >= _REBUILD_CHUNK:
            _replace_many(connection, pending)
            pending = {}
    _replace_many(connection, pending)
    _record_glossary(connection)
    return written


_REBUILD_CHUNK = 1000


def _replace_many(connection: Connection, documents: Mapping[int, Mapping[str, Any]]) -> None:
    """``replace_document`` for many projects in two statements (a restore rebuilds them all)."""
    if not documents:
        return
    connection.execute(delete(search_documents).where(search_documents.c.id.in_(list(documents))))
    connection.execute(insert(search_documents), [dict(row) for row in documents.values()])
