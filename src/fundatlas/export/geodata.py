"""Offline country geometry: Natural Earth outlines (TopoJSON) decoded to GeoJSON, and centroids.

The data are vendored in ``export/data`` (see its README): ``countries-110m.json`` from the npm
package ``world-atlas`` 2.0.2, unchanged, and ``centroids-10m.json``, a point per ISO 3166-1 country
that the 110m file lacks (small island states such as Tuvalu), computed from the same package's
``countries-10m.json`` with this module's functions::

    python -m fundatlas.export.build_centroids path/to/world-atlas/countries-10m.json

Everything here but the two loaders is a pure function of plain data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pycountry

__all__ = [
    "CountryShape",
    "build_centroids",
    "centroid",
    "country_shape",
    "decode_arcs",
    "outlines",
    "ring_area",
    "split_antimeridian",
    "topology_geometries",
]

Position = list[float]
Ring = list[Position]
Polygon = list[Ring]

#: Natural Earth features without an ISO numeric id: Kosovo gets its own code (as in the gazetteer);
#: the two territories whose sovereignty is disputed are drawn with the ISO country they belong to.
_UNNUMBERED = {"Kosovo": "XKX", "N. Cyprus": "CYP", "Somaliland": "SOM"}
_DECIMALS = 4  # about 11 m at the equator; the 110m data are quantized far more coarsely
SOURCE_110M = "natural-earth-110m"
SOURCE_CENTROID = "natural-earth-10m-centroid"


@dataclass(frozen=True)
class CountryShape:
    """What the vendored data give for one country: a GeoJSON geometry and where it comes from."""

    geometry: dict[str, Any] | None
    source: str | None  # SOURCE_110M, SOURCE_CENTROID, or None when no geometry is known


# --- TopoJSON -> GeoJSON (pure) -----------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs as absolute longitude/latitude pairs (undoing quantization and deltas)."""
    transform = topology.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[tuple[float, float]] = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: Sequence[Sequence[tuple[float, float]]]) -> Ring:
    """Stitch a ring from arc indexes (``~i`` is arc ``i`` reversed); shared end points appear once."""
    ring: Ring = []
    for index in indexes:
        points = list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))
        for number, (lon, lat) in enumerate(points):
            if number == 0 and ring:
                continue
            ring.append([round(lon, _DECIMALS), round(lat, _DECIMALS)])
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    return ring


def ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Signed planar area (shoelace, in square degrees): positive when counterclockwise."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        total += x1 * y2 - x2 * y1
    return total / 2


def _rewound(polygon: Polygon) -> Polygon:
    """RFC 7946 winding: the exterior ring counterclockwise, holes clockwise."""
    out: Polygon = []
    for number, ring in enumerate(polygon):
        area = ring_area(ring)
        wrong = area < 0 if number == 0 else area > 0
        out.append(list(reversed(ring)) if wrong else ring)
    return out


def _crosses(ring: Ring) -> bool:
    return any(abs(a[0] - b[0]) > 180 for a, b in zip(ring, ring[1:], strict=False))


