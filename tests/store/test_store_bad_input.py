"""Bad input never stops a run and never alters what is stored: each input gets its outcome (both databases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from store_helpers import PAGES, ingest_paths, raw_dump, rows

from fundatlas.ingest import Status
from fundatlas.store.database import integrity_check

FR_FSM = "fr-187546.txt"
FAQ = "fr-criteres-dadmissibilite.txt"
FIFTY_MB = 50 * 1024 * 1024


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "inputs"
    folder.mkdir()
    page = (PAGES / FR_FSM).read_bytes()
    files = {
        "binary": (bytes(range(256)) * 64, "binary.txt"),
        "cp1252": (page.decode("utf-8").replace("’", "'").encode("cp1252"), "cp1252.txt"),
        "empty": (b"", "empty.txt"),
        "blank": (b"  \n\t\n", "blank.txt"),
        "faq": ((PAGES / FAQ).read_bytes(), "faq.txt"),
        "truncated": (page[:1800], "truncated.txt"),  # cut inside a UTF-8 character of the description
        "dup1": ((PAGES / "fr-187231.txt").read_bytes(), "dup1.txt"),
        "dup2": ((PAGES / "fr-187231.txt").read_bytes(), "dup2.txt"),
    }
    paths = {}
    for name, (data, file_name) in files.items():
        paths[name] = folder / file_name
        paths[name].write_bytes(data)
    paths["huge"] = folder / "huge.txt"
    with paths["huge"].open("wb") as huge:
        huge.truncate(FIFTY_MB)
    paths["missing"] = folder / "missing.txt"
    return paths


def test_every_bad_input_gets_its_outcome_and_the_run_goes_on(
    engine: Engine, bad_inputs: dict[str, Path]
) -> None:
    order = ["binary", "cp1252", "huge", "empty", "blank", "faq", "truncated", "dup1", "dup2", "missing"]
    outcomes = {name: outcome for name, outcome in
                zip(order, ingest_paths(engine, *(bad_inputs[name] for name in order)), strict=True)}
    assert outcomes["binary"].status is Status.REJECTED and "binary" in (outcomes["binary"].reason or "")
    assert outcomes["cp1252"].status is Status.STORED
    assert (outcomes["huge"].status, outcomes["huge"].reason) == (
        Status.REJECTED, f"too large: {FIFTY_MB:,} bytes (the limit is 10,485,760)")
    assert (outcomes["empty"].status, outcomes["empty"].reason) == (Status.REJECTED, "empty")
    assert (outcomes["blank"].status, outcomes["blank"].reason) == (Status.REJECTED, "empty")
    assert outcomes["faq"].status is Status.NOT_PROJECT
    assert outcomes["truncated"].status is Status.STORED
    assert (outcomes["dup1"].status, outcomes["dup2"].status) == (Status.STORED, Status.DUPLICATE)
    assert outcomes["missing"].status is Status.REJECTED and "cannot be read" in (outcomes["missing"].reason or "")

    encodings = dict(rows(engine, "SELECT layout, encoding FROM snapshots WHERE layout IS NULL"))
    assert encodings == {None: "utf-8"}  # the FAQ page is kept as a snapshot
    assert rows(engine, "SELECT encoding FROM snapshots s JOIN sources o ON o.latest_sha256 = s.sha256 "
                        "WHERE o.locator LIKE '%cp1252.txt'") == [("cp1252",)]
    assert rows(engine, "SELECT count(*) FROM sources") == [(5,)]
    # cp1252 and the truncated page are both PO.0196 in French: one project
    assert rows(engine, "SELECT key FROM projects ORDER BY key") == [("project_id:PO.0160",), ("project_id:PO.0196",)]
    with engine.connect() as connection:
        assert integrity_check(connection) == ["ok"]


def test_rejected_inputs_change_nothing_already_stored(
    engine: Engine, bad_inputs: dict[str, Path]
) -> None:
    ingest_paths(engine, PAGES)
    before = raw_dump(engine)
    rejected = ingest_paths(engine, *(bad_inputs[name] for name in ("binary", "huge", "empty", "blank", "missing")))
    assert {o.status for o in rejected} == {Status.REJECTED}
    assert raw_dump(engine) == before


def test_a_smaller_limit_rejects_real_pages_unread(engine: Engine) -> None:
    outcomes = ingest_paths(engine, PAGES / FR_FSM, max_bytes=100)
    assert [(o.status, o.reason) for o in outcomes] == [(Status.REJECTED, "too large: 2,000 bytes (the limit is 100)")]


def test_a_json_lines_file_gives_one_outcome_per_line(engine: Engine, tmp_path: Path) -> None:
    page = (PAGES / FR_FSM).read_text(encoding="utf-8")
    english = (PAGES / "en-technical-assistance-migration-policy-fsm.txt").read_text(encoding="utf-8")
    html = "<html><body><h1>Hello</h1>" + "".join(f"<p>{line}</p>" for line in english.splitlines()) + "</body></html>"
    lines = [
        json.dumps({"url": "https://www.iom.int/fr/node/187546", "text": page}),
        "",
        json.dumps({"url": "https://www.iom.int/project/fsm", "html": html}),
        "{not json",
        json.dumps({"text": page}),
        json.dumps({"url": "https://www.iom.int/x", "text": 12}),
        json.dumps(["a list"]),
    ]
    source = tmp_path / "pages.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcomes = ingest_paths(engine, source)
    assert [o.input for o in outcomes] == [f"{source}:{n}" for n in (1, 3, 4, 5, 6, 7)]
    assert [o.status for o in outcomes] == [Status.STORED, Status.STORED] + [Status.REJECTED] * 4
    assert [o.reason for o in outcomes[3:]] == [
        "no url", "no text or html", "not a JSON object with url and text or html"]
    assert rows(engine, "SELECT lang, url FROM project_texts ORDER BY lang") == [
        ("en", "https://www.iom.int/project/fsm"), ("fr", "https://www.iom.int/fr/node/187546")]
    assert rows(engine, "SELECT format FROM snapshots ORDER BY format") == [("html",), ("text",)]
    assert {o.status for o in ingest_paths(engine, source)} == {Status.UNCHANGED, Status.REJECTED}
