"""Per-patient cost build-up: resource use x unit costs under a chosen scenario.

DESIGN.md section 7: payer perspective, RUB, price year stated. Each ``ResourceUse`` row is
priced with the unit cost of its item in the chosen scenario that was valid on the day of use
(the latest ``valid_from`` on or before ``use_date``; the earliest one for use before every
``valid_from``). ``product_acquisition`` is priced at the list price of the episode's product
(``Product.list_price``), not from the unit-cost table. Items without a price in the
scenario are priced at 0 and listed in ``attrs["unpriced_items"]`` so pages can say so.

Days are counted from the analysis origin of the episode: infusion for infused episodes,
apheresis for the never infused (as :func:`registry.analysis.build_dataset`). Costs before
day 0 (apheresis, manufacturing, bridging, the product itself) are counted at day 0: they are
the up-front part of the treatment.

Set-based: one query for the resource use with its episode, one for the prices; numpy after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
import pandas as pd
from sqlalchemy import String, select
from sqlalchemy import type_coerce as as_type
from sqlmodel import Session, col

from registry.auth import Actor, require
from registry.errors import NotFound
from registry.models import Product, ResourceUse, TreatmentEpisode, UnitCost
from registry.models.enums import ResourceItem

__all__ = ["COST_COLUMNS", "resource_costs"]

COST_COLUMNS: Final = ("episode_id", "day", "item", "quantity", "unit_cost", "cost")
_ACQUISITION: Final = ResourceItem.product_acquisition.value


def resource_costs(*, session: Session, actor: Actor, scenario: str = "base",
                   episode_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Every priced resource use of the chosen episodes, one row per use.

    Parameters
    ----------
    session, actor
        Economist or system (``cohort:analyse``).
    scenario : str, default "base"
        Unit-cost scenario (``UnitCost.scenario``).
    episode_ids : iterable of int, optional
        Only these episodes (default: all).

    Returns
    -------
    DataFrame with :data:`COST_COLUMNS`: ``day`` from the episode's origin (>= 0),
    ``unit_cost`` and ``cost`` in the scenario's currency. ``attrs``: ``scenario``,
    ``currency``, ``price_year``, ``unpriced_items``.

    Raises
    ------
    PermissionDenied
        Roles other than economist and system.
    NotFound
        An unknown scenario.
    """
    require(actor, "cohort:analyse")
    prices = pd.DataFrame(session.execute(
        select(as_type(col(UnitCost.item), String).label("item"), col(UnitCost.value),
               col(UnitCost.valid_from), col(UnitCost.currency), col(UnitCost.price_year))
        .where(col(UnitCost.scenario) == scenario)).all(),
        columns=["item", "value", "valid_from", "currency", "price_year"])
    if prices.empty:
        raise NotFound(f"No unit-cost scenario named {scenario!r}.", code="costs.scenario",
                       scenario=scenario)
    use = pd.DataFrame(session.execute(
        select(col(ResourceUse.episode_id), as_type(col(ResourceUse.item), String).label("item"),
               col(ResourceUse.quantity), col(ResourceUse.use_date),
               col(TreatmentEpisode.infusion_date), col(TreatmentEpisode.apheresis_date),
               col(Product.list_price))
        .join(TreatmentEpisode, col(TreatmentEpisode.id) == col(ResourceUse.episode_id))
        .join(Product, col(Product.id) == col(TreatmentEpisode.product_id))).all(),
        columns=["episode_id", "item", "quantity", "use_date", "infusion_date",
                 "apheresis_date", "list_price"])
    if episode_ids is not None:
        use = use[use["episode_id"].isin(list(episode_ids))]
    use = use.reset_index(drop=True)
    origin = pd.to_datetime(use["infusion_date"].fillna(use["apheresis_date"]))
    used = pd.to_datetime(use["use_date"])
    day = np.maximum((used - origin).dt.days.to_numpy(float), 0.0)
    unit = _price(use["item"].to_numpy(object), used.to_numpy("datetime64[D]"), prices)
    acquisition = (use["item"] == _ACQUISITION).to_numpy()
    unit[acquisition] = use["list_price"].to_numpy(float)[acquisition]
    quantity = use["quantity"].to_numpy(float)
    frame = pd.DataFrame({"episode_id": use["episode_id"].to_numpy(np.int64), "day": day,
                          "item": use["item"].to_numpy(object), "quantity": quantity,
                          "unit_cost": unit, "cost": quantity * unit})
    priced = set(prices["item"]) | {_ACQUISITION}
    frame.attrs.update(
        scenario=scenario, currency=str(prices["currency"].mode().iloc[0]),
        price_year=int(prices["price_year"].max()),
        unpriced_items=sorted(set(frame["item"]) - priced))
    return frame


def _price(items: np.ndarray, used: np.ndarray, prices: pd.DataFrame) -> np.ndarray:
    """Unit price per use: the item's price valid on the day of use (0 when unpriced)."""
    unit = np.zeros(items.size)
    for item, table in prices.groupby("item"):
        mine = items == item
        if not mine.any():
            continue
        table = table.sort_values("valid_from")
        starts = pd.to_datetime(table["valid_from"]).to_numpy("datetime64[D]")
        which = np.clip(np.searchsorted(starts, used[mine], side="right") - 1, 0, None)
        unit[mine] = table["value"].to_numpy(float)[which]
    return unit
