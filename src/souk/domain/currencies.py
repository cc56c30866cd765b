"""ISO 4217: the active currency codes and their minor units (the standard's table, not store data).

Precious metals, test and fund codes without a store use (XAU, XTS, XXX, ...) are left out: a store cannot
price in them.
"""

from __future__ import annotations

import re

from souk.core.errors import BadRequest

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE "
    "CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD "
    "HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU "
    "MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG "
    "SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UZS VED VES WST "
    "XCD XCG YER ZAR ZMW ZWG ZWL"
)

#: code -> number of decimal places (minor units)
MINOR_UNITS: dict[str, int] = {
    **{c: 2 for c in _TWO.split()}, **{c: 0 for c in _ZERO.split()}, **{c: 3 for c in _THREE.split()},
    **{c: 4 for c in _FOUR.split()},
}
#: Souk stores money in hundredths: a currency with more minor units keeps at most two of them.
STORED_DECIMALS = 2
_CODE = re.compile(r"^[A-Z]{3}$")


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in MINOR_UNITS


def currency_problem(code: object) -> str | None:
    """Why ``code`` is not an ISO 4217 code (upper case, active), or None when it is one."""
    if not isinstance(code, str):
        return "must be an ISO 4217 currency code (a string such as \"USD\")"
    if not _CODE.match(code):
        return f"must be an ISO 4217 code in upper case (three letters), got {code!r}"
    if code not in MINOR_UNITS:
        return f"{code!r} is not an active ISO 4217 currency code"
    return None


def require_currency(code: object) -> str:
    problem = currency_problem(code)
    if problem is not None:
        raise BadRequest(f"currency {problem}", code="bad_currency", details={"currency": str(code)[:16]})
    return str(code)


def decimals(code: str) -> int:
    """How many decimals an amount in ``code`` may have here (its minor units, at most STORED_DECIMALS)."""
    return min(MINOR_UNITS.get(code, STORED_DECIMALS), STORED_DECIMALS)
