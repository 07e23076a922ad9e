"""Parse throughput on one core: text pages, the same pages as HTML, and trafilatura for reference.

    python benchmarks/parse_bench.py [--pages 10000] [--html-pages 2000] [--seed 0] [--profile]

The real pages of ``shared/corpus/pages.jsonl`` (or, without it, the bundled demo pages) are
replicated to ``--pages`` inputs; each replica differs from its original only by one short line
added at the end of its description, so that no two inputs are the same string. The HTML inputs
are the same replicas wrapped by ``wrap_as_html`` the way the iom.int site serves a page (head
with style and script, navigation, ``<article>`` with the title, the label/value rows and the
description, footer). Every input is given as UTF-8 bytes, as read from a file.

Goals: text >= 5,000 pages/s, HTML >= 10x ``trafilatura.extract`` on the same HTML.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import html
import json
import os
import platform
import pstats
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from fundatlas import ParseResult, parse_page
from fundatlas.vocab import label_key, load_json

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "pages.jsonl"
DEMO_PAGES = ROOT / "src" / "fundatlas" / "demo" / "pages"

TEXT_GOAL = 5000.0  # pages/s
HTML_RATIO_GOAL = 10.0  # times trafilatura
WARMUP_PAGES = 20

_BULLET = re.compile(r"^[-•*·–—▪◦●](?:[ \t]+|$)")
_SLUG = re.compile(r"[^a-z0-9]+")


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    lang: str
    text: str


def load_pages(path: Path) -> list[Page]:
    if path.is_file():
        pages = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    pages.append(Page(record["id"], record.get("lang") or "en", record["text"]))
        return pages
    return [
        Page(file.stem, file.stem[:2] if file.stem[:2] in ("fr", "en", "es") else "en", file.read_text("utf-8"))
        for file in sorted(DEMO_PAGES.glob("*.txt"))
    ]


def add_unique_line(text: str, description_end: int | None, counter: int) -> str:
    """``text`` with one short line ``Ref. bench-NNNNNN`` after the description (else at the end)."""
    line = f"Ref. bench-{counter:06d}"
    if description_end is None:
        return f"{text.rstrip(chr(10))}\n{line}\n"
    return f"{text[:description_end]}\n{line}{text[description_end:]}"


def replicate(pages: Sequence[Page], count: int, seed: int) -> list[tuple[int, str]]:
    """``count`` distinct page texts as (index of the original page, text), in a shuffled order."""
    description_ends: list[int | None] = []
    for page in pages:
        result = parse_page(page.text)
        span = result.project.provenance.get("description") if result.project is not None else None
        description_ends.append(span.end if span is not None else None)
    order = [i % len(pages) for i in range(max(count, len(pages)))]
    random.Random(seed).shuffle(order)
    return [(index, add_unique_line(pages[index].text, description_ends[index], n)) for n, index in enumerate(order)]


# --------------------------------------------------------------------------- HTML


def _field_label_keys() -> frozenset[str]:
    fields = load_json("labels.json")["fields"]
    return frozenset(
        label_key(label) for per_lang in fields.values() for labels in per_lang.values() for label in labels
    )


def _not_title_keys() -> frozenset[str]:
    return frozenset(label_key(text) for text in load_json("page.json")["not_title"])


_LABELS = _field_label_keys()
_NAVIGATION_ENDS = _not_title_keys()


def _strip_bullet(line: str) -> tuple[str, bool]:
    stripped = line.strip()
    match = _BULLET.match(stripped)
    if match is None:
        return stripped, False
    return stripped[match.end() :].strip(), True


def _is_label(content: str) -> bool:
    """A field label line, alone or as ``Label: value`` (a table row, with ``|``, is not one)."""
    if not content or len(content) > 100 or "|" in content:
        return False
    if label_key(content) in _LABELS:
        return True
    colon = content.find(":")
    return 0 < colon <= 100 and label_key(content[:colon]) in _LABELS


def guess_title_line(lines: Sequence[str]) -> int | None:
    """Index of the title line: the text line just above the first label line; on a page without
    labels, the first text line after the site navigation (bullets, up to its last known end line)."""
    contents = [_strip_bullet(line) for line in lines]
    for index, (content, _bullet) in enumerate(contents):
        if _is_label(content):
            for above in range(index - 1, -1, -1):
                text, bullet = contents[above]
                if text and not bullet:
                    return above
            return None
    begin = 0
    for index, (content, _bullet) in enumerate(contents):
        if content and label_key(content) in _NAVIGATION_ENDS:
            begin = index + 1
    if begin == 0:
        while begin < len(contents) and (contents[begin][1] or not contents[begin][0]):
            begin += 1
    for index in range(begin, len(contents)):
        text, bullet = contents[index]
        if text and not bullet:
            return index
    return None


_HEAD_STYLE = """
:root{--iom-blue:#0033a0;--iom-grey:#595959}
body{margin:0;font-family:"Open Sans",Arial,sans-serif;color:#222;line-height:1.5}
header .menu{display:flex;flex-wrap:wrap;list-style:none;margin:0;padding:0 1rem;background:var(--iom-blue)}
header .menu a{color:#fff;text-decoration:none;padding:.75rem 1rem;display:block}
main{max-width:1140px;margin:0 auto;padding:2rem 1rem}
h1.page-title{font-size:2.25rem;color:var(--iom-blue)}
.field{display:grid;grid-template-columns:16rem 1fr;border-bottom:1px solid #e5e5e5;padding:.5rem 0}
.field__label{font-weight:700;color:var(--iom-grey)}
.project-info table{border-collapse:collapse;width:100%}
.project-info td,.project-info th{border:1px solid #ccc;padding:.5rem;text-align:left}
footer{background:#f2f2f2;padding:2rem 1rem;font-size:.875rem}
@media (max-width:768px){.field{grid-template-columns:1fr}header .menu{flex-direction:column}}
"""

_HEAD_SCRIPT = """
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-XXXXXXXXXX', {'anonymize_ip': true});
(function(){var s=document.createElement('script');s.async=true;
s.src='/sites/g/files/tmzbdl486/files/js/js_bundle.js?v=10.3.1';
document.head.appendChild(s);})();
"""

_SETTINGS = {
    "path": {"baseUrl": "/", "pathPrefix": "", "currentPath": "node/000000", "isFront": False},
    "ajaxPageState": {"theme": "iom_theme", "libraries": "eJx1jlEOwyAMQy9E4UjIUIN0PQa"},
    "gtag": {"tagId": "G-XXXXXXXXXX", "consentMode": False, "otherIds": [], "events": []},
    "user": {"uid": 0, "permissionsHash": "0b1a8c2e4f6d8a0c2e4f6d8a0c2e4f6d"},
}

_FOOTER_LINKS = (
    ("Contact", "/contact"),
    ("Careers", "/careers"),
    ("Procurement", "/procurement"),
    ("Privacy policy", "/privacy-policy"),
    ("Terms of use", "/terms-and-conditions-use"),
)


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.casefold()).strip("-")[:60] or "page"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("|") if cell.strip()]


def wrap_as_html(page_text: str, title_line_index: int | None = None, *, lang: str = "en") -> str:
    """The page as the iom.int site would serve it.

    Lines before the title are the site navigation (``<header><nav>``), the title line is the
    ``<h1>``, label lines open ``<div class="field">`` rows whose value lines are
    ``field__item``s, bullet lines are list items, ``|`` lines make the project-information
    table, and the other lines are ``<p>`` paragraphs (long lines) or ``<div>``s (short ones).
    ``title_line_index`` defaults to ``guess_title_line``.
    """
    e = html.escape
    lines = page_text.split("\n")
    title_index = guess_title_line(lines) if title_line_index is None else title_line_index
    nav_lines = lines[:title_index] if title_index is not None else []
    body_lines = lines[title_index + 1 :] if title_index is not None else lines
    title = _strip_bullet(lines[title_index])[0] if title_index is not None else ""
    out: list[str] = [
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="ltr">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n',
        f'<meta property="og:title" content="{e(title)}">\n<meta property="og:site_name" content="IOM">\n',
        f'<link rel="canonical" href="https://www.iom.int/{lang}/{_slug(title)}">\n',
        f"<title>{e(title)} | IOM</title>\n<style>{_HEAD_STYLE}</style>\n<script>{_HEAD_SCRIPT}</script>\n",
        '<script type="application/json" data-drupal-selector="drupal-settings-json">',
        json.dumps(_SETTINGS),
        "</script>\n</head>\n",
        '<body class="path-node page-node-type-project">\n'
        '<a href="#main-content" class="visually-hidden focusable">Skip to main content</a>\n',
        '<header role="banner">\n<nav role="navigation" aria-label="Main">\n<ul class="menu">\n',
    ]
    for line in nav_lines:
        content, _bullet = _strip_bullet(line)
        if content:
            out.append(f'<li class="menu-item"><a href="/{lang}/{_slug(content)}">{e(content)}</a></li>\n')
    out.append("</ul>\n</nav>\n</header>\n")
    out.append('<main role="main" id="main-content">\n<article class="node node--type-project">\n')
    if title_index is not None:
        out.append(f'<h1 class="page-title"><span>{e(title)}</span></h1>\n')
    out.append('<div class="node__content">\n')
    in_field = in_list = in_table = False
    field_indent = 0
    for line in body_lines:
        content, bullet = _strip_bullet(line)
        indent = len(line) - len(line.lstrip())
        is_table_line = "|" in line
        if in_table and not is_table_line:
            out.append("</table>\n</div>\n")
            in_table = False
        if in_list and (not bullet or not content or _is_label(content)):
            out.append("</ul>\n")
            in_list = False
        if not content:  # a blank line, or a lone "-" between rows, ends a row
            if in_field:
                out.append("</div>\n")
                in_field = False
            continue
        if _is_label(content):
            if in_field:
                out.append("</div>\n")
            label, _, inline = content.partition(":") if label_key(content) not in _LABELS else (content, "", "")
            out.append(f'<div class="field">\n<div class="field__label">{e(label.strip())}</div>\n')
            if inline.strip():
                out.append(f'<div class="field__item">{e(inline.strip())}</div>\n')
            in_field, field_indent = True, indent
            continue
        if in_field and not bullet and (indent > field_indent or len(content) <= 100):
            out.append(f'<div class="field__item">{e(content)}</div>\n')
            continue
        if in_field:
            out.append("</div>\n")
            in_field = False
        if is_table_line:
            cells = _cells(content)
            if not in_table:
                out.append('<div class="project-info">\n<table>\n')
                in_table = True
                if cells:
                    out.append("<tr>" + "".join(f"<th>{e(cell)}</th>" for cell in cells) + "</tr>\n")
                continue
            if cells and not set("".join(cells)) <= set("-=+: "):
                out.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in cells) + "</tr>\n")
            continue
        if bullet:
            if not in_list:
                out.append('<ul class="list">\n')
                in_list = True
            out.append(f"<li>{e(content)}</li>\n")
            continue
        tag = "p" if len(content) > 100 else "div"
        out.append(f"<{tag}>{e(content)}</{tag}>\n")
    if in_field:
        out.append("</div>\n")
    if in_list:
        out.append("</ul>\n")
    if in_table:
        out.append("</table>\n</div>\n")
    out.append("</div>\n</article>\n</main>\n")
    out.append('<footer role="contentinfo">\n<ul class="footer-menu">\n')
    for text, href in _FOOTER_LINKS:
        out.append(f'<li><a href="/{lang}{href}">{text}</a></li>\n')
    out.append("</ul>\n<p>© International Organization for Migration</p>\n</footer>\n</body>\n</html>\n")
    return "".join(out)


# --------------------------------------------------------------------------- checks


def key_fields(result: ParseResult) -> dict[str, Any]:
    project = result.project
    if project is None:
        return {"is_project": result.is_project}
    return {
        "is_project": result.is_project,
        "title": project.title,
        "project_id": project.project_id,
        "budget_usd": project.budget_usd,
        "beneficiaries": [b.iso3 for b in project.beneficiaries],
        "status": project.status,
    }


def check_html_agreement(pages: Sequence[Page]) -> list[tuple[str, dict[str, tuple[Any, Any]]]]:
    """Pages whose HTML parse differs from their text parse: (id, {field: (text value, HTML value)})."""
    disagreements = []
    for page in pages:
        text_fields = key_fields(parse_page(page.text.encode("utf-8")))
        html_fields = key_fields(parse_page(wrap_as_html(page.text, lang=page.lang).encode("utf-8")))
        diff = {
            name: (text_fields.get(name), html_fields.get(name))
            for name in text_fields.keys() | html_fields.keys()
            if text_fields.get(name) != html_fields.get(name)
        }
        if diff:
            disagreements.append((page.id, diff))
    return disagreements


# --------------------------------------------------------------------------- timing


def time_pages(function: Callable[[bytes], object], inputs: Sequence[bytes]) -> float:
    """Seconds ``function`` takes over ``inputs``, each result dropped at once as a streaming CLI
    would (the garbage collector left on, as usual). The inputs, prepared in memory beforehand,
    are frozen out of the collector's sight: a CLI streaming files would not hold them."""
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for data in inputs:
        function(data)
    elapsed = time.perf_counter() - start
    gc.unfreeze()
    return elapsed


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _pin_to_one_core(cpu: int | None) -> None:
    if not hasattr(os, "sched_setaffinity"):
        return
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu if cpu is not None else allowed[0]})


def print_environment() -> None:
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "n/a"
    print(f"cpu affinity: {affinity} (of {os.cpu_count()} CPUs); CPU: {_cpu_model()}")
    print(f"python {platform.python_version()} ({platform.python_implementation()}); {platform.platform()}")
    versions = ", ".join(f"{name} {_version(name)}" for name in ("fundatlas", "selectolax", "trafilatura", "lxml"))
    print(f"packages: {versions}")


def _goal(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def profile_text(inputs: Sequence[bytes], top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for data in inputs:
        parse_page(data)
    profiler.disable()
    print(f"\ncProfile of parse_page on {len(inputs)} text pages, top {top} by cumulative time:")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10000, help="text and HTML pages to parse (default 10000)")
    parser.add_argument("--html-pages", type=int, default=2000, help="HTML pages for trafilatura (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="order of the replicas (default 0)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="pages.jsonl (default: shared corpus)")
    parser.add_argument("--cpu", type=int, default=None, help="core to pin to (default: first allowed)")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura reference")
    parser.add_argument("--profile", action="store_true", help="also cProfile the text parse (top 25)")
    args = parser.parse_args(argv)

    _pin_to_one_core(args.cpu)
    print_environment()
    pages = load_pages(args.corpus)
    print(f"corpus: {len(pages)} pages from {args.corpus if args.corpus.is_file() else DEMO_PAGES}")

    replicas = replicate(pages, args.pages, args.seed)
    text_inputs = [text.encode("utf-8") for _index, text in replicas]
    html_inputs = [wrap_as_html(text, lang=pages[index].lang).encode("utf-8") for index, text in replicas]
    text_mb = sum(map(len, text_inputs)) / 1e6
    html_mb = sum(map(len, html_inputs)) / 1e6
    print(
        f"inputs: {len(text_inputs)} distinct pages; text {text_mb:.1f} MB "
        f"(mean {1e6 * text_mb / len(text_inputs):.0f} B), HTML {html_mb:.1f} MB "
        f"(mean {1e6 * html_mb / len(html_inputs):.0f} B)"
    )

    for data in text_inputs[:WARMUP_PAGES] + html_inputs[:WARMUP_PAGES]:
        parse_page(data)
    text_s = time_pages(parse_page, text_inputs)
    html_s = time_pages(parse_page, html_inputs)
    text_rate, html_rate = len(text_inputs) / text_s, len(html_inputs) / html_s

    # Untimed: the replicas parse like their originals, and each HTML replica like its text.
    originals = [key_fields(parse_page(page.text.encode("utf-8"))) for page in pages]
    replica_diffs = html_diffs = 0
    for (index, _text), text_data, html_data in zip(replicas, text_inputs, html_inputs, strict=True):
        text_fields = key_fields(parse_page(text_data))
        replica_diffs += text_fields != originals[index]
        html_diffs += key_fields(parse_page(html_data)) != text_fields
    print(f"replicas parsing unlike their original: {replica_diffs}; HTML unlike their text: {html_diffs}")
    # Also untimed, and after the timings: run before them, it left glibc's heap-trim threshold
    # low enough that the ~1 MB lexbor takes per document went back to the system and was faulted
    # in again on every page of the timed HTML loop (some 60,000 brk calls, 20-25% of the HTML
    # time, old and new parser alike). `fundatlas parse` over a folder of HTML files does not do
    # that either (about 150 brk calls for 3,000 files).
    disagreements = check_html_agreement(pages)
    print(
        f"HTML vs text parse (title, project_id, budget_usd, beneficiaries iso3, status, is_project): "
        f"{len(pages) - len(disagreements)}/{len(pages)} pages agree"
    )
    for page_id, diff in disagreements:
        print(f"  DISAGREES {page_id}: " + "; ".join(f"{k}: text={t!r} html={h!r}" for k, (t, h) in diff.items()))

    print(
        f"\ntext  parse_page: {len(text_inputs):6d} pages in {text_s:7.3f} s = {text_rate:9.1f} pages/s "
        f"({text_mb / text_s:.2f} MB/s)"
    )
    print(
        f"HTML  parse_page: {len(html_inputs):6d} pages in {html_s:7.3f} s = {html_rate:9.1f} pages/s "
        f"({html_mb / html_s:.2f} MB/s)"
    )

    ratio = None
    if not args.no_trafilatura:
        import trafilatura  # noqa: PLC0415 - optional reference, imported only when used

        subset = html_inputs[: max(1, min(args.html_pages, len(html_inputs)))]
        for data in html_inputs[-WARMUP_PAGES:]:
            trafilatura.extract(data)
        extracted = 0

        def extract(data: bytes) -> None:
            nonlocal extracted
            extracted += bool(trafilatura.extract(data))

        traf_s = time_pages(extract, subset)
        traf_rate = len(subset) / traf_s
        ratio = html_rate / traf_rate
        print(
            f"trafilatura.extract: {len(subset):6d} pages in {traf_s:7.3f} s = {traf_rate:9.1f} pages/s "
            f"(text extracted from {extracted}/{len(subset)})"
        )
        print(f"ratio HTML parse_page / trafilatura: {ratio:.1f}x")

    print(f"\ngoal text >= {TEXT_GOAL:.0f} pages/s: {_goal(text_rate >= TEXT_GOAL)} ({text_rate:.0f})")
    if ratio is not None:
        passed = _goal(ratio >= HTML_RATIO_GOAL)
        print(f"goal HTML >= {HTML_RATIO_GOAL:.0f}x trafilatura: {passed} ({ratio:.1f}x)")
    if args.profile:
        profile_text(text_inputs[: min(len(text_inputs), 3000)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
