"""Schemathesis against the app's own OpenAPI document: no 5xx, and every answer conforms to the schema.

Every operation is included, ``POST /api/ingest`` too: requests carry the admin token, so generated
bodies reach the ingest itself (on a store of its own) rather than stopping at 401. Bounded:
``MAX_EXAMPLES`` generated cases per operation, on the in-process ASGI app.

The schema is loaded when the module is imported (schemathesis parametrizes tests at collection;
its fixture-based loader does not work with this pytest), so the store is built here too.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from api_helpers import ADMIN_TOKEN, PAGES
from hypothesis import HealthCheck, settings
from schemathesis import checks

from fundatlas.api import create_app
from fundatlas.ingest import ingest, read_inputs
from fundatlas.store import open_store

MAX_EXAMPLES = 15
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance, checks.negative_data_rejection]

_folder = tempfile.TemporaryDirectory(prefix="fundatlas-schemathesis-")  # removed when the interpreter exits
_url = f"sqlite:///{Path(_folder.name) / 'store.db'}"
_engine = open_store(_url)
list(ingest(_engine, read_inputs([PAGES])))
_engine.dispose()
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_url, admin_token=ADMIN_TOKEN, web=False))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_openapi_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, checks=CHECKS)
