"""The password policy, and one-time passwords for new and reset accounts.

Following NIST SP 800-63B (section 3.1.1.2): a minimum length instead of composition rules,
and a check against passwords known to be common, plus context words (the username). The
policy is checked wherever a password is chosen: `registry.auth.create_user`,
`registry.auth.change_password` and the command line (`registry.services.admin`).

A password breaks the policy when

- it is shorter than `MIN_LENGTH` (12) characters, or longer than `MAX_LENGTH` (256);
- it is on the bundled list of common passwords (``common_passwords.txt`` beside this file:
  the top of the well-known leaked-password lists, Russian names and words in Cyrillic, in
  Latin transliteration and as typed on the Latin layout, keyboard walks, digit runs and the
  registry's own words). The comparison ignores case, and is made twice: on the password as
  typed and on the password with its trailing digits, punctuation and spaces removed, so
  ``Qwerty2026!`` counts as ``qwerty``;
- it equals or contains the username, ignoring case.

Messages never echo the password.
"""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from pathlib import Path
from typing import Final

from registry.errors import FieldError, InvalidInput

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 256
COMMON_PASSWORDS_FILE: Final = Path(__file__).with_name("common_passwords.txt")

# One-time passwords: no characters that are easily confused when read out or copied by hand
# (0/O/o, 1/l/I). 56 symbols, 16 of them: about 93 bits.
OTP_ALPHABET: Final = "".join(
    c for c in string.ascii_letters + string.digits if c not in "0Oo1lI"
)
OTP_LENGTH: Final = 16
OTP_GROUP: Final = 4  # shown as xxxx-xxxx-xxxx-xxxx

_TRAILING = string.digits + string.punctuation + " "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-case (blank and ``#`` lines skipped).

    Raises
    ------
    FileNotFoundError
        If the list is missing from the installation: the policy is not silently weakened.

    Examples
    --------
    >>> "qwerty123" in common_passwords()
    True
    """
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problems(password: str, *, username: str | None = None) -> list[FieldError]:
    """What is wrong with `password` under the policy, one `FieldError` (field ``password``)
    per problem; an empty list when it is acceptable.

    Parameters
    ----------
    password : str
        The password as the user typed it.
    username : str, optional
        The account's username; a password equal to it or containing it is refused.

    Returns
    -------
    list of FieldError
        Codes ``password.policy.too_short`` (params ``length``, ``min_length``),
        ``password.policy.too_long`` (``length``, ``max_length``), ``password.policy.common``
        and ``password.policy.username`` (``username``).

    Examples
    --------
    >>> [e.code for e in password_problems("qwerty123", username="ivanova")]
    ['password.policy.too_short', 'password.policy.common']
    >>> password_problems("violet tram at dusk")
    []
    """
    problems: list[FieldError] = []
    length = len(password)
    if length < MIN_LENGTH:
        problems.append(FieldError(
            "password", f"{length} characters; use at least {MIN_LENGTH}",
            code="password.policy.too_short", params={"length": length, "min_length": MIN_LENGTH},
        ))
    if length > MAX_LENGTH:
        problems.append(FieldError(
            "password", f"{length} characters; use at most {MAX_LENGTH}",
            code="password.policy.too_long", params={"length": length, "max_length": MAX_LENGTH},
        ))
    if is_common(password):
        problems.append(FieldError(
            "password", "a commonly used password (or one with digits added); choose one that "
            "is hard to guess, such as a few unrelated words", code="password.policy.common",
        ))
    name = (username or "").strip().lower()
    if name and name in password.lower():
        problems.append(FieldError(
            "password", f"contains the username {name!r}; choose one that does not",
            code="password.policy.username", params={"username": repr(name)},
        ))
    return problems


def is_common(password: str) -> bool:
    """True when `password`, or `password` without its trailing digits and punctuation, is on
    the common list (ignoring case).

    Examples
    --------
    >>> is_common("Password2026!"), is_common("violet tram at dusk")
    (True, False)
    """
    lowered = password.strip().lower()
    base = lowered.rstrip(_TRAILING)
    known = common_passwords()
    return lowered in known or (bool(base) and base in known)


def check_password(password: str, *, username: str | None = None) -> list[str]:
    """The policy's problems with `password` as English sentences; empty when it passes.

    Examples
    --------
    >>> check_password("Morning")
    ['7 characters; use at least 12']
    >>> check_password("violet tram at dusk")
    []
    """
    return [problem.message for problem in password_problems(password, username=username)]


def require_valid_password(password: str, *, username: str | None = None) -> None:
    """Raise `InvalidInput` (field ``password``, one error per problem) unless `password`
    passes the policy.

    Raises
    ------
    InvalidInput
        With the codes of `password_problems`.

    Examples
    --------
    >>> require_valid_password("violet tram at dusk", username="ivanova")
    >>> require_valid_password("ivanova-2026-pass", username="ivanova")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInput: password: contains the username 'ivanova'; choose one ...
    """
    problems = password_problems(password, username=username)
    if problems:
        raise InvalidInput(problems)


def one_time_password(*, username: str | None = None) -> str:
    """A random password that passes the policy, for a new or reset account.

    `OTP_LENGTH` (16) symbols from `OTP_ALPHABET` drawn with `secrets`, in groups of four
    joined by ``-`` (19 characters). Shown once to the data manager, who hands it over; the
    user must change it at the first login.

    Examples
    --------
    >>> otp = one_time_password(username="ivanova")
    >>> len(otp), otp.count("-"), check_password(otp, username="ivanova")
    (19, 3, [])
    """
    while True:
        symbols = "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_LENGTH))
        otp = "-".join(symbols[i:i + OTP_GROUP] for i in range(0, OTP_LENGTH, OTP_GROUP))
        if not password_problems(otp, username=username):
            return otp
