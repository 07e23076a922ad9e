"""The read endpoints on a real store: filters, pages, sorting, one project, aggregates, errors and limits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from fundatlas.api import _params
from fundatlas.query import SORTS, STAT_DIMENSIONS
from fundatlas.query.filters import COVERAGES, MAX_PER_PAGE, PROJECT_TYPES, REGIONS, SEVERITIES, STATUSES


def project_ids(answer: dict[str, Any]) -> list[str]:
    return [item["project_id"] for item in answer["items"]]


def get_ok(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_search_answers_total_and_items_with_snippets(client: TestClient) -> None:
    answer = get_ok(client, "/api/projects", q="trafficking")
    assert set(answer) >= {"total", "page", "per_page", "sort", "filters", "items"}
    assert answer["filters"] == {"q": "trafficking"}
    assert {"CT.0985", "PX.0012"} <= set(project_ids(answer))
    assert answer["total"] == len(answer["items"])
    assert all("<mark>" in item["snippet"] for item in answer["items"])


def test_filters_narrow_the_selection(client: TestClient) -> None:
    everything = get_ok(client, "/api/projects", per_page=100)
    africa = get_ok(client, "/api/projects", idf_region="africa", per_page=100)
    assert 0 < africa["total"] < everything["total"]
    assert {item["idf_region"] for item in africa["items"]} == {"africa"}
    two = get_ok(client, "/api/projects", idf_region=["africa", "asia_oceania"], per_page=100)
    assert two["total"] > africa["total"]
    fiji = get_ok(client, "/api/projects", country="fji")
    assert fiji["total"] >= 1 and all("FJI" in item["countries"] for item in fiji["items"])
    years = get_ok(client, "/api/projects", year_from=2018, year_to=2020, per_page=100)
    assert all(2018 <= (item["year"] or item["start_year"]) <= 2020 for item in years["items"])
    budget = get_ok(client, "/api/projects", budget_min=300_000, budget_max=400_000, per_page=100)
    assert budget["total"] and all(300_000 <= item["budget_usd"] <= 400_000 for item in budget["items"])
    combined = get_ok(client, "/api/projects", q="climate change", idf_region="africa", per_page=100)
    assert "NC.0131" in project_ids(combined) and all(i["idf_region"] == "africa" for i in combined["items"])
    french = get_ok(client, "/api/projects", lang="fr", per_page=100)
    assert all("fr" in item["languages"] for item in french["items"])
    with_errors = get_ok(client, "/api/projects", has_findings="any", per_page=100)
    assert all(item["findings"] for item in with_errors["items"])


def test_pages_add_up_to_the_total(client: TestClient) -> None:
    total = get_ok(client, "/api/projects", per_page=1)["total"]
    seen: list[str] = []
    for page in range(1, total // 10 + 2):
        answer = get_ok(client, "/api/projects", sort="project_id", page=page, per_page=10)
        assert answer["total"] == total and answer["page"] == page
        seen += [str(item["id"]) for item in answer["items"]]
    assert len(seen) == len(set(seen)) == total
    beyond = get_ok(client, "/api/projects", page=total + 1, per_page=10)
    assert beyond["items"] == [] and beyond["total"] == total


@pytest.mark.parametrize("sort", ["budget", "-budget", "year", "-year", "title", "project_id", "-project_id"])
def test_sort_orders(client: TestClient, sort: str) -> None:
    items = get_ok(client, "/api/projects", sort=sort, per_page=100)["items"]
    field = {"budget": "budget_usd", "year": "year", "title": "title", "project_id": "project_id"}[sort.lstrip("-")]

    def value(item: dict[str, Any]) -> Any:
        if field == "year":
            return item["year"] if item["year"] is not None else item["start_year"]
        return item[field]

    present = [value(item) for item in items if value(item) is not None]
    assert present == sorted(present, reverse=sort.startswith("-"))
    missing = [i for i, item in enumerate(items) if value(item) is None]
    assert all(i >= len(present) for i in missing), "nulls come last"


def test_one_project_by_row_id_project_id_prima_id_and_key(client: TestClient) -> None:
    by_id = get_ok(client, "/api/projects/CT.0985")
    assert by_id["project_id"] == "CT.0985" and by_id["texts"] and by_id["sources"] and by_id["beneficiaries"]
    assert by_id["created_at"].endswith("Z")
    for ref in (str(by_id["id"]), by_id["prima_id"], "ct.0985", by_id["key"]):
        assert get_ok(client, f"/api/projects/{ref}")["id"] == by_id["id"]


def test_a_missing_project_or_country_is_a_404_with_a_message(client: TestClient) -> None:
    response = client.get("/api/projects/NO.9999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no project 'NO.9999' in the store"}
    response = client.get("/api/countries/ZZZ")
    assert response.status_code == 404 and "ZZZ" in response.json()["detail"]
    assert client.get("/api/nothing-here").status_code == 404


def test_facets_stats_totals(client: TestClient) -> None:
    facets = get_ok(client, "/api/facets")
    assert list(facets) == ["idf_region", "project_type", "status", "coverage", "country", "year", "has_findings"]
    total = get_ok(client, "/api/totals")
    assert sum(entry["count"] for entry in facets["idf_region"]) == total["projects"]
    narrowed = get_ok(client, "/api/facets", idf_region="africa")
    assert narrowed["idf_region"] == facets["idf_region"], "a facet ignores its own filter"
    assert sum(e["count"] for e in narrowed["status"]) < sum(e["count"] for e in facets["status"])
    for by in STAT_DIMENSIONS:
        rows = get_ok(client, "/api/stats", by=by)
        if by != "country":
            assert sum(row["projects"] for row in rows) == total["projects"]
    countries = get_ok(client, "/api/stats", by="country", q="climate change")
    assert countries and {"name", "usd_share", "projects_eligible"} <= set(countries[0])
    assert get_ok(client, "/api/totals", q="trafficking")["projects"] == get_ok(
        client, "/api/projects", q="trafficking")["total"]


def test_countries_and_one_country(client: TestClient) -> None:
    countries = get_ok(client, "/api/countries")
    assert {"FJI", "MDG"} <= {c["key"] for c in countries}
    fiji = get_ok(client, "/api/countries/fji")
    assert fiji["iso3"] == "FJI" and fiji["names"]["fr"] == "Fidji" and fiji["projects"] == len(fiji["items"])


def test_findings_and_rules(client: TestClient) -> None:
    rules = get_ok(client, "/api/rules")
    assert {"budget.ceiling", "dates.placeholder_end_year"} <= {rule["id"] for rule in rules}
    everything = get_ok(client, "/api/findings")
    assert everything["total"] == sum(row["count"] for row in everything["by_rule"])
    page = get_ok(client, "/api/findings", limit=2, offset=1)
    assert [row["id"] for row in page["items"]] == [row["id"] for row in everything["items"][1:3]]
    warnings = get_ok(client, "/api/findings", severity="warning", rule="dates.placeholder_end_year")
    assert warnings["total"] and {(r["severity"], r["rule"]) for r in warnings["items"]} == {
        ("warning", "dates.placeholder_end_year")}
    response = client.get("/api/findings", params={"rule": "no.such_rule"})
    assert response.status_code == 422 and "not a rule id" in response.json()["detail"][0]["msg"]


def test_health(client: TestClient) -> None:
    answer = get_ok(client, "/api/health")
    assert answer["status"] == "ok" and answer["database"] == "ok" and answer["read_only"] is True


def validation_error(response: Any, name: str) -> str:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"][:2] == ["query", name], detail
    assert detail[0]["type"] and detail[0]["msg"]
    return str(detail[0]["msg"])


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"per_page": 1000}, "per_page", "less than or equal to 100"),
        ({"per_page": 0}, "per_page", "greater than or equal to 1"),
        ({"page": "two"}, "page", "valid integer"),
        ({"q": "x" * 501}, "q", "at most 500 characters"),
        ({"q": "-alone"}, "q", "cannot only exclude"),
        ({"q": " ".join(f"w{i}" for i in range(40))}, "q", "more than 32 terms"),
        ({"year_from": 2020, "year_to": 2010}, "year_from", "after year_to"),
        ({"year_from": 1200}, "year_from", "greater than or equal to 1900"),
        ({"budget_min": 5, "budget_max": 1}, "budget_min", "above budget_max"),
        ({"budget_min": -1}, "budget_min", "greater than or equal to 0"),
        ({"budget_min": "nan"}, "budget_min", "finite number"),
        ({"idf_region": "mars"}, "idf_region", "africa"),
        ({"country": "FIJI"}, "country", "pattern"),
        ({"sort": "size"}, "sort", "relevance"),
        ({"has_findings": "some"}, "has_findings", "any"),
    ],
)
def test_bad_parameters_are_422_with_the_parameter_and_a_message(
    client: TestClient, params: dict[str, Any], name: str, message: str
) -> None:
    msg = validation_error(client.get("/api/projects", params=params), name)
    assert message in msg


def test_stats_needs_a_known_dimension(client: TestClient) -> None:
    validation_error(client.get("/api/stats"), "by")
    validation_error(client.get("/api/stats", params={"by": "colour"}), "by")


def test_the_literals_match_the_query_layer() -> None:
    assert _params.Region.__args__ == REGIONS
    assert _params.TypeCode.__args__ == PROJECT_TYPES
    assert _params.ProjectStatus.__args__ == STATUSES
    assert _params.Coverage.__args__ == COVERAGES
    assert _params.Severity.__args__ == SEVERITIES
    assert _params.Sort.__args__ == SORTS
    assert _params.StatDimension.__args__ == STAT_DIMENSIONS
    assert MAX_PER_PAGE == 100


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    paths = get_ok(client, "/openapi.json")["paths"]
    assert {"/api/projects", "/api/projects/{ref}", "/api/facets", "/api/stats", "/api/totals", "/api/countries",
            "/api/countries/{iso3}", "/api/findings", "/api/rules", "/api/export/{format}", "/api/ingest",
            "/api/health"} <= set(paths)
    assert client.get("/docs").status_code == 200


def test_answers_are_cached_until_the_data_changes(client: TestClient) -> None:
    cache = client.app.state.fundatlas.cache  # type: ignore[attr-defined]
    first = client.get("/api/projects/CT.0985").content
    hits = cache.hits
    assert client.get("/api/projects/CT.0985").content == first
    assert cache.hits == hits + 1
