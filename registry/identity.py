"""National insurance numbers (SNILS): validated, normalised and hashed, never stored.

The registry keeps only an HMAC-SHA256 of the normalised number with a server-side key
(DESIGN.md sections 5 and 8), so two sites registering the same person can be detected
without the number itself ever being written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re


def normalise_snils(value: str) -> str:
    """Strip spaces and dashes: '112-233-445 95' -> '11223344595'.

    Raises
    ------
    ValueError
        If what is left is not 11 digits or its control number is wrong.
    """
    digits = re.sub(r"[\s\-]", "", value)
    if not re.fullmatch(r"\d{11}", digits):
        raise ValueError(
            f"{value!r} is not a SNILS: expected 11 digits, e.g. 112-233-445 95"
        )
    if digits[:9] > "001001998" and snils_check_digits(digits[:9]) != digits[9:]:
        raise ValueError(
            f"{value!r} has a wrong control number (last two digits); check for a typo"
        )
    return digits


def snils_check_digits(first9: str) -> str:
    """The SNILS control number of the first nine digits (weights 9..1, modulo 101).

    Examples
    --------
    >>> snils_check_digits("112233445")
    '95'
    """
    total = sum(int(d) * w for d, w in zip(first9, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return "00" if total in (100, 101) else f"{total:02d}"


def identity_hash(value: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the normalised SNILS with the registry's key."""
    return hmac.new(key, normalise_snils(value).encode(), hashlib.sha256).hexdigest()
