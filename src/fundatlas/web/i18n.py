"""The dashboard's three languages: UI strings from ``translations/<lang>.json``, labels for codes,
country names and numbers in the reader's language.

A page's language comes from ``?lang=fr|en|es`` in its URL, else the browser's Accept-Language,
else English. Every link the dashboard writes carries ``lang``, so a URL shows the page as it was
seen. UI strings are plain JSON (one flat object per language, the same keys in each); labels for
status, coverage, region and project type come from the parser's vocabulary (``vocab/values.json``,
the first word listed for each code and language) unless a translation file overrides them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from babel.numbers import format_decimal

from fundatlas.normalize.countries import country_name
from fundatlas.vocab import load_json

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Translator", "messages", "negotiate", "pick_text"]

LANGUAGES = ("en", "fr", "es")
DEFAULT_LANGUAGE = "en"
#: Kinds of codes whose labels the translation files may override (key ``<kind>.<code>``).
CODE_KINDS = ("status", "coverage", "idf_region", "project_type", "severity", "rule", "field")


@cache
def messages(lang: str) -> Mapping[str, str]:
    """The UI strings of one language (``translations/<lang>.json``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no translations for {lang!r}; expected one of {', '.join(LANGUAGES)}")
    text = resources.files(__package__).joinpath("translations", f"{lang}.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    loaded.pop("_comment", None)
    return loaded


@cache
def _vocabulary_labels() -> Mapping[tuple[str, str, str], str]:
    """(kind, code, lang) -> the first page word the vocabulary lists for that code in that language."""
    values: dict[str, Any] = load_json("values.json")
    labels: dict[tuple[str, str, str], str] = {}
    for kind in ("status", "coverage", "idf_region", "project_type"):
        for code, entry in values.get(kind, {}).items():
            if not isinstance(entry, dict):
                continue
            for lang in LANGUAGES:
                words = entry.get(lang)
                if isinstance(words, list) and words:
                    labels[(kind, code, lang)] = str(words[0])
    return labels


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """The page language: ``requested`` when it is one we have, else the browser's best, else English."""
    if requested in LANGUAGES:
        return str(requested)
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, lang)
    return best[1] if best else DEFAULT_LANGUAGE


def pick_text(texts: Mapping[str, str | None], lang: str, order: Iterable[str] = ()) -> tuple[str, str] | None:
    """``(text, its language)``: the text in ``lang`` when there is one, else the first available.

    "First" follows ``order`` (the project's languages), then fr, en, es.
    """
    if texts.get(lang):
        return str(texts[lang]), lang
    for candidate in (*order, "fr", "en", "es"):
        value = texts.get(candidate)
        if value:
            return str(value), candidate
    return None


@dataclass(frozen=True)
class Translator:
    """Everything a template needs to speak one language."""

    lang: str

    def __call__(self, key: str, **values: object) -> str:
        """The UI string ``key``, with ``{name}`` placeholders filled (values are not escaped here:
        the templates autoescape the result)."""
        text = messages(self.lang).get(key)
        if text is None:
            text = messages(DEFAULT_LANGUAGE)[key]  # a missing English key is a bug: the tests check all keys
        return text.format(**values) if values else text

    def optional(self, key: str) -> str | None:
        """The UI string ``key`` if any language file has it (for open-ended keys such as formats)."""
        return messages(self.lang).get(key) or messages(DEFAULT_LANGUAGE).get(key)

    def code(self, kind: str, code: str | None) -> str:
        """A readable label for a canonical code (``africa`` -> "Afrique"), or "not stated"."""
        if code is None or code == "":
            return self("value.not_stated")
        override = messages(self.lang).get(f"{kind}.{code}")
        if override is not None:
            return override
        label = _vocabulary_labels().get((kind, code, self.lang))
        if label is not None:
            return label
        english = messages(DEFAULT_LANGUAGE).get(f"{kind}.{code}")
        return english if english is not None else code.replace("_", " ")

    def country(self, iso3: str | None) -> str:
        if not iso3:
            return self("value.not_stated")
        return country_name(iso3, self.lang) or iso3

    def number(self, value: float | int | None) -> str:
        if value is None:
            return "–"
        return format_decimal(value, locale=self.lang, decimal_quantization=False)

    def usd(self, value: float | None) -> str:
        """Whole US dollars in the reader's number format: "300,000 USD", "300 000 USD"."""
        if value is None:
            return self("value.not_stated")
        return f"{format_decimal(round(value), locale=self.lang)}\u00a0USD"

    def when(self, value: datetime | str | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            return value[:16]
        return value.strftime("%Y-%m-%d %H:%M") + " UTC"
