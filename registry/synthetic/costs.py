"""Resource use and costs of the synthetic cohort.

Resource use (ward and ICU days, drugs, visits, transplant, palliative care) is derived from
each patient's uncensored history; the truth's cost is its sum to death or the Y15 horizon,
priced with the base unit costs and the product's list price, and the observed ``resource_use``
frame is the part dated up to the last contact and the data cut.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from registry.synthetic.arrays import Array, Arrays, object_frame, to_dates, to_objects
from registry.synthetic.constants import HORIZON_DAYS
from registry.synthetic.followup import visit_fields
from registry.synthetic.reference import Reference

_IVIG_MONTHS: Final = (1, 2, 3, 6, 6, 6)

_ITEMS: Final = ("product_acquisition", "apheresis", "manufacturing", "lymphodepletion",
                 "bridging", "ward_day", "icu_day", "tocilizumab_dose", "ivig_course",
                 "transfusion", "outpatient_visit", "allo_hsct", "palliative_care")


def draw_resources(rng: np.random.Generator, c: Arrays, v: Arrays, events: Arrays,
                   ref: Reference) -> Arrays:
    """Every resource used in the uncensored history: patient, absolute day, item, quantity."""
    n = c["ind"].size
    inf = c["infused"]
    item = {name: i for i, name in enumerate(_ITEMS)}
    domestic = ref.products["origin"].to_numpy()[c["prod"]] == "domestic"
    parts: list[tuple[Array, Array, int, Array]] = []

    def add(mask: Array, day: Array, name: str, qty: Array | float = 1.0) -> None:
        idx = np.flatnonzero(mask)
        q = np.broadcast_to(np.asarray(qty, dtype=float), (n,))[idx]
        parts.append((idx, np.asarray(day)[idx].astype(np.int64), item[name], q))

    everyone = np.ones(n, dtype=bool)
    infusion = c["infusion"]
    add(everyone, c["apheresis"], "apheresis")
    add(domestic, c["apheresis"] + c["a2s"], "manufacturing")
    add(inf, infusion, "product_acquisition")
    add(inf, infusion - np.minimum(5, c["r2i"]), "lymphodepletion")
    bridge_day = c["apheresis"] + np.minimum(c["a2s"] + 1, np.where(inf, c["v2v"] - 1,
                                                                      c["ni_day"]))
    add(c["bridging"] != "none", bridge_day, "bridging")
    add(inf & (c["los"] - c["icu"] > 0), infusion, "ward_day", c["los"] - c["icu"])
    add(inf & (c["icu"] > 0), infusion + c["icu_on"], "icu_day", c["icu"])
    add(c["readmit_day"] >= 0, infusion + c["readmit_day"], "ward_day", c["readmit_days"])
    ev_p = events["p"]
    crs = (events["type"] == "CRS") & (events["toci"] > 0)
    parts.append((ev_p[crs], (infusion[ev_p] + events["onset"])[crs].astype(np.int64),
                  item["tocilizumab_dose"], events["toci"][crs].astype(float)))
    cyto = events["type"] == "cytopenia"
    parts.append((ev_p[cyto], (infusion[ev_p] + events["onset"])[cyto].astype(np.int64),
                  item["transfusion"], rng.integers(2, 9, int(cyto.sum())).astype(float)))
    vp, vk = np.nonzero(v["happens"])
    vd = v["day"][vp, vk]
    parts.append((vp, infusion[vp] + vd, item["outpatient_visit"], np.ones(vp.size)))
    fields = visit_fields(c, vp, vk, vd)
    give = fields["ivig"] & fields["bca_known"]
    months = np.array(_IVIG_MONTHS + (0,) * 32, dtype=float)[vk]
    parts.append((vp[give], (infusion[vp] + vd)[give], item["ivig_course"], months[give]))
    allo = np.isfinite(c["allo_day"])
    add(allo, infusion + np.where(allo, c["allo_day"], 0).astype(np.int64), "allo_hsct")
    origin = np.where(inf, infusion, c["apheresis"])
    died_of_disease = (c["cause"] == "disease") & np.isfinite(c["death"])
    death_abs = origin + np.where(np.isfinite(c["death"]), c["death"], 0).astype(np.int64)
    pall_start = np.maximum(death_abs - rng.integers(7, 31, n), origin + 1)
    add(died_of_disease & (pall_start < death_abs), pall_start, "palliative_care",
        (death_abs - pall_start).astype(float))
    return {
        "p": np.concatenate([x[0] for x in parts]),
        "day": np.concatenate([x[1] for x in parts]),
        "item": np.concatenate([np.full(x[0].size, x[2]) for x in parts]),
        "qty": np.concatenate([x[3] for x in parts]),
    }


def price_resources(res: Arrays, c: Arrays, ref: Reference, origin: Array, censor: Array,
                    end: int) -> tuple[Array, pd.DataFrame]:
    """Per patient the true total cost, and the ``resource_use`` frame the registry sees."""
    n = c["ind"].size
    rel = res["day"] - origin[res["p"]]
    cap = np.minimum(c["death"], HORIZON_DAYS)[res["p"]]
    in_truth = rel <= cap
    price = ref.products["list_price"].astype(float).to_numpy()[c["prod"]]
    unit = np.array([ref.unit_costs.get(name, 0.0) for name in _ITEMS])
    cost = res["qty"] * unit[res["item"]]
    cost = np.where(res["item"] == _ITEMS.index("product_acquisition"),
                    res["qty"] * price[res["p"]], cost)
    total = np.bincount(res["p"][in_truth], weights=cost[in_truth], minlength=n)
    seen = in_truth & (rel <= censor[res["p"]]) & (res["day"] <= end)
    order = np.lexsort((res["item"][seen], res["day"][seen], res["p"][seen]))
    rp, rd = res["p"][seen][order], res["day"][seen][order]
    resource_use = object_frame({
        "id": np.arange(1, rp.size + 1, dtype=np.int64),
        "episode_id": c["episode_id"][rp],
        "site_id": c["site"][rp] + 1,
        "item": to_objects(np.array(_ITEMS, dtype=object)[res["item"][seen][order]]),
        "quantity": res["qty"][seen][order],
        "use_date": to_dates(rd),
    })
    return total, resource_use
