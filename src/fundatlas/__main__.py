"""``python -m fundatlas`` runs the command line."""

from fundatlas.cli import app

app()
