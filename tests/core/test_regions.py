"""World regions: a relay is listed under the continent of its countries, or the world."""

from __future__ import annotations

import pytest

from chatmail_site.core.regions import (
    _CONTINENT_COUNTRIES,  # the data itself: a country listed twice would be placed by chance
    UNKNOWN_REGION,
    WORLD,
    continent_of,
    region_of,
)


@pytest.mark.parametrize(
    ("country", "continent"),
    [("DE", "150"), ("de", "150"), ("BR", "019"), ("JP", "142"), ("KE", "002"), ("NZ", "009")],
)
def test_a_country_lies_in_its_continent_whatever_its_case(country: str, continent: str) -> None:
    assert continent_of(country) == continent


@pytest.mark.parametrize("country", ["XX", "", "ZZ", "EU"])
def test_a_country_cldr_does_not_place_has_no_continent(country: str) -> None:
    assert continent_of(country) is None


def test_no_country_is_on_two_continents() -> None:
    countries = [country for text in _CONTINENT_COUNTRIES.values() for country in text.split()]
    assert len(countries) == len(set(countries))


def test_countries_of_one_continent_are_listed_under_it() -> None:
    assert region_of(["DE", "fr", "NL"]) == "150"
    assert region_of(("US",)) == "019"


def test_countries_on_several_continents_are_listed_under_the_world() -> None:
    assert region_of(["DE", "US"]) == WORLD


def test_a_relay_without_a_known_country_is_in_the_unknown_region() -> None:
    assert region_of([]) == UNKNOWN_REGION
    assert region_of(["XX"]) == UNKNOWN_REGION
