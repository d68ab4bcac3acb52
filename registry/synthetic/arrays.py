"""Array helpers of the synthetic-cohort generator: day numbers, dates, object columns, draws.

Dates are handled as integer days since 1970-01-01 (`epoch_day`) and turned into
`datetime.date` objects only when a frame is built (`to_dates`); frames keep object columns as
object so that missing values stay None (`object_frame`, `to_objects`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[Any]
Arrays = dict[str, Array]

_EPOCH: Final = date(1970, 1, 1)


def epoch_day(value: date) -> int:
    return (value - _EPOCH).days


def to_dates(days: Array, valid: Array | None = None) -> Array:
    """Integer days since 1970-01-01 -> object array of `datetime.date` (None where invalid)."""
    if valid is None:
        return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object)
    safe = np.where(valid, days, 0).astype(np.int64)
    out = safe.astype("datetime64[D]").astype(object)
    out[~np.asarray(valid, dtype=bool)] = None
    return out


def object_frame(columns: dict[str, Array]) -> pd.DataFrame:
    """A DataFrame keeping object columns as object (pandas >= 3 infers ``str`` for strings,
    which would turn None into NaN)."""
    return pd.DataFrame({
        name: pd.Series(values, dtype=object) if np.asarray(values).dtype == object else values
        for name, values in columns.items()
    })


def to_objects(values: Array, valid: Array | None = None) -> Array:
    """Object array of Python scalars (str/int/bool) with None where not valid."""
    out = np.asarray(values).astype(object)
    if valid is not None:
        out[~np.asarray(valid, dtype=bool)] = None
    return out


def draw_weibull(rng: np.random.Generator, shape: Array, scale: Array) -> Array:
    return np.asarray(scale * rng.weibull(1.0, shape.shape) ** (1.0 / shape), dtype=float)


def first_in_group(mask: Array, group: Array) -> Array:
    """True at the first True of `mask` within each run of equal `group` values (sorted)."""
    if mask.size == 0:
        return mask.astype(bool)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, mask.size])
    running = np.cumsum(mask)
    before = np.repeat((running - mask)[starts], sizes)
    return np.asarray(mask & (running - before == 1), dtype=bool)


def draw_category(rng: np.random.Generator, probs: Array) -> Array:
    """Row-wise categorical draw: probs has shape (n, k), rows summing to 1."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random((probs.shape[0], 1))
    return np.asarray(np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1), dtype=np.int64)
