"""POST /api/ingest: refused without an admin token configured, 401 without the right one, else pages stored."""

from __future__ import annotations

from pathlib import Path

from api_helpers import ADMIN_TOKEN, PAGES
from fastapi.testclient import TestClient

from fundatlas.api import Limits, create_app

PAGE_URL = "https://www.iom.int/node/999001"
NEW_PAGE = (
    "Strengthening Migration Management Capacities in Tuvalu\n"
    "- Start year\n2021\n- End year\n2023\n- Status\nCompleted\n- Project type\nLabour Migration\n"
    "- Budget (USD)\n150000.00\n- Coverage\nNational\n- Year\n2021\n- IDF Region\nAsia and Oceania\n"
    "- Project ID\nLM.9901\n- Beneficiary countries\nTuvalu\n"
    "The project supports seasonal workers of Tuvalu with a pre-departure orientation on zanzibarite rules.\n"
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def body(*pages: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    return {"pages": list(pages)}


def test_a_read_only_server_refuses_ingest_whatever_the_token(client: TestClient) -> None:
    for headers in ({}, bearer("anything")):
        response = client.post("/api/ingest", json=body({"url": PAGE_URL, "text": NEW_PAGE}), headers=headers)
        assert response.status_code == 403
        assert "read-only" in response.json()["detail"]


def test_no_or_a_wrong_token_is_401(admin_client: TestClient) -> None:
    for headers in ({}, bearer("wrong"), {"Authorization": f"Basic {ADMIN_TOKEN}"}, bearer(ADMIN_TOKEN + "x")):
        response = admin_client.post("/api/ingest", json=body({"url": PAGE_URL, "text": NEW_PAGE}), headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
        assert "token" in response.json()["detail"]
    assert admin_client.get("/api/projects/LM.9901").status_code == 404


def test_the_right_token_stores_pages_that_are_then_searchable(admin_client: TestClient) -> None:
    assert admin_client.get("/api/projects", params={"q": "zanzibarite"}).json()["total"] == 0
    before = admin_client.get("/api/totals").json()["projects"]
    seed = (PAGES / "seed-000.txt").read_text(encoding="utf-8")
    response = admin_client.post(
        "/api/ingest",
        json=body({"url": PAGE_URL, "text": NEW_PAGE}, {"url": "https://example.org/empty", "html": "<p></p>"},
                  {"url": "https://example.org/seed", "text": seed}),
        headers=bearer(ADMIN_TOKEN),
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [o["input"] for o in answer["outcomes"]] == [PAGE_URL, "https://example.org/empty",
                                                        "https://example.org/seed"]
    assert answer["outcomes"][0]["status"] == "stored" and answer["outcomes"][0]["project"] == "project_id:LM.9901"
    assert answer["outcomes"][1]["status"] == "rejected" and answer["outcomes"][1]["reason"]
    assert answer["counts"]["stored"] >= 1 and sum(answer["counts"].values()) == 3
    found = admin_client.get("/api/projects", params={"q": "zanzibarite"}).json()
    assert [item["project_id"] for item in found["items"]] == ["LM.9901"]
    assert admin_client.get("/api/projects/LM.9901").json()["beneficiaries"][0]["iso3"] == "TUV"
    assert admin_client.get("/api/totals").json()["projects"] == before + 1
    again = admin_client.post("/api/ingest", json=body({"url": PAGE_URL, "text": NEW_PAGE}),
                              headers=bearer(ADMIN_TOKEN))
    assert again.json()["outcomes"][0]["status"] == "unchanged"


def test_bad_bodies_are_422(admin_client: TestClient) -> None:
    headers = bearer(ADMIN_TOKEN)
    cases = [
        {"pages": []},
        {"pages": [{"url": PAGE_URL}]},
        {"pages": [{"url": PAGE_URL, "text": "a", "html": "<p>a</p>"}]},
        {"pages": [{"url": "ftp://example.org/x", "text": "a"}]},
        {"pages": [{"url": PAGE_URL, "text": "a"}] * 101},
        {"nothing": True},
    ]
    for case in cases:
        response = admin_client.post("/api/ingest", json=case, headers=headers)
        assert response.status_code == 422, case
        assert isinstance(response.json()["detail"], list)
    response = admin_client.post("/api/ingest", content=b"{not json", headers=headers)
    assert response.status_code == 422


def test_limits_on_pages_and_bytes(fresh_db: str) -> None:
    app = create_app(fresh_db, admin_token=ADMIN_TOKEN, web=False, limits=Limits(ingest_max_pages=2,
                                                                                 ingest_max_bytes=2_000))
    with TestClient(app) as client:
        three = body(*({"url": f"{PAGE_URL}{n}", "text": "x"} for n in range(3)))
        response = client.post("/api/ingest", json=three, headers=bearer(ADMIN_TOKEN))
        assert response.status_code == 422 and "at most 2 pages" in response.json()["detail"][0]["msg"]
        large = body({"url": PAGE_URL, "text": "x" * 3_000})
        response = client.post("/api/ingest", json=large, headers=bearer(ADMIN_TOKEN))
        assert response.status_code == 413 and "2,000 bytes" in response.json()["detail"]

        def chunks() -> object:  # no Content-Length: the limit applies as the body streams in
            yield b'{"pages": [{"url": "' + PAGE_URL.encode() + b'", "text": "'
            for _ in range(5):
                yield b"x" * 1_000
            yield b'"}]}'

        response = client.post("/api/ingest", content=chunks(), headers=bearer(ADMIN_TOKEN))  # type: ignore[arg-type]
        assert response.status_code == 413
        assert client.post("/api/ingest", json=large).status_code == 401, "the token is checked before the size"


def test_the_token_is_not_needed_for_reading(admin_client: TestClient, tmp_path: Path) -> None:
    assert admin_client.get("/api/projects").status_code == 200
    assert admin_client.get("/api/health").json()["read_only"] is False
