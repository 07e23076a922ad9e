"""Numbers as the pages write them."""

from __future__ import annotations

import pytest

from fundatlas.normalize.codes import coverage_code, region_code, status_code, type_code
from fundatlas.normalize.numbers import parse_amount, parse_duration, parse_year
from fundatlas.vocab import vocabulary


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("300000.00", 300000.0),
        ("100,000", 100000.0),
        ("400 000 dollars É.-U.", 400000.0),
        ("USD 1,250,000", 1250000.0),
        ("1.250.000,50", 1250000.5),
        ("49960.00", 49960.0),
        ("150.000", 150000.0),
        ("1.5 million", 1500000.0),
        ("$ 75,000.50", 75000.5),
        ("400\u00a0000", 400000.0),
        ("300000.00 (2019)", 300000.0),
    ],
)
def test_amounts(text: str, amount: float) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["", "n/a", "USD", "—"])
def test_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


def test_years_and_durations() -> None:
    assert parse_year("2023") == 2023 and parse_year("01/03/2019") == 2019 and parse_year("12345") is None
    units = vocabulary().duration_units
    assert parse_duration("24 mois", units) == 24
    assert parse_duration("18 months", units) == 18
    assert parse_duration("2 años", units) == 24
    assert parse_duration("36", units) == 36


def test_codes() -> None:
    assert status_code("Achevé") == status_code("Finalizado") == status_code("Completed") == "completed"
    assert status_code("Actif") == status_code("Activo") == "active"
    assert coverage_code("Multi-Regional") == "interregional" and coverage_code("National") == "national"
    assert region_code("Asie et Océanie") == region_code("Asia y Oceanía") == "asia_oceania"
    assert region_code("Monde") == "global" and region_code("Amérique latine et Caraïbes") == "latin_america_caribbean"
    assert type_code("TCMMCB") == "tcmmcb"
    assert type_code("Cooperación técnica en gestión de la migración y creación de capac") == "tcmmcb"
    assert type_code("Migration") is None
