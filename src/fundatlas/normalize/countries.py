"""Beneficiary lines to ISO 3166-1 alpha-3 codes: longest-match segmentation over the gazetteer.

The gazetteer (names from Babel's CLDR data, pycountry's ISO 3166 translations and the alias file)
is built in ``gazetteer.py``; this module reads lines such as "Costa Rica Belize El Salvador",
"Bolivie (État plurinational de)" or "ChiliUruguay" with it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from fundatlas.normalize.gazetteer import (
    _APOSTROPHES,
    _CLOSE,
    _CONJ,
    _ELIDED,
    _MAX_DP_LETTERS,
    _MAX_QUALIFIER_WORDS,
    _MIN_LETTERS,
    _NOT_WORDS,
    _OPEN,
    _SEP,
    CountryMatch,
    _fold_token,
    _Gazetteer,
    _gazetteer,
    _key,
    _Node,
    _tokenize,
    all_country_names,
    country_name,
)
from fundatlas.text import fold

__all__ = ["CountryMatch", "all_country_names", "country_name", "lookup_country", "segment_countries"]


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
            _segment(gazetteer, line, sub_tokens, sub_starts, sub_ends, offset, False, sub_matches, sub_leftovers)
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


#: Lines up to this long have their segmentation cached: the same lists recur from page to page.
MAX_CACHED_LINE = 500


def segment_countries(line: str, offset: int = 0) -> tuple[list[CountryMatch], list[str]]:
    """Split a beneficiary line into countries (page order) and leftover runs of unknown words.

    Longest match over folded tokens; separators (``,`` ``;``) and the conjunctions et/and/y/e
    between names are skipped; a ``(qualifier)`` of at most four words after a name that is not
    itself a country is part of the match; stray punctuation is ignored; names run together
    (``"ChiliUruguay"``) are split. A country written twice is returned twice. Every word is either
    in a match or in a leftover (each leftover run as one string, as written).
    """
    matches, leftovers = _segment_line(line) if len(line) <= MAX_CACHED_LINE else _segment_uncached(line)
    if offset:
        return [CountryMatch(m.iso3, m.name, m.start + offset, m.end + offset) for m in matches], list(leftovers)
    return list(matches), list(leftovers)


def _segment_uncached(line: str) -> tuple[tuple[CountryMatch, ...], tuple[str, ...]]:
    tokens, starts, ends = _tokenize(line)
    matches: list[CountryMatch] = []
    leftovers: list[str] = []
    if tokens:
        _segment(_gazetteer(), line, tokens, starts, ends, 0, True, matches, leftovers)
    return tuple(matches), tuple(leftovers)


_segment_line = lru_cache(maxsize=4096)(_segment_uncached)


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
