"""Ingesting pages into a real store (SQLite and PostgreSQL): totals, languages, history, identity, reparse."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path

from backends import Databases
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from store_helpers import PAGES, ingest_paths, raw_dump, rows

from fundatlas.files import expand_paths, parse_file
from fundatlas.ingest import Outcome, Status, ingest, read_inputs
from fundatlas.reparse import reparse
from fundatlas.store import open_store
from fundatlas.store.projects import rebuild_project
from fundatlas.store.queries import canonical_dump, portfolio_report
from fundatlas.store.repository import utcnow
from fundatlas.store.schema import projects, records

FR_FSM = "fr-187546.txt"  # PO.0196 in French ...
EN_FSM = "en-technical-assistance-migration-policy-fsm.txt"  # ... and in English


def test_the_corpus_ingests_into_one_row_per_project(corpus_store: tuple[Engine, list[Outcome]]) -> None:
    engine, outcomes = corpus_store
    files = list(expand_paths([PAGES]))
    parsed = [parse_file(path) for path in files]
    projects = [r.project for r in parsed if r.project is not None]
    assert [o.input for o in outcomes] == [str(path) for path in files]
    assert Counter(o.status for o in outcomes) == {Status.STORED: len(projects),
                                                  Status.NOT_PROJECT: len(parsed) - len(projects)}
    budgets: dict[str, set[float | None]] = {}
    for project in projects:
        assert project.project_id  # every bundled project page shows its ID
        budgets.setdefault(project.project_id, set()).add(project.budget_usd)
    assert all(len(values) == 1 for values in budgets.values())  # no language version disagrees here
    with engine.connect() as connection:
        report = portfolio_report(connection)
    assert report["totals"]["projects"] == len(budgets)
    assert report["totals"]["usd"] == sum(next(iter(v)) or 0 for v in budgets.values())
    assert report["totals"]["sources"] == report["totals"]["snapshots"] == len(files)
    pairs = {(p.project_id, r.source.lang) for r in parsed if (p := r.project) is not None}
    assert sum(report["totals"]["texts_by_language"].values()) == len(pairs)
    assert rows(engine, "SELECT count(*) FROM records WHERE is_current") == [(len(files),)]
    assert sum(row["projects"] for row in report["by_coverage"]) == len(budgets)


def test_the_french_and_english_pages_of_po_0196_are_one_project_with_two_texts(
    corpus_store: tuple[Engine, list[Outcome]],
) -> None:
    db, _ = corpus_store
    [(row_id, key, languages, title, budget, version)] = rows(
        db, "SELECT id, key, languages, title, budget_usd, version FROM projects WHERE project_id = 'PO.0196'"
    )
    assert (key, languages, budget, version) == ("project_id:PO.0196", "en,fr", 300000.0, 2)
    assert str(title).startswith("Technical Assistance for the Development of a Migration Policy")
    texts = {lang: title for lang, title in rows(db, "SELECT lang, title FROM project_texts WHERE project = ?", row_id)}
    assert set(texts) == {"en", "fr"}
    assert str(texts["fr"]).startswith("Aide technique à l’élaboration d’une politique migratoire")
    assert rows(db, "SELECT iso3, eligible FROM beneficiaries WHERE project = ?", row_id) == [("FSM", 1)]
    assert rows(db, "SELECT count(*) FROM records WHERE project = ? AND is_current", row_id) == [(2,)]


def test_findings_point_at_the_project_the_field_and_the_span_in_the_snapshot(
    corpus_store: tuple[Engine, list[Outcome]],
) -> None:
    db, _ = corpus_store
    found = rows(db, """SELECT f.rule, f.field, f.span_start, f.span_end, s.content, s.encoding
                        FROM findings f JOIN snapshots s ON s.sha256 = f.snapshot_sha256
                        WHERE f.span_start IS NOT NULL""")
    assert found
    for rule, field, start, end, content, encoding in found:
        text = zlib.decompress(content).decode(str(encoding))  # type: ignore[arg-type]
        assert isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
        if rule == "dates.placeholder_end_year":
            assert (field, text[start:end]) == ("end_year", "2024")
    assert rows(db, "SELECT count(*) FROM findings WHERE project NOT IN (SELECT id FROM projects)") == [(0,)]


def test_the_same_bytes_again_write_nothing(engine: Engine) -> None:
    ingest_paths(engine, PAGES)
    before = raw_dump(engine)
    again = ingest_paths(engine, PAGES)
    assert {o.status for o in again} == {Status.UNCHANGED}
    assert raw_dump(engine) == before


def test_a_changed_page_adds_a_snapshot_and_a_record_version_and_keeps_the_history(
    engine: Engine, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    original = (PAGES / FR_FSM).read_bytes()
    page.write_bytes(original)
    assert ingest_paths(engine, page)[0].reason == "new"
    page.write_bytes(original.replace(b"300000.00", b"350000.00"))
    [changed] = ingest_paths(engine, page)
    assert (changed.status, changed.reason) == (Status.STORED, "changed: record version 2")
    assert rows(engine, "SELECT budget_usd, version FROM projects") == [(350000.0, 2)]
    history = rows(engine, "SELECT version, is_current, result_json FROM records ORDER BY version")
    assert [(v, c) for v, c, _ in history] == [(1, 0), (2, 1)]
    assert json.loads(str(history[0][2]))["project"]["budget_usd"] == 300000.0
    page.write_bytes(original)  # back to the first bytes: a new version, the same snapshot
    assert ingest_paths(engine, page)[0].reason == "changed: record version 3"
    assert rows(engine, "SELECT count(*) FROM snapshots") == [(2,)]
    assert rows(engine, "SELECT count(*) FROM sightings") == [(3,)]
    assert rows(engine, "SELECT budget_usd, version FROM projects") == [(300000.0, 3)]


def test_a_value_that_differs_between_languages_is_a_finding_not_an_overwrite(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / FR_FSM).write_bytes((PAGES / FR_FSM).read_bytes())
    (tmp_path / EN_FSM).write_bytes((PAGES / EN_FSM).read_bytes().replace(b"300000.00", b"250000.00"))
    ingest_paths(engine, tmp_path)
    [(row_id, budget)] = rows(engine, "SELECT id, budget_usd FROM projects")
    assert budget == 250000.0  # English first, as documented
    disagree = rows(engine, "SELECT field, message FROM findings WHERE rule = 'languages.disagree'")
    assert [field for field, _ in disagree] == ["budget_usd"]
    assert "300,000" in str(disagree[0][1]) and "250,000" in str(disagree[0][1])
    fr_record = rows(engine, "SELECT result_json FROM records WHERE lang = 'fr' AND project = ?", row_id)
    assert json.loads(str(fr_record[0][0]))["project"]["budget_usd"] == 300000.0


def _without(page: str, *labels: bytes) -> bytes:
    lines = (PAGES / page).read_bytes().split(b"\n")
    out = []
    for index, line in enumerate(lines):
        if line in labels or (index and lines[index - 1] in labels):
            continue
        out.append(line)
    return b"\n".join(out)


def test_a_page_with_only_the_prima_id_joins_the_project_in_either_order(tmp_path: Path,
                                                                       databases: Databases) -> None:
    prima_only = _without(FR_FSM, b"Projet ID")
    dumps = []
    for order in ((EN_FSM, "fr.txt"), ("fr.txt", EN_FSM)):
        folder = tmp_path / "-".join(order)
        folder.mkdir()
        (folder / EN_FSM).write_bytes((PAGES / EN_FSM).read_bytes())
        (folder / "fr.txt").write_bytes(prima_only)
        store = open_store(databases.new())
        outcomes = ingest_paths(store, *(folder / name for name in order))
        assert [o.project for o in outcomes][0] in {"project_id:PO.0196", "prima_id:FM10P0527"}
        assert rows(store, "SELECT key, languages FROM projects") == [("project_id:PO.0196", "en,fr")]
        with store.connect() as connection:
            dump = canonical_dump(connection)
        dumps.append({name: [tuple(str(v).replace(str(folder), "") for v in row) for row in table]
                      for name, table in dump.items() if name != "projects"})
        store.dispose()
    assert dumps[0] == dumps[1]


def test_a_page_without_ids_is_keyed_by_title_and_year_with_a_finding(
    engine: Engine, tmp_path: Path
) -> None:
    page = tmp_path / "no-ids.txt"
    page.write_bytes(_without(FR_FSM, b"Projet ID", b"Prima ID"))
    [outcome] = ingest_paths(engine, page)
    assert outcome.project is not None and outcome.project.startswith("fallback:aide technique")
    assert rows(engine, "SELECT key_kind FROM projects") == [("fallback",)]
    assert rows(engine, "SELECT count(*) FROM findings WHERE rule = 'identity.fallback_key'") == [(1,)]


def test_the_same_file_twice_in_one_run_is_a_duplicate_that_changes_no_project(
    engine: Engine, tmp_path: Path
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes((PAGES / FR_FSM).read_bytes())
    first, second = ingest_paths(engine, tmp_path)
    assert first.status is Status.STORED
    assert (second.status, second.reason) == (Status.DUPLICATE, f"same bytes as {tmp_path.resolve() / 'a.txt'}")
    assert rows(engine, "SELECT count(*), max(version) FROM projects") == [(1, 1)]
    assert rows(engine, "SELECT count(*) FROM snapshots") == [(1,)]
    assert rows(engine, "SELECT count(*) FROM sources") == [(2,)]


def test_reparse_rebuilds_the_same_records_and_repairs_an_old_parse(engine: Engine) -> None:
    ingest_paths(engine, PAGES)
    with engine.connect() as connection:
        before = canonical_dump(connection)
    raw_before = raw_dump(engine)
    summary = reparse(engine)
    assert summary.records_changed == [] and not summary.projects
    assert raw_dump(engine) == raw_before  # nothing written at all

    # An older parser read LM.0485's budget wrong: its record and project say 4.0.
    with engine.begin() as connection:
        record_id, result_text, project_row = connection.execute(
            select(records.c.id, records.c.result_json, records.c.project)
            .where(records.c.project_key == "project_id:LM.0485")
        ).one()
        old = json.loads(result_text)
        old["project"]["budget_usd"] = 4.0
        connection.execute(update(records).where(records.c.id == record_id).values(result_json=json.dumps(old)))
        rebuild_project(connection, project_row, utcnow())
    assert rows(engine, "SELECT budget_usd FROM projects WHERE project_id = 'LM.0485'") == [(4.0,)]

    summary = reparse(engine)
    assert [(c.version, c.project_after) for c in summary.records_changed] == [(2, "project_id:LM.0485")]
    assert rows(engine, "SELECT budget_usd FROM projects WHERE project_id = 'LM.0485'") == [(400000.0,)]
    assert rows(engine, "SELECT version, is_current, reason FROM records WHERE project_key = "
                         "'project_id:LM.0485' ORDER BY version") == [(1, 0, "ingest"), (2, 1, "reparse")]
    with engine.connect() as connection:
        after = canonical_dump(connection)
    assert {k: v for k, v in after.items() if k != "projects"} == {k: v for k, v in before.items() if k != "projects"}
    names = [c.name for c in projects.c if c.name not in {"id", "created_at", "updated_at", "state_sha256"}]
    keep = [i for i, name in enumerate(names) if name != "version"]

    def unversioned(dump: dict[str, list[tuple[object, ...]]]) -> list[tuple[object, ...]]:
        return [tuple(row[i] for i in keep) for row in dump["projects"]]

    assert unversioned(after) == unversioned(before)  # the same project, two versions (and records) later


def test_stopping_early_keeps_the_pages_already_ingested(engine: Engine) -> None:
    outcomes = ingest(engine, read_inputs([PAGES]), batch_pages=1000, batch_seconds=3600)
    taken = [next(outcomes) for _ in range(5)]
    outcomes.close()
    assert len(taken) == 5
    assert rows(engine, "SELECT count(*) FROM sources") == [(5,)]


def test_a_source_that_stops_showing_a_project_keeps_it_in_its_history(
    engine: Engine, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes((PAGES / FR_FSM).read_bytes())
    ingest_paths(engine, page)
    page.write_bytes((PAGES / "fr-criteres-dadmissibilite.txt").read_bytes())
    [outcome] = ingest_paths(engine, page)
    assert outcome.status is Status.NOT_PROJECT
    assert outcome.reason == ("kept as a snapshot; this source showed project_id:PO.0196 before "
                              "(kept in its history)")
    assert rows(engine, "SELECT count(*) FROM projects") == [(0,)]
    assert rows(engine, "SELECT version, is_project, project_key FROM records ORDER BY version") == [
        (1, 1, "project_id:PO.0196"), (2, 0, None)]
    page.write_bytes((PAGES / FR_FSM).read_bytes())
    assert ingest_paths(engine, page)[0].reason == "changed: record version 3"
    assert rows(engine, "SELECT key, version FROM projects") == [("project_id:PO.0196", 1)]
