"""Known place names, from GeoNames: cities, countries and US states.

The small English model often takes a city for an organisation or a person ("routes between Gothenburg,
Oslo and Copenhagen", "moving into Brno"). A name that is a known place, with nothing in its sentence
saying otherwise, is a place; relation slots can still outvote it later ("Orange said it would buy X").
The names are read from ``kg/data/places.tsv`` (built by :mod:`kg.train.places`).

>>> "Oslo" in known_places(100_000)
True
"""

from __future__ import annotations

import unicodedata
from functools import cache

from kg.ontology import ONTOLOGY_DIR

__all__ = ["known_places", "regions"]

#: The population column of a country or US state in ``places.tsv``.
_REGION = "-"


def _ascii(name: str) -> str:
    """``name`` without its accents ("Wrocław" gives "Wroclaw"), as English text often writes it."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).replace("ł", "l").replace("Ł", "L")


def _with_ascii(names: set[str]) -> frozenset[str]:
    """``names`` and each of them without its accents."""
    return frozenset(names | {_ascii(n) for n in names})


@cache
def _place_rows() -> tuple[tuple[str, str], ...]:
    """The (population, name) rows of ``places.tsv``; a region's population is ``-``."""
    text = (ONTOLOGY_DIR / "places.tsv").read_text(encoding="utf-8")
    return tuple(tuple(line.split("\t", 1)) for line in text.splitlines())  # type: ignore[misc]


@cache
def regions() -> frozenset[str]:
    """Names of every country and of every US state: the places that hold cities ("Ghent, Belgium").

    >>> "Belgium" in regions(), "South Carolina" in regions(), "Ghent" in regions()
    (True, True, False)
    """
    return _with_ascii({name for population, name in _place_rows() if population == _REGION})


@cache
def known_places(min_population: int) -> frozenset[str]:
    """Names of the cities of at least ``min_population`` people (15,000 at the least), of every country and of every US state.

    >>> "Wroclaw" in known_places(100_000), "Tallinn" in known_places(10_000_000), len(known_places(0))
    (True, False, 0)
    """
    if min_population <= 0:
        return frozenset()
    names = {name for population, name in _place_rows() if population != _REGION and int(population) >= min_population}
    return _with_ascii(names) | regions()
