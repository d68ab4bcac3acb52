"""Incremental cost-effectiveness ratio (ICER) with dominance stated as such.

A ratio of differences is only meaningful in two quadrants of the cost-effectiveness plane:

==========  =====================  ================  ===================================
quadrant    delta effect / cost    status            reading
==========  =====================  ================  ===================================
north-east  more effective, dearer "ICER"            cost per QALY gained; adopt if ICER
                                                     <= willingness to pay
south-west  less effective, cheaper "ICER"           savings per QALY lost; adopt if ICER
                                                     >= willingness to pay
south-east  more effective, cheaper "dominant"       no ratio: the new option wins
north-west  less effective, dearer "dominated"       no ratio: the new option loses
==========  =====================  ================  ===================================

A negative ratio mixes the last two cases with very different meanings, so it is never shown
(DESIGN.md section 7). Equal cost with a difference in effect counts as dominant or dominated.
With no difference in effect there is no ratio either: only the cost difference is reported.

References
----------
.. [1] Drummond MF et al. Methods for the Economic Evaluation of Health Care Programmes, 4th
   ed., Oxford 2015, chapter 4.
.. [2] Black WC. The CE plane: a graphic representation of cost-effectiveness. Med Decis
   Making 1990;10:212-214.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from registry.economics import _checks

__all__ = ["ICERResult", "IcerStatus", "Quadrant", "classify", "icer"]

IcerStatus = Literal["dominant", "dominated", "ICER", "no effect difference"]
Quadrant = Literal["north-east", "south-west", "south-east", "north-west", "on the cost axis"]


@dataclass(frozen=True)
class ICERResult:
    """Incremental comparison of a new option against a reference.

    Attributes
    ----------
    delta_cost, delta_effect : float
        New minus reference.
    icer : float or None
        ``delta_cost / delta_effect``, set only when ``status == "ICER"`` (then > 0); None
        otherwise.
    status : {"dominant", "dominated", "ICER", "no effect difference"}
    quadrant : {"north-east", "south-west", "south-east", "north-west", "on the cost axis"}
        Where the point lies on the cost-effectiveness plane (effect on the x axis); a point
        on the effect axis (equal cost) is counted south-east or north-west.
    message : str
        One English sentence stating the result, e.g. for a report.
    """

    delta_cost: float
    delta_effect: float
    icer: float | None
    status: IcerStatus
    quadrant: Quadrant
    message: str


def classify(delta_cost: float, delta_effect: float,
             effect_tolerance: float = 0.0) -> tuple[IcerStatus, Quadrant]:
    """Status and quadrant of one point of the cost-effectiveness plane.

    ``|delta_effect| <= effect_tolerance`` counts as no effect difference.

    Examples
    --------
    >>> classify(-5.0, 0.1)
    ('dominant', 'south-east')
    >>> classify(-5.0, -0.1)
    ('ICER', 'south-west')
    """
    if abs(delta_effect) <= effect_tolerance:
        return "no effect difference", "on the cost axis"
    if delta_effect > 0:
        return ("ICER", "north-east") if delta_cost > 0 else ("dominant", "south-east")
    return ("ICER", "south-west") if delta_cost < 0 else ("dominated", "north-west")


def _money(value: float) -> str:
    return f"{value:,.0f} RUB"


def icer(
    cost_new: float,
    effect_new: float,
    cost_ref: float,
    effect_ref: float,
    *,
    effect_tolerance: float = 0.0,
    effect_unit: str = "QALY",
) -> ICERResult:
    """Incremental cost-effectiveness of a new option against a reference.

    Parameters
    ----------
    cost_new, effect_new : float
        Mean cost (RUB) and effect (QALYs or life-years) per patient of the new option
        (e.g. the domestic product).
    cost_ref, effect_ref : float
        The same for the reference (e.g. the imported product).
    effect_tolerance : float, default 0.0
        Effect differences at most this large in absolute value count as none.
    effect_unit : str, default "QALY"
        Unit named in ``message``.

    Returns
    -------
    ICERResult

    Raises
    ------
    registry.errors.InvalidInput
        For a non-finite input or a negative tolerance.

    Examples
    --------
    >>> res = icer(12e6, 2.0, 39e6, 1.8)
    >>> res.status, res.icer
    ('dominant', None)
    >>> res = icer(40e6, 2.5, 39e6, 2.0)
    >>> res.status, res.quadrant, res.icer
    ('ICER', 'north-east', 2000000.0)
    """
    c_new = _checks.finite(cost_new, "cost_new")
    e_new = _checks.finite(effect_new, "effect_new")
    c_ref = _checks.finite(cost_ref, "cost_ref")
    e_ref = _checks.finite(effect_ref, "effect_ref")
    tol = _checks.non_negative(effect_tolerance, "effect_tolerance")
    d_cost = c_new - c_ref
    d_effect = e_new - e_ref
    status, quadrant = classify(d_cost, d_effect, tol)
    ratio: float | None = None
    if status == "ICER":
        ratio = d_cost / d_effect
        if quadrant == "north-east":
            message = (f"ICER {_money(ratio)} per {effect_unit} gained (north-east: more "
                       "effective and more costly); cost-effective if at or below the "
                       "willingness to pay")
        else:
            message = (f"ICER {_money(ratio)} saved per {effect_unit} lost (south-west: less "
                       "effective and less costly); cost-effective only if above the "
                       "willingness to pay")
    elif status == "dominant":
        message = (f"dominant: {abs(d_effect):.4g} {effect_unit} more and "
                   f"{_money(-d_cost)} less per patient")
    elif status == "dominated":
        message = (f"dominated: {abs(d_effect):.4g} {effect_unit} fewer and "
                   f"{_money(d_cost)} more per patient")
    elif d_cost == 0:
        message = f"no difference in {effect_unit} or in cost"
    else:
        direction = "more" if d_cost > 0 else "less"
        message = (f"no difference in {effect_unit}; the new option costs "
                   f"{_money(abs(d_cost))} {direction} per patient")
    return ICERResult(d_cost, d_effect, ratio, status, quadrant, message)
