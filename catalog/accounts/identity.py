"""Checks of Chinese identity numbers and mobile numbers, each with a stable error code.

- Resident identity number (居民身份证号码), GB 11643-1999: 17 digits (area, birth date,
  sequence) and an ISO 7064 MOD 11-2 check character.
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters of a 31-letter
  alphabet with a MOD 31 check character.
- Mobile numbers through ``phonenumbers`` (Google's libphonenumber data), as a Chinese number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

import phonenumbers
from phonenumbers import PhoneNumberType

from catalog.errors import InvalidValue

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^[1-9]\d{16}[\dX]$")

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def resident_id_check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def check_resident_id(text: str) -> str:
    """The number, upper-cased; ``InvalidValue`` (``invalid-id-number``) when it is not one."""
    number = (text or "").strip().upper()
    if not _ID_PATTERN.match(number):
        raise InvalidValue("not an 18-character resident ID number", code="invalid-id-number")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidValue("the birth date is not a date", code="invalid-id-number") from None
    if resident_id_check_character(number[:17]) != number[17]:
        raise InvalidValue("the check character is wrong", code="invalid-id-number")
    return number


def resident_id_digest(number: str, key: bytes) -> tuple[str, str]:
    """What is stored of a checked ID number: its keyed hash and its last four characters."""
    digest = hmac.new(key, b"resident-id:" + number.encode(), hashlib.sha256).hexdigest()
    return digest, number[-4:]


def credit_code_check_character(first17: str) -> str:
    total = sum(
        _USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(text: str) -> str:
    """The code, upper-cased; ``InvalidValue`` (``invalid-credit-code``) when it is not one."""
    code = (text or "").strip().upper()
    if not _USCC_PATTERN.match(code):
        raise InvalidValue("not an 18-character credit code", code="invalid-credit-code")
    if credit_code_check_character(code[:17]) != code[17]:
        raise InvalidValue("the check character is wrong", code="invalid-credit-code")
    return code


def check_mobile(text: str) -> str:
    """A Chinese mobile number in E.164 (+86…); ``InvalidValue`` (``invalid-mobile``)."""
    raw = (text or "").strip()
    if len(raw) > 30:
        raise InvalidValue("not a mobile number", code="invalid-mobile")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidValue("not a mobile number", code="invalid-mobile") from None
    mobile = phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if number.country_code != 86 or not phonenumbers.is_valid_number(number) or not mobile:
        raise InvalidValue("not a Chinese mobile number", code="invalid-mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
