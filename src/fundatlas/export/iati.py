"""IATI activity XML, version 2.03: one ``iati-activity`` per project, valid against the official XSD.

A derived export: IOM (``XM-DAC-47066``) is the reporting organisation because the data are IOM's,
but fundatlas is not IOM, so the file must not be registered with IATI under that identifier.
The mapping (``shared/research/peers-and-iati.md`` section 4):

* ``iati-identifier``: ``XM-DAC-47066-`` + the Project ID; a project without one gets its PRIMA ID,
  and one without either the slug of its store key (``fallback-…``);
* ``title`` and ``description`` (type 1): one ``narrative`` per language, each with ``xml:lang``;
  a project with no title gets "IOM Development Fund project <ref>"; one without a description a
  sentence saying so;
* ``participating-org``: the IOM Development Fund as funding organisation (role 1) and IOM as
  implementing organisation (role 4), both ``XM-DAC-47066``, type 40 (multilateral);
* ``other-identifier``: the PRIMA ID as type A1 (reporting organisation's internal identifier);
* ``activity-status``: active -> 2 (Implementation); completed -> 4 (Closed: the Fund lists a
  project as completed once its activities and reporting are over, and the pages track nothing
  after that, so 3, "pending financial sign-off", would claim an open state nobody reported);
  no status on the page -> inferred from the end date (past -> 4, else 2);
* ``activity-date``: the pages give years only, so a start is YYYY-01-01 and an end YYYY-12-31.
  Planned start (1) from the start year (else the allocation year); actual start (2), the same
  day, for an active or completed project whose stated start year is not in the future; planned
  end (3) from the end year, else start + duration; never an actual end (4), which no page states.
  An end year that the rules flag as a placeholder is kept with a narrative saying so. A project
  with no year at all is left out (the XSD requires a date), and ``notes`` say which;
* ``activity-scope``: national 4, regional 2, interregional 3 (multi-national), global 1;
* ``recipient-country`` (ISO alpha-2) per beneficiary, equal percentages summing to exactly 100;
  without countries, one ``recipient-region`` (OECD DAC, vocabulary 1) from the Fund's region;
* ``sector``: DAC 15190 (facilitation of orderly, safe, regular and responsible migration and
  mobility), and the Fund's project type in vocabulary 99;
* ``default-finance-type`` 110 (standard grant), ``default-aid-type`` C01 (project-type intervention);
* ``budget`` (type 1 original, status 2 committed) from the start to the end date, value in USD dated
  at the start: the Fund's budget is one multi-year total, so the period can be longer than the
  one year the IATI rulesets ask for (valid for the XSD; the rulesets' validator warns). A project
  with no start year gets no budget element: its only year is an end year, often a placeholder;
* ``document-link`` (A12, activity web page) for each language's page URL (http or https only).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pycountry
from lxml import etree

from fundatlas.export.base import iso_datetime
from fundatlas.export.tables import LANGS, project_reference

__all__ = ["MEDIA_TYPE", "REPORTING_ORG", "activity", "equal_percentages", "iati_chunks", "identifier"]

MEDIA_TYPE = "application/xml"
REPORTING_ORG = "XM-DAC-47066"
IOM = "International Organization for Migration"
FUND = "IOM Development Fund"
MIGRATION_SECTOR = "15190"
PLACEHOLDER_RULE = "dates.placeholder_end_year"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

STATUS_CODES = {"active": "2", "completed": "4"}
SCOPE_CODES = {"national": "4", "regional": "2", "interregional": "3", "global": "1"}
#: The Fund's regions as OECD DAC regional codes (vocabulary 1); the Fund's regions are wider than
#: DAC's, so each maps to the nearest: Middle East and North Africa to "Middle East, regional",
#: Asia and Oceania to "Asia, regional", Global (and none) to "Developing countries, unspecified".
REGION_CODES = {
    "africa": "298",
    "asia_oceania": "798",
    "latin_america_caribbean": "498",
    "middle_east_north_africa": "589",
    "europe_central_asia": "89",
    "global": "998",
}
_EXTRA_ALPHA2 = {"XKX": "XK"}  # Kosovo, in IATI's Country codelist
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

NOTICE = (
    " Derived by fundatlas from the IOM Development Fund's public project pages. Not published by IOM:"
    f" do not register this file with IATI under {REPORTING_ORG}. The pages give years only: start dates"
    " are YYYY-01-01 and end dates YYYY-12-31. "
)


def identifier(detail: dict[str, Any]) -> str:
    """``XM-DAC-47066-`` + the Project ID, else the PRIMA ID, else the store key's slug."""
    ref = detail.get("project_id") or detail.get("prima_id") or detail["key"].replace(":", "-")
    return f"{REPORTING_ORG}-{_UNSAFE_ID.sub('-', str(ref).strip()).strip('-')}"


