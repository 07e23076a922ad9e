"""`fundatlas serve` as a real process on 127.0.0.1, talked to over HTTP; and `fundatlas search`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from fundatlas.cli import app as cli


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(arguments: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fundatlas", "serve", "--host", "127.0.0.1", "--port", str(port), *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"fundatlas serve exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("fundatlas serve did not answer in 30 s")


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.fixture(scope="module")
def served(demo_db: str) -> Iterator[str]:
    process, base = start(["--db", demo_db])
    yield base
    output = stop(process)
    assert f"at http://127.0.0.1:{base.rsplit(':', 1)[1]}" in output, output


def test_health_search_and_one_project_over_http(served: str) -> None:
    with httpx.Client(base_url=served, timeout=10) as client:
        health = client.get("/api/health")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        search = client.get("/api/projects", params={"q": "trafficking", "per_page": 5})
        assert search.status_code == 200
        answer = search.json()
        assert answer["total"] >= 2 and len(answer["items"]) <= 5
        project = client.get(f"/api/projects/{answer['items'][0]['project_id']}")
        assert project.status_code == 200 and project.json()["id"] == answer["items"][0]["id"]
        assert client.get("/api/projects", params={"per_page": 1000}).status_code == 422
        assert client.get("/api/projects/NO.0000").status_code == 404
        assert client.post("/api/ingest", json={"pages": []}).status_code == 403
        assert "server" not in client.get("/api/health").headers


def test_two_workers_take_the_admin_token_from_the_environment(fresh_db: str) -> None:
    process, base = start(["--db", fresh_db, "--workers", "2"], env={"FUNDATLAS_ADMIN_TOKEN": "worker-token"})
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(4):
                assert client.get("/api/health").json()["read_only"] is False
            assert client.post("/api/ingest", json={"pages": []}).status_code == 401
            refused = client.post("/api/ingest", json={"pages": []}, headers={"Authorization": "Bearer worker-token"})
            assert refused.status_code == 422, "past the token, the empty body is the problem"
    finally:
        stop(process)


def test_serve_refuses_a_missing_store_when_read_only(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 2 and "no store there" in result.output
    assert not (tmp_path / "none.db").exists()


def test_search_command_json_and_table(demo_db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "trafficking", "--db", demo_db, "--format", "json", "--per-page", "3"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["total"] >= 2 and len(answer["items"]) == 3 and answer["filters"] == {"q": "trafficking"}
    table = runner.invoke(cli, ["search", "--db", demo_db, "--idf-region", "africa", "--sort", "-budget"],
                          env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "sorted by -budget" in table.output
    bad = runner.invoke(cli, ["search", "--db", demo_db, "--year-from", "2020", "--year-to", "2010"])
    assert bad.exit_code == 2 and "year_from (2020) is after year_to (2010)" in bad.output


def test_snippets_render_as_text() -> None:
    from fundatlas.cli.search import snippet_text

    text = snippet_text("…la <mark>traite</mark> des &lt;personnes&gt;…")
    assert text.plain == "…la traite des <personnes>…"
    assert [text.plain[span.start:span.end] for span in text.spans] == ["traite"]


def test_the_cli_spells_the_token_variable_as_the_api_does() -> None:
    from fundatlas.api import ADMIN_TOKEN_ENV
    from fundatlas.cli import serve

    assert serve.ADMIN_TOKEN_ENV == ADMIN_TOKEN_ENV
