"""Country names (French, English, Spanish) to ISO 3166-1 alpha-3, and beneficiary-line segmentation.

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
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import babel
import pycountry

from fundatlas.text import fold

__all__ = ["CountryMatch", "all_country_names", "country_name", "lookup_country", "segment_countries"]

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


def lookup_country(name: str) -> str | None:
    """ISO alpha-3 for one country name in French, English or Spanish, else None.

    ``"Bolivie (État plurinational de)"`` -> ``"BOL"``, ``"República Dominicana (la)"`` -> ``"DOM"``,
    ``"Dominica"`` -> ``"DMA"``, ``"Kosovo"`` -> ``"XKX"``.
    """
    gazetteer = _gazetteer()
    code = gazetteer.keys.get(_key(name))
    if code is not None:
        return code
    matches, leftovers = segment_countries(name)
    if len(matches) == 1 and not leftovers:
        return matches[0].iso3
    return None


def country_name(iso3: str, lang: str) -> str | None:
    """The CLDR display name of ``iso3`` in ``lang`` (fr, en or es), else None."""
    return _gazetteer().display.get(_lang(lang), {}).get(iso3.upper())


def all_country_names(lang: str) -> dict[str, str]:
    """Every name known for ``lang`` (source, derived and alias forms, as written) -> its ISO alpha-3.

    The code is the one :func:`lookup_country` gives for the name. Empty for other languages.
    """
    gazetteer = _gazetteer()
    return {name: gazetteer.keys[_key(name)] for name in gazetteer.names.get(_lang(lang), {})}


# --- segmentation -------------------------------------------------------------------------------


def _longest(trie: _Node, tokens: list[str], i: int, n: int, guard: bool = True) -> tuple[int, str | None]:
    """The longest name starting at token ``i``: (end token, iso3), or (i, None).

    A name containing a comma (the ISO inverted form ``"Congo, República Democrática del"``) is not
    taken when the words after its comma start a longer name (``"... del Congo"``): the comma was a
    list separator.
    """
    node = trie.get(tokens[i])
    if node is None:
        return i, None
    best_end, best = i, None
    plain_end, plain = i, None
    comma = -1
    j = i + 1
    while True:
        if node.iso3 is not None:
            best_end, best = j, node.iso3
            if comma < 0:
                plain_end, plain = j, node.iso3
        if j >= n:
            break
        token = tokens[j]
        child = node.get(token)
        if child is None:
            break
        if token == _SEP and comma < 0:
            comma = j
        node = child
        j += 1
    if guard and 0 <= comma < best_end and comma + 1 < n:
        after_end, after = _longest(trie, tokens, comma + 1, n, False)
        if after is not None and after_end > best_end and plain is not None:
            return plain_end, plain
    return best_end, best


def _qualifier_end(trie: _Node, tokens: list[str], end: int, n: int) -> int:
    """Where a match ending at ``end`` ends once a following ``(qualifier)`` is absorbed."""
    if end >= n or tokens[end] != _OPEN:
        return end
    k = end + 1
    words = 0
    closed = False
    while k < n:
        token = tokens[k]
        if token == _CLOSE:
            closed = True
            break
        if token in (_OPEN, _SEP):
            break
        words += 1
        if words > _MAX_QUALIFIER_WORDS:
            return end
        k += 1
    if not words:
        return end
    for p in range(end + 1, k):
        if _longest(trie, tokens, p, n)[1] is not None:
            return end
    return k + 1 if closed else k


def _camel_split(line: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of ``line[start:end]`` cut where a lower-case letter is followed by an upper-case one."""
    spans: list[tuple[int, int]] = []
    begin = start
    for pos in range(start + 1, end):
        if line[pos].isupper() and line[pos - 1].islower():
            spans.append((begin, pos))
            begin = pos
    spans.append((begin, end))
    return spans


def _split_letters(
    gazetteer: _Gazetteer, line: str, spans: Iterable[tuple[int, int]]
) -> list[tuple[str, int, int]] | None:
    """Cut the letters of the spans into known names (fewest names), as (iso3, start, end), or None."""
    chars: list[str] = []
    where: list[int] = []
    for start, end in spans:
        for pos in range(start, end):
            for ch in fold(line[pos]):
                if ch.isalnum():
                    chars.append(ch)
                    where.append(pos)
    size = len(chars)
    if size < _MIN_LETTERS or size > _MAX_DP_LETTERS:
        return None
    text = "".join(chars)
    table = gazetteer.letters
    longest = gazetteer.max_letters
    best: list[tuple[int, int, str] | None] = [None] * (size + 1)
    best[0] = (0, -1, "")
    for a in range(size):
        here = best[a]
        if here is None:
            continue
        for b in range(a + _MIN_LETTERS, min(size, a + longest) + 1):
            code = table.get(text[a:b])
            if code is not None:
                there = best[b]
                if there is None or there[0] > here[0] + 1:
                    best[b] = (here[0] + 1, a, code)
    if best[size] is None:
        return None
    pieces: list[tuple[str, int, int]] = []
    b = size
    while b > 0:
        step = best[b]
        assert step is not None
        a = step[1]
        stop = where[b - 1] + 1
        while stop < len(line) and unicodedata.combining(line[stop]):
            stop += 1
        pieces.append((step[2], where[a], stop))
        b = a
    pieces.reverse()
    return pieces


