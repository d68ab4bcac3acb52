"""Reference data the generator draws from: sites, products, unit costs, schedule, scenario.

Also builds the cohort's two reference frames, ``sites`` and ``products``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from registry.synthetic.arrays import Array, object_frame
from registry.synthetic.constants import INDICATIONS, SEED_DATA_DIR
from registry.synthetic.scenario import load_scenario, read_seed_csv


@dataclass(frozen=True)
class Reference:
    sites: pd.DataFrame
    products: pd.DataFrame
    unit_costs: dict[str, float]
    schedule: pd.DataFrame
    scenario: pd.DataFrame
    combo: Array  # (n_products, n_indications) -> scenario row

    def param(self, name: str, row: Array) -> Array:
        return np.asarray(self.scenario[name].to_numpy(dtype=float)[row], dtype=float)


def load_reference(scenario_path: Path | None) -> Reference:
    sites = read_seed_csv(SEED_DATA_DIR / "sites.csv")
    products = read_seed_csv(SEED_DATA_DIR / "products.csv")
    costs = read_seed_csv(SEED_DATA_DIR / "unit_costs.csv")
    base = costs[costs["scenario"] == "base"]
    unit_costs = dict(zip(base["item"], base["value"].astype(float), strict=True))
    schedule = read_seed_csv(SEED_DATA_DIR / "schedule.csv")
    scenario = load_scenario(scenario_path)
    combo = np.full((len(products), len(INDICATIONS)), -1, dtype=np.int64)
    for i, row in scenario.reset_index(drop=True).iterrows():
        p = np.flatnonzero(products["code"].to_numpy() == row["product_code"])
        if p.size and row["indication"] in INDICATIONS:
            combo[p[0], INDICATIONS.index(row["indication"])] = int(str(i))
    if (combo < 0).any():
        gaps = [(products["code"].iloc[p], INDICATIONS[k]) for p, k in np.argwhere(combo < 0)]
        raise ValueError(f"synthetic scenario has no row for {gaps}; add one per product and "
                         "indication")
    return Reference(sites, products, unit_costs, schedule, scenario.reset_index(drop=True),
                     combo)


def sites_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The ``sites`` frame: ``id`` first, ``is_treating_centre`` as bool, text as object."""
    sites = raw.copy()
    sites.insert(0, "id", np.arange(1, len(sites) + 1, dtype=np.int64))
    sites["is_treating_centre"] = sites["is_treating_centre"].str.lower().eq("true")
    return _as_objects(sites)


def _as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns as object dtype (pandas >= 3 would otherwise infer ``str``)."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column])
                or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].astype(object)
    return out


def products_frame(raw: pd.DataFrame) -> pd.DataFrame:
    frame = object_frame({
        "id": np.arange(1, len(raw) + 1, dtype=np.int64),
        "code": raw["code"].to_numpy(dtype=object),
        "name": raw["name"].to_numpy(dtype=object),
        "manufacturer": raw["manufacturer"].to_numpy(dtype=object),
        "origin": raw["origin"].to_numpy(dtype=object),
        "costimulatory_domain": raw["costimulatory_domain"].to_numpy(dtype=object),
        "list_price": raw["list_price"].astype(float).to_numpy(),
        "currency": raw["currency"].to_numpy(dtype=object),
        "price_effective_date": np.array([date.fromisoformat(x)
                                          for x in raw["price_effective_date"]], dtype=object),
        "dose_min_cells": pd.to_numeric(raw["dose_min_cells"]).to_numpy(dtype=float),
        "dose_max_cells": pd.to_numeric(raw["dose_max_cells"]).to_numpy(dtype=float),
        "is_scenario": raw["is_scenario"].str.lower().eq("true").to_numpy(dtype=bool),
        "source": raw["source"].to_numpy(dtype=object),
    })
    return frame
