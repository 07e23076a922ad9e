"""Property tests of ``parse_page``: whatever the input, one well-formed result and no exception.

Profiles: ``HYPOTHESIS_PROFILE=ci`` (as ``.ci/run`` sets it) runs ``CI_EXAMPLES`` examples per
test, at least 10,000 in all; otherwise ``DEV_EXAMPLES`` per test. The real pages come from
``../shared/corpus/pages.jsonl``, or, without it, from ``tests/data/corpus`` and the demo pages.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundatlas import ParseResult, parse_page
from fundatlas.normalize.numbers import parse_amount
from fundatlas.vocab import label_key, load_json

CI_EXAMPLES = 2_000
DEV_EXAMPLES = 300
_COMMON: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=CI_EXAMPLES, **_COMMON)
settings.register_profile("dev", max_examples=DEV_EXAMPLES, **_COMMON)
PROFILE = settings.get_profile("ci" if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else "dev")

ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "pages.jsonl"
LOCAL_PAGES = [ROOT / "tests" / "data" / "corpus", ROOT / "src" / "fundatlas" / "demo" / "pages"]

_BULLET = re.compile(r"^\s*[-•*·–—▪◦●](?:[ \t]+|$)")
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- data


@cache
def corpus() -> tuple[tuple[str, str], ...]:
    """(id, text) of the real pages."""
    if SHARED_CORPUS.is_file():
        records = [json.loads(line) for line in SHARED_CORPUS.read_text("utf-8").splitlines() if line.strip()]
        return tuple((record["id"], record["text"]) for record in records)
    seen: dict[str, str] = {}
    for folder in LOCAL_PAGES:
        for file in sorted(folder.glob("*.txt")):
            seen.setdefault(file.stem, file.read_text("utf-8"))
    return tuple(seen.items())


@cache
def full_parse(index: int) -> ParseResult:
    return parse_page(corpus()[index][1])


@cache
def project_pages() -> tuple[int, ...]:
    return tuple(index for index in range(len(corpus())) if full_parse(index).project is not None)


@cache
def corpus_lines() -> tuple[str, ...]:
    return tuple(sorted({line for _id, text in corpus() for line in text.split("\n") if len(line) <= 300}))


def _labels() -> list[str]:
    fields = load_json("labels.json")["fields"]
    return sorted({label for per_lang in fields.values() for labels in per_lang.values() for label in labels})


def _table_labels() -> list[str]:
    table = load_json("labels.json")["table"]
    return sorted({label for per_lang in table.values() for labels in per_lang.values() for label in labels})


LABELS = _labels()
TABLE_LABELS = _table_labels()
LABEL_KEYS = frozenset(label_key(label) for label in LABELS)
VALUES = [
    "2023", "2025", "2024", "1999", "300000.00", "400 000 dollars É.-U.", "USD 1,250,000", "100,000", "1.5 million",
    "Actif", "Achevé", "Active", "Completed", "Activo", "Finalizado", "National", "Regional", "Global",
    "Multi-Regional", "Afrique", "Asia and Oceania", "Amérique latine et Caraïbes", "IS.0133", "V57-805",
    "MR10P0564", "Mauritanie", "Costa Rica Belize El Salvador", "ChiliUruguay", "Fiji Tuvalu Vanuatu",
    "Federated States of Micronesia", "Bolivie (État Plurinational De)", "Intégration et cohésion sociale",
    "TCMMCB", "Migración laboral", "24 mois", "18 months", "", " ", "-", "•", ":", "|",
]  # fmt: skip


# --------------------------------------------------------------------------- checks


def decoded_length(result: ParseResult, data: bytes | str) -> int:
    """Length of the decoded input the spans refer to."""
    if isinstance(data, str):
        assert result.text in ("", data)
        return len(data)
    return len(result.text)


def check_result(result: ParseResult, data: bytes | str) -> dict[str, Any]:
    """The promises every result keeps: the contract's shape, strict JSON, spans inside the input."""
    assert isinstance(result, ParseResult)
    out = result.to_dict()
    assert isinstance(out["errors"], list) and all(isinstance(e, str) for e in out["errors"])
    assert isinstance(out["warnings"], list) and all(isinstance(w, str) for w in out["warnings"])
    internal = [error for error in out["errors"] if error.startswith("internal error")]
    assert not internal, internal
    json.dumps(out, allow_nan=False)  # strict JSON: no NaN or Infinity
    assert out["is_project"] == (out["project"] is not None)
    if result.project is not None:
        length = decoded_length(result, data)
        for name, span in result.project.provenance.items():
            assert 0 <= span.start <= span.end <= length, (name, span, length)
        if result.project.budget_usd is not None:
            assert math.isfinite(result.project.budget_usd)
    return out


