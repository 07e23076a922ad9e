"""Which language a page is in: its labels first, then its URL, then its common words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import filterfalse

from fundatlas.model import RawPage
from fundatlas.parse.lines import Line
from fundatlas.vocab import label_key, vocabulary

_WORD = re.compile(r"[^\W\d_]+")
#: ASCII characters that are not letters (so never in a word), each to be made a space.
_ASCII_NOT_LETTERS = bytes(code for code in range(128) if not chr(code).isalpha())
_SPACE_FOR_ASCII_NOT_LETTERS = bytes.maketrans(_ASCII_NOT_LETTERS, b" " * len(_ASCII_NOT_LETTERS))
#: How much text the word count reads.
SAMPLE_CHARS = 1500


def language_of_labels(page: RawPage) -> str | None:
    """The language most of the page's labels and coded values are written in.

    Labels shared by the languages ("Budget Amount (USD)", "IDF Region") do not vote.
    """
    if page.layout == "values":
        return None  # the old site shows English values under any navigation language
    vocab = vocabulary()
    votes: dict[str, int] = {}  # in the order first voted for: the first of equals wins
    for key in page.labels:
        label = vocab.field_labels.get(key)
        if label is not None and len(label.langs) == 1:
            _vote(votes, label.langs)
        elif key in vocab.table_headers:
            _vote(votes, (vocab.table_headers[key],), 2)
    for name, words in (
        ("status", vocab.coded_langs["status"]),
        ("idf_region", vocab.coded_langs["idf_region"]),
        ("project_type", vocab.type_langs),
    ):
        raw = page.fields.get(name)
        langs = words.get(label_key(raw.value)) if raw is not None else None
        if langs is not None and len(langs) == 1:
            _vote(votes, langs)
    if not votes:
        return None
    return max(votes, key=votes.__getitem__)


def _vote(votes: dict[str, int], langs: Iterable[str], weight: int = 1) -> None:
    for lang in langs:
        votes[lang] = votes.get(lang, 0) + weight


def language_of_url(url: str | None) -> str | None:
    if not url:
        return None
    for marker, lang in vocabulary().url_language.items():
        if marker in url:
            return lang
    return "en" if "iom.int/" in url else None


def language_of_words(text: str, min_votes: int = 1) -> str | None:
    """The language whose common words occur most in ``text`` (at least ``min_votes`` times)."""
    counts = Counter(_words(text[:SAMPLE_CHARS].lower()))
    votes = {
        lang: sum(counts[word] for word in common if word in counts)
        for lang, common in vocabulary().language_words.items()
    }
    lang, best = max(votes.items(), key=lambda item: item[1], default=("", 0))
    return lang if best >= min_votes and best > 0 else None


def _words(sample: str) -> list[str]:
    """The words ``_WORD`` finds in ``sample`` (in another order), found faster.

    No word spans a space, and a piece of text between spaces that is all letters is one word.
    So the ASCII non-letters and the typographic apostrophe become spaces (in one pass over the
    bytes), the text is split on spaces, and only the few pieces that are not all letters (``•``,
    ``«``, a digit outside ASCII) go through the regular expression.
    """
    spaced = sample.replace("\u2019", " ").encode("utf-8", "surrogatepass").translate(_SPACE_FOR_ASCII_NOT_LETTERS)
    pieces = spaced.decode("utf-8", "surrogatepass").split()
    words = list(filter(str.isalpha, pieces))
    for piece in filterfalse(str.isalpha, pieces):
        words += _WORD.findall(piece)
    return words


def detect_language(text: str, lines: list[Line], page: RawPage, url: str | None = None) -> str | None:
    """Labels, then URL, then the words of the site's navigation (the text above the title)."""
    by_labels = language_of_labels(page)
    if by_labels:
        return by_labels
    by_url = language_of_url(url)
    if by_url:
        return by_url
    title = page.fields.get("title")
    if title is not None and title.span.start > 0:
        by_navigation = language_of_words(text[: title.span.start], min_votes=3)
        if by_navigation:
            return by_navigation
    return language_of_words(text)
