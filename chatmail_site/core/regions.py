"""World regions of countries, for grouping relays so that a long list can be scanned.

The regions are the five continents of CLDR's territory containment (the UN M.49 regions
001 World → 002 Africa, 019 Americas, 142 Asia, 150 Europe, 009 Oceania). Babel ships the
regions' names in every language but not which countries they contain, so that fact is
kept here, taken from CLDR's supplemental territoryContainment data.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

# A relay hosted on several continents belongs to the world as a whole.
WORLD = "001"
# CLDR's code for an unknown region: relays that do not say where they are hosted.
UNKNOWN_REGION = "ZZ"

# Continent → the countries in it (ISO 3166-1 alpha-2), following CLDR 48's containment.
_CONTINENT_COUNTRIES = {
    "002": (  # Africa
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EA EG EH ER ET GA GH GM GN GQ GW IC IO KE KM LR LS LY MA "
        "MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN TZ UG YT ZA ZM ZW"
    ),
    "019": (  # Americas
        "AG AI AR AW BB BL BM BO BQ BR BS BV BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GS GT GY HN HT "
        "JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI"
    ),
    "142": (  # Asia
        "AE AF AM AZ BD BH BN BT CN CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV "
        "MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE"
    ),
    "150": (  # Europe
        "AD AL AT AX BA BE BG BY CH CQ CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU "
        "LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"
    ),
    "009": (  # Oceania
        "AC AQ AS AU CC CK CP CX DG FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TA TK TO TV UM VU "
        "WF WS"
    ),
}


@cache
def _continent_by_country() -> dict[str, str]:
    return {
        country: continent
        for continent, countries in _CONTINENT_COUNTRIES.items()
        for country in countries.split()
    }


def continent_of(country: str) -> str | None:
    """The M.49 code of the continent a country lies in, or None for one CLDR does not place."""
    return _continent_by_country().get(country.upper())


def region_of(countries: Iterable[str]) -> str:
    """The region a relay hosted in `countries` is listed under.

    That is the continent they share; `WORLD` when they lie on several continents, and
    `UNKNOWN_REGION` when no country is known.
    """
    continents = {continent_of(country) or UNKNOWN_REGION for country in countries}
    if not continents:
        return UNKNOWN_REGION
    if len(continents) > 1:
        return WORLD
    return continents.pop()
