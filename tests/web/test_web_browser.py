"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a real
``fundatlas serve`` on 127.0.0.1.

Every test fails on a console error, an uncaught page error, or any request to a host other than
127.0.0.1. Screenshots go to ``test-artifacts/web/``. Skipped, with the reason, only when
``/usr/bin/chromium`` is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium); .ci/run installs it"
)

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, sync_playwright
    from playwright.sync_api import Request as BrowserRequest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"fundatlas serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"fundatlas serve did not answer at {base} within {timeout} s")


@pytest.fixture(scope="module")
def server(demo_store: str) -> Iterator[str]:
    """``fundatlas serve`` on the demo store, on a free port of 127.0.0.1."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "fundatlas", "serve", "--db", demo_store, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "FUNDATLAS_ADMIN_TOKEN": ""},
    )
    try:
        wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile (Playwright makes a temporary one)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did that a test must fail on."""

    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def request(self, request: BrowserRequest) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host != "127.0.0.1":
            self.foreign_requests.append(request.url)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new tab in a new context (empty cache), watched for console errors and foreign requests."""
    watch = Watch()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.on("console", lambda message: watch.console_errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: watch.console_errors.append(f"uncaught: {error}"))
    tab.on("request", watch.request)
    # nothing may leave 127.0.0.1: such a request is recorded above, then refused here
    tab.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    yield tab
    context.close()
    assert not watch.foreign_requests, f"requests to other hosts: {watch.foreign_requests}"
    assert not watch.console_errors, f"console errors: {watch.console_errors}"


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def result_ids(page: Page) -> list[str]:
    return page.locator("table.results tbody .meta .code").all_inner_texts()


def test_overview_draws_the_map_and_the_charts(page: Page, server: str) -> None:
    page.goto(f"{server}/?lang=en")
    page.wait_for_selector("html[data-charts-drawn]", timeout=10_000)
    filled = page.locator("figure[data-chart=map] path.country.has-data")
    assert filled.count() > 50
    fills = set(filled.evaluate_all("nodes => nodes.map(n => n.getAttribute('fill'))"))
    assert len(fills) >= 3 and None not in fills
    assert page.locator("figure[data-chart=map] path.country.no-data").count() > 50
    for chart in ("years", "types", "coverage"):
        bars = page.locator(f"figure[data-chart={chart}] svg rect.bar")
        assert bars.count() > 0, chart
        heights = bars.evaluate_all("nodes => nodes.map(n => n.getBBox().width * n.getBBox().height)")
        assert max(heights) > 100, chart
    assert page.locator("figure[data-chart=years] .legend li").count() >= 3
    assert page.locator("[data-total=projects]").inner_text() == "63"
    shoot(page, "overview")


def test_search_finds_the_same_project_in_french_and_english(page: Page, server: str) -> None:
    page.goto(f"{server}/projects?lang=en")
    found = {}
    for query in ("traite", "trafficking"):
        page.fill("#q", query)
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(rf"q={query}"))
        found[query] = set(result_ids(page))
        assert page.locator("p.snippet mark").count() > 0
    assert "CT.0985" in found["traite"] and "CT.0985" in found["trafficking"]
    assert found["traite"] == found["trafficking"]
    shoot(page, "search-trafficking")


def test_filter_by_region_then_open_a_project_and_switch_language(page: Page, server: str) -> None:
    page.goto(f"{server}/projects?lang=en")
    facet = page.locator("section[data-facet=idf_region] a", has_text="Asia and Oceania")
    expected = int(facet.locator(".count").inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"idf_region=asia_oceania"))
    assert page.locator("#results-heading").get_attribute("data-total") == str(expected)
    regions = page.locator("table.results tbody td:nth-child(4)").all_inner_texts()
    assert regions and all(region.strip() == "Asia and Oceania" for region in regions)
    page.locator("table.results a.project-link", has_text="Migration Policy in the Federated States").click()
    page.wait_for_url(re.compile(r"/projects/PO\.0196"))
    assert page.locator("h1").inner_text().startswith("Technical Assistance for the Development")
    shoot(page, "project-en")
    page.locator("nav.lang-switch a[data-lang=fr]").click()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().startswith("Aide technique à l’élaboration")
    assert page.locator("#beneficiaries-heading").inner_text() == "Pays bénéficiaires"
    assert page.locator(".text-version[lang=en]").count() == 1
    shoot(page, "project-fr")
    page.locator("table a[href^='/countries/FSM']").first.click()
    page.wait_for_url(re.compile(r"/countries/FSM\?lang=fr"))
    assert page.locator("h1").inner_text().startswith("Micronésie")
    page.wait_for_selector("html[data-charts-drawn]")
    assert page.locator("figure[data-chart=timeline] rect.bar").count() >= 1
    shoot(page, "country-fr")


def test_the_url_holds_the_whole_state(page: Page, server: str) -> None:
    url = f"{server}/projects?q=migration&coverage=national&sort=-budget&page=2&lang=es"
    page.goto(url)
    assert page.locator("#q").input_value() == "migration"
    assert page.locator("#sort").input_value() == "-budget"
    assert page.locator("nav.pagination a[aria-current=page]").inner_text() == "2"
    assert page.locator("section[data-facet=coverage] a[aria-current=true]").count() == 1
    budgets = page.locator("table.results tbody td:nth-child(3)").all_inner_texts()
    numbers = [int(re.sub(r"\D", "", text)) for text in budgets]
    assert numbers == sorted(numbers, reverse=True)
    downloads = page.locator("section.downloads a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for href in downloads:
        assert sorted(parse_qsl(urlsplit(href).query)) == [("coverage", "national"), ("q", "migration")]
    shoot(page, "browse-state")


def test_region_and_quality_pages(page: Page, server: str) -> None:
    page.goto(f"{server}/regions/latin_america_caribbean?lang=es")
    assert page.locator("h1").inner_text() == "América Latina y el Caribe"
    page.wait_for_selector("html[data-charts-drawn]")
    assert page.locator("figure[data-chart=timeline] rect.bar").count() >= 1
    page.goto(f"{server}/quality?lang=en")
    link = page.locator("table.rules a[href^='#rule-']").first
    link.click()
    section = page.locator("section.rule-section").first
    section.locator("tbody a").first.click()
    page.wait_for_url(re.compile(r"/projects/"))
    assert page.locator("#findings-heading").is_visible()


def test_keyboard_skip_link_and_focus(page: Page, server: str) -> None:
    page.goto(f"{server}/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_lists_and_pages_work_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.goto(f"{server}/projects?lang=fr")
    tab.fill("#q", "trata")
    tab.press("#q", "Enter")
    tab.wait_for_url(re.compile(r"q=trata"))
    assert "PX.0012" in result_ids(tab)
    tab.locator("section[data-facet=status] a").first.click()
    tab.wait_for_url(re.compile(r"status="))
    tab.locator("table.results a.project-link").first.click()
    tab.wait_for_url(re.compile(r"/projects/"))
    assert tab.locator("#beneficiaries-heading").inner_text() == "Pays bénéficiaires"
    tab.goto(f"{server}/?lang=fr")
    assert tab.locator("figure[data-chart=map] .no-js-note").is_visible()
    context.close()
