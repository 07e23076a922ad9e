"""GeoJSON (RFC 7946): a FeatureCollection with one Feature per beneficiary country.

Each Feature's ``id`` is the country's ISO alpha-3 code; its properties are ``iso3``, ``name_en``,
``name_fr``, ``name_es``, ``projects`` (how many selected projects list the country),
``projects_eligible`` (as an eligible Member State), ``project_ids`` (their Project IDs, else PRIMA
IDs, else store keys), ``ids`` (their store row ids), ``usd`` (the sum of their whole budgets),
``usd_share`` (each budget split equally between the project's countries, so shares add up to the
selection's total), ``geometry_source`` and ``geometry_note``.

The geometry is the Natural Earth 1:110m outline, or a Point at the 1:10m centroid for a country
the 110m outlines lack, or ``null`` (with ``geometry_note`` saying why) for a territory Natural
Earth draws as part of another country: see ``geodata`` and ``data/README.md``.

The collection carries foreign members ``generated``, ``filters``, ``total`` (projects selected) and
``projects_without_country``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fundatlas.export.geodata import country_shape
from fundatlas.export.tables import project_reference
from fundatlas.normalize.countries import country_name

__all__ = ["MEDIA_TYPE", "CountryTotals", "country_features", "country_totals", "geojson_chunks"]

MEDIA_TYPE = "application/geo+json"
NO_GEOMETRY_NOTE = "no geometry in the vendored Natural Earth data: the territory is drawn as part of another country"


@dataclass
class CountryTotals:
    """What the selected projects add up to for one beneficiary country."""

    iso3: str
    projects: int = 0
    projects_eligible: int = 0
    project_ids: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    usd: float = 0.0
    usd_share: float = 0.0


def country_totals(details: Iterable[dict[str, Any]]) -> tuple[dict[str, CountryTotals], int]:
    """Totals per beneficiary country (in one pass), and how many projects list no country."""
    totals: dict[str, CountryTotals] = {}
    without = 0
    for detail in details:
        beneficiaries = detail.get("beneficiaries", [])
        if not beneficiaries:
            without += 1
            continue
        budget = float(detail.get("budget_usd") or 0.0)
        codes = list(dict.fromkeys(b["iso3"] for b in beneficiaries))
        eligible = {b["iso3"] for b in beneficiaries if b["eligible"]}
        for code in codes:
            slot = totals.setdefault(code, CountryTotals(code))
            slot.projects += 1
            slot.projects_eligible += code in eligible
            slot.project_ids.append(project_reference(detail))
            slot.ids.append(int(detail["id"]))
            slot.usd += budget
            slot.usd_share += budget / len(codes)
    return totals, without


def country_feature(totals: CountryTotals) -> dict[str, Any]:
    shape = country_shape(totals.iso3)
    return {
        "type": "Feature",
        "id": totals.iso3,
        "geometry": shape.geometry,
        "properties": {
            "iso3": totals.iso3,
            **{f"name_{lang}": country_name(totals.iso3, lang) for lang in ("en", "fr", "es")},
            "projects": totals.projects,
            "projects_eligible": totals.projects_eligible,
            "project_ids": totals.project_ids,
            "ids": totals.ids,
            "usd": round(totals.usd, 2),
            "usd_share": round(totals.usd_share, 2),
            "geometry_source": shape.source,
            "geometry_note": None if shape.geometry is not None else NO_GEOMETRY_NOTE,
        },
    }


def country_features(details: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Features, ordered by ISO code (for tests and small selections)."""
    totals, _ = country_totals(details)
    return [country_feature(totals[code]) for code in sorted(totals)]


def geojson_chunks(header: dict[str, Any], details: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The FeatureCollection, one Feature per line, after reading every project once."""
    totals, without = country_totals(details)
    members = {"type": "FeatureCollection", **header, "projects_without_country": without}
    yield (json.dumps(members, ensure_ascii=False)[:-1] + ', "features": [\n').encode("utf-8")
    for number, code in enumerate(sorted(totals)):
        line = json.dumps(country_feature(totals[code]), ensure_ascii=False, separators=(",", ":"))
        yield (("," if number else "") + line + "\n").encode("utf-8")
    yield b"]}\n"
