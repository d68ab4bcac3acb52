"""Survival curves as the economic models read them: callables or Kaplan-Meier steps on days.

A partitioned-survival model or a discounted life-year integral needs each curve's value at
every day of a grid and its mean over each grid interval. Two kinds of curve are accepted:

* a **callable** mapping an array of days to survival probabilities (a fitted parametric or
  mixture-cure curve): its interval mean is the trapezoid of the two ends;
* a **step function** given as ``(time, survival)`` arrays or a DataFrame with ``time`` and
  ``survival`` columns (the frame :func:`registry.analysis.kaplan_meier` returns): right-
  continuous, 1 before the first time, carried forward after the last. Its jump times join the
  grid, so its interval mean is its value at the start of the interval, exactly.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from registry.analysis._validation import as_float_array
from registry.analysis.exceptions import StatisticalWarning
from registry.errors import InvalidInput

__all__ = ["Curve", "SurvivalCurve", "as_curve", "day_grid"]

FloatArray = NDArray[np.float64]
SurvivalCurve = Callable[[FloatArray], ArrayLike] | tuple[ArrayLike, ArrayLike] | pd.DataFrame
MAX_GRID_POINTS = 5_000_000
_MONOTONE_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class Curve:
    """A validated survival curve; build it with :func:`as_curve`.

    Attributes
    ----------
    name : str
        The argument name, used in error messages.
    func : callable or None
        The curve when it is a callable.
    times, survival : ndarray or None, shape (n_steps,)
        The steps when it is a step function.
    """

    name: str
    func: Callable[[FloatArray], ArrayLike] | None = None
    times: FloatArray | None = None
    survival: FloatArray | None = None

    @property
    def is_step(self) -> bool:
        """True for a step function, False for a callable."""
        return self.func is None

    def jumps(self, horizon: float) -> FloatArray:
        """Jump times strictly between day 0 and ``horizon`` (empty for a callable)."""
        if self.times is None:
            return np.empty(0)
        inside: FloatArray = self.times[(self.times > 0) & (self.times < horizon)]
        return inside

    def at(self, days: FloatArray) -> FloatArray:
        """Survival at each of ``days`` (right-continuous for steps)."""
        if self.times is not None and self.survival is not None:
            idx = np.searchsorted(self.times, days, side="right") - 1
            out: FloatArray = np.where(idx >= 0, self.survival[np.maximum(idx, 0)], 1.0)
            return out
        assert self.func is not None
        return self._call(days)

    def interval_means(self, grid: FloatArray) -> FloatArray:
        """Mean survival over each interval of ``grid``, shape ``(len(grid) - 1,)``."""
        values = self.at(grid)
        if self.is_step:
            return values[:-1]
        means: FloatArray = 0.5 * (values[:-1] + values[1:])
        return means

    def _call(self, days: FloatArray) -> FloatArray:
        assert self.func is not None
        try:
            raw = np.asarray(self.func(days), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidInput.one(
                self.name, f"could not be evaluated on an array of days ({exc}); pass a "
                "vectorised function such as lambda t: np.exp(-rate * t)",
            ) from None
        if raw.shape != days.shape:
            raw = np.broadcast_to(raw, days.shape) if raw.ndim == 0 else raw
        if raw.shape != days.shape:
            raise InvalidInput.one(
                self.name, f"returned shape {raw.shape} for {days.size} days; return one "
                "survival probability per day",
            )
        _check_probabilities(raw, self.name, "returned")
        return np.array(raw, dtype=np.float64)


def _check_probabilities(values: FloatArray, name: str, verb: str) -> None:
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        raise InvalidInput.one(
            name, f"{verb} {int(bad.sum())} value(s) outside [0, 1], the first at position "
            f"{where} ({float(values[where])!r}); survival probabilities lie in [0, 1]",
        )
    rises = np.diff(values) > _MONOTONE_TOLERANCE
    if rises.any():
        where = int(np.flatnonzero(rises)[0]) + 1
        raise InvalidInput.one(
            name, f"{verb} a survival curve that rises at position {where} "
            f"({float(values[where - 1])!r} -> {float(values[where])!r}); survival never "
            "increases with time",
        )


def as_curve(curve: SurvivalCurve, name: str) -> Curve:
    """Validate a survival curve given as a callable, a (time, survival) pair or a frame.

    Parameters
    ----------
    curve : callable, tuple of two array-likes, or pandas.DataFrame
        See the module docstring.
    name : str
        The argument name for error messages (e.g. ``"os"``).

    Returns
    -------
    Curve

    Raises
    ------
    registry.errors.InvalidInput
        For steps whose times are negative, missing or unsorted, whose survival leaves [0, 1]
        or rises, or whose arrays differ in length; for anything else than the three forms.
    """
    if isinstance(curve, Curve):
        return curve
    if isinstance(curve, pd.DataFrame):
        missing = [c for c in ("time", "survival") if c not in curve.columns]
        if missing:
            raise InvalidInput.one(
                name, f"is a DataFrame without column(s) {missing}; pass kaplan_meier(...) "
                "output or a frame with 'time' and 'survival'",
            )
        return _step_curve(curve["time"], curve["survival"], name)
    if callable(curve):
        return Curve(name=name, func=curve)
    if isinstance(curve, tuple | list) and len(curve) == 2:
        return _step_curve(curve[0], curve[1], name)
    raise InvalidInput.one(
        name, f"must be a function of days, a (time, survival) pair of arrays or a DataFrame "
        f"with 'time' and 'survival'; got {type(curve).__name__}",
    )


def _step_curve(time: ArrayLike, survival: ArrayLike, name: str) -> Curve:
    t = as_float_array(time, f"{name} time")
    s = as_float_array(survival, f"{name} survival")
    if t.size == 0 or t.size != s.size:
        raise InvalidInput.one(
            name, f"needs as many times as survival values, at least one; got {t.size} and "
            f"{s.size}",
        )
    if (~np.isfinite(t)).any() or (t < 0).any():
        raise InvalidInput.one(name, "has missing, infinite or negative times; days are >= 0")
    if (np.diff(t) < 0).any():
        raise InvalidInput.one(name, "has times out of order; sort the steps by time")
    _check_probabilities(s, name, "has")
    return Curve(name=name, times=t, survival=s)


def day_grid(
    horizon_days: float,
    step_days: float,
    curves: Sequence[Curve],
    extra_days: Iterable[float] = (),
) -> FloatArray:
    """Days 0, step, 2 step, ..., horizon, plus every step curve's jumps and ``extra_days``.

    Warns (:class:`registry.analysis.StatisticalWarning`) when a step curve ends before the
    horizon while still above 0, because its last value is then carried forward: extrapolate
    with a parametric or cure model instead of reading a flat tail as data.

    Raises
    ------
    registry.errors.InvalidInput
        For a horizon or step that is not a finite number > 0, or a grid over 5 million days.
    """
    if not (math.isfinite(horizon_days) and horizon_days > 0):
        raise InvalidInput.one("horizon_days", f"must be a finite number > 0; got {horizon_days!r}")
    try:
        step = float(step_days)
    except (TypeError, ValueError):
        step = math.nan
    if not (math.isfinite(step) and step > 0):
        raise InvalidInput.one("step_days", f"must be a finite number > 0; got {step_days!r}")
    n = math.ceil(horizon_days / step - 1e-9)
    if n > MAX_GRID_POINTS:
        raise InvalidInput.one(
            "step_days", f"gives {n} grid points up to the horizon; use a coarser step"
        )
    parts = [np.arange(n, dtype=np.float64) * step, np.array([horizon_days])]
    for curve in curves:
        parts.append(curve.jumps(horizon_days))
        if curve.times is not None and curve.survival is not None:
            if curve.times[-1] < horizon_days and curve.survival[-1] > 0:
                warnings.warn(
                    f"{curve.name}: the step curve ends at day {float(curve.times[-1]):g} "
                    f"with survival {float(curve.survival[-1]):.3g}, before the horizon "
                    f"{horizon_days:g}; its last value is carried forward",
                    StatisticalWarning,
                    stacklevel=3,
                )
    extra = np.asarray(list(extra_days), dtype=np.float64)
    parts.append(extra[(extra > 0) & (extra < horizon_days)])
    return np.unique(np.concatenate(parts))
