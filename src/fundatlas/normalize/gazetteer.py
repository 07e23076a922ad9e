"""The multilingual country gazetteer: names from Babel (CLDR) and pycountry (ISO 3166), plus aliases.

The gazetteer is built on first use from maintained sources, never from a hand-kept list:

* Babel's CLDR territory names (``babel.Locale(lang).territories``) for the ISO 3166-1 countries plus
  Kosovo (``XK`` -> ``XKX``);
* pycountry's ISO 3166-1 ``name``, ``official_name`` and ``common_name`` with their iso-codes
  gettext translations;
* forms derived generically from those (the ISO inverted form ``"Bolivie, état plurinational de"``
  also as ``"état plurinational de Bolivie"`` and ``"Bolivie (état plurinational de)"``, qualifiers in
  parentheses dropped, leading articles dropped or added);
* ``vocab/country_aliases.json``: the forms the Fund's pages use that the sources lack, and the
  deliberate resolution of names the sources give to two codes. Aliases win over everything.

Names are compared as tuples of folded tokens (:func:`fundatlas.text.fold`): hyphens, apostrophes
and dots break words; parentheses, commas and semicolons are tokens of their own; the conjunctions
et/and/y/e and ``&`` are one token, so ``"Trinité-et-Tobago"``, ``"Trinidad & Tobago"`` and
``"Trinidad y Tobago"`` share their shape.
"""

from __future__ import annotations

import gettext
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import babel
import pycountry

from fundatlas.text import fold

LANGS = ("fr", "en", "es")

#: Territories outside ISO 3166-1 that the Fund's pages name: CLDR code -> the code used here.
_EXTRA_TERRITORIES = {"XK": "XKX"}
_ARTICLES = {"fr": ("le", "la", "les", "l"), "en": ("the",), "es": ("el", "la", "los", "las")}
_ALL_ARTICLES = frozenset(article for articles in _ARTICLES.values() for article in articles)

# Token shapes: words (letters, digits, combining marks), and one-character punctuation tokens.
_TOKEN_RE = re.compile(r"[\w\u0300-\u036f]+|[()\[\]{},;/&]")
_PUNCT = {"(": "(", "[": "(", "{": "(", ")": ")", "]": ")", "}": ")", ",": ",", ";": ",", "/": ",", "&": "&"}
_OPEN, _CLOSE, _SEP, _CONJ = "(", ")", ",", "&"
_CONJUNCTIONS = frozenset({"et", "and", "y", "e", "&"})
_NOT_WORDS = frozenset({_OPEN, _CLOSE, _SEP})
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc")
_ELIDED = frozenset({"d", "l"})

# Tiers: a lower tier wins when two names fold to the same key with different codes.
_ALIAS, _SOURCE, _DERIVED, _ARTICLE = 0, 1, 2, 10  # an article form ranks _ARTICLE + its base tier
_MIN_LETTERS = 4  # shortest name the letter-level splitter ("ChiliUruguay") may use
_MAX_DP_LETTERS = 256  # longer unknown runs are reported as they are
_MAX_QUALIFIER_WORDS = 4  # "Name (qualifier)" absorbs at most this many words


@dataclass(frozen=True, slots=True)
class CountryMatch:
    """One country found in a line: its code and where it is written."""

    iso3: str
    name: str  # the exact slice of the input line
    start: int  # offset in the input line, plus the ``offset`` argument
    end: int


class _Node(dict[str, "_Node"]):
    """A trie node: folded token -> child; ``iso3`` is set where a name ends."""

    __slots__ = ("iso3",)

    def __init__(self) -> None:
        super().__init__()
        self.iso3: str | None = None


@dataclass(slots=True)
class _Gazetteer:
    keys: dict[tuple[str, ...], str]  # folded token tuple -> iso3
    tiers: dict[tuple[str, ...], int]
    trie: _Node
    max_len: int  # longest name, in tokens
    letters: dict[str, str]  # folded letters only ("chili") -> iso3, for run-together names
    max_letters: int
    names: dict[str, dict[str, str]]  # lang -> name as the source writes it -> iso3 the source gives
    display: dict[str, dict[str, str]]  # lang -> iso3 -> CLDR display name
    conflicts: dict[tuple[str, ...], dict[str, int]]  # key -> {iso3: best tier} where codes differ


@lru_cache(maxsize=65536)
def _fold_token(token: str) -> str:
    punct = _PUNCT.get(token)
    if punct is not None:
        return punct
    folded = fold(token)
    return _CONJ if folded in _CONJUNCTIONS else folded


def _tokenize(text: str) -> tuple[list[str], list[int], list[int]]:
    """Folded tokens of ``text`` with their start and end offsets in ``text``."""
    raw = _TOKEN_RE.findall(text)
    tokens = [_fold_token(token) for token in raw]
    starts: list[int] = []
    ends: list[int] = []
    find = text.find
    pos = 0
    for token in raw:  # only unmatched characters lie between tokens, so find() lands on each token
        pos = find(token, pos)
        starts.append(pos)
        pos += len(token)
        ends.append(pos)
    return tokens, starts, ends


def _key(name: str) -> tuple[str, ...]:
    return tuple(_tokenize(name)[0])


