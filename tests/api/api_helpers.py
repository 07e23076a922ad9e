"""What the API tests share besides fixtures (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

from pathlib import Path

PAGES = Path(__file__).resolve().parents[2] / "src" / "fundatlas" / "demo" / "pages"
ADMIN_TOKEN = "test-admin-token-0123456789"
