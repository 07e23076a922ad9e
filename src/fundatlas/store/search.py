"""What the full-text index holds for a project: one document per language, one of keywords.

``search_documents`` is an ordinary table (portable), rewritten with the project in the same
transaction. The keywords document gives every project words in all three languages whatever
languages its pages are in: its type, region and coverage in fr/en/es, and its countries' names
in fr/en/es, so "Fiji", "Fidji" and "Fiyi" all find a project for FJI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from fundatlas.normalize.countries import country_name
from fundatlas.store.merge import language_order
from fundatlas.store.schema import beneficiaries, project_texts, projects, search_documents
from fundatlas.vocab import load_json

LANGS = ("en", "fr", "es")


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


def document_rows(
    project_row: int,
    fields: Mapping[str, Any],
    texts: Sequence[Mapping[str, Any]],
    countries: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    rows = [
        {
            "project": project_row,
            "lang": text["lang"],
            "title": text.get("title") or "",
            "body": text.get("description") or "",
            "keywords": "",
        }
        for text in texts
    ]
    rows.append(
        {"project": project_row, "lang": None, "title": "", "body": "", "keywords": keywords(fields, countries)}
    )
    return rows


def replace_documents(connection: Connection, project_row: int, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rewrite a project's documents (the FTS index follows through the database's triggers)."""
    connection.execute(delete(search_documents).where(search_documents.c.project == project_row))
    if rows:
        connection.execute(insert(search_documents), list(rows))


def remove_documents(connection: Connection, project_row: int) -> None:
    connection.execute(delete(search_documents).where(search_documents.c.project == project_row))


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
    existing: dict[int, list[tuple[Any, ...]]] = {}
    if only_changed:
        columns = (
            search_documents.c.lang,
            search_documents.c.title,
            search_documents.c.body,
            search_documents.c.keywords,
        )
        for row in connection.execute(
            select(search_documents.c.project, *columns).order_by(search_documents.c.project, search_documents.c.id)
        ):
            existing.setdefault(row[0], []).append(tuple(row[1:]))
    written = 0
    pending: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(select(projects)).all():
        rows = document_rows(row.id, dict(row._mapping), texts.get(row.id, []), countries.get(row.id, []))
        wanted = [(r["lang"], r["title"], r["body"], r["keywords"]) for r in rows]
        if only_changed and existing.get(row.id) == wanted:
            continue
        pending[row.id] = rows
        written += 1
        if len(pending) >= _REBUILD_CHUNK:
            _replace_many(connection, pending)
            pending = {}
    _replace_many(connection, pending)
    return written


_REBUILD_CHUNK = 1000


def _replace_many(connection: Connection, documents: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
    """``replace_documents`` for many projects in two statements (a restore rebuilds them all)."""
    if not documents:
        return
    connection.execute(delete(search_documents).where(search_documents.c.project.in_(list(documents))))
    rows = [row for listed in documents.values() for row in listed]
    if rows:
        connection.execute(insert(search_documents), rows)