def check_words_spans(result: ParseResult, text: str) -> None:
    """For text input, the words kept as written come from their span, whitespace collapsed."""
    project = result.project
    if project is None:
        return
    for name in ("title", "project_id", "prima_id", "status_label", "idf_region_label", "project_type_label"):
        value = getattr(project, name)
        span = project.provenance.get(name)
        if value is not None and span is not None:
            assert _SPACES.sub(" ", text[span.start : span.end]).strip() == value, (name, value, span)


# --------------------------------------------------------------------------- strategies

_any_char = st.characters(exclude_categories=())  # surrogates and controls too
_line_text = st.text(st.characters(exclude_characters="\n\r"), max_size=80)


@st.composite
def mutated_page_bytes(draw: st.DrawFn) -> bytes:
    """A real page's bytes (in some encoding) with a slice replaced by random bytes."""
    _id, text = draw(st.sampled_from(corpus()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    data = text.encode(encoding, "replace")
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, min(len(data), start + 200)))
    return data[:start] + draw(st.binary(max_size=64)) + data[end:]


values = st.one_of(
    st.sampled_from(VALUES),
    _line_text,
    st.from_regex(r"\A[0-9][0-9 ,.]{0,30}\Z"),
    st.builds(lambda n, unit: "9" * n + unit, st.integers(1, 400), st.sampled_from(["", " million", " mois"])),
)


def _label_line(prefix: str, label: str, suffix: str) -> str:
    return f"{prefix}{label}{suffix}"


label_lines = st.builds(
    _label_line,
    st.sampled_from(["", "", "- ", "  • ", "• ", "* "]),
    st.sampled_from(LABELS).map(lambda label: label if len(label) % 3 else label.upper()),
    st.one_of(
        st.sampled_from(["", "", ":", " :", " |"]),
        values.map(lambda value: f": {value}"),
    ),
)
value_lines = st.builds(lambda indent, value: indent + value, st.sampled_from(["", "", "    "]), values)
table_rows = st.builds(
    lambda label, sep, value, end: f"{label}{sep}{value}{end}",
    st.sampled_from(TABLE_LABELS),
    st.sampled_from([":", ": ", " | ", ":"]),
    values,
    st.sampled_from(["", " |"]),
)
#: A label/value row as the pages write it: separator, label line, value line.
field_rows = st.builds(
    lambda separator, label, value: f"{separator}{label}\n{value}",
    st.sampled_from(["", "-\n", "-\n"]),
    label_lines,
    value_lines,
)
page_lines = st.one_of(
    field_rows,
    field_rows,
    label_lines,
    value_lines,
    st.sampled_from(["-", "•", "", "  • ", "INFORMATIONS SUR LE PROJET |", "---|", "PROJECT INFORMATION"]),
    table_rows,
    _line_text,
    st.deferred(lambda: st.sampled_from(corpus_lines())),
)


@st.composite
def labelled_pages(draw: st.DrawFn) -> str:
    """Random lines with label lines and values of the vocabulary among them."""
    lines = draw(st.lists(page_lines, max_size=40))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(lines)


_TAGS = [
    "div", "p", "span", "h1", "h2", "li", "ul", "table", "tr", "td", "th", "nav", "header", "footer", "main",
    "article", "section", "script", "style", "template", "noscript", "b", "a", "button", "form", "svg", "pre",
]  # fmt: skip
_html_text = st.one_of(
    st.text(max_size=40),
    st.text(max_size=40).map(html.escape),
    st.sampled_from(LABELS + VALUES),
    st.sampled_from(["&nbsp;", "&amp;", "&#233;", "&eacute;", "&bogus;", "<", ">", "<br>", "<br/>", "<!-- c -->"]),
)


def _element(tag: str, children: list[str], closed: bool) -> str:
    return f"<{tag}>{''.join(children)}" + (f"</{tag}>" if closed else "")


html_fragments = st.recursive(
    _html_text,
    lambda children: st.builds(_element, st.sampled_from(_TAGS), st.lists(children, max_size=5), st.booleans()),
    max_leaves=40,
)


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["<!DOCTYPE html><html><body>", "<html><head><title>t</title></head><body>", "<div>"]))
    body = "".join(draw(st.lists(html_fragments, max_size=8)))
    return head + body + draw(st.sampled_from(["</body></html>", "", "</div>"]))


# --------------------------------------------------------------------------- properties


@PROFILE
@given(st.one_of(st.binary(max_size=3000), mutated_page_bytes()))
def test_any_bytes_give_one_well_formed_result(data: bytes) -> None:
    check_result(parse_page(data, path="x.txt"), data)


@PROFILE
@given(st.text(_any_char, max_size=2000))
def test_any_text_gives_one_well_formed_result(text: str) -> None:
    check_result(parse_page(text), text)


