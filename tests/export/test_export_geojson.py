"""GeoJSON: the official FeatureCollection schema, coordinate sanity, totals, and the TopoJSON decoding."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pycountry
import pytest

from fundatlas.export import export
from fundatlas.export.geodata import (
    SOURCE_110M,
    SOURCE_CENTROID,
    centroid,
    country_shape,
    decode_arcs,
    ring_area,
    split_antimeridian,
    topology_geometries,
)
from fundatlas.query import Portfolio, SearchFilters


def polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon"
    return list(geometry["coordinates"])


def check_geometry(geometry: dict[str, Any] | None) -> None:
    """Positions in range; rings closed, of four positions or more, wound as RFC 7946 says."""
    if geometry is None:
        return
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        return
    for polygon in polygons(geometry):
        for number, ring in enumerate(polygon):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)
            jumps = [(a, b) for a, b in zip(ring, ring[1:], strict=False) if abs(a[0] - b[0]) > 180]
            assert all(abs(a[1]) == abs(b[1]) == 90 for a, b in jumps)  # only along a pole (Antarctica)
            assert (ring_area(ring) > 0) == (number == 0)


def collection(portfolio: Portfolio, filters: SearchFilters | None = None) -> dict[str, Any]:
    result = export(portfolio, "geojson", filters)
    assert result.media_type == "application/geo+json"
    return dict(json.loads(result.content()))


def test_whole_portfolio_is_valid_geojson(portfolio: Portfolio, geojson_schema: dict[str, Any]) -> None:
    document = collection(portfolio)
    jsonschema.validate(document, geojson_schema)
    assert document["type"] == "FeatureCollection" and document["total"] == 63
    features = document["features"]
    countries = {row["key"]: row for row in portfolio.countries()}
    assert [f["id"] for f in features] == sorted(countries) and len(features) == 83
    for feature in features:
        check_geometry(feature["geometry"])
        props = feature["properties"]
        stats = countries[feature["id"]]
        assert props["iso3"] == feature["id"] and props["name_en"] == stats["name"]
        assert props["name_fr"] and props["name_es"]
        assert props["projects"] == stats["projects"] == len(props["ids"]) == len(props["project_ids"])
        assert props["projects_eligible"] == stats["projects_eligible"]
        assert props["usd"] == pytest.approx(stats["usd"]) and props["usd_share"] == pytest.approx(stats["usd_share"])
        assert props["geometry_source"] in (SOURCE_110M, SOURCE_CENTROID)
    share = sum(f["properties"]["usd_share"] for f in features)
    assert share == pytest.approx(portfolio.totals()["usd"])  # every demo project lists a country
    by_id = {f["id"]: f for f in features}
    assert by_id["TUV"]["geometry"]["type"] == "Point"
    assert by_id["TUV"]["properties"]["geometry_source"] == SOURCE_CENTROID
    assert by_id["FJI"]["geometry"]["type"] == "MultiPolygon"


@pytest.mark.parametrize("filters", [SearchFilters(idf_region=("africa",)), SearchFilters(q="trafficking")])
def test_filtered_selection(portfolio: Portfolio, geojson_schema: dict[str, Any], filters: SearchFilters) -> None:
    document = collection(portfolio, filters)
    jsonschema.validate(document, geojson_schema)
    ids = set(portfolio.matching_ids(filters))
    assert document["total"] == len(ids) and document["filters"] == filters.to_dict()
    listed = {i for f in document["features"] for i in f["properties"]["ids"]}
    assert listed == ids  # every selected project is on the map, and nothing else
    for feature in document["features"]:
        check_geometry(feature["geometry"])


def test_every_iso_country_gets_a_valid_shape_or_a_reason() -> None:
    missing = []
    for country in [*pycountry.countries, None]:
        code = "XKX" if country is None else country.alpha_3
        shape = country_shape(code)
        check_geometry(shape.geometry)
        if shape.geometry is None:
            missing.append(code)
    assert missing == ["BES", "BVT", "CCK", "CXR", "GLP", "GUF", "MTQ", "MYT", "REU", "SJM", "TKL"]
    assert country_shape("XKX").source == SOURCE_110M and country_shape("CYP").geometry is not None


def test_a_country_without_geometry_is_still_a_valid_feature(geojson_schema: dict[str, Any]) -> None:
    from fundatlas.export.geojson import CountryTotals, country_feature

    feature = country_feature(CountryTotals("GLP", projects=1, ids=[1], project_ids=["X.1"], usd=5.0, usd_share=5.0))
    assert feature["geometry"] is None and "part of another country" in feature["properties"]["geometry_note"]
    jsonschema.validate({"type": "FeatureCollection", "features": [feature]}, geojson_schema)


# --- TopoJSON decoding, pure --------------------------------------------------------------------

TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.25], "translate": [10.0, 20.0]},
    "arcs": [[[0, 0], [4, 0], [0, 4]], [[4, 4], [-4, 0], [0, -4]]],
    "objects": {"countries": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "id": "478", "arcs": [[0, 1]], "properties": {"name": "Mauritania"}},
        {"type": "Polygon", "id": "999", "arcs": [[~1, ~0]], "properties": {"name": "nowhere"}},
        {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "Kosovo"}},
    ]}},
}


def test_decode_arcs_undoes_deltas_and_quantization() -> None:
    assert decode_arcs(TOPOLOGY) == [[(10.0, 20.0), (12.0, 20.0), (12.0, 21.0)], [(12.0, 21.0), (10.0, 21.0),
                                                                                (10.0, 20.0)]]
    assert decode_arcs({"arcs": [[[1, 2], [3, 4]]]}) == [[(1.0, 2.0), (3.0, 4.0)]]


def test_topology_to_geometries_by_iso3() -> None:
    geometries = topology_geometries(TOPOLOGY)
    assert set(geometries) == {"MRT", "XKX"}  # 999 is no ISO country
    ring = geometries["MRT"]["coordinates"][0]
    assert ring == [[10.0, 20.0], [12.0, 20.0], [12.0, 21.0], [10.0, 21.0], [10.0, 20.0]]
    assert ring_area(ring) == 2.0
    assert centroid(geometries["MRT"]) == [11.0, 20.5]


def test_clockwise_rings_are_rewound_and_reversed_arcs_read_backwards() -> None:
    topology = json.loads(json.dumps(TOPOLOGY))
    topology["objects"]["countries"]["geometries"][0]["arcs"] = [[~1, ~0]]
    ring = topology_geometries(topology)["MRT"]["coordinates"][0]
    assert ring_area(ring) > 0 and sorted(map(tuple, ring[:-1])) == [(10, 20), (10, 21), (12, 20), (12, 21)]


def test_antimeridian() -> None:
    # Written with -180 on the eastern edge (as Natural Earth's Fiji): moved back to one side.
    fiji = [[[179.0, -16.0], [-180.0, -16.0], [-180.0, -17.0], [179.0, -17.0], [179.0, -16.0]]]
    assert split_antimeridian(fiji) == [[[[179.0, -16.0], [180.0, -16.0], [180.0, -17.0], [179.0, -17.0],
                                           [179.0, -16.0]]]]
    # Truly across: cut in two at the meridian.
    across = [[[179.0, 0.0], [-179.0, 0.0], [-179.0, 1.0], [179.0, 1.0], [179.0, 0.0]]]
    parts = split_antimeridian(across)
    assert len(parts) == 2
    for part in parts:
        lons = {lon for lon, _ in part[0]}
        assert lons in ({179.0, 180.0}, {-180.0, -179.0})
    assert split_antimeridian([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]) == [
        [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]
