"""Outcome-based agreements: milestones, validation, and templates for the imported product.

An agreement ties part of a CAR-T product's price to each infused patient's outcome
(DESIGN.md sections 5 and 7). Two kinds exist:

``"payment_on_success"`` (staged payment)
    ``upfront_share`` of the price is paid at infusion and each milestone's ``share`` is paid
    on its day only if the patient meets its condition; ``upfront_share`` plus the milestone
    shares add up to 1.
``"refund_on_failure"`` (rebate)
    The full price is paid at infusion (``upfront_share`` 1) and each milestone's ``share`` is
    refunded to the payer if the patient fails its condition; refunds add up to at most 1, so
    tiers (e.g. 50% back for a death before 6 months plus 25% more before 12) never refund
    more than the price.

Conditions, judged on the milestone day ``d`` (days from infusion):

``"alive"``                   alive on day ``d`` (a death on day ``d`` fails)
``"alive_progression_free"``  neither progression/relapse nor death by day ``d``
``"response_by"``             response by day ``d``: the first response day when the outcomes
                              carry ``first_response_day``, otherwise the first CR/CRi day
``"cr_sustained"``            complete response by day ``d`` and no progression/relapse or
                              death by day ``d``

The templates follow Jorgensen et al. as tabulated in BMC Health Serv Res 2023 (table 6);
what that source does not state is an assumption, written in each template's ``assumptions``.
Their price is the scenario list price of the imported product in ``seed_data/products.csv``
(39 million RUB, no published Russian price); use ``dataclasses.replace(template,
price=...)`` for another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from registry.economics import _checks
from registry.errors import InvalidInput

__all__ = [
    "AGREEMENT_KINDS",
    "CONDITIONS",
    "GERMANY_REBATE",
    "ITALY_STAGED",
    "SPAIN_KYMRIAH",
    "TEMPLATES",
    "Agreement",
    "AgreementKind",
    "Condition",
    "Milestone",
]

Condition = Literal["response_by", "alive", "alive_progression_free", "cr_sustained"]
CONDITIONS: tuple[Condition, ...] = (
    "response_by", "alive", "alive_progression_free", "cr_sustained"
)
AgreementKind = Literal["payment_on_success", "refund_on_failure"]
AGREEMENT_KINDS: tuple[AgreementKind, ...] = ("payment_on_success", "refund_on_failure")


@dataclass(frozen=True)
class Milestone:
    """One outcome-dependent payment (or refund) of an agreement.

    Attributes
    ----------
    name : str
        Label in the ledger, e.g. ``"M18 complete response sustained"``.
    day : float
        Day from infusion when the condition is judged and the money moves, > 0.
    condition : {"response_by", "alive", "alive_progression_free", "cr_sustained"}
    share : float
        Share of the price paid (or refunded), in (0, 1].

    Raises
    ------
    registry.errors.InvalidInput
        Naming the bad field (``name``, ``day``, ``condition`` or ``share``).
    """

    name: str
    day: float
    condition: Condition
    share: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInput.one("name", f"must be a non-empty label; got {self.name!r}")
        day = _checks.finite(self.day, "day")
        if day <= 0:
            raise InvalidInput.one(
                "day", f"must be > 0 days after infusion (day 0 is the upfront payment); "
                f"got {self.day!r}"
            )
        if self.condition not in CONDITIONS:
            raise InvalidInput.one(
                "condition", f"must be one of {', '.join(CONDITIONS)}; got {self.condition!r}"
            )
        _checks.share(self.share, "share", allow_zero=False)


@dataclass(frozen=True)
class Agreement:
    """An outcome-based agreement for one product.

    Attributes
    ----------
    product_code : str
        Product code as in ``seed_data/products.csv`` (e.g. ``"KYMRIAH"``).
    price : float
        List price per infused patient, RUB, > 0.
    upfront_share : float
        Share of the price paid at infusion, in [0, 1]; 1 for ``"refund_on_failure"``.
    milestones : tuple of Milestone
        At least one; distinct names. A list is accepted and stored as a tuple.
    kind : {"payment_on_success", "refund_on_failure"}
    source : str, default ""
        Where the terms come from.
    assumptions : str, default ""
        What is assumed beyond the source (shown beside any result).

    Raises
    ------
    registry.errors.InvalidInput
        Naming the field: ``product_code``, ``price``, ``upfront_share``, ``kind`` or
        ``milestones`` (shares of staged payments not adding up to 1, refunds over 1,
        duplicate names).

    Examples
    --------
    >>> a = Agreement("KYMRIAH", 39e6, 0.5, [Milestone("M12 alive", 365, "alive", 0.5)],
    ...               "payment_on_success")
    >>> a.milestones[0].share
    0.5
    """

    product_code: str
    price: float
    upfront_share: float
    milestones: tuple[Milestone, ...]
    kind: AgreementKind
    source: str = ""
    assumptions: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.product_code, str) or not self.product_code.strip():
            raise InvalidInput.one(
                "product_code", f"must be a product code such as 'KYMRIAH'; got "
                f"{self.product_code!r}"
            )
        price = _checks.finite(self.price, "price")
        if price <= 0:
            raise InvalidInput.one("price", f"must be > 0 RUB; got {self.price!r}")
        upfront = _checks.share(self.upfront_share, "upfront_share")
        if self.kind not in AGREEMENT_KINDS:
            raise InvalidInput.one(
                "kind", f"must be one of {', '.join(AGREEMENT_KINDS)}; got {self.kind!r}"
            )
        if isinstance(self.milestones, list):
            object.__setattr__(self, "milestones", tuple(self.milestones))
        if not isinstance(self.milestones, tuple) or not self.milestones:
            raise InvalidInput.one("milestones", "must hold at least one Milestone")
        for i, milestone in enumerate(self.milestones):
            if not isinstance(milestone, Milestone):
                raise InvalidInput.one(
                    f"milestones[{i}]", f"must be a Milestone; got {type(milestone).__name__}"
                )
        names = [m.name for m in self.milestones]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidInput.one("milestones", f"has duplicate names {duplicates}")
        shares = math.fsum(m.share for m in self.milestones)
        if self.kind == "payment_on_success":
            total = upfront + shares
            if abs(total - 1.0) > _checks.SHARE_TOLERANCE:
                raise InvalidInput.one(
                    "milestones", f"upfront_share {upfront:.6g} plus milestone shares "
                    f"{shares:.6g} add up to {total:.6g}; the staged payments of a "
                    "payment_on_success agreement must add up to 1 (the full price)"
                )
        else:
            if abs(upfront - 1.0) > _checks.SHARE_TOLERANCE:
                raise InvalidInput.one(
                    "upfront_share", f"is {upfront:.6g}; a refund_on_failure agreement pays "
                    "the full price at infusion, set it to 1"
                )
            if shares > 1.0 + _checks.SHARE_TOLERANCE:
                raise InvalidInput.one(
                    "milestones", f"refund shares add up to {shares:.6g}; refunds cannot "
                    "exceed the price (at most 1)"
                )


_SOURCE = ("Jorgensen et al., as tabulated in BMC Health Serv Res 2023, table 6 "
           "(outcome-based managed entry agreements)")
_PRICE_NOTE = ("price: scenario list price of the imported product in seed_data/products.csv "
               "(39 million RUB; no published Russian price)")
_KYMRIAH_PRICE = 39_000_000.0
M6_DAY, M12_DAY, M18_DAY = 182.0, 365.0, 547.0  # the registry's follow-up timepoints

SPAIN_KYMRIAH = Agreement(
    product_code="KYMRIAH",
    price=_KYMRIAH_PRICE,
    upfront_share=0.52,
    milestones=(Milestone("M18 complete response sustained", M18_DAY, "cr_sustained", 0.48),),
    kind="payment_on_success",
    source=_SOURCE + "; Spain (VALTERMED): 52% at treatment, 48% at 18 months if complete "
    "response achieved and sustained",
    assumptions=_PRICE_NOTE + "; 18 months = day 547, the registry's M18 timepoint; "
    "'sustained' = no progression/relapse or death up to that day",
)

ITALY_STAGED = Agreement(
    product_code="KYMRIAH",
    price=_KYMRIAH_PRICE,
    upfront_share=1 / 3,
    milestones=(
        Milestone("M6 alive", M6_DAY, "alive", 1 / 3),
        Milestone("M12 alive", M12_DAY, "alive", 1 / 3),
    ),
    kind="payment_on_success",
    source=_SOURCE + "; Italy (AIFA 'payment at result'): instalments at infusion, 6 and 12 "
    "months, outcome indicator confidential",
    assumptions=_PRICE_NOTE + "; ASSUMED: three equal instalments of one third, each later "
    "one paid if the patient is alive on day 182 (M6) and day 365 (M12)",
)

GERMANY_REBATE = Agreement(
    product_code="KYMRIAH",
    price=_KYMRIAH_PRICE,
    upfront_share=1.0,
    milestones=(Milestone("death within 12 months", M12_DAY, "alive", 0.5),),
    kind="refund_on_failure",
    source=_SOURCE + "; Germany (GWQ / vdek insurers): rebate for patients who die after "
    "treatment; time horizon and size of the rebate not public",
    assumptions=_PRICE_NOTE + "; ASSUMED: 50% of the price refunded if the patient dies by "
    "day 365 after infusion",
)

TEMPLATES: dict[str, Agreement] = {
    "spain_kymriah": SPAIN_KYMRIAH,
    "italy_staged": ITALY_STAGED,
    "germany_rebate": GERMANY_REBATE,
}
