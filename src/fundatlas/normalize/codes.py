"""Page words to the canonical codes of the parse contract (status, coverage, region, type)."""

from __future__ import annotations

from fundatlas.text import fold
from fundatlas.vocab import vocabulary

#: A type label cut short on the page still matches when at least this long.
MIN_TYPE_PREFIX = 20


def _strip(word: str) -> str:
    return fold(word).strip(" .;:,")


def status_code(label: str) -> str | None:
    """``"Actif"`` -> ``"active"``, ``"Finalizado"`` -> ``"completed"``, else None."""
    return vocabulary().coded["status"].get(_strip(label))


def coverage_code(label: str) -> str | None:
    """``"National"`` -> ``"national"``, ``"Multi-Regional"`` -> ``"interregional"``, else None."""
    return vocabulary().coded["coverage"].get(_strip(label))


def region_code(label: str) -> str | None:
    """``"Asie et Océanie"`` -> ``"asia_oceania"``, ``"Monde"`` -> ``"global"``, else None."""
    return vocabulary().coded["idf_region"].get(_strip(label))


def type_code(label: str) -> str | None:
    """The project type's canonical code from its label, also when the label is cut short."""
    words = vocabulary().type_words
    key = _strip(label)
    if key in words:
        return words[key]
    if len(key) >= MIN_TYPE_PREFIX:
        candidates = {code for word, code in words.items() if word.startswith(key)}
        if len(candidates) == 1:
            return candidates.pop()
    return None


def type_for_project_id(project_id: str) -> str | None:
    """The type a modern project ID's prefix stands for (``"IS.0133"`` -> integration), if known."""
    if len(project_id) >= 3 and project_id[2] == ".":
        return vocabulary().type_by_prefix.get(project_id[:2].upper())
    return None
