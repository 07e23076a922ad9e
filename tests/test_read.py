"""Reading pages: encodings, HTML to text, and spans mapped back to the HTML source."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from fundatlas import parse_page, read_page
from fundatlas.read import decode, looks_like_html

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PAGE = (
    "T\n-\nDate de début\n2023\n-\nCouverture\nNational\n-\nProjet ID\nIS.0133\n"
    "-\nEtat(s) membre(s) beneficiaires remplissant les conditions requises\nCôte d’Ivoire\nÉté.\n"
)


def as_html(text: str) -> str:
    body = "".join(f"<div>{html.escape(line)}</div>\n" for line in text.split("\n"))
    return (
        f"<!DOCTYPE html><html><head><title>t</title><script>var x='<div>Année</div>';</script></head>"
        f"<body><nav><ul><li>Accueil</li></ul></nav><main>{body}</main><footer>Pied</footer></body></html>"
    )


def test_utf8_cp1252_latin1_and_bom() -> None:
    assert decode("Été".encode()) == ("Été", "utf-8", None)
    assert decode("Été – œuvre".encode("cp1252")) == ("Été – œuvre", "cp1252", None)
    assert decode(b"\x81\x8d\xe9") == ("\x81\x8d\xe9", "latin-1", None)
    assert decode(b"\xef\xbb\xbfabc") == ("abc", "utf-8-sig", None)


def test_utf8_cut_inside_a_character_stays_utf8_with_a_warning() -> None:
    data = "Élaboration d’une stratégie régionale".encode()
    text, encoding, warning = decode(data[:-1] + "é".encode()[:1])
    assert encoding == "utf-8" and text.startswith("Élaboration d’une") and text.endswith("\ufffd")
    assert warning is not None and "UTF-8" in warning


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-8-sig"])
def test_same_project_whatever_the_encoding(encoding: str) -> None:
    text = PAGE.replace("’", "'")
    result = parse_page(text.encode(encoding))
    assert result.project is not None
    assert [b.iso3 for b in result.project.beneficiaries] == ["CIV"]
    assert result.project.description == "Été."


def test_html_detection() -> None:
    assert looks_like_html("<!DOCTYPE html><html></html>")
    assert looks_like_html("  <div>x</div>")
    assert not looks_like_html("Titre\nLe texte parle de <script> et de <b>.")


def test_html_is_reduced_to_visible_text() -> None:
    page = read_page(as_html(PAGE))
    assert page.is_html
    assert "var x" not in page.text and "Accueil" not in page.text and "Pied" not in page.text
    assert page.text.split("\n")[:3] == ["T", "-", "Date de début"]


def test_inline_elements_join_and_cells_are_separated() -> None:
    page = read_page(
        "<html><body><p><span>Fidji</span> <span>Tonga</span><span>Vanuatu</span></p>"
        "<table><tr><td>MISSION:</td><td>Argentine</td></tr></table><p>a<br>b</p></body></html>"
    )
    assert page.text.split("\n") == ["Fidji TongaVanuatu", "MISSION: | Argentine", "a", "b"]


@pytest.mark.parametrize("page", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_html_gives_the_same_project_as_text(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    from_text = parse_page(text).to_dict()
    from_html = parse_page(as_html(text)).to_dict()
    assert from_html["is_project"] == from_text["is_project"]
    assert from_html["source"]["layout"] == from_text["source"]["layout"]
    if from_text["project"] is None:
        return
    for key in (
        "title",
        "project_id",
        "prima_id",
        "budget_usd",
        "status",
        "coverage",
        "year",
        "start_year",
        "end_year",
        "idf_region",
        "project_type_label",
        "beneficiaries",
        "mission",
        "duration_months",
    ):
        assert from_html["project"][key] == from_text["project"][key], key


def test_html_spans_point_into_the_html_source() -> None:
    document = as_html(PAGE.replace("Côte d’Ivoire", "C&ocirc;te d&#8217;Ivoire")).replace("&amp;", "&")
    result = parse_page(document)
    assert result.project is not None and result.source.is_html
    spans = result.project.provenance
    assert document[spans["project_id"].start : spans["project_id"].end] == "IS.0133"
    assert document[spans["start_year"].start : spans["start_year"].end] == "2023"
    beneficiaries = document[spans["beneficiaries"].start : spans["beneficiaries"].end]
    assert beneficiaries.startswith("C") and beneficiaries.endswith("Ivoire")


def test_binary_input_is_an_error_not_a_crash() -> None:
    pdf = parse_page(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert pdf.errors and "PDF" in pdf.errors[0] and not pdf.is_project
    png = parse_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert png.errors and png.to_dict()["project"] is None


def test_empty_input() -> None:
    result = parse_page(b"")
    assert not result.is_project and result.errors == [] and result.warnings == ["the page is empty"]