def equal_percentages(count: int) -> list[str]:
    """``count`` percentages, equal to the hundredth, that add up to exactly 100 (the last takes the rest)."""
    if count <= 0:
        return []
    share = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    values = [share] * (count - 1) + [Decimal(100) - share * (count - 1)]
    return [_decimal(value) for value in values]


def _decimal(value: Decimal | float) -> str:
    text = format(Decimal(str(value)).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, tag, {key.replace("_", "-"): value for key, value in attributes.items()})


def _narrative(parent: etree._Element, text: str, lang: str = "en") -> None:
    narrative = etree.SubElement(parent, "narrative", {XML_LANG: lang})
    narrative.text = _clean(text)


def _texts(detail: dict[str, Any], name: str) -> list[tuple[str, str]]:
    texts = detail.get("texts", {})
    return [(lang, str(texts[lang][name])) for lang in LANGS if texts.get(lang, {}).get(name)]


def _alpha2(iso3: str) -> str | None:
    if iso3 in _EXTRA_ALPHA2:
        return _EXTRA_ALPHA2[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    return str(country.alpha_2) if country is not None else None


def _add_months(start: date, months: int) -> date:
    """The last day of the ``months``-th month from ``start`` (24 months from 2021-01-01: 2022-12-31)."""
    index = start.year * 12 + start.month - 1 + months - 1
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _dates(detail: dict[str, Any]) -> tuple[date | None, date | None, bool]:
    """Start and end dates from the years, and whether the end year is flagged as a placeholder."""
    start_year = detail.get("start_year") or detail.get("year")
    start = date(start_year, 1, 1) if start_year else None
    end: date | None = None
    if detail.get("end_year"):
        end = date(detail["end_year"], 12, 31)
    elif start is not None and detail.get("duration_months"):
        end = _add_months(start, int(detail["duration_months"]))
    if start is not None and end is not None and end < start:
        end = None
    placeholder = any(f["rule"] == PLACEHOLDER_RULE for f in detail.get("findings", []))
    return start, end, placeholder and end is not None


def _status(detail: dict[str, Any], end: date | None, today: date) -> str:
    code = STATUS_CODES.get(detail.get("status") or "")
    if code is not None:
        return code
    return "4" if end is not None and end < today else "2"


def _org(parent: etree._Element, tag: str, name: str, **attributes: str) -> None:
    org = _sub(parent, tag, **attributes)
    _narrative(org, name)


def activity(detail: dict[str, Any], generated: datetime) -> etree._Element | str:
    """The ``iati-activity`` element of one project, or the reason it cannot have one."""
    start, end, placeholder = _dates(detail)
    reference = project_reference(detail)
    if start is None and end is None:
        return f"{reference}: the page states no year, and IATI requires an activity date"
    today = generated.date()
    updated = detail.get("updated_at")
    element = etree.Element("iati-activity", {XML_LANG: "en"})
    if isinstance(updated, datetime):
        element.set("last-updated-datetime", iso_datetime(min(updated, generated)))
    element.set("default-currency", "USD")
    _sub(element, "iati-identifier").text = identifier(detail)
    _org(element, "reporting-org", IOM, ref=REPORTING_ORG, type="40")

    title = _sub(element, "title")
    for lang, text in _texts(detail, "title") or [("en", f"{FUND} project {reference}")]:
        _narrative(title, text, lang)
    description = _sub(element, "description", type="1")
    for lang, text in _texts(detail, "description") or [("en", "The Fund's page gives no description.")]:
        _narrative(description, text, lang)

    _org(element, "participating-org", FUND, ref=REPORTING_ORG, role="1", type="40")
    _org(element, "participating-org", IOM, ref=REPORTING_ORG, role="4", type="40")
    if detail.get("prima_id") and detail.get("project_id"):
        other = _sub(element, "other-identifier", ref=str(detail["prima_id"]), type="A1")
        _org(other, "owner-org", IOM, ref=REPORTING_ORG)
    _sub(element, "activity-status", code=_status(detail, end, today))
    _activity_dates(element, detail, start, end, placeholder, today)
    if detail.get("coverage") in SCOPE_CODES:
        _sub(element, "activity-scope", code=SCOPE_CODES[detail["coverage"]])
    _recipients(element, detail)
    _sectors(element, detail)
    _sub(element, "default-finance-type", code="110")
    _sub(element, "default-aid-type", code="C01")
    if detail.get("budget_usd") is not None and start is not None:
        budget = _sub(element, "budget", type="1", status="2")
        _sub(budget, "period-start", iso_date=start.isoformat())
        _sub(budget, "period-end", iso_date=(end or date(start.year, 12, 31)).isoformat())
        _sub(budget, "value", currency="USD", value_date=start.isoformat()).text = _decimal(detail["budget_usd"])
    for lang, url in _texts(detail, "url"):
        if url.startswith(("http://", "https://")):
            link = _sub(element, "document-link", format="text/html", url=url)
            _narrative(_sub(link, "title"), dict(_texts(detail, "title")).get(lang) or "Project page", lang)
            _sub(link, "category", code="A12")
            _sub(link, "language", code=lang)
    return element


def _activity_dates(
    element: etree._Element, detail: dict[str, Any], start: date | None, end: date | None, placeholder: bool,
    today: date,
) -> None:
    if start is not None:
        _sub(element, "activity-date", type="1", iso_date=start.isoformat())
        started = detail.get("start_year") and detail.get("status") in STATUS_CODES and start <= today
        if started:  # a stated start year of a project under way or done; not the allocation year
            _sub(element, "activity-date", type="2", iso_date=start.isoformat())
    if end is not None:
        planned_end = _sub(element, "activity-date", type="3", iso_date=end.isoformat())
        if placeholder:
            _narrative(planned_end, f"End year as on the page; fundatlas flags it as a possible placeholder "
                                    f"(rule {PLACEHOLDER_RULE}).")


def _recipients(element: etree._Element, detail: dict[str, Any]) -> None:
    codes = [code for code in (_alpha2(b["iso3"]) for b in detail.get("beneficiaries", [])) if code]
    codes = list(dict.fromkeys(codes))
    if codes:
        for code, percentage in zip(codes, equal_percentages(len(codes)), strict=True):
            _sub(element, "recipient-country", code=code, percentage=percentage)
        return
    region = REGION_CODES.get(detail.get("idf_region") or "", "998")
    _sub(element, "recipient-region", code=region, vocabulary="1", percentage="100")


def _sectors(element: etree._Element, detail: dict[str, Any]) -> None:
    _sub(element, "sector", vocabulary="1", code=MIGRATION_SECTOR, percentage="100")
    if detail.get("project_type"):
        sector = _sub(element, "sector", vocabulary="99", code=str(detail["project_type"]), percentage="100")
        for lang, label in _texts(detail, "project_type_label") or [("en", str(detail["project_type"]))]:
            _narrative(sector, label, lang)


def iati_chunks(details: Iterable[dict[str, Any]], generated: datetime, notes: list[str]) -> Iterator[bytes]:
    """The ``iati-activities`` document, streamed one activity at a time; left-out projects go to ``notes``."""
    notes.clear()
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!--{NOTICE}-->\n"
        f'<iati-activities version="2.03" generated-datetime="{iso_datetime(generated)}">\n'
    ).encode()
    for detail in details:
        element = activity(detail, generated)
        if isinstance(element, str):
            notes.append(element)
            continue
        yield etree.tostring(element, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    if notes:
        listed = "; ".join(note.replace("--", "- -") for note in notes)
        yield f"<!-- Left out ({len(notes)}): {listed} -->\n".encode()
    yield b"</iati-activities>\n"
