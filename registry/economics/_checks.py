"""Scalar and mapping checks shared by the health-economics modules.

Each check returns a clean Python value or raises :class:`registry.errors.InvalidInput` naming
the argument, echoing the bad value and saying what is expected. Array checks reuse
:mod:`registry.analysis._validation`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from registry.errors import InvalidInput

SHARE_TOLERANCE = 1e-9  # shares that must sum to 1 may miss by this much (float rounding)


def finite(value: object, name: str) -> float:
    """``value`` as a finite float."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        out = math.nan
    if not math.isfinite(out):
        raise InvalidInput.one(name, f"must be a finite number; got {value!r}")
    return out


def non_negative(value: object, name: str) -> float:
    """``value`` as a finite float >= 0."""
    out = finite(value, name)
    if out < 0:
        raise InvalidInput.one(name, f"must be >= 0; got {value!r}")
    return out


def share(value: object, name: str, *, allow_zero: bool = True) -> float:
    """``value`` as a float in [0, 1] (or (0, 1] when ``allow_zero`` is false)."""
    out = finite(value, name)
    low_ok = out >= 0 if allow_zero else out > 0
    if not (low_ok and out <= 1):
        bounds = "[0, 1]" if allow_zero else "(0, 1]"
        raise InvalidInput.one(name, f"must be a share in {bounds}, e.g. 0.25; got {value!r}")
    return out


def rate(value: object, name: str = "rate") -> float:
    """An annual discount rate in [0, 1), e.g. 0.05 for 5% per year."""
    out = finite(value, name)
    if not 0 <= out < 1:
        raise InvalidInput.one(
            name, f"must be an annual rate in [0, 1), e.g. 0.05 for 5% per year; got {value!r}"
        )
    return out


def positive_int(value: object, name: str) -> int:
    """``value`` as an int >= 1 (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise InvalidInput.one(name, f"must be a whole number >= 1; got {value!r}")
    if value < 1:
        raise InvalidInput.one(name, f"must be a whole number >= 1; got {value!r}")
    return int(value)


def per_year(value: float | Sequence[float], years: int, name: str) -> list[float]:
    """A constant or one value per year, as a list of ``years`` finite floats."""
    if isinstance(value, str | bytes | Mapping):
        raise InvalidInput.one(name, f"must be a number or one number per year; got {value!r}")
    if isinstance(value, Sequence) or hasattr(value, "__len__"):
        values = list(value)  # type: ignore[arg-type]
        if len(values) != years:
            raise InvalidInput.one(
                name, f"has {len(values)} values but years is {years}; give one value per year"
            )
        return [finite(v, f"{name}[{i}]") for i, v in enumerate(values)]
    return [finite(value, name)] * years
