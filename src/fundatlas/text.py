"""Text folding shared by the label, vocabulary and country matchers."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_LIGATURES = {ord("\u0153"): "oe", ord("\u0152"): "OE", ord("\u00e6"): "ae", ord("\u00c6"): "AE"}


class _Unaccent(dict[int, "int | str | None"]):
    """A ``str.translate`` table that drops combining marks and spells out the ligatures œ and æ,
    filled in for each character the first time it is met."""

    def __missing__(self, code: int) -> int | str | None:
        replacement = _LIGATURES.get(code, None if unicodedata.combining(chr(code)) else code)
        self[code] = replacement
        return replacement


_UNACCENT = _Unaccent()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form of ``text``.

    ``"  Bolivie (État Plurinational De) "`` -> ``"bolivie (etat plurinational de)"``;
    typographic apostrophes become ``'``, ``œ`` becomes ``oe``.
    """
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_UNACCENT)
    return " ".join(text.casefold().split())
