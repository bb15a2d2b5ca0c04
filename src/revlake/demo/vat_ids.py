"""VAT numbers for the synthetic company's EU business customers, valid per python-stdnum.

Each number is built from one random draw (an integer 10^8 <= n < 10^9, the draw the
generator has always made) with the member state's real format and check digits, so that
`stdnum.eu.vat.validate` accepts it and the tax engine reverse-charges the customer's
invoices. No extra random numbers are drawn: the rest of the output is unchanged.
"""

from __future__ import annotations

from stdnum import luhn
from stdnum.es import cif
from stdnum.ie import vat as ie_vat
from stdnum.iso7064 import mod_11_10


def _nl_body(digits: str) -> str:
    """Nine digits passing the Dutch 11-test: the first seven, then a search of the rest."""
    for tail in range(100):
        body = digits[:7] + f"{(int(digits[7:9]) + tail) % 100:02d}"
        total = sum(int(d) * w for d, w in zip(body[:8], range(9, 1, -1), strict=True))
        if (total - int(body[8])) % 11 == 0:
            return body
    raise AssertionError(f"no 11-test body from {digits}")  # unreachable: 1 in 11 works


def vat_id(country: str, draw: int) -> str:
    """A VAT number of `country` (DE, FR, NL, ES, IT, IE, SE) derived from `draw`."""
    digits = f"{draw:09d}"[-9:]
    if country == "DE":
        body = digits[:8]
        return f"DE{body}{mod_11_10.calc_check_digit(body)}"
    if country == "FR":
        siren = digits[:8] + luhn.calc_check_digit(digits[:8])
        key = (12 + 3 * (int(siren) % 97)) % 97
        return f"FR{key:02d}{siren}"
    if country == "NL":
        return f"NL{_nl_body(digits)}B01"
    if country == "ES":
        body = "B" + digits[:7]
        return f"ES{body}{cif.calc_check_digits(body)[0]}"
    if country == "IT":
        office = int(digits[7:9]) % 100 + 1
        base = f"{digits[:7]}{office:03d}"
        return f"IT{base}{luhn.calc_check_digit(base)}"
    if country == "IE":
        body = digits[:7]
        return f"IE{body}{ie_vat.calc_check_digit(body)}"
    if country == "SE":
        org = "5" + digits[:8]
        return f"SE{org}{luhn.calc_check_digit(org)}01"
    raise ValueError(f"no VAT number recipe for country {country!r}")
