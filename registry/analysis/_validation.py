"""Input checks shared by every estimator in :mod:`registry.analysis`.

Each check converts what the caller passed (list, numpy array, pandas Series) into one plain
numpy array, or raises :class:`registry.errors.InvalidInput` (a :class:`ValueError`) whose
message names the argument, echoes the offending value and suggests the fix. The checks are
vectorised so that validating a million patients costs a few milliseconds.
"""

from __future__ import annotations

import math
from typing import Literal, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from registry.analysis._distributions import normal_quantile
from registry.errors import InvalidInput

ConfType = Literal["log-log", "log", "plain"]
CONF_TYPES: tuple[ConfType, ...] = ("log-log", "log", "plain")


def _first_bad(values: NDArray[np.float64], bad: NDArray[np.bool_]) -> str:
    where = int(np.flatnonzero(bad)[0])
    return f"{int(bad.sum())} value(s), the first at position {where} ({float(values[where])!r})"


def as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """One-dimensional float64 copy-or-view of ``values``; raises on anything else."""
    try:
        if isinstance(values, pd.Series | pd.Index):  # nullable dtypes: pd.NA becomes NaN
            arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.one(
            name, f"must be numeric, but could not be read as numbers ({exc}); convert it first"
        ) from None
    if arr.ndim != 1:
        raise InvalidInput.one(
            name, f"must be one-dimensional, but has shape {arr.shape}; pass one value per patient"
        )
    return arr


def as_time(values: ArrayLike, name: str = "time") -> NDArray[np.float64]:
    """Validate follow-up times: non-empty, finite and >= 0.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
    """
    arr = as_float_array(values, name)
    if arr.size == 0:
        raise InvalidInput.one(name, "is empty; pass at least one patient")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InvalidInput.one(
            name,
            f"has {_first_bad(arr, bad)} missing or infinite; drop those patients or give them "
            "their last known follow-up time",
        )
    if arr.min() < 0:
        raise InvalidInput.one(
            name,
            f"has {_first_bad(arr, arr < 0)} negative; times are counted from the time origin "
            "(infusion or apheresis) and must be >= 0",
        )
    return arr


def as_event(values: ArrayLike, n: int, name: str = "event") -> NDArray[np.bool_]:
    """Validate an event indicator of length ``n`` holding only 0/1 (or booleans).

    Returns
    -------
    ndarray of bool, shape (n_samples,)
    """
    if getattr(values, "dtype", None) == np.bool_ and np.ndim(values) == 1:  # fast path
        flags = np.asarray(values, dtype=np.bool_)
        _check_length(flags, n, name)
        return flags
    arr = as_float_array(values, name)
    _check_length(arr, n, name)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InvalidInput.one(
            name, f"has {_first_bad(arr, bad)} missing or infinite; code every patient 0 or 1"
        )
    not01 = (arr != 0.0) & (arr != 1.0)
    if not01.any():
        raise InvalidInput.one(
            name,
            f"must be 0 (censored) or 1 (event), but has {_first_bad(arr, not01)} other; "
            "recode it (R-style 1/2 status: subtract 1)",
        )
    out: NDArray[np.bool_] = arr == 1.0
    return out


def as_groups(
    values: ArrayLike, n: int, name: str = "group"
) -> tuple[NDArray[np.intp], list[object]]:
    """Factorize group labels (sorted, as R's ``factor``); raises on missing labels.

    Returns
    -------
    codes : ndarray of intp, shape (n_samples,)
        Index into ``levels`` for each patient.
    levels : list
        The distinct labels in sorted order.
    """
    if np.ndim(values) != 1:
        raise InvalidInput.one(name, f"must be one-dimensional, but has shape {np.shape(values)}")
    # a Series keeps None/NaN as missing; np.asarray would turn ["a", nan] into strings
    raw = values if isinstance(values, (pd.Series, np.ndarray)) else pd.Series(list(values))  # type: ignore[arg-type]
    _check_length(raw, n, name)
    try:
        codes, uniques = pd.factorize(raw, sort=True)
    except TypeError as exc:
        raise InvalidInput.one(
            name, f"has labels that cannot be sorted together ({exc}); use one type of label"
        ) from None
    missing = codes < 0
    if missing.any():
        where = int(np.flatnonzero(missing)[0])
        raise InvalidInput.one(
            name,
            f"has {int(missing.sum())} missing label(s), the first at position {where}; "
            "drop those patients or give them a group",
        )
    return codes.astype(np.intp), pd.Index(uniques).tolist()


def _check_length(arr: object, n: int, name: str) -> None:
    length = len(cast(NDArray[np.generic], arr))
    if length != n:
        raise InvalidInput.one(
            name, f"has {length} values but time has {n}; pass one value per patient"
        )


def check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` as a float strictly between 0 and 1."""
    try:
        level = float(conf_level)
    except (TypeError, ValueError):
        level = math.nan
    if not 0.0 < level < 1.0:
        raise InvalidInput.one(
            "conf_level", f"must be strictly between 0 and 1, e.g. 0.95; got {conf_level!r}"
        )
    return level


def check_conf_type(conf_type: str) -> ConfType:
    """Return ``conf_type`` if it is one of :data:`CONF_TYPES`."""
    if conf_type not in CONF_TYPES:
        raise InvalidInput.one(
            "conf_type", f"must be one of {', '.join(CONF_TYPES)}; got {conf_type!r}"
        )
    return conf_type


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as a finite float > 0."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = math.nan
    if not (math.isfinite(out) and out > 0):
        raise InvalidInput.one(name, f"must be a finite number > 0; got {value!r}")
    return out


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile, R's ``qnorm(1 - (1 - conf_level) / 2)``."""
    return normal_quantile(1.0 - (1.0 - conf_level) / 2.0)
