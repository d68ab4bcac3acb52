"""Exact (Clopper-Pearson) confidence intervals for rates.

Response rates (ORR, CR), severe toxicity (CRS or ICANS grade >= 3) and manufacturing success
are reported as a proportion with an exact 95% interval (DESIGN.md section 6), the interval R
gives in ``binom.test(x, n)$conf.int``. It never falls outside [0, 1] and keeps its coverage at
the small numbers a single centre sees.

References
----------
.. [1] Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
   of the binomial. Biometrika 1934;26:404-413.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from registry.analysis._distributions import beta_quantile
from registry.analysis._validation import check_conf_level
from registry.errors import InvalidInput

__all__ = ["Proportion", "exact_ci"]


@dataclass(frozen=True)
class Proportion:
    """A proportion with its exact confidence interval.

    Attributes
    ----------
    estimate, lower, upper : float
        ``successes / n`` and the Clopper-Pearson limits.
    successes, n : int
    conf_level : float
    """

    estimate: float
    lower: float
    upper: float
    successes: int
    n: int
    conf_level: float


def _as_count(value: object, name: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(float(value))
    raise InvalidInput.one(name, f"must be a whole number of patients; got {value!r}")


def exact_ci(successes: int, n: int, conf_level: float = 0.95) -> Proportion:
    """Clopper-Pearson interval for ``successes`` out of ``n``, as R's ``binom.test``.

    Parameters
    ----------
    successes : int
        Number of patients with the outcome, ``0 <= successes <= n``.
    n : int
        Number of evaluable patients, ``n >= 1``.
    conf_level : float, default 0.95

    Returns
    -------
    Proportion

    Raises
    ------
    registry.errors.InvalidInput
        For non-integer counts, ``n < 1`` or ``successes`` outside ``[0, n]``.

    Notes
    -----
    With :math:`\\alpha = 1 - ` ``conf_level``: lower :math:`= B^{-1}(\\alpha/2; x, n - x + 1)`
    (0 when :math:`x = 0`) and upper :math:`= B^{-1}(1 - \\alpha/2; x + 1, n - x)` (1 when
    :math:`x = n`), :math:`B^{-1}` the beta quantile [1]_.

    Examples
    --------
    >>> ci = exact_ci(3, 10)
    >>> round(ci.estimate, 2), round(ci.lower, 6), round(ci.upper, 6)
    (0.3, 0.06674, 0.652453)
    """
    x = _as_count(successes, "successes")
    total = _as_count(n, "n")
    level = check_conf_level(conf_level)
    if total < 1:
        raise InvalidInput.one("n", f"must be at least 1; got {n!r}")
    if not 0 <= x <= total:
        raise InvalidInput.one(
            "successes", f"must be between 0 and n={total}; got {successes!r}"
        )
    alpha = 1.0 - level
    lower = 0.0 if x == 0 else beta_quantile(alpha / 2.0, x, total - x + 1)
    upper = 1.0 if x == total else beta_quantile(1.0 - alpha / 2.0, x + 1, total - x)
    return Proportion(x / total, lower, upper, x, total, level)
