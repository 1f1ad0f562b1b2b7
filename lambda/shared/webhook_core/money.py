"""Exact money: ISO 4217 minor-unit exponents and conversions to ``Decimal`` major units (decision 5).

Stripe and Square send integers in the currency's minor unit; PayPal sends decimal strings. Nothing here ever goes
through ``float``. Provider quirks (Stripe bills ISK in two decimals, MGA in none) are passed in as overrides by the
provider's normalizer, so this module stays provider-neutral.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from webhook_core.records import InvalidAmount, PayloadShapeError, UnsupportedCurrency

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE "
    "CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD "
    "HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU "
    "MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG "
    "SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES "
    "WST XCD XCG YER ZAR ZMW ZWG ZWL"
)

# ISO 4217 active currency codes -> number of minor-unit digits.
ISO_4217_EXPONENTS: Mapping[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}

_CURRENCY_CODE = re.compile(r"[A-Za-z]{3}")
_DECIMAL_STRING = re.compile(r"-?\d+(?:\.\d+)?")


def normalize_currency(value: object) -> str:
    """An upper-case ISO 4217 code we know; :class:`UnsupportedCurrency` for an unknown one."""
    if not isinstance(value, str):
        raise PayloadShapeError(f"currency must be a string, got {type(value).__name__}")
    code = value.strip().upper()
    if not _CURRENCY_CODE.fullmatch(code) or code not in ISO_4217_EXPONENTS:
        raise UnsupportedCurrency("currency is not an ISO 4217 code we know")
    return code


def minor_unit_exponent(currency: str, overrides: Mapping[str, int] | None = None) -> int:
    """Digits after the decimal point for ``currency`` (an override wins over ISO 4217)."""
    code = normalize_currency(currency)
    if overrides and code in overrides:
        return overrides[code]
    return ISO_4217_EXPONENTS[code]


def from_minor_units(amount: object, currency: str, overrides: Mapping[str, int] | None = None) -> Decimal:
    """Integer minor units -> exact ``Decimal`` major units: ``(2000, "usd") -> Decimal("20.00")``.

    The result carries the currency's exponent (``Decimal("12.340")`` for 12340 KWD), built from the digit tuple so
    no context precision or rounding applies. A non-integer ``amount`` is a :class:`PayloadShapeError`.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise PayloadShapeError(f"amount must be an integer of minor units, got {type(amount).__name__}")
    exponent = minor_unit_exponent(currency, overrides)
    sign, digits, _ = Decimal(amount).as_tuple()
    return Decimal((sign, digits, -exponent))


def from_decimal_string(value: object, currency: str) -> Decimal:
    """A provider's decimal string (PayPal ``"26.99"``) -> exact ``Decimal``.

    More fractional digits than the currency has is an :class:`InvalidAmount` (understood, but not money).
    """
    if not isinstance(value, str):
        raise PayloadShapeError(f"amount must be a decimal string, got {type(value).__name__}")
    text = value.strip()
    if not _DECIMAL_STRING.fullmatch(text):
        raise PayloadShapeError("amount is not a decimal string")
    exponent = minor_unit_exponent(currency)
    amount = Decimal(text)
    places = -int(amount.as_tuple().exponent)
    if places > exponent and amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise InvalidAmount(f"amount has more than {exponent} decimals for {currency.upper()}")
    return amount


def format_amount(amount: Decimal, currency: str | None) -> str:
    """An exact decimal string with the currency's ISO digits when that loses nothing (``20`` USD -> ``"20.00"``)."""
    if currency and currency.upper() in ISO_4217_EXPONENTS:
        quantum = Decimal(1).scaleb(-ISO_4217_EXPONENTS[currency.upper()])
        quantized = amount.quantize(quantum) if amount.adjusted() < 30 else amount
        if quantized == amount:
            return format(quantized, "f")
    return format(amount, "f")
