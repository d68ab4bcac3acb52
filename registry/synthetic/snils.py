"""SNILS (Russian national insurance numbers) for synthetic patients.

The control-number rule is `registry.identity.snils_check_digits`; `snils_check_digits` here
adds the argument check of the generator's public API. `_check_numbers` is the same rule
vectorised over the weighted sums of the first nine digits (it agrees with the scalar rule for
every possible sum, 0 to 405), so that a large cohort's numbers are drawn without a Python loop.
"""

from __future__ import annotations

import numpy as np

from registry.identity import snils_check_digits as _identity_check_digits
from registry.synthetic.arrays import Array


def snils_check_digits(first9: str) -> str:
    """The two-digit control number of a SNILS (Russian national insurance number).

    The first nine digits are weighted 9, 8, ..., 1 and summed; a sum below 100 is the control
    number itself, 100 and 101 give ``"00"``, and larger sums are taken modulo 101 (a remainder
    of 100 again giving ``"00"``).

    Parameters
    ----------
    first9 : str
        The first nine digits.

    Returns
    -------
    str
        Two digits.

    Raises
    ------
    ValueError
        If `first9` is not nine digits.

    Examples
    --------
    >>> snils_check_digits("112233445")
    '95'
    """
    if len(first9) != 9 or not first9.isdigit():
        raise ValueError(f"first9={first9!r}: expected the first nine digits of a SNILS")
    return _identity_check_digits(first9)


def _check_numbers(total: Array) -> Array:
    """Control numbers (as integers) of the weighted sums `total`, vectorised."""
    check = np.where(total < 100, total, np.where(total <= 101, 0, total % 101))
    return np.where(check == 100, 0, check)


def draw_snils(rng: np.random.Generator, n: int) -> Array:
    """`n` distinct valid SNILS (plain 11 digits) above 001-001-998."""
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < n:
        extra = rng.integers(1_001_999, 1_000_000_000, size=n - chosen.size + 16)
        pool = np.concatenate([chosen, extra])
        _, first = np.unique(pool, return_index=True)
        chosen = pool[np.sort(first)][:n]
    digits = (chosen[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = _check_numbers(digits @ np.arange(9, 0, -1))
    text = np.char.add(np.char.mod("%09d", chosen), np.char.mod("%02d", check))
    return text.astype(object)
