"""A small copy of the Fund's site on 127.0.0.1, served by a real HTTP server in a thread.

The bundled pages (``src/fundatlas/demo/pages``) are served as HTML under the URL shapes of
iom.int (``/fr/node/N``, ``/es/node/N``, ``/project/slug``), reachable from a paginated French
listing, a sitemap index (a plain and a gzip sitemap) and language alternates. With ``faults``,
the site also misbehaves in every way the crawler must survive. The server counts the requests
per path, so tests can tell what was fetched and how often.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"
LISTING_SIZE = 10
LAST_MODIFIED = "Mon, 03 Nov 2025 10:00:00 GMT"
#: Language versions of one project, declared with <link rel="alternate" hreflang>.
ALTERNATES = [
    ("fr-187546", "en-technical-assistance-migration-policy-fsm"),
    ("fr-177686", "old-df-strengthening-governments-capacity-el-salvador-nicaragua-honduras-and-guatemala-address"),
]
#: Reachable only through a language alternate (in no listing and no sitemap).
ALTERNATE_ONLY = "en-technical-assistance-migration-policy-fsm"
ROBOTS = "User-agent: *\nDisallow: /project/secret-\n"
HUGE_SIZE = 60 * 1024 * 1024

# Fault paths (served when the site has faults).
FLAKY = "/fr/node/175816"  # 500 once, then the page
LIMITED = "/fr/node/187231"  # 429 with Retry-After: 1 once, then the page
BROKEN = "/fr/node/900001"  # always 500
HANG = "/fr/node/900002"  # accepts the connection, never answers
DRIP = "/fr/node/900003"  # a body that drips a byte at a time, for ever
HUGE = "/fr/node/900004"  # 60 MB, declared in Content-Length
HUGE_STREAM = "/fr/node/900005"  # 60 MB, no Content-Length
PDF = "/fr/node/900006"  # a PDF where HTML was expected
MISSING = "/fr/node/900007"  # 404
LOOP = "/project/loop-a"  # redirects to /project/loop-b, which redirects back
AWAY = "/project/away"  # redirects to a host off the allow-list
SECRET = "/project/secret-plan"  # disallowed by robots.txt
MOVED = "/project/old-home"  # 301 to a page found nowhere else
MOVED_TO = "/project/es-df-130671"
OFF_LIST = "http://elsewhere.example/project/x"  # a start URL off the allow-list
FAULT_PATHS = [FLAKY, LIMITED, BROKEN, HANG, DRIP, HUGE, HUGE_STREAM, PDF, MISSING, LOOP, AWAY, SECRET, MOVED]


def page_path(stem: str) -> str:
    lang, _, rest = stem.partition("-")
    if lang in ("fr", "es") and rest.isdigit():
        return f"/{lang}/node/{rest}"
    return f"/project/{stem}"


def page_html(text: str, lang: str, alternates: list[tuple[str, str]]) -> bytes:
    """A page's text as the body of an HTML page, one paragraph a line."""
    links = "".join(f'<link rel="alternate" hreflang="{code}" href="{href}">' for code, href in alternates)
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    title = html.escape(text.strip().splitlines()[0] if text.strip() else "")
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{links}</head>'
            f'<body><nav><a href="/">Accueil</a> <a href="/about">About</a> <a href="/fr/news/x">News</a></nav>'
            f"<main>{body}</main></body></html>").encode()


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """What the server serves: path (with query) → response; ``faults`` adds the misbehaving paths."""

    faults: bool = True
    robots: str = ROBOTS
    routes: dict[str, Response] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # path → demo page stem, for every page served

    def __post_init__(self) -> None:
        stems = sorted(p.stem for p in PAGES.glob("*.txt") if not p.stem.startswith("seed-"))
        alternate_of: dict[str, list[str]] = {}
        for group in ALTERNATES:
            for stem in group:
                alternate_of[stem] = [other for other in group if other != stem]
        for stem in stems:
            path = page_path(stem)
            lang = stem.split("-", 1)[0] if stem[:3] in ("fr-", "es-") else "en"
            alternates = [(lang, path)] + [("fr" if o.startswith("fr-") else "en", page_path(o))
                                           for o in alternate_of.get(stem, [])]
            text = (PAGES / f"{stem}.txt").read_text(encoding="utf-8")
            self.set_page(path, page_html(text, lang, alternates if stem in alternate_of else []))
            self.pages[path] = stem
        fr = [page_path(s) for s in stems if s.startswith("fr-")]
        es = [page_path(s) for s in stems if s.startswith("es-") and (not self.faults or page_path(s) != MOVED_TO)]
        en = [page_path(s) for s in stems if not s.startswith(("fr-", "es-")) and s != ALTERNATE_ONLY]
        self._listing("/fr/projets", fr)
        self._sitemaps(es, en)
        self.routes["/robots.txt"] = Response(200, self.robots.encode(), {"Content-Type": "text/plain"})
        if self.faults:
            self.routes[MISSING] = Response(404, b"<html><body><p>Not found</p></body></html>",
                                            {"Content-Type": "text/html"})
            self.routes[PDF] = Response(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n",
                                        {"Content-Type": "application/pdf"})
            self.routes[LOOP] = Response(302, headers={"Location": "/project/loop-b"})
            self.routes["/project/loop-b"] = Response(302, headers={"Location": LOOP})
            self.routes[AWAY] = Response(302, headers={"Location": "http://off-list.example/project/away"})
            self.routes[MOVED] = Response(301, headers={"Location": MOVED_TO})
            self.set_page(SECRET, page_html("Secret\n", "en", []))

    def set_page(self, path: str, body: bytes) -> None:
        """Serve ``body`` as HTML at ``path``, with an ETag and Last-Modified for conditional GET."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.routes[path] = Response(200, body, {"Content-Type": "text/html; charset=utf-8", "ETag": etag,
                                                 "Last-Modified": LAST_MODIFIED})

    def _listing(self, path: str, targets: list[str]) -> None:
        chunks = [targets[i:i + LISTING_SIZE] for i in range(0, len(targets), LISTING_SIZE)]
        for number, chunk in enumerate(chunks):
            # relative, absolute-path and fragment links all normalise to the same URLs
            items = "".join(f'<li><a href="{t}">{t}</a> <a href="{t}#top">#</a></li>' for t in chunk)
            pager = f'<a href="{path}?page={number + 1}">Suivant</a>' if number + 1 < len(chunks) else ""
            back = f"?page={number - 1}" if number > 1 else path
            previous = f'<a href="{back}">Précédent</a>' if number else ""
            body = (f"<!doctype html><html lang=fr><head><title>Projets</title></head><body>"
                    f'<nav><a href="/">Accueil</a><a href="https://www.un.org/project/x">ONU</a></nav>'
                    f"<h1>Projets du Fonds</h1><ul>{items}</ul>{previous} {pager}</body></html>").encode()
            self.set_page(path if number == 0 else f"{path}?page={number}", body)

    def _sitemaps(self, es: list[str], en: list[str]) -> None:
        index = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                 'sitemap/0.9"><sitemap><loc>/sitemaps/es.xml</loc></sitemap>'
                 "<sitemap><loc>/sitemaps/en.xml.gz</loc></sitemap></sitemapindex>")
        self.routes["/sitemap.xml"] = Response(200, index.encode(), {"Content-Type": "application/xml"})
        for name, paths, packed in (("es.xml", es, False), ("en.xml.gz", en, True)):
            locs = "".join(f"<url><loc>{p}</loc></url>" for p in [*paths, "/about-us"])
            locs += "<url><loc>https://www.example.org/project/elsewhere</loc></url>"
            xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/'
                   f'0.9">{locs}</urlset>').encode()
            body, kind = (gzip.compress(xml, mtime=0), "application/gzip") if packed else (xml, "application/xml")
            self.routes[f"/sitemaps/{name}"] = Response(200, body, {"Content-Type": kind})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the quiet server)
        pass

    def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
        served = self.server.served
        served.record(self.path, dict(self.headers.items()))
        special = served.special(self.path)
        try:
            if special is not None:
                special(self)
            else:
                self._static()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _static(self) -> None:
        route = self.server.served.site.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        etag = route.headers.get("ETag")
        if etag is not None and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.answer(route.status, route.body, route.headers)

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    served: ServedSite

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: clients that give up (deadlines, size limits) reset their connections on purpose."""


