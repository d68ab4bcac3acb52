"""Warnings and errors raised by the survival estimators.

Hard input problems (empty arrays, negative times, events that are not 0/1) raise
:class:`registry.errors.InvalidInput`, which is a :class:`ValueError` that names the argument,
echoes the bad value and says how to fix it. Soft statistical problems that still give a usable
(if fragile) answer are *warnings*, so a page can show them next to the number instead of
hiding it; they follow the lifelines / scikit-survival convention
(``warnings.warn(..., category=..., stacklevel=2)``).
"""

from __future__ import annotations

__all__ = ["ConvergenceError", "ConvergenceWarning", "StatisticalWarning"]


class StatisticalWarning(RuntimeWarning):
    """A result is computed but should be read with care (e.g. no events, extrapolation)."""


class ConvergenceWarning(StatisticalWarning):
    """An iterative fit stopped early or a coefficient is drifting to infinity."""


class ConvergenceError(ValueError):
    """An iterative fit cannot proceed (singular information matrix, non-finite likelihood)."""
