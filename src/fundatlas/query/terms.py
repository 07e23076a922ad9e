"""The search syntax, parsed into terms, and expanded across languages with the glossary.

Syntax (documented in the README):

* words are all required: ``labour pacific``;
* ``"a phrase"`` matches the words in that order;
* ``word*`` matches every word that starts with ``word`` (at least two letters); a plain word
  of five letters or more also matches its plurals and other endings (``catastrophe`` finds
  "catastrophes");
* ``-word`` or ``-"a phrase"`` excludes projects that contain it;
* ``OR`` between two terms makes either enough: ``fiji OR tonga``.

Matching ignores case and accents. A term (or run of words) that is a spelling of a glossary
entry (``vocab/glossary.json``) also matches the entry's other spellings, in every language:
``trafficking`` finds "traite des êtres humains" and "trata de personas".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache

from fundatlas.errors import FundatlasError
from fundatlas.glossary import MIN_ENDINGS_LENGTH, spelling_index, spelling_lengths
from fundatlas.text import fold

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+(?:\*)?", re.UNICODE)


class QueryError(FundatlasError, ValueError):
    """A search query or filter that cannot be run; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Term:
    """One search term: alternatives (phrases of folded words) of which one must match."""

    alternatives: tuple[tuple[str, ...], ...]
    prefix: bool = False
    negated: bool = False
    #: Let a long last word take an ending (plurals: "catastrophe" finds "catastrophes").
    endings: bool = False
    #: The glossary groups' concept tokens that stand for all of ``alternatives`` in the index.
    concepts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Groups joined by AND; each group is terms joined by OR."""

    groups: tuple[tuple[Term, ...], ...]

    @property
    def is_empty(self) -> bool:
        return not self.groups



@cache
def glossary() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Folded spelling (as words) -> every spelling of its glossary groups."""
    return {
        spelling: tuple(sorted({s for group in found for s in group.spellings}))
        for spelling, found in spelling_index().items()
    }


def _concepts(spelling: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({group.token for group in spelling_index().get(spelling, ())}))


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.rstrip("*") for w in _WORD.findall(fold(text).replace("'", " ")) if w.rstrip("*"))


def parse_query(query: str) -> ParsedQuery:
    """Parse the search syntax; raises ``QueryError`` for a query that is too long."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are allowed")
    groups: list[list[Term]] = []
    pending_or = False
    loose: list[str] = []  # consecutive plain words, for glossary phrases

    def flush() -> None:
        nonlocal pending_or
        for term in _expand_words(loose):
            _add(groups, term, pending_or)
            pending_or = False
        loose.clear()

    for match in _TOKEN.finditer(query):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare == "OR":
            flush()
            pending_or = bool(groups)
            continue
        if phrase is not None:
            flush()
            words = _words(phrase)
            if words:
                _add(groups, _phrase_term(words, negated=bool(negated)), pending_or)
                pending_or = False
            continue
        assert bare is not None
        if bare.startswith("-") and len(bare) > 1:
            flush()
            words = _words(bare[1:])
            if words:
                _add(groups, Term((words,), prefix=bare.endswith("*"), negated=True), pending_or)
                pending_or = False
            continue
        if bare.endswith("*"):
            flush()
            words = _words(bare)
            if words and len(words[-1]) >= 2:
                _add(groups, Term((words,), prefix=True), pending_or)
                pending_or = False
            continue
        loose.extend(_words(bare))
    flush()
    if sum(len(g) for g in groups) > MAX_TERMS:
        raise QueryError(f"the query has more than {MAX_TERMS} terms; use fewer words")
    if groups and all(term.negated for group in groups for term in group):
        raise QueryError("a query cannot only exclude: add a word to look for")
    return ParsedQuery(tuple(tuple(g) for g in groups))


def _add(groups: list[list[Term]], term: Term, join_or: bool) -> None:
    if join_or and groups:
        groups[-1].append(term)
    else:
        groups.append([term])


def _phrase_term(words: tuple[str, ...], *, negated: bool = False) -> Term:
    alternatives = glossary().get(words)
    if alternatives and not negated:
        return Term(alternatives, endings=True, concepts=_concepts(words))
    return Term((words,), negated=negated)


def _expand_words(words: list[str]) -> list[Term]:
    """Plain words, with the longest glossary phrases among them expanded across languages."""
    terms: list[Term] = []
    index = 0
    table = glossary()
    while index < len(words):
        for length in spelling_lengths():
            key = tuple(words[index : index + length])
            if len(key) == length and key in table:
                terms.append(Term(table[key], endings=True, concepts=_concepts(key)))
                index += length
                break
        else:
            terms.append(Term(((words[index],),), endings=True))
            index += 1
    return terms


@dataclass(frozen=True)
class Syntax:
    """How one full-text engine writes a parsed query: its phrase form and its operators.

    The SQLite (FTS5 MATCH) and PostgreSQL (tsquery) back ends differ only in these things. Each
    project has one search document, so the whole query is one expression: the groups ANDed, the
    exclusions taken away. With ``concepts``, a glossary term looks for its groups' concept tokens
    (``fundatlas.glossary``), else for every spelling (an index built with another glossary).
    """

    phrase: Callable[[tuple[str, ...], bool], str]  # (words, prefix) -> expression
    either: str  # the engine's OR, with its spaces
    both: str  # the engine's AND, with its spaces
    but_not: str  # the engine's "and not", with its spaces
    concepts: bool = True

    def without_concepts(self) -> Syntax:
        return replace(self, concepts=False)

    def term(self, term: Term) -> str:
        """One term: its concept tokens, or its spellings, ORed."""
        if self.concepts and term.concepts:
            return self._ored([self.phrase((token,), False) for token in term.concepts])
        parts = [
            self.phrase(words, term.prefix or (term.endings and len(words[-1]) >= MIN_ENDINGS_LENGTH))
            for words in term.alternatives
        ]
        return self._ored(parts)

    def group(self, group: Iterable[Term]) -> str:
        return self._ored([self.term(term) for term in group])

    def matching(self, query: ParsedQuery) -> str | None:
        """What a project's document must match: every group, none of the exclusions."""
        positives = [self.group(g) for g in query.groups if not all(t.negated for t in g)]
        if not positives:
            return None
        expression = self.both.join(positives) if len(positives) > 1 else positives[0]
        negatives = [self.term(t) for g in query.groups for t in g if t.negated]
        if negatives:
            expression = f"({expression}){self.but_not}{self._ored(negatives)}"
        return expression

    def restricted(self, expression: str, groups: Iterable[Iterable[str]]) -> str:
        """``expression`` and, from each group, one of its tokens (the filters' tokens)."""
        parts = [f"({expression})"]
        parts.extend(self._ored([self.phrase((token,), False) for token in group]) for group in groups)
        return self.both.join(parts)

    def _ored(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "(" + self.either.join(parts) + ")"
