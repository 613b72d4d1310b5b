"""Phone numbers written one way, so that "139 1778 2046", "13917782046" and
"+86 139 1778 2046" are one customer. Parsing and formatting are Google's libphonenumber
rules (the ``phonenumbers`` package); a number without a country code is read in the
country of the customer's address (China by default).
"""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "CN"


def _parse(raw: str | None, region: str | None):
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, (region or DEFAULT_REGION).upper())
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise(raw: str | None, region: str | None = None) -> str | None:
    """E.164 ("+8613917782046"), or None when ``raw`` is not a valid number."""
    number = _parse(raw, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) \
        if number else None


def display(raw: str, region: str | None = None) -> str:
    """The international way to write it ("+86 139 1778 2046"); an invalid number is kept
    as typed (trimmed), for a person to correct."""
    number = _parse(raw, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL) \
        if number else raw.strip()


def tail(raw: str | None, digits: int = 6) -> str:
    """The last ``digits`` digits: cheap to search for in stored numbers, whatever their
    spacing."""
    return re.sub(r"\D", "", raw or "")[-digits:]
