"""The vocabularies of the Fund's pages, loaded from the JSON files beside this module.

Everything that changes with the site (label spellings per language, the words for each status,
coverage, region and project type, navigation lines) lives in those files, not in code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from fundatlas.text import fold

CODED_KINDS = ("status", "coverage", "idf_region")


def load_json(name: str) -> Any:
    """One of the package's vocabulary files, parsed."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """How a label is compared: folded, without a trailing colon."""
    return fold(text).rstrip(" :").rstrip()


@dataclass(frozen=True, slots=True)
class Label:
    fields: frozenset[str]
    langs: frozenset[str]


@dataclass(frozen=True, slots=True)
class ProjectType:
    code: str
    prefix: str | None
    prefix_evidence: str | None


@dataclass(frozen=True)
class Vocabulary:
    field_labels: dict[str, Label]
    table_labels: tuple[tuple[str, str, str], ...]  # (folded label, field, lang), longest first
    table_headers: dict[str, str]  # folded header -> lang
    coded: dict[str, dict[str, str]]  # kind -> folded word -> code
    coded_langs: dict[str, dict[str, frozenset[str]]]  # kind -> folded word -> languages
    types: dict[str, ProjectType]  # code -> type
    type_words: dict[str, str]  # folded label -> code
    type_langs: dict[str, frozenset[str]]
    type_by_prefix: dict[str, str]  # ID prefix -> code
    not_eligible_phrases: tuple[str, ...]
    duration_units: dict[str, float]
    not_title: frozenset[str]
    section_headings: frozenset[str]
    description_headings: frozenset[str]
    language_words: dict[str, frozenset[str]]
    url_language: dict[str, str]


def _add(target: dict[str, set[str]], key: str, value: str) -> None:
    target.setdefault(key, set()).add(value)


@cache
def vocabulary() -> Vocabulary:
    """The merged vocabulary (built once per process)."""
    labels = load_json("labels.json")
    values = load_json("values.json")
    page = load_json("page.json")

    fields: dict[str, set[str]] = {}
    field_langs: dict[str, set[str]] = {}
    for name, per_lang in labels["fields"].items():
        for lang, spellings in per_lang.items():
            for spelling in spellings:
                _add(fields, label_key(spelling), name)
                _add(field_langs, label_key(spelling), lang)
    field_labels = {key: Label(frozenset(f), frozenset(field_langs[key])) for key, f in fields.items()}

    table: set[tuple[str, str, str]] = set()
    headers: dict[str, str] = {}
    for name, per_lang in labels["table"].items():
        for lang, spellings in per_lang.items():
            for spelling in spellings:
                if name == "header":
                    headers[label_key(spelling)] = lang
                else:
                    table.add((label_key(spelling), name, lang))
    table_labels = tuple(sorted(table, key=lambda item: (-len(item[0]), item)))

    coded: dict[str, dict[str, str]] = {}
    coded_langs: dict[str, dict[str, frozenset[str]]] = {}
    for kind in CODED_KINDS:
        words: dict[str, str] = {}
        langs: dict[str, set[str]] = {}
        for code, per_lang in values[kind].items():
            if code.startswith("_"):
                continue
            for lang in ("en", "fr", "es"):
                for word in per_lang.get(lang, []):
                    words.setdefault(fold(word), code)
                    _add(langs, fold(word), lang)
        coded[kind] = words
        coded_langs[kind] = {word: frozenset(ls) for word, ls in langs.items()}

    types: dict[str, ProjectType] = {}
    type_words: dict[str, str] = {}
    type_langs: dict[str, set[str]] = {}
    for code, entry in values["project_type"].items():
        if code.startswith("_"):
            continue
        types[code] = ProjectType(code, entry.get("prefix"), entry.get("prefix_evidence"))
        for lang in ("en", "fr", "es"):
            for word in entry.get(lang, []):
                type_words.setdefault(fold(word), code)
                _add(type_langs, fold(word), lang)
    type_by_prefix = {t.prefix: t.code for t in types.values() if t.prefix}

    groups = labels["table_beneficiary_groups"]
    units = {fold(k): float(v) for k, v in labels["duration_units"].items() if not k.startswith("_")}
    headings = {fold(h) for per_lang in page["section_headings"].values() for h in per_lang}
    return Vocabulary(
        field_labels=field_labels,
        table_labels=table_labels,
        table_headers=headers,
        coded=coded,
        coded_langs=coded_langs,
        types=types,
        type_words=type_words,
        type_langs={word: frozenset(ls) for word, ls in type_langs.items()},
        type_by_prefix=type_by_prefix,
        not_eligible_phrases=tuple(fold(p) for p in groups["not_eligible"]),
        duration_units=units,
        not_title=frozenset(fold(t) for t in page["not_title"]),
        section_headings=frozenset(headings),
        description_headings=frozenset(fold(h) for per_lang in page["description_headings"].values() for h in per_lang),
        language_words={lang: frozenset(words) for lang, words in page["language_words"].items()},
        url_language=dict(page["url_language"]),
    )
