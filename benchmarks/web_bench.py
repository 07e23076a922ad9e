"""The dashboard's overview, first load in a real browser: time and bytes transferred.

    python benchmarks/web_bench.py [--runs 7] [--db sqlite:///fundatlas.db] [--chromium /usr/bin/chromium]

Starts ``fundatlas serve`` on 127.0.0.1 (on the bundled pages ingested into a temporary store, as
``make demo`` does, unless ``--db`` names one), then loads ``/`` in Debian's headless Chromium
(driven by Playwright) ``--runs`` times, each in a new browser context (an empty cache, so every run
is a first load). Per run it records:

* load: navigation start to the ``load`` event (Navigation Timing ``loadEventEnd``);
* charts: navigation start to the moment ``app.js`` has drawn every chart and the map (its
  ``charts-drawn`` performance mark; the map's geometry is fetched after ``load``);
* transferred: bytes received for every response of the page, headers included (the Chrome
  DevTools Protocol's ``Network.loadingFinished`` ``encodedDataLength``), and the requests made.

Goals: first load < 1 s on loopback (the median run, to charts drawn; the slowest run is printed
too) and < 400 KB transferred (the largest run). The server gets one request before
the runs (its first request opens the store and loads the locale data); the browser never has
anything cached. Prints the machine and exits 1 when a goal is missed or a request leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "src" / "fundatlas" / "demo" / "pages"
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
GOAL_SECONDS = 1.0
GOAL_BYTES = 400 * 1000


@dataclass(frozen=True)
class Run:
    load_ms: float
    charts_ms: float
    transferred: int
    requests: int
    foreign: tuple[str, ...]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fundatlas(*args: str) -> list[str]:
    return [sys.executable, "-m", "fundatlas", *args]


def demo_store(folder: Path) -> str:
    url = f"sqlite:///{folder / 'demo.db'}"
    subprocess.run(fundatlas("ingest", "--db", url, "--rows", "0", str(PAGES)), check=True, stdout=subprocess.DEVNULL)
    return url


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"fundatlas serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("fundatlas serve did not start within 30 s")


def one_run(browser: Browser, url: str) -> Run:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda event: urls.__setitem__(event["requestId"], event["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url, wait_until="load")
    page.wait_for_selector("html[data-charts-drawn]", timeout=10_000)
    timing = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const mark = performance.getEntriesByName("charts-drawn")[0];
            return {load: nav.loadEventEnd - nav.startTime, charts: mark ? mark.startTime - nav.startTime : -1};
        }"""
    )
    page.wait_for_timeout(200)  # let the last loadingFinished events arrive
    foreign = tuple(u for u in urls.values() if urlsplit(u).hostname not in ("127.0.0.1", None))
    context.close()
    return Run(float(timing["load"]), float(timing["charts"]), sum(received.values()), len(urls), foreign)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", help="a store to serve (default: the bundled pages, ingested into a temporary one)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fundatlas-web-bench-") as folder:
        db = options.db or demo_store(Path(folder))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            fundatlas("serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "FUNDATLAS_ADMIN_TOKEN": ""},
        )
        try:
            wait_until_up(base, server)
            with urllib.request.urlopen(f"{base}/", timeout=10) as response:  # the server's own warm-up
                response.read()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=options.chromium, headless=True, args=CHROMIUM_ARGS
                )
                version = browser.version
                runs = [one_run(browser, f"{base}/") for _ in range(options.runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical CPU(s); {platform.platform()}; "
          f"load average {load_average}")
    print(f"python {platform.python_version()}; Chromium {version}; playwright {metadata.version('playwright')}; "
          f"fundatlas {metadata.version('fundatlas')}; store: {options.db or 'bundled pages (63 projects)'}")
    print(f"overview {base}/, {options.runs} first loads (new context each: empty cache)")
    print(f"{'run':>3} {'load ms':>8} {'charts ms':>9} {'KB':>7} {'requests':>8}")
    for number, run in enumerate(runs, start=1):
        print(f"{number:>3} {run.load_ms:>8.0f} {run.charts_ms:>9.0f} {run.transferred / 1000:>7.1f} {run.requests:>8}")
    load = statistics.median(r.load_ms for r in runs)
    charts = statistics.median(r.charts_ms for r in runs)
    worst = max(max(r.load_ms, r.charts_ms) for r in runs)
    size = max(r.transferred for r in runs)
    foreign = sorted({u for r in runs for u in r.foreign})
    print(f"median: load {load:.0f} ms, charts drawn {charts:.0f} ms (slowest run {worst:.0f} ms); "
          f"transferred {size / 1000:.1f} KB")
    time_ok = charts < GOAL_SECONDS * 1000
    size_ok = size < GOAL_BYTES
    print(f"goal < {GOAL_SECONDS:.0f} s (median, to charts drawn): {'met' if time_ok else 'MISSED'}; "
          f"goal < {GOAL_BYTES // 1000} KB: {'met' if size_ok else 'MISSED'}; "
          f"requests to other hosts: {len(foreign)}{' ' + ', '.join(foreign) if foreign else ''}")
    return 0 if time_ok and size_ok and not foreign else 1


if __name__ == "__main__":
    raise SystemExit(main())
