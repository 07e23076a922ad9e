"""IATI activity XML 2.03: valid against the official XSD (offline), and the mapping's own rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pycountry
import pytest
from export_helpers import detail
from lxml import etree

from fundatlas.export import export
from fundatlas.export.iati import REPORTING_ORG, activity, equal_percentages, iati_chunks, identifier
from fundatlas.query import Portfolio, SearchFilters

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATED = datetime(2026, 1, 15, 10, 0, 0)


def parse(data: bytes, schema: etree.XMLSchema) -> etree._Element:
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log
    return document


def check_activity(element: etree._Element, today: date) -> None:
    """What the IATI rulesets add to the XSD, as far as this export can break it."""
    ident = element.findtext("iati-identifier")
    assert ident and ident.startswith(f"{REPORTING_ORG}-") and not set(ident) & set("/&|? ")
    assert element.get("default-currency") == "USD" and element.get(XML_LANG) == "en"
    assert element.find("reporting-org").get("ref") == REPORTING_ORG
    assert all(n.get(XML_LANG) in ("en", "fr", "es") and n.text for n in element.iter("narrative"))
    assert element.find("activity-status").get("code") in ("2", "4")
    dates = {d.get("type"): date.fromisoformat(d.get("iso-date")) for d in element.findall("activity-date")}
    assert dates and set(dates) <= {"1", "2", "3"}
    if "1" in dates and "3" in dates:
        assert dates["1"] <= dates["3"]
    assert "2" not in dates or dates["2"] <= today
    percentages = [Decimal(c.get("percentage")) for c in element.findall("recipient-country")]
    regions = element.findall("recipient-region")
    assert (sum(percentages) == 100 and not regions) or (not percentages and len(regions) == 1)
    for country in element.findall("recipient-country"):
        code = country.get("code")
        assert code == "XK" or pycountry.countries.get(alpha_2=code) is not None  # XK: Kosovo in IATI's list
    for budget in element.findall("budget"):
        start = date.fromisoformat(budget.find("period-start").get("iso-date"))
        assert start <= date.fromisoformat(budget.find("period-end").get("iso-date"))
        assert budget.find("value").get("value-date") == start.isoformat() and float(budget.findtext("value")) > 0


def test_whole_portfolio_validates(portfolio: Portfolio, iati_schema: etree.XMLSchema) -> None:
    result = export(portfolio, "iati")
    document = parse(result.content(), iati_schema)
    assert document.get("version") == "2.03" and document.get("generated-datetime", "").endswith("Z")
    activities = document.findall("iati-activity")
    assert len(activities) + len(result.notes) == 63
    assert result.notes == ["CE.0231: the page states no year, and IATI requires an activity date"]
    identifiers = [a.findtext("iati-identifier") for a in activities]
    assert len(set(identifiers)) == len(identifiers)
    for element in activities:
        check_activity(element, date.today())
    by_id = {a.findtext("iati-identifier"): a for a in activities}
    multilingual = by_id[f"{REPORTING_ORG}-MA.0293"]
    assert [n.get(XML_LANG) for n in multilingual.find("title")] == ["en", "fr"]
    assert [n.get(XML_LANG) for n in multilingual.find("description")] == ["en", "fr"]
    placeholder = multilingual.find("activity-date")
    assert placeholder.get("type") == "3" and "placeholder" in placeholder.findtext("narrative")


@pytest.mark.parametrize("filters", [SearchFilters(idf_region=("africa",)), SearchFilters(q="trafficking")])
def test_filtered_selection_validates(portfolio: Portfolio, iati_schema: etree.XMLSchema,
                                      filters: SearchFilters) -> None:
    result = export(portfolio, "iati", filters)
    activities = parse(result.content(), iati_schema).findall("iati-activity")
    assert len(activities) + len(result.notes) == len(portfolio.matching_ids(filters)) > 0


def test_mapping_of_one_project(iati_schema: etree.XMLSchema) -> None:
    record = detail(beneficiaries=[
        {"position": n, "iso3": code, "name": code, "eligible": True, "lang": "fr"}
        for n, code in enumerate(["MRT", "SEN", "MLI", "XKX"])
    ], title="Control\x01char")
    data = b"".join(iati_chunks([record], GENERATED, []))
    element = parse(data, iati_schema).find("iati-activity")
    check_activity(element, GENERATED.date())
    assert element.findtext("iati-identifier") == "XM-DAC-47066-IS.0133"
    assert element.get("last-updated-datetime") == "2024-05-02T12:00:00Z"
    assert [(o.get("role"), o.findtext("narrative")) for o in element.findall("participating-org")] == [
        ("1", "IOM Development Fund"), ("4", "International Organization for Migration")]
    assert element.find("other-identifier").attrib == {"ref": "MR10P0564", "type": "A1"}
    assert [(d.get("type"), d.get("iso-date")) for d in element.findall("activity-date")] == [
        ("1", "2023-01-01"), ("2", "2023-01-01"), ("3", "2025-12-31")]
    assert element.find("activity-status").get("code") == "2"
    assert element.find("activity-scope").get("code") == "4"
    assert [(c.get("code"), c.get("percentage")) for c in element.findall("recipient-country")] == [
        ("MR", "25"), ("SN", "25"), ("ML", "25"), ("XK", "25")]
    budget = element.find("budget")
    assert budget.find("period-start").get("iso-date") == "2023-01-01"
    assert budget.find("period-end").get("iso-date") == "2025-12-31"
    assert budget.findtext("value") == "300000" and budget.find("value").get("currency") == "USD"
    assert [link.get("url") for link in element.findall("document-link")] == ["https://www.iom.int/x",
                                                                              "https://www.iom.int/fr/x"]
    children = [child.tag for child in element]
    assert children.index("recipient-country") < children.index("sector") < children.index("budget")


def test_fallbacks(iati_schema: etree.XMLSchema) -> None:
    assert identifier(detail(project_id=None)) == "XM-DAC-47066-MR10P0564"
    assert identifier(detail(project_id=None, prima_id=None, key="fallback:a/b&c")) == "XM-DAC-47066-fallback-a-b-c"
    record = detail(status=None, start_year=None, year=2019, end_year=None, duration_months=24, texts={},
                    beneficiaries=[], coverage=None, project_type=None, idf_region="asia_oceania", budget_usd=None)
    element = activity(record, GENERATED)
    assert isinstance(element, etree._Element)
    assert [(d.get("type"), d.get("iso-date")) for d in element.findall("activity-date")] == [
        ("1", "2019-01-01"), ("3", "2020-12-31")]
    assert element.find("activity-status").get("code") == "4"  # no status: the end is past
    assert element.find("title").findtext("narrative") == "IOM Development Fund project IS.0133"
    assert element.find("recipient-region").attrib == {"code": "798", "vocabulary": "1", "percentage": "100"}
    assert element.find("budget") is None and element.find("activity-scope") is None
    allocated = activity(detail(start_year=None, year=2020), GENERATED)
    assert isinstance(allocated, etree._Element)
    assert [d.get("type") for d in allocated.findall("activity-date")] == ["1", "3"]  # no stated start year
    future = activity(detail(start_year=2030, end_year=2031), GENERATED)
    assert isinstance(future, etree._Element)
    assert [d.get("type") for d in future.findall("activity-date")] == ["1", "3"]  # no actual start yet
    assert activity(detail(start_year=None, year=None, end_year=None), GENERATED) == (
        "IS.0133: the page states no year, and IATI requires an activity date")
    wrapped = etree.Element("iati-activities", version="2.03")
    wrapped.append(element)
    assert iati_schema.validate(wrapped), iati_schema.error_log


@pytest.mark.parametrize("count", range(1, 40))
def test_equal_percentages_add_up_to_exactly_100(count: int) -> None:
    values = [Decimal(v) for v in equal_percentages(count)]
    assert len(values) == count and sum(values) == 100
    assert max(values) - min(values) <= Decimal("0.01") * count
