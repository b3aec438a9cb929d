"""Countries as people write them, and the ISO region each means (for phone numbers)."""

from __future__ import annotations

import phonenumbers

from contactgraph.domain.text import match_key
from contactgraph.errors import InvalidValueError

__all__ = ["region_of_country"]

_COUNTRY_NAMES: dict[str, str] = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "america": "US",
    "france": "FR",
    "republique francaise": "FR",
    "germany": "DE",
    "deutschland": "DE",
    "allemagne": "DE",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "royaume-uni": "GB",
    "spain": "ES",
    "espana": "ES",
    "espagne": "ES",
    "italy": "IT",
    "italia": "IT",
    "italie": "IT",
    "belgium": "BE",
    "belgique": "BE",
    "switzerland": "CH",
    "suisse": "CH",
    "schweiz": "CH",
    "netherlands": "NL",
    "pays-bas": "NL",
    "canada": "CA",
    "mexico": "MX",
    "brazil": "BR",
    "bresil": "BR",
    "japan": "JP",
    "japon": "JP",
    "china": "CN",
    "chine": "CN",
    "india": "IN",
    "inde": "IN",
    "australia": "AU",
    "australie": "AU",
    "ireland": "IE",
    "irlande": "IE",
    "portugal": "PT",
    "luxembourg": "LU",
    "austria": "AT",
    "autriche": "AT",
    "sweden": "SE",
    "suede": "SE",
    "norway": "NO",
    "norvege": "NO",
    "denmark": "DK",
    "danemark": "DK",
    "finland": "FI",
    "poland": "PL",
    "pologne": "PL",
    "singapore": "SG",
    "morocco": "MA",
    "maroc": "MA",
    "tunisia": "TN",
    "tunisie": "TN",
    "algeria": "DZ",
    "algerie": "DZ",
    "senegal": "SN",
    "south africa": "ZA",
    "new zealand": "NZ",
}


def region_of_country(country: str | None) -> str | None:
    """ISO alpha-2 code for a country written as a code or a common name, else ``None``."""
    if country is None or country == "":
        return None
    if not isinstance(country, str):
        raise InvalidValueError("must be text", field="country", value=country)
    if len(country) > 255:
        return None
    key = match_key(country)
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()
    return _COUNTRY_NAMES.get(key)
