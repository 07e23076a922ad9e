"""Regenerate the golden files: tests/data/corpus/<id>.json from the parser's output on <id>.txt.

Run with `make golden`, then review the diff: a golden file changes only with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from fundatlas import parse_page

HERE = Path(__file__).resolve().parent / "data" / "corpus"


def golden(page: Path) -> dict[str, object]:
    result = parse_page(page.read_bytes(), path=page.name)
    return result.to_dict()


def main() -> None:
    for page in sorted(HERE.glob("*.txt")):
        out = page.with_suffix(".json")
        out.write_text(json.dumps(golden(page), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(list(HERE.glob('*.json')))} golden files in {HERE}")


if __name__ == "__main__":
    main()
