"""The password policy: length, common passwords, the username; one-time passwords."""

from __future__ import annotations

import doctest
import itertools
import string

import pytest

from registry import passwords
from registry.errors import InvalidInput
from registry.passwords import (
    MIN_LENGTH,
    OTP_ALPHABET,
    check_password,
    common_passwords,
    one_time_password,
    password_problems,
    require_valid_password,
)


def codes(password: str, username: str | None = None) -> list[str | None]:
    return [p.code for p in password_problems(password, username=username)]


def test_minimum_length_is_twelve() -> None:
    assert MIN_LENGTH == 12
    assert codes("violet tram") == ["password.policy.too_short"]  # 11 characters
    assert codes("violet trams") == []  # 12
    (problem,) = password_problems("violet")
    assert problem.field == "password" and problem.params == {"length": 6, "min_length": 12}
    assert codes("") == ["password.policy.too_short"]


def test_too_long() -> None:
    assert codes("violet tram " * 22) == ["password.policy.too_long"]  # 264 characters


@pytest.mark.parametrize("password", [
    "qwerty123456", "QWERTY123456", "Password2026!", "password1234", "1q2w3e4r5t6y",
    "123456789012", "qwertyuiop123", "Gfhjkm123456", "йцукенгшщзхъ", "Пароль2026!!!",
    "parol1234567", "zaq12wsx!!!!", "iloveyou2026", "Kymriah12345",
])
def test_common_passwords_refused_ignoring_case_and_added_digits(password: str) -> None:
    assert "password.policy.common" in codes(password)


@pytest.mark.parametrize("password", ["qwerty123", "1q2w3e4r", "parol", "123456789"])
def test_the_well_known_ones_are_listed(password: str) -> None:
    assert password in common_passwords()
    assert codes(password) == ["password.policy.too_short", "password.policy.common"]


def test_a_common_word_inside_a_longer_phrase_is_fine() -> None:
    assert codes("qwerty violet tram") == []
    assert codes("dragon 2026 at dusk") == []


def test_password_containing_the_username_refused_ignoring_case() -> None:
    assert codes("X-Ivanova-tram-at-dusk", username="ivanova") == ["password.policy.username"]
    assert codes("clinician.mow", username="Clinician.MOW ") == ["password.policy.username"]
    assert codes("violet tram at dusk", username="ivanova") == []
    assert codes("violet tram at dusk", username="") == []


@pytest.mark.parametrize("password", [
    "violet tram at dusk",
    "cart-demo-2026",  # the demo accounts' password (registry/seed.py)
    "correct horse battery",  # the tests' password
    "Tr0ub4dor&3-horse",
])
def test_good_passwords_pass(password: str) -> None:
    assert check_password(password, username="datamanager") == []
    require_valid_password(password, username="datamanager")


def test_require_valid_password_names_the_field_and_never_echoes_the_password() -> None:
    secret = "qwertyuiop"
    with pytest.raises(InvalidInput) as exc:
        require_valid_password(secret + "2026", username="ivanova")
    assert {e.field for e in exc.value.errors} == {"password"}
    assert [e.code for e in exc.value.errors] == ["password.policy.common"]
    assert secret not in str(exc.value)
    assert all(secret not in str(v) for e in exc.value.errors for v in e.params.values())


def test_check_password_lists_every_problem_in_english() -> None:
    problems = check_password("ivanova1", username="ivanova")
    assert len(problems) == 2
    assert problems[0] == "8 characters; use at least 12"
    assert "contains the username 'ivanova'" in problems[1]


def test_the_common_list_is_a_sane_bundled_file() -> None:
    lines = [line for line in passwords.COMMON_PASSWORDS_FILE.read_text("utf-8").splitlines()
             if line and not line.startswith("#")]
    assert 300 <= len(lines) <= 5000
    assert len(set(lines)) == len(lines), "no duplicates"
    assert all(line == line.lower() == line.strip() for line in lines)
    assert lines == sorted(lines)
    assert common_passwords() == frozenset(lines)


def test_one_time_passwords_pass_the_policy_and_differ() -> None:
    drawn = [one_time_password(username="dm1") for _ in range(300)]
    assert len(set(drawn)) == len(drawn)
    for otp in drawn:
        assert check_password(otp, username="dm1") == []
        groups = otp.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(OTP_ALPHABET)
    assert not set("0Oo1lI") & set(OTP_ALPHABET)
    assert set(OTP_ALPHABET) <= set(string.ascii_letters + string.digits)
    assert len(OTP_ALPHABET) == 62 - 6


def test_one_time_password_draws_again_when_it_would_contain_the_username(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forced = itertools.chain("abcd" * 4, itertools.cycle("XYZ9"))
    monkeypatch.setattr(passwords.secrets, "choice", lambda _alphabet: next(forced))
    assert one_time_password(username="abcd") == "XYZ9-XYZ9-XYZ9-XYZ9"


def test_module_doctests() -> None:
    assert doctest.testmod(passwords).failed == 0
