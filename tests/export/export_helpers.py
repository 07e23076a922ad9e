"""Shared by the export tests: where the standards' schemas are, and a project record to vary."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "src" / "fundatlas" / "demo" / "pages"
SHARED = Path(os.environ.get("FUNDATLAS_SHARED") or ROOT.parent / "shared")
IATI_XSD = SHARED / "iati" / "2.03" / "iati-activities-schema.xsd"
GEOJSON_SCHEMA = Path(__file__).resolve().parent / "geojson-FeatureCollection.schema.json"


def detail(**changes: Any) -> dict[str, Any]:
    """A full project record as ``Portfolio.projects_detail`` yields it, with ``changes`` applied."""
    record: dict[str, Any] = {
        "id": 7,
        "key": "project_id:IS.0133",
        "key_kind": "project_id",
        "project_id": "IS.0133",
        "prima_id": "MR10P0564",
        "title": "Mauritanie : inclusion des migrants",
        "languages": ["fr", "en"],
        "budget_usd": 300000.0,
        "coverage": "national",
        "status": "active",
        "year": 2023,
        "start_year": 2023,
        "end_year": 2025,
        "duration_months": None,
        "idf_region": "africa",
        "project_type": "integration_social_cohesion",
        "mission": None,
        "version": 1,
        "created_at": datetime(2024, 5, 1, 12, 0, 0),
        "updated_at": datetime(2024, 5, 2, 12, 0, 0, 123456),
        "texts": {
            "fr": {"lang": "fr", "title": "Mauritanie : inclusion des migrants", "description": "Malgré…",
                   "project_type_label": "Intégration et cohésion sociale", "url": "https://www.iom.int/fr/x"},
            "en": {"lang": "en", "title": "Mauritania: migrant inclusion", "description": "Despite…",
                   "project_type_label": "Integration and social cohesion", "url": "https://www.iom.int/x"},
        },
        "beneficiaries": [{"position": 0, "iso3": "MRT", "name": "Mauritanie", "eligible": True, "lang": "fr"}],
        "findings": [],
        "sources": [],
    }
    record.update(changes)
    return record
