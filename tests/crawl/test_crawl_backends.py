"""The crawler on both databases (SQLite and PostgreSQL, tests/conftest.py): the frontier is portable SQL."""

from __future__ import annotations

from backends import Databases
from crawl_helpers import SMALL_START, bounded, fast
from crawl_site import ServedSite
from sqlalchemy import func, select

from fundatlas import parse_page
from fundatlas.crawl import Outcome, crawl, seed_links, update
from fundatlas.store import open_store
from fundatlas.store.schema import crawl_runs, crawl_urls, sources


def test_a_crawl_and_an_update_on_each_database(databases: Databases, clean_site: ServedSite) -> None:
    site = clean_site.site
    projects = {path for path, stem in site.pages.items()  # the project pages in the Spanish sitemap
                if stem.startswith("es-") and parse_page(site.routes[path].body, url="http://x" + path).is_project}
    engine = open_store(databases.new("crawl"))
    try:
        seeds = seed_links([clean_site.url(SMALL_START)])
        first = bounded(lambda: crawl(engine, seeds, fast()), 45)
        again = bounded(lambda: update(engine, fast()), 45)
        with engine.connect() as connection:
            stored = set(connection.execute(select(sources.c.locator)).scalars())
            states = {str(state): int(count) for state, count in
                      connection.execute(select(crawl_urls.c.state, func.count()).group_by(crawl_urls.c.state))}
            runs = [(str(command), bool(finished)) for command, finished in
                    connection.execute(select(crawl_runs.c.command, crawl_runs.c.finished_at.is_not(None))
                                       .order_by(crawl_runs.c.id))]
    finally:
        engine.dispose()
    assert stored == {clean_site.url(p) for p in projects}
    assert first.counts[Outcome.NEW] == len(projects) and not first.counts[Outcome.FAILED]
    assert {o.outcome for o in again.outcomes} == {Outcome.UNCHANGED}
    assert states == {"done": len(again.outcomes)}
    assert runs == [("crawl", True), ("update", True)]
