"""How many more projects PostgreSQL's language-stemmed configurations would match on the test queries.

    python benchmarks/stemming_check.py --db postgresql+psycopg://USER@HOST/DB

The database holds a store (e.g. ``fundatlas ingest src/fundatlas/demo/pages --db ...``). For each
query of tests/data/search_queries.json, the projects fundatlas finds are compared with those whose
French, English or Spanish texts match the query under the ``french``, ``english`` and ``spanish``
configurations (``websearch_to_tsquery``, accents removed): the projects only stemming finds are
listed. (fundatlas searches with ``simple``, the glossary and plural endings, the same on SQLite.)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlalchemy import text

from fundatlas.query import Portfolio, SearchFilters

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "data" / "search_queries.json"
STEMMED = text(
    " OR ".join(
        f"to_tsvector('{config}', unaccent(title_{lang} || ' ' || body_{lang})) "
        f"@@ websearch_to_tsquery('{config}', unaccent(:q))"
        for lang, config in (("fr", "french"), ("en", "english"), ("es", "spanish"))
    ).join(("SELECT id FROM search_documents WHERE ", ""))
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a PostgreSQL URL")
    args = parser.parse_args()
    portfolio = Portfolio(args.db)
    queries = [query["q"] for query in json.loads(QUERIES.read_text("utf-8"))["queries"]]
    changed = more = 0
    with portfolio.engine.connect() as connection:
        for q in queries:
            found = set(portfolio.matching_ids(SearchFilters(q=q)))
            extra = {row[0] for row in connection.execute(STEMMED, {"q": q})} - found
            if extra:
                changed += 1
                more += len(extra)
                print(f"{q!r}: fundatlas finds {len(found)}; stemming adds {len(extra)}")
    print(f"{changed} of {len(queries)} queries would match more projects with stemming ({more} more in all)")


if __name__ == "__main__":
    main()