@dataclass
class Request:
    path: str
    at: float
    headers: dict[str, str]


class ServedSite:
    """A ``Site`` served on 127.0.0.1 from a background thread; ``counts`` per path as requested."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.requests: list[Request] = []
        self.release = threading.Event()  # lets hanging and dripping handlers go at shutdown
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self.server = SiteServer(("127.0.0.1", 0), _Handler)
        self.server.served = self
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> ServedSite:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        return self.base + path

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Request(path, time.monotonic(), headers))
            self._hits[path] += 1

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._hits)

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits[path]

    def special(self, path: str) -> Callable[[_Handler], None] | None:
        if not self.site.faults:
            return None
        return {FLAKY: self._flaky, LIMITED: self._limited, BROKEN: self._broken, HANG: self._hang,
                DRIP: self._drip, HUGE: self._huge, HUGE_STREAM: self._huge_stream}.get(path)

    def _flaky(self, handler: _Handler) -> None:
        if self.hits(FLAKY) <= 1:
            handler.answer(500, b"<html><body>oops</body></html>", {"Content-Type": "text/html"})
        else:
            handler._static()

    def _limited(self, handler: _Handler) -> None:
        if self.hits(LIMITED) <= 1:
            handler.answer(429, b"slow down", {"Content-Type": "text/plain", "Retry-After": "1"})
        else:
            handler._static()

    def _broken(self, handler: _Handler) -> None:
        handler.answer(500, b"<html><body>always broken</body></html>", {"Content-Type": "text/html"})

    def _hang(self, handler: _Handler) -> None:
        self.release.wait(60)
        handler.close_connection = True

    def _drip(self, handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.wfile.write(b"<html><body><p>")
        while not self.release.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()
        handler.close_connection = True

    def _huge(self, handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(HUGE_SIZE))
        handler.end_headers()
        self._write_huge(handler)

    def _huge_stream(self, handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        self._write_huge(handler)

    def _write_huge(self, handler: _Handler) -> None:
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        handler.close_connection = True
        for _ in range(HUGE_SIZE // len(chunk)):
            if self.release.is_set():
                return
            handler.wfile.write(chunk)