@PROFILE
@given(labelled_pages(), st.booleans())
def test_labels_and_values_in_random_text(text: str, as_bytes: bool) -> None:
    if as_bytes:  # a file holds no lone surrogates: they become "?" before the text is written as UTF-8
        text = text.encode("utf-8", "replace").decode("utf-8")
    data: bytes | str = text.encode("utf-8") if as_bytes else text
    result = parse_page(data)
    check_result(result, data)
    check_words_spans(result, text)


@PROFILE
@given(html_pages())
def test_html_from_random_text(source: str) -> None:
    check_result(parse_page(source), source)
    check_result(parse_page(source.encode("utf-8", "surrogatepass")), source.encode("utf-8", "surrogatepass"))


def _is_prefix_cut(full: str, cut: str) -> bool:
    cut = cut.rstrip("\ufffd")  # a character cut in two, decoded as a replacement character
    return full.startswith(cut) or full.startswith(_SPACES.sub(" ", cut).strip())


def check_cut(index: int, result: ParseResult, cut: int) -> None:
    """What a page cut short after ``cut`` characters may still give: the full page's values, or
    values cut in the middle (a prefix of the title or ID, the digits of the budget read so far)."""
    if result.project is None:
        return
    text = corpus()[index][1]
    full = full_parse(index).project
    assert full is not None
    for name in ("title", "project_id"):
        value, whole = getattr(result.project, name), getattr(full, name)
        if value is not None:
            assert whole is not None and _is_prefix_cut(whole, value), (name, value, whole)
    budget = result.project.budget_usd
    if budget is not None and budget != full.budget_usd:
        span = full.provenance.get("budget_usd")
        assert span is not None and span.start < cut < span.end, (budget, full.budget_usd)
        assert budget == parse_amount(text[span.start : cut]), (budget, text[span.start : cut])


@PROFILE
@given(st.data())
def test_pages_cut_short(data: st.DataObject) -> None:
    index = data.draw(st.sampled_from(project_pages()), label="page")
    text = corpus()[index][1]
    cut = data.draw(st.integers(0, len(text)), label="cut")
    result = parse_page(text[:cut])
    check_result(result, text[:cut])
    check_cut(index, result, cut)


@PROFILE
@given(st.data())
def test_pages_cut_short_as_bytes(data: st.DataObject) -> None:
    """A UTF-8 file cut short, possibly inside a character (an interrupted download)."""
    index = data.draw(st.sampled_from(project_pages()), label="page")
    encoded = corpus()[index][1].encode("utf-8")
    cut = data.draw(st.integers(0, len(encoded)), label="cut")
    result = parse_page(encoded[:cut])
    check_result(result, encoded[:cut])
    check_cut(index, result, len(encoded[:cut].decode("utf-8", "ignore")))


# --------------------------------------------------------------------------- cut after a label


def _label_line_indexes(lines: list[str]) -> list[int]:
    """Indexes of the label lines of the page's field block (the largest run of nearby labels)."""
    found = [i for i, line in enumerate(lines) if label_key(_BULLET.sub("", line)) in LABEL_KEYS and line.strip()]
    runs: list[list[int]] = []
    for index in found:
        if runs and index - runs[-1][-1] <= 4:
            runs[-1].append(index)
        else:
            runs.append([index])
    return max(runs, key=len) if runs else []


def cuts_after_labels() -> list[tuple[str, str, int, bool]]:
    """(page id, label, cut, is the block's first label) for each label line of each fields page."""
    cuts = []
    for index in project_pages():
        if full_parse(index).source.layout != "fields":
            continue
        page_id, text = corpus()[index]
        lines = text.split("\n")
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        block = _label_line_indexes(lines)
        for position, line_index in enumerate(block):
            cut = starts[line_index + 1]  # right after the newline that ends the label line
            if cut <= len(text):
                cuts.append((page_id, lines[line_index].strip(), cut, position == 0))
    return cuts


def _cut_warning_failures(first: bool) -> tuple[int, list[str]]:
    texts = dict(corpus())
    cuts = [c for c in cuts_after_labels() if c[3] == first]
    failures = []
    for page_id, label, cut, _first in cuts:
        result = parse_page(texts[page_id][:cut])
        check_result(result, texts[page_id][:cut])
        if not any("cut short" in warning for warning in result.warnings):
            failures.append(f"{page_id} cut after {label!r}: is_project={result.is_project} {result.warnings}")
    return len(cuts), failures


def test_cut_after_a_label_warns() -> None:
    count, failures = _cut_warning_failures(first=False)
    assert count > 0
    assert not failures, f"{len(failures)} of {count} cuts give no 'cut short' warning:\n" + "\n".join(failures)


def test_cut_after_the_first_label_warns() -> None:
    count, failures = _cut_warning_failures(first=True)
    assert count > 0
    assert not failures, f"{len(failures)} of {count} cuts give no 'cut short' warning:\n" + "\n".join(failures)