def _unwrap(ring: Ring) -> Ring:
    """Longitudes made continuous (each step under 180 degrees) by adding or taking 360."""
    out: Ring = [list(ring[0])]
    for lon, lat in ring[1:]:
        previous = out[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        out.append([lon, lat])
    return out


def _clip(ring: Ring, meridian: float, west: bool) -> Ring:
    """Sutherland-Hodgman: the part of a closed ring west (or east) of ``meridian``, closed."""

    def inside(point: Position) -> bool:
        return point[0] <= meridian if west else point[0] >= meridian

    def crossing(a: Position, b: Position) -> Position:
        lat = a[1] + (meridian - a[0]) * (b[1] - a[1]) / (b[0] - a[0])
        return [meridian, lat]

    points = ring[:-1]
    out: Ring = []
    for number, current in enumerate(points):
        previous = points[number - 1]
        if inside(current):
            if not inside(previous):
                out.append(crossing(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(crossing(previous, current))
    if out:
        out.append(list(out[0]))
    return out


def _shifted(ring: Ring, degrees: float) -> Ring:
    return [[round(lon + degrees, _DECIMALS), round(lat, _DECIMALS)] for lon, lat in ring]


def _around_pole(ring: Ring) -> Ring:
    """A ring round a pole (Antarctica), closed along the map's edge: down the meridian it jumps at,
    along the pole's latitude, and back up the other side, as flat maps draw it."""
    pole = -90.0 if sum(lat for _, lat in ring) < 0 else 90.0
    out: Ring = [list(ring[0])]
    for a, b in zip(ring, ring[1:], strict=False):
        if abs(a[0] - b[0]) > 180:
            west_to_east = a[0] < b[0]
            edge_a, edge_b = (-180.0, 180.0) if west_to_east else (180.0, -180.0)
            for point in ([edge_a, a[1]], [edge_a, pole], [edge_b, pole], [edge_b, b[1]]):
                if point != out[-1]:
                    out.append(point)
        if list(b) != out[-1]:
            out.append(list(b))
    return out


def split_antimeridian(polygon: Polygon) -> list[Polygon]:
    """RFC 7946 section 3.1.9: a polygon whose edges jump across the antimeridian, cut in two.

    Natural Earth writes a few edges on the 180th meridian as -180 (Fiji, Chukotka): unwrapped,
    such a polygon lies on one side and only needs its longitudes brought back into range. A ring
    that goes round a pole (Antarctica) is closed along the map's edge instead (``_around_pole``).
    """
    if not any(_crosses(ring) for ring in polygon):
        return [polygon]
    unwrapped = [_unwrap(ring) for ring in polygon]
    if any(abs(ring[0][0] - ring[-1][0]) > 1e-9 for ring in unwrapped):
        return [[_around_pole(ring) if _crosses(ring) else ring for ring in polygon]]
    low = min(p[0] for p in unwrapped[0])
    high = max(p[0] for p in unwrapped[0])
    shift = -360.0 * round(((low + high) / 2) / 360)
    rings = [_shifted(ring, shift) for ring in unwrapped]
    low, high = low + shift, high + shift
    if low >= -180 and high <= 180:
        return [rings]
    # Clip at the meridian the ring passes, and move the part beyond it back by 360 degrees.
    meridian, offset = (180.0, -360.0) if high > 180 else (-180.0, 360.0)
    parts: list[Polygon] = []
    for west in (True, False):
        beyond = west != (meridian > 0)
        clipped = [_shifted(_clip(ring, meridian, west), offset if beyond else 0.0) for ring in rings]
        if len(clipped[0]) >= 4:
            parts.append([clipped[0], *(hole for hole in clipped[1:] if len(hole) >= 4)])
    return parts


def _polygons(geometry: dict[str, Any], arcs: Sequence[Sequence[tuple[float, float]]]) -> list[Polygon]:
    if geometry.get("type") == "Polygon":
        shapes = [geometry["arcs"]]
    elif geometry.get("type") == "MultiPolygon":
        shapes = geometry["arcs"]
    else:
        return []
    polygons: list[Polygon] = []
    for shape in shapes:
        polygons.extend(split_antimeridian([_ring(ring, arcs) for ring in shape]))
    return [_rewound(_solid(p)) for p in polygons if p and _solid(p)]


def _solid(polygon: Polygon) -> Polygon:
    """The polygon less rings that quantization collapsed (under four positions or no area)."""
    rings = [ring for ring in polygon if len(ring) >= 4 and ring_area(ring) != 0]
    return rings if rings and rings[0] is polygon[0] else []


def _as_geometry(polygons: list[Polygon]) -> dict[str, Any] | None:
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _iso3(feature: dict[str, Any]) -> str | None:
    numeric = feature.get("id")
    if numeric is not None:
        country = pycountry.countries.get(numeric=str(numeric).zfill(3))
        return str(country.alpha_3) if country is not None else None
    return _UNNUMBERED.get(str(feature.get("properties", {}).get("name")))


def topology_geometries(topology: dict[str, Any], object_name: str = "countries") -> dict[str, dict[str, Any]]:
    """ISO alpha-3 -> GeoJSON Polygon or MultiPolygon for every country object of a TopoJSON topology.

    Features are matched to ISO 3166-1 by their numeric id; the unnumbered ones by name (see
    ``_UNNUMBERED``); parts that map to the same code are merged into one MultiPolygon.
    """
    arcs = decode_arcs(topology)
    parts: dict[str, list[Polygon]] = {}
    for feature in topology["objects"][object_name]["geometries"]:
        code = _iso3(feature)
        if code is not None:
            parts.setdefault(code, []).extend(_polygons(feature, arcs))
    out: dict[str, dict[str, Any]] = {}
    for code, polygons in parts.items():
        geometry = _as_geometry(polygons)
        if geometry is not None:
            out[code] = geometry
    return out


def centroid(geometry: dict[str, Any]) -> list[float]:
    """A representative point: the area centroid of the largest polygon's exterior ring.

    Taking the largest part (not all parts together) keeps archipelagos that straddle the
    antimeridian, such as Kiribati or Fiji, from getting a point on the far side of the globe.
    """
    polygons: list[Polygon] = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else list(geometry["coordinates"])
    )
    ring = max((p[0] for p in polygons), key=lambda r: abs(ring_area(r)))
    area = ring_area(ring)
    if abs(area) < 1e-12:
        lon = sum(p[0] for p in ring[:-1]) / max(len(ring) - 1, 1)
        lat = sum(p[1] for p in ring[:-1]) / max(len(ring) - 1, 1)
        return [round(lon, _DECIMALS), round(lat, _DECIMALS)]
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return [round(cx / (6 * area), _DECIMALS), round(cy / (6 * area), _DECIMALS)]


def build_centroids(topology: dict[str, Any], known: Iterable[str]) -> dict[str, list[float]]:
    """Centroids of the topology's countries that are not ``known`` (iso3 -> [lon, lat]).

    A country whose every polygon collapsed in quantization (the Vatican at 1:10m) gets the mean of
    its positions.
    """
    skip = set(known)
    out = {code: centroid(geometry) for code, geometry in topology_geometries(topology).items() if code not in skip}
    arcs = decode_arcs(topology)
    for feature in topology["objects"]["countries"]["geometries"]:
        code = _iso3(feature)
        if code is None or code in skip or code in out or feature.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        shapes = [feature["arcs"]] if feature["type"] == "Polygon" else feature["arcs"]
        points = [point for shape in shapes for ring in shape for point in _ring(ring, arcs)[:-1]]
        if points:
            lon = sum(p[0] for p in points) / len(points)
            lat = sum(p[1] for p in points) / len(points)
            out[code] = [round(lon, _DECIMALS), round(lat, _DECIMALS)]
    return dict(sorted(out.items()))


# --- the vendored data -----------------------------------------------------------------------


def _data_json(name: str) -> Any:
    return json.loads(resources.files("fundatlas.export").joinpath("data", name).read_text(encoding="utf-8"))


@cache
def outlines() -> dict[str, dict[str, Any]]:
    """ISO alpha-3 -> the vendored 1:110m outline (Polygon or MultiPolygon)."""
    return topology_geometries(_data_json("countries-110m.json"))


@cache
def _centroids() -> dict[str, list[float]]:
    return {code: [float(v) for v in point] for code, point in _data_json("centroids-10m.json")["centroids"].items()}


def country_shape(iso3: str) -> CountryShape:
    """The 110m outline of ``iso3``, else a Point at its 10m centroid, else no geometry."""
    code = iso3.upper()
    outline = outlines().get(code)
    if outline is not None:
        return CountryShape(outline, SOURCE_110M)
    point = _centroids().get(code)
    if point is not None:
        return CountryShape({"type": "Point", "coordinates": point}, SOURCE_CENTROID)
    return CountryShape(None, None)
