"""Text folding shared by the label, vocabulary and country matchers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and whitespace-insensitive form of ``text``.

    ``"  Bolivie (État Plurinational De) "`` -> ``"bolivie (etat plurinational de)"``;
    typographic apostrophes become ``'``, ``œ`` becomes ``oe``.
    """
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.replace("\u0153", "oe").replace("\u0152", "OE").replace("\u00e6", "ae").replace("\u00c6", "AE")
    return _SPACES.sub(" ", text.casefold()).strip()
