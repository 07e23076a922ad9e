"""Rebuild ``data/centroids-10m.json`` from world-atlas's ``countries-10m.json`` (see ``data/README.md``)::

    python -m fundatlas.export.build_centroids package/countries-10m.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from fundatlas.export.geodata import build_centroids, outlines


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild ``data/centroids-10m.json`` from world-atlas's ``countries-10m.json``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m fundatlas.export.build_centroids path/to/countries-10m.json", file=sys.stderr)
        return 2
    centroids = build_centroids(json.loads(Path(args[0]).read_text(encoding="utf-8")), outlines())
    header = {
        "source": "world-atlas 2.0.2 countries-10m.json (Natural Earth 1:10m admin 0, public domain)",
        "method": "area centroid of the largest polygon's exterior ring (fundatlas.export.geodata.centroid)",
        "countries": "ISO 3166-1 countries (and XKX) present at 1:10m but absent from countries-110m.json",
    }
    lines = [f" {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
    points = [f"  {json.dumps(code)}: {json.dumps(point)}" for code, point in centroids.items()]
    text = "\n".join(["{", *lines, ' "centroids": {', ",\n".join(points), " }", "}", ""])
    target = Path(str(resources.files("fundatlas.export").joinpath("data", "centroids-10m.json")))
    target.write_text(text, encoding="utf-8")
    print(f"{len(centroids)} centroids written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
