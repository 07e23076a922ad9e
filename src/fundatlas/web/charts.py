"""Chart and map data: plain dicts that a page embeds as JSON and ``static/app.js`` draws.

Every chart has a table of the same figures in the page (its text alternative, and what a reader
without JavaScript sees). Map keys are world-atlas feature ids: ISO 3166-1 numeric codes as
zero-padded strings, or ``name:<Natural Earth name>`` for the few features without one (Kosovo).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import pycountry

from fundatlas.query.filters import REGIONS
from fundatlas.web.i18n import Translator

__all__ = ["REGION_SERIES", "bars", "map_key", "stacked_years", "world_map"]

#: Regions in stacking order, then projects without a region.
REGION_SERIES = (*REGIONS, "none")
_NO_NUMERIC = {"XKX": "name:Kosovo"}


@cache
def map_key(iso3: str) -> str | None:
    """The world-atlas feature id of a country (``"MRT"`` -> ``"478"``), None if the map lacks it."""
    if iso3 in _NO_NUMERIC:
        return _NO_NUMERIC[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    numeric = getattr(country, "numeric", None) if country is not None else None
    return str(numeric) if numeric else None


def stacked_years(by_region: Mapping[str, Sequence[Mapping[str, Any]]], t: Translator) -> dict[str, Any]:
    """USD per year, one series per region (``by_region``: region -> ``Portfolio.stats("year")`` rows).

    Projects without a year are left out of the chart (the table beside it counts them).
    """
    years = _year_range(row["key"] for rows in by_region.values() for row in rows)
    series = []
    for region in REGION_SERIES:
        rows = by_region.get(region) or ()
        usd = {row["key"]: row["usd"] for row in rows}
        if not any(usd.get(year) for year in years):
            continue
        series.append(
            {
                "key": region,
                "label": t.code("idf_region", None if region == "none" else region),
                "values": [usd.get(year, 0.0) for year in years],
            }
        )
    return {"kind": "stacked", "categories": [str(y) for y in years], "series": series, "unit": "USD"}


def years(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One series of USD per year (a country's or a region's timeline); rows are keyed by ``key``
    (``Portfolio.stats``) or ``year`` (``Portfolio.country``)."""
    usd = {row.get("key", row.get("year")): row["usd"] for row in rows}
    categories = _year_range(usd)
    return {
        "kind": "stacked",
        "categories": [str(year) for year in categories],
        "series": [{"key": "all", "label": "USD", "values": [usd.get(year, 0.0) for year in categories]}],
        "unit": "USD",
    }


def _year_range(keys: Iterable[Any]) -> list[int]:
    """Every year from the first to the last known one (a timeline shows the years without projects)."""
    known = [key for key in keys if isinstance(key, int)]
    return list(range(min(known), max(known) + 1)) if known else []


def bars(
    rows: Iterable[Mapping[str, Any]], label: Callable[[Any], str], href: Callable[[Any], str] | None = None
) -> dict[str, Any]:
    """Horizontal bars of USD, largest first (``label(key)`` and ``href(key)`` name and link each)."""
    items = sorted(rows, key=lambda row: (-row["usd"], str(row["key"])))
    return {
        "kind": "bars",
        "items": [
            {
                "label": label(row["key"]),
                "value": row["usd"],
                "projects": row["projects"],
                "href": href(row["key"]) if href and row["key"] is not None else None,
            }
            for row in items
        ],
        "unit": "USD",
    }


def world_map(countries: Iterable[Mapping[str, Any]], t: Translator, href: Callable[[str], str]) -> dict[str, Any]:
    """USD per beneficiary country (each project's budget shared equally between its countries)."""
    features: dict[str, dict[str, Any]] = {}
    for country in countries:
        key = map_key(country["key"])
        if key is None:
            continue
        features[key] = {
            "iso3": country["key"],
            "name": t.country(country["key"]),
            "usd": round(country["usd_share"]),
            "projects": country["projects"],
            "href": href(country["key"]),
        }
    return {
        "kind": "map",
        "countries": features,
        "labels": {"projects": t("unit.projects"), "no_data": t("map.no_data"), "legend": t("map.legend")},
    }
