"""Numbers as the pages write them: budgets, years and durations."""

from __future__ import annotations

import math
import re

from fundatlas.text import fold

# Digits with thousands or decimal separators: "300000.00", "100,000", "400 000", "1.250.000,50".
_AMOUNT = re.compile(r"\d+(?:(?:[.,']|[ \u00a0\u202f\u2009](?=\d{3}(?!\d)))\d+)*")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d|2100)(?!\d)")
_GROUPING = re.compile(r"[\s\u00a0\u202f\u2009']")
_DURATION = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d_]+)?")
#: No budget is larger than this (the whole Fund has allocated about USD 161 million since 2001).
MAX_AMOUNT = 1e12
#: No project lasts longer than this many months.
MAX_MONTHS = 1200
_MULTIPLIERS = {"k": 1e3, "m": 1e6, "million": 1e6, "millions": 1e6, "millon": 1e6, "millones": 1e6, "mio": 1e6}


def parse_amount(value: str) -> float | None:
    """A budget in USD from the page's words, or None.

    ``"300000.00"`` -> 300000.0, ``"100,000"`` -> 100000.0, ``"400 000 dollars É.-U."`` -> 400000.0,
    ``"USD 1,250,000"`` -> 1250000.0, ``"1.250.000,50"`` -> 1250000.5, ``"1.5 million"`` -> 1500000.0.
    A separator followed by exactly three digits is a thousands separator; otherwise the last
    separator is the decimal point.
    """
    match = _AMOUNT.search(value)
    if match is None:
        return None
    raw = match.group(0)
    number = _to_float(raw)
    if number is None:
        return None
    after = fold(value[match.end() :]).split()
    if after and after[0].strip(".") in _MULTIPLIERS:
        number *= _MULTIPLIERS[after[0].strip(".")]
    return number if math.isfinite(number) and number <= MAX_AMOUNT else None


def _to_float(raw: str) -> float | None:
    compact = _GROUPING.sub("", raw)
    separators = [i for i, ch in enumerate(compact) if ch in ".,"]
    if not separators:
        return float(compact) if compact.isdigit() else None
    last = separators[-1]
    tail = compact[last + 1 :]
    marks = {compact[i] for i in separators}
    if len(marks) == 1 and (len(tail) == 3 and (len(separators) > 1 or compact[0] != "0")):
        integer, fraction = compact, ""  # "100,000", "1.250.000": thousands only
    elif len(marks) == 1 and len(separators) > 1:
        integer, fraction = compact, ""  # "1,25,000": grouping we do not know, digits kept
    else:
        integer, fraction = compact[:last], tail
    digits = integer.replace(".", "").replace(",", "")
    if not digits.isdigit() or (fraction and not fraction.isdigit()):
        return None
    return float(f"{digits}.{fraction}") if fraction else float(digits)


def parse_year(value: str) -> int | None:
    """The first plausible four-digit year (1980-2100) in ``value``."""
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def parse_duration(value: str, units: dict[str, float]) -> int | None:
    """Months from ``"24 mois"``, ``"18 months"``, ``"2 años"``; a bare number is months."""
    match = _DURATION.search(value)
    if match is None:
        return None
    number = float(match.group(1).replace(",", "."))
    unit = fold(match.group(2) or "")
    factor = units.get(unit, 1.0) if unit else 1.0
    months = number * factor
    return round(months) if math.isfinite(months) and months <= MAX_MONTHS else None
