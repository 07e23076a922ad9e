"""The Fund's domain terms in English, French and Spanish (``vocab/glossary.json``), as words.

A glossary *group* holds the spellings of one concept in the three languages ("trafficking",
"traite des êtres humains", "trata de personas", …). Search uses it twice:

* at index time, ``concept_tokens(text)`` names the groups a text mentions: the search index holds,
  beside the text's own words, one *concept token* per mention (``store/search.py``);
* at query time, a query word that is a spelling of a group looks for the group's concept token
  (``query/terms.py``): one indexed token instead of a dozen phrases ORed.

Both sides read words the same way (``words``: folded, runs of letters and digits, as the full-text
engines' tokenizers do) and a spelling matches the same way: its words in order, the last one also
with an ending when it has at least ``MIN_ENDINGS_LENGTH`` letters ("catastrophe" → "catastrophes").
A concept token is ``CONCEPT_PREFIX`` and a hash of its group's spellings: editing a group gives it
a new token, and ``fingerprint()`` changes, which tells the store that its index is stale.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from fundatlas.text import fold
from fundatlas.vocab import load_json

#: A spelling's last word this long also matches longer words (plurals and other endings).
MIN_ENDINGS_LENGTH = 5
#: Every token fundatlas adds to the search index starts with this (letters and digits only, so that
#: every tokenizer keeps it whole; no word of a page does).
TOKEN_PREFIX = "zzidf"
#: Concept tokens start with this.
CONCEPT_PREFIX = TOKEN_PREFIX + "g"
LANGS = ("en", "fr", "es")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> tuple[str, ...]:
    """``text`` as the search engines see it: folded runs of letters and digits."""
    return tuple(_WORD.findall(fold(text)))


@dataclass(frozen=True, slots=True)
class Group:
    """One concept: its spellings (as words) and its token."""

    spellings: tuple[tuple[str, ...], ...]
    token: str


@cache
def groups() -> tuple[Group, ...]:
    data = load_json("glossary.json")
    out = []
    for entry in data["groups"]:
        spellings = sorted({w for lang in LANGS for s in entry.get(lang, []) if (w := words(s))})
        digest = hashlib.sha1("|".join(" ".join(s) for s in spellings).encode("utf-8")).hexdigest()[:10]
        out.append(Group(tuple(spellings), f"{CONCEPT_PREFIX}{digest}"))
    return tuple(out)


@cache
def fingerprint() -> str:
    """Changes whenever the glossary does: the index built with another glossary is stale."""
    return hashlib.sha1(" ".join(group.token for group in groups()).encode("ascii")).hexdigest()[:16]


@cache
def spelling_index() -> dict[tuple[str, ...], tuple[Group, ...]]:
    """A spelling (as words) -> the groups it belongs to."""
    index: dict[tuple[str, ...], list[Group]] = {}
    for group in groups():
        for spelling in group.spellings:
            index.setdefault(spelling, []).append(group)
    return {spelling: tuple(found) for spelling, found in index.items()}


@cache
def spelling_lengths() -> tuple[int, ...]:
    """The number of words in a spelling, longest first."""
    return tuple(sorted({len(spelling) for spelling in spelling_index()}, reverse=True))


def word_matches(pattern: str, word: str, *, last: bool) -> bool:
    """Whether a text's ``word`` is the spelling's word ``pattern`` (the last one may take an ending)."""
    if last and len(pattern) >= MIN_ENDINGS_LENGTH:
        return word.startswith(pattern)
    return word == pattern


@cache
def _by_first_word() -> dict[str, tuple[tuple[tuple[str, ...], tuple[Group, ...]], ...]]:
    """First word -> (spelling, groups) of the spellings starting with it."""
    out: dict[str, list[tuple[tuple[str, ...], tuple[Group, ...]]]] = {}
    for spelling, found in spelling_index().items():
        out.setdefault(spelling[0], []).append((spelling, found))
    return {first: tuple(listed) for first, listed in out.items()}


@cache
def _one_word_stems() -> frozenset[str]:
    """One-word spellings long enough to take an ending (a text's word may extend them)."""
    return frozenset(s[0] for s in spelling_index() if len(s) == 1 and len(s[0]) >= MIN_ENDINGS_LENGTH)


def _first_words_of(word: str) -> Iterator[str]:
    """The spellings' first words that ``word`` can stand for: itself, and the stems it extends."""
    yield word
    stems = _one_word_stems()
    for end in range(MIN_ENDINGS_LENGTH, len(word)):
        if word[:end] in stems:
            yield word[:end]


def _occurs_at(spelling: tuple[str, ...], text_words: tuple[str, ...], position: int) -> bool:
    end = position + len(spelling)
    if end > len(text_words):
        return False
    last = len(spelling) - 1
    return all(word_matches(spelling[n], text_words[position + n], last=n == last) for n in range(len(spelling)))


def concept_tokens(text: str) -> list[str]:
    """The concept tokens of ``text``: one per mention of a group (a spelling in two groups counts
    for both; two spellings of one group at the same place, "traite" and "traite des personnes",
    count once)."""
    text_words = words(text)
    tokens: list[str] = []
    for position, word in enumerate(text_words):
        seen: set[str] = set()
        for first in _first_words_of(word):
            for spelling, found in _by_first_word().get(first, ()):
                if _occurs_at(spelling, text_words, position):
                    seen.update(group.token for group in found)
        tokens.extend(sorted(seen))
    return tokens