def _resolve_run(
    gazetteer: _Gazetteer,
    line: str,
    tokens: list[str],
    starts: list[int],
    ends: list[int],
    run: list[int],
    offset: int,
    allow_camel: bool,
    matches: list[CountryMatch],
    leftovers: list[str],
) -> None:
    """A run of words no name starts with: split run-together names, else report it as a leftover."""
    words = [k for k in run if tokens[k] not in _NOT_WORDS]
    if not words:
        return
    first, last = words[0], words[-1]
    if allow_camel:
        sub_tokens: list[str] = []
        sub_starts: list[int] = []
        sub_ends: list[int] = []
        split = False
        for k in range(first, last + 1):
            pieces = _camel_split(line, starts[k], ends[k]) if tokens[k] not in _NOT_WORDS else []
            if len(pieces) > 1:
                split = True
            else:
                pieces = [(starts[k], ends[k])]
            for start, end in pieces:
                sub_tokens.append(_fold_token(line[start:end]))
                sub_starts.append(start)
                sub_ends.append(end)
        if split:
            sub_matches: list[CountryMatch] = []
            sub_leftovers: list[str] = []
            _segment(
                gazetteer, line, sub_tokens, sub_starts, sub_ends, offset, False, sub_matches, sub_leftovers
            )
            if sub_matches:
                matches += sub_matches
                leftovers += sub_leftovers
                return
    pieces_found = _split_letters(gazetteer, line, ((starts[k], ends[k]) for k in words))
    if pieces_found is not None:
        for iso3, start, end in pieces_found:
            matches.append(CountryMatch(iso3, line[start:end], start + offset, end + offset))
        return
    stop = ends[last]
    inside = tokens[first : last + 1]
    if inside.count(_OPEN) > inside.count(_CLOSE) and last + 1 < len(tokens) and tokens[last + 1] == _CLOSE:
        stop = ends[last + 1]
    leftovers.append(line[starts[first] : stop])


def _segment(
    gazetteer: _Gazetteer,
    line: str,
    tokens: list[str],
    starts: list[int],
    ends: list[int],
    offset: int,
    allow_camel: bool,
    matches: list[CountryMatch],
    leftovers: list[str],
) -> None:
    trie = gazetteer.trie
    n = len(tokens)
    run: list[int] = []  # token indices of the current run of unknown words

    def flush() -> None:
        if run:
            _resolve_run(gazetteer, line, tokens, starts, ends, run, offset, allow_camel, matches, leftovers)
            run.clear()

    after_match = False
    i = 0
    while i < n:
        token = tokens[i]
        if token == _SEP:
            flush()
            i += 1
            continue
        if token in (_OPEN, _CLOSE):
            if run:
                run.append(i)
            i += 1
            continue
        end, iso3 = _longest(trie, tokens, i, n)
        if iso3 is None:
            if token == _CONJ and (after_match or (i + 1 < n and _longest(trie, tokens, i + 1, n)[1])):
                flush()
            else:
                run.append(i)
                after_match = False
            i += 1
            continue
        flush()
        if end < n and tokens[end] == _OPEN:
            end = _qualifier_end(trie, tokens, end, n)
        start, stop = starts[i], ends[end - 1]
        if stop < len(line) and line[stop] in _APOSTROPHES and tokens[end - 1] in _ELIDED:
            stop += 1  # "Iran, République islamique d'" keeps its apostrophe
        matches.append(CountryMatch(iso3, line[start:stop], start + offset, stop + offset))
        after_match = True
        i = end
    flush()


def segment_countries(line: str, offset: int = 0) -> tuple[list[CountryMatch], list[str]]:
    """Split a beneficiary line into countries (page order) and leftover runs of unknown words.

    Longest match over folded tokens; separators (``,`` ``;``) and the conjunctions et/and/y/e
    between names are skipped; a ``(qualifier)`` of at most four words after a name that is not
    itself a country is part of the match; stray punctuation is ignored; names run together
    (``"ChiliUruguay"``) are split. A country written twice is returned twice. Every word is either
    in a match or in a leftover (each leftover run as one string, as written).
    """
    tokens, starts, ends = _tokenize(line)
    matches: list[CountryMatch] = []
    leftovers: list[str] = []
    if tokens:
        _segment(_gazetteer(), line, tokens, starts, ends, offset, True, matches, leftovers)
    return matches, leftovers