def _letters(name: str) -> str:
    return "".join(ch for ch in fold(name) if ch.isalnum())


def _derived_forms(name: str) -> Iterator[str]:
    """Generic variants of a source name: inverted ISO forms and forms without a qualifier."""
    forms = [name]
    if "(" in name:  # "Myanmar (Birmanie)" -> "Myanmar"; only the source's own qualifiers
        bare = " ".join(re.sub(r"\([^()]*\)", " ", name).split())
        if bare:
            forms.append(bare)
    for form in list(forms):
        if form.count(",") == 1:
            head, tail = (part.strip() for part in form.split(","))
            if head and tail:  # not "head" alone: "Korea, Republic of" / "Korea, Democratic ..."
                forms += [f"{tail} {head}", f"{head} ({tail})"]
    yield from forms[1:]


def _article_keys(key: tuple[str, ...], lang: str) -> Iterator[tuple[str, ...]]:
    """The key with its leading article dropped, a trailing ``(la)`` moved in front, articles added."""
    if len(key) > 1 and key[0] in _ALL_ARTICLES:
        yield key[1:]
    if len(key) > 3 and key[-3] == _OPEN and key[-1] == _CLOSE and key[-2] in _ALL_ARTICLES:
        yield key[:-3]
        yield (key[-2], *key[:-3])
    if key[0] not in _ALL_ARTICLES:
        for article in _ARTICLES[lang]:
            yield (article, *key)


def _source_names() -> Iterator[tuple[str, str, str]]:
    """(lang, iso3, name) for every name Babel and pycountry give in fr, en and es."""
    alpha2_to_3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    alpha2_to_3.update(_EXTRA_TERRITORIES)
    for lang in LANGS:
        territories = babel.Locale(lang).territories
        for alpha2, iso3 in alpha2_to_3.items():
            cldr = territories.get(alpha2)
            if cldr:
                yield lang, iso3, cldr
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    yield lang, country.alpha_3, translation.gettext(value)


def _aliases() -> dict[str, str]:
    path = resources.files("fundatlas").joinpath("vocab", "country_aliases.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(name): str(code) for name, code in data["aliases"].items()}


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    keys: dict[tuple[str, ...], str] = {}
    tiers: dict[tuple[str, ...], int] = {}
    conflicts: dict[tuple[str, ...], dict[str, int]] = {}
    letters: dict[str, tuple[str, int]] = {}
    names: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}

    def add_key(key: tuple[str, ...], iso3: str, tier: int) -> None:
        old_tier = tiers.get(key)
        if old_tier is None:
            keys[key] = iso3
            tiers[key] = tier
            return
        old = keys[key]
        if old != iso3:
            seen = conflicts.setdefault(key, {old: old_tier})
            seen[iso3] = min(tier, seen.get(iso3, tier))
        if tier < old_tier:
            keys[key] = iso3
            tiers[key] = tier

    def add_name(name: str, iso3: str, tier: int, lang: str | None) -> None:
        key = _key(name)
        if not key:
            return
        add_key(key, iso3, tier)
        if _OPEN not in key and _SEP not in key:
            flat = _letters(name)
            if len(flat) >= _MIN_LETTERS:
                previous = letters.get(flat)
                if previous is None or tier < previous[1]:
                    letters[flat] = (iso3, tier)
        for lang_ in LANGS if lang is None else (lang,):
            names[lang_].setdefault(name, iso3)
            for article_key in _article_keys(key, lang_):
                add_key(article_key, iso3, _ARTICLE + tier)

    for name, iso3 in _aliases().items():
        add_name(name, iso3, _ALIAS, None)

    display: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    alpha2_to_3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    alpha2_to_3.update(_EXTRA_TERRITORIES)
    for lang in LANGS:
        territories = babel.Locale(lang).territories
        display[lang] = {iso3: territories[a2] for a2, iso3 in alpha2_to_3.items() if a2 in territories}

    for lang, iso3, name in _source_names():
        add_name(name, iso3, _SOURCE, lang)
        for form in _derived_forms(name):
            add_name(form, iso3, _DERIVED, lang)

    trie = _Node()
    for key, iso3 in keys.items():
        node = trie
        for token in key:
            child = node.get(token)
            if child is None:
                child = node[token] = _Node()
            node = child
        node.iso3 = iso3
    flat_letters = {flat: code for flat, (code, _tier) in letters.items()}
    return _Gazetteer(
        keys=keys,
        tiers=tiers,
        trie=trie,
        max_len=max(map(len, keys)),
        letters=flat_letters,
        max_letters=max(map(len, flat_letters)),
        names=names,
        display=display,
        conflicts=conflicts,
    )


def _lang(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def country_name(iso3: str, lang: str) -> str | None:
    """The CLDR display name of ``iso3`` in ``lang`` (fr, en or es), else None."""
    return _gazetteer().display.get(_lang(lang), {}).get(iso3.upper())


def all_country_names(lang: str) -> dict[str, str]:
    """Every name known for ``lang`` (source, derived and alias forms, as written) -> its ISO alpha-3.

    The code is the one :func:`lookup_country` gives for the name. Empty for other languages.
    """
    gazetteer = _gazetteer()
    return {name: gazetteer.keys[_key(name)] for name in gazetteer.names.get(_lang(lang), {})}
