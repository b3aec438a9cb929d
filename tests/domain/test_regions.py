"""Country names as people and Salesforce exports write them, read as ISO regions for phones."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from contactgraph.domain import region_of_country
from contactgraph.domain.regions import _COUNTRY_NAMES
from contactgraph.domain.text import match_key


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("Argentina", "AR"),
        ("ARGENTINA", "AR"),
        ("República Argentina", "AR"),
        ("Argentine", "AR"),
        ("Taiwan", "TW"),
        ("Chile", "CL"),
        ("Colombia", "CO"),
        ("Perú", "PE"),
        ("Uruguay", "UY"),
        ("South Korea", "KR"),
        ("Hong Kong", "HK"),
        ("Israel", "IL"),
        ("Türkiye", "TR"),
        ("Czech Republic", "CZ"),
        ("United Arab Emirates", "AE"),
        ("Scotland", "GB"),
    ],
)
def test_more_countries_give_their_region(country: str, region: str) -> None:
    assert region_of_country(country) == region


def test_every_name_is_a_match_key_of_a_region_phones_know() -> None:
    for name, region in _COUNTRY_NAMES.items():
        assert match_key(name) == name, name
        assert region in phonenumbers.SUPPORTED_REGIONS, (name, region)


def _countries(row: dict[str, Any]) -> Iterator[str]:
    for field, value in row.items():
        if isinstance(field, str) and field.lower().endswith("country") and value:
            yield str(value)


def _walk(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        yield from _countries(data)
        for value in data.values():
            yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def _fixture_countries(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*"):
        if path.suffix == ".json":
            found.update(_walk(json.loads(path.read_text(encoding="utf-8"))))
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    found.update(_countries(row))
    return found


def test_every_country_of_the_salesforce_samples_gives_a_region(fixtures_dir: Path) -> None:
    """Countries in every field that names one (Billing, Shipping, Mailing, Other, a
    custom ``Country__c``); states are USPS codes, territories included, under ``US``."""
    countries = _fixture_countries(fixtures_dir)
    assert {"USA", "United States", "US", "France"} <= countries
    assert {c: region_of_country(c) for c in countries if region_of_country(c) is None} == {}
