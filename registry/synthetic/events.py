"""Adverse events and deaths of the synthetic cohort.

CRS and ICANS are drawn with grades and then with ASTCT 2019 signs that give exactly that grade
(`registry.grading` recomputes it); a fatal event (grade 5) also carries ``"fatal": True``.
Infections and prolonged cytopenias are CTCAE-graded, without signs. The competing causes
(disease, non-relapse mortality, background mortality, fatal CRS/ICANS) fix each patient's death
day and cause. The registry sees the events with onset by the data cut and the last contact,
and the deaths it has learnt of (`registry.synthetic.followup.observed_deaths`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from registry.synthetic.arrays import (
    Array,
    Arrays,
    draw_category,
    object_frame,
    to_dates,
    to_objects,
)
from registry.synthetic.reference import Reference

_CRS_LEVEL_HYPO: Final = np.array(["none", "", "no_vasopressor", "one_vasopressor",
                                   "multiple_vasopressors"], dtype=object)
_CRS_LEVEL_OXY: Final = np.array(["none", "", "low_flow", "high_flow", "positive_pressure"],
                                 dtype=object)


def _secondary_level(rng: np.random.Generator, grade: Array) -> Array:
    """A domain level no worse than `grade`: 0 (none) half the time, else 2..grade."""
    span = np.maximum(grade - 1, 1)
    level = 2 + np.floor(rng.random(grade.size) * span).astype(np.int64)
    return np.where((rng.random(grade.size) < 0.5) | (grade < 2), 0, np.minimum(level, grade))


def _crs_signs(rng: np.random.Generator, grade: Array, fatal: Array) -> Array:
    """ASTCT 2019 CRS signs giving exactly `grade` (1-4; fatal events are grade 5)."""
    m = grade.size
    hypo_primary = rng.random(m) < 0.55
    secondary = _secondary_level(rng, grade)
    hypo = np.where(grade < 2, 0, np.where(hypo_primary, grade, secondary))
    oxy = np.where(grade < 2, 0, np.where(hypo_primary, secondary, grade))
    masked = (grade >= 2) & (rng.random(m) < 0.25)
    temp = np.where(masked, 368 + rng.integers(0, 16, m), 380 + rng.integers(0, 26, m)) / 10.0
    hypo_s, oxy_s = _CRS_LEVEL_HYPO[hypo], _CRS_LEVEL_OXY[oxy]
    out = np.empty(m, dtype=object)
    out[:] = [
        {"max_temperature_c": float(t), "fever_masked": bool(f), "hypotension": h, "oxygen": o}
        | ({"fatal": True} if d else {})
        for t, f, h, o, d in zip(temp.tolist(), masked.tolist(), hypo_s.tolist(),
                                 oxy_s.tolist(), fatal.tolist(), strict=True)
    ]
    return out


def _icans_signs(rng: np.random.Generator, grade: Array, fatal: Array) -> Array:
    """ASTCT 2019 ICANS signs giving exactly `grade` (1-4; fatal events are grade 5)."""
    m = grade.size
    # domain levels: ice grade, consciousness, seizure, motor, raised ICP (0 = normal)
    primary = np.select(
        [grade <= 1, grade == 2, grade == 3],
        [np.zeros(m, dtype=np.int64), rng.integers(0, 2, m), rng.integers(0, 4, m)],
        rng.integers(0, 4, m),
    )
    # grade 2: 0 ice 3-6, 1 awakens to voice; grade 3: 0 ice 0-2, 1 touch, 2 seizure, 3 focal
    # oedema; grade 4: 0 unarousable, 1 prolonged seizure, 2 deep motor weakness, 3 diffuse oedema
    ice_grade = np.where(grade == 1, 1, rng.integers(0, np.maximum(grade, 1) + 1, m))
    ice_grade = np.minimum(ice_grade, np.minimum(grade, 3))
    ice_grade = np.where((grade == 2) & (primary == 0), 2, ice_grade)
    ice_grade = np.where((grade == 3) & (primary == 0), 3, ice_grade)
    cons = np.minimum(rng.integers(0, np.maximum(grade, 1) + 1, m), np.minimum(grade, 3))
    cons = np.where(cons == 1, 0, cons)  # level 1 does not exist for consciousness
    cons = np.where((grade == 2) & (primary == 1), 2, cons)
    cons = np.where((grade == 3) & (primary == 1), 3, cons)
    cons = np.where((grade == 4) & (primary == 0), 4, cons)
    seizure = np.where((grade >= 3) & (rng.random(m) < 0.15), 3, 0)
    seizure = np.where((grade == 3) & (primary == 2), 3, seizure)
    seizure = np.where((grade == 4) & (primary == 1), 4, seizure)
    motor = np.where((grade == 4) & (primary == 2), 4, 0)
    icp = np.where((grade >= 3) & (rng.random(m) < 0.1), 3, 0)
    icp = np.where((grade == 3) & (primary == 3), 3, icp)
    icp = np.where((grade == 4) & (primary == 3), 4, icp)
    ice_by_grade = np.stack([
        np.full(m, 10), 7 + rng.integers(0, 3, m), 3 + rng.integers(0, 4, m),
        rng.integers(0, 3, m),
    ], axis=1)
    ice = ice_by_grade[np.arange(m), ice_grade]
    ice = np.where(cons == 4, 0, ice)  # unarousable: ICE cannot be performed, scored 0
    cons_s = np.array(["awake", "", "awakens_to_voice", "awakens_to_touch", "unarousable"],
                      dtype=object)[cons]
    seizure_s = np.array(["none", "", "", "rapid_resolving", "prolonged_or_repetitive"],
                         dtype=object)[seizure]
    motor_s = np.array(["none", "", "", "", "deep_focal_weakness"], dtype=object)[motor]
    icp_s = np.array(["none", "", "", "focal_oedema", "diffuse_oedema"], dtype=object)[icp]
    out = np.empty(m, dtype=object)
    out[:] = [
        {"ice": int(i), "consciousness": cs, "seizure": sz, "motor": mo, "raised_icp": ip}
        | ({"fatal": True} if d else {})
        for i, cs, sz, mo, ip, d in zip(ice.tolist(), cons_s.tolist(), seizure_s.tolist(),
                                        motor_s.tolist(), icp_s.tolist(), fatal.tolist(),
                                        strict=True)
    ]
    return out


def draw_toxicity(rng: np.random.Generator, c: Arrays, ref: Reference) -> Arrays:
    """CRS/ICANS/infection/cytopenia per infused patient; fixes the final death day and cause."""
    n = c["ind"].size
    row = c["row"]

    def par(name: str) -> Array:
        return ref.param(name, row)

    inf = c["infused"]

    def graded(p_any: Array, p_hi: Array, share4: float, share1: float) -> tuple[Array, Array]:
        has = inf & (rng.random(n) < p_any)
        hi = rng.random(n) < np.clip(p_hi / np.maximum(p_any, 1e-9), 0.0, 1.0)
        grade = np.where(hi, np.where(rng.random(n) < share4, 4, 3),
                         np.where(rng.random(n) < share1, 1, 2))
        return has, np.where(has, grade, 0)

    crs, crs_g = graded(par("crs_any_prob"), par("crs_grade3plus_prob"), 0.3, 0.55)
    crs_on = 1 + rng.binomial(9, 0.2, n)
    crs_dur = crs_g + 1 + rng.poisson(2 + crs_g)
    # ICANS is likelier with CRS grade >= 2, keeping its overall rate
    p_any = par("icans_any_prob")
    c2 = par("crs_any_prob") * (1.0 - (1.0 - par("crs_grade3plus_prob")
                                       / np.maximum(par("crs_any_prob"), 1e-9)) * 0.55)
    lift = np.where(crs_g >= 2, 1.5, np.clip((1.0 - 1.5 * c2) / np.maximum(1.0 - c2, 1e-9),
                                            0.0, None))
    scale = np.clip(p_any * lift, 0.0, 1.0) / np.maximum(p_any, 1e-9)
    icans, icans_g = graded(p_any * scale, par("icans_grade3plus_prob") * scale, 0.25, 0.5)
    icans_on = np.clip(np.where(crs, crs_on + rng.integers(1, 6, n), rng.integers(3, 10, n)),
                       1, 10)
    icans_dur = icans_g + rng.poisson(2 + icans_g)
    p_tox = par("toxic_death_prob_grade4")
    crs_tox = np.where((crs_g == 4) & (rng.random(n) < p_tox), crs_on + rng.integers(2, 13, n),
                       np.inf)
    icans_tox = np.where((icans_g == 4) & (rng.random(n) < p_tox),
                         icans_on + rng.integers(2, 13, n), np.inf)

    candidates = np.stack([c["disease_death"], c["nrm_day"], c["background"], crs_tox,
                           icans_tox], axis=1)
    which = np.argmin(candidates, axis=1)
    death = candidates[np.arange(n), which]
    cause = np.select(
        [which == 0, which == 1, which == 2, which == 3],
        [c["disease_cause"], c["nrm_cause"], np.full(n, "other"), np.full(n, "CRS")],
        "ICANS",
    )
    c["death"] = death
    c["cause"] = cause
    crs_fatal = which == 3
    icans_fatal = which == 4
    # a patient dead before an event never had it
    crs &= crs_on < death
    icans &= icans_on < death

    infection = inf & (rng.random(n) < par("infection_prob"))
    inf_on = 5 + np.floor(85.0 * rng.beta(1.0, 2.5, n)).astype(np.int64)
    infection &= inf_on < death
    inf_g = 1 + draw_category(rng, np.tile([0.10, 0.35, 0.45, 0.10], (n, 1)))
    inf_dur = 5 + rng.integers(0, 16, n)
    nrm_inf = inf & (which == 1) & (cause == "infection")
    nrm_on = np.maximum(death - rng.integers(3, 15, n), 1)
    cyto = inf & (rng.random(n) < par("cytopenia_prob"))
    cyto_on = rng.integers(14, 36, n)
    cyto &= cyto_on < death
    cyto_g = np.where(rng.random(n) < 0.6, 3, 4)
    cyto_dur = rng.integers(14, 91, n)

    # treatments
    toci = np.select([crs_g == 1, crs_g == 2, crs_g == 3], [
        (rng.random(n) < 0.15).astype(np.int64), 1 + rng.binomial(1, 0.4, n),
        2 + rng.binomial(2, 0.4, n)], 2 + rng.binomial(2, 0.6, n))
    steroid_crs = rng.random(n) < np.array([0.0, 0.02, 0.25, 0.70, 0.95])[crs_g]
    steroid_icans = rng.random(n) < np.array([0.0, 0.10, 0.60, 0.95, 0.95])[icans_g]
    anakinra_crs = rng.random(n) < np.array([0.0, 0.0, 0.0, 0.05, 0.30])[crs_g]
    anakinra_icans = rng.random(n) < np.array([0.0, 0.0, 0.0, 0.05, 0.20])[icans_g]
    icu_crs = crs & ((crs_g == 4) | ((crs_g == 3) & (rng.random(n) < 0.6)))
    icu_icans = icans & ((icans_g == 4) | ((icans_g == 3) & (rng.random(n) < 0.5)))
    worst = np.maximum(np.where(icu_crs, crs_g, 0), np.where(icu_icans, icans_g, 0))
    icu_days = np.where(worst == 4, rng.integers(3, 11, n),
                        np.where(worst == 3, rng.integers(1, 6, n), 0))
    icu_on = np.where(icu_crs & icu_icans, np.minimum(crs_on, icans_on),
                      np.where(icu_crs, crs_on, icans_on))
    max_grade = np.maximum(np.where(crs, crs_g, 0), np.where(icans, icans_g, 0))
    los = np.clip(7 + rng.poisson(4, n) + 2 * max_grade, 5, 21)
    los = np.minimum(los, np.maximum(death, 1)).astype(np.int64)
    icu_days = np.minimum(icu_days, los)
    c["los"] = np.where(inf, los, 0)
    c["icu"] = np.where(inf, icu_days, 0)
    c["icu_on"] = icu_on
    c["infection_day"] = np.where(infection, inf_on, -1)

    def rows(mask: Array, kind: str, onset: Array, duration: Array, grade: Array,
             scale: str) -> Arrays:
        idx = np.flatnonzero(mask)
        return {"p": idx, "type": np.full(idx.size, kind, dtype=object), "onset": onset[idx],
                "end": (onset + duration)[idx].astype(float), "grade": grade[idx],
                "scale": np.full(idx.size, scale, dtype=object)}

    parts = [
        rows(crs, "CRS", crs_on, crs_dur, np.where(crs_fatal, 5, crs_g), "ASTCT2019"),
        rows(icans, "ICANS", icans_on, icans_dur, np.where(icans_fatal, 5, icans_g),
             "ASTCT2019"),
        rows(infection, "infection", inf_on, inf_dur, inf_g, "CTCAEv5"),
        rows(nrm_inf, "infection", nrm_on, np.zeros(n, dtype=np.int64), np.full(n, 5),
             "CTCAEv5"),
        rows(cyto, "cytopenia", cyto_on, cyto_dur, cyto_g, "CTCAEv5"),
    ]
    p_crs, p_icans = parts[0]["p"], parts[1]["p"]
    parts[0]["signs"] = _crs_signs(rng, crs_g[p_crs], crs_fatal[p_crs])
    parts[1]["signs"] = _icans_signs(rng, icans_g[p_icans], icans_fatal[p_icans])
    for part in parts[2:]:
        part["signs"] = np.full(part["p"].size, None, dtype=object)
    parts[0].update(toci=toci[p_crs], steroid=steroid_crs[p_crs], anakinra=anakinra_crs[p_crs],
                    icu=icu_crs[p_crs])
    parts[1].update(toci=np.zeros(p_icans.size, dtype=np.int64), steroid=steroid_icans[p_icans],
                    anakinra=anakinra_icans[p_icans], icu=icu_icans[p_icans])
    for part in parts[2:]:
        m = part["p"].size
        part.update(toci=np.zeros(m, dtype=np.int64), steroid=np.zeros(m, dtype=bool),
                    anakinra=np.zeros(m, dtype=bool), icu=np.zeros(m, dtype=bool))
    parts[3]["end"] = np.full(parts[3]["p"].size, np.inf)
    events = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    # fatal events do not resolve; nothing resolves on or after death
    events["end"] = np.where(events["grade"] == 5, np.inf, events["end"])
    events["end"] = np.where(events["end"] >= death[events["p"]], np.inf, events["end"])
    return events


def observed_adverse_events(events: Arrays, c: Arrays, v: Arrays,
                            end: int) -> tuple[pd.DataFrame, Array, Array]:
    """The ``adverse_events`` frame the registry sees, and per patient the latest onset and the
    latest known resolution among them (days from infusion, 0 if none)."""
    n = c["ind"].size
    inf = c["infused"]
    loss_day = v["loss_day"]
    ev_p = events["p"]
    ev_seen = (c["infusion"][ev_p] + events["onset"] <= end) & (events["onset"] <= loss_day[ev_p])
    last_ae = np.zeros(n)
    np.maximum.at(last_ae, ev_p[ev_seen], events["onset"][ev_seen])
    # an AE resolution is known if it falls before the last contact and the data cut
    c["last_seen_rel"] = np.where(inf & v["lost"], loss_day, np.iinfo(np.int64).max)
    adverse_events, ae_p, ae_resolved = _adverse_event_frame(events, c, ev_seen, end)
    known = np.isfinite(ae_resolved)
    last_res = np.zeros(n)
    np.maximum.at(last_res, ae_p[known], ae_resolved[known])
    return adverse_events, last_ae, last_res


def deaths_frame(c: Arrays, observed_death: Array, death_abs: Array) -> pd.DataFrame:
    """The ``deaths`` frame: the deaths the registry has learnt of by the data cut."""
    dead = np.flatnonzero(observed_death)
    deaths = object_frame({
        "id": np.arange(1, dead.size + 1, dtype=np.int64),
        "patient_id": c["episode_id"][dead],
        "site_id": c["site"][dead] + 1,
        "death_date": to_dates(death_abs[dead]),
        "cause": to_objects(c["cause"][dead]),
        "comments": np.full(dead.size, None, dtype=object),
    })
    return deaths


def _adverse_event_frame(events: Arrays, c: Arrays, seen: Array,
                         end_day: int) -> tuple[pd.DataFrame, Array, Array]:
    """The observed AEs, and per row the patient and the known resolution day (NaN if none)."""
    p = events["p"][seen]
    order = np.lexsort((np.arange(p.size), events["onset"][seen], p))
    pick = np.flatnonzero(seen)[order]
    p = events["p"][pick]
    base = c["infusion"][p]
    onset = events["onset"][pick]
    end = events["end"][pick]
    resolved = np.isfinite(end) & (base + np.where(np.isfinite(end), end, 0) <= end_day)
    resolved &= np.where(np.isfinite(end), end, np.inf) <= c["last_seen_rel"][p]
    grade = events["grade"][pick].astype(np.int64)
    astct = events["scale"][pick] == "ASTCT2019"
    kind = events["type"][pick]
    description = np.select(
        [kind == "CRS", kind == "ICANS", (kind == "infection") & (grade == 5),
         kind == "infection"],
        ["cytokine release syndrome", "immune effector cell-associated neurotoxicity",
         "fatal infection", "infection"],
        "prolonged cytopenia",
    )
    frame = object_frame({
        "id": np.arange(1, p.size + 1, dtype=np.int64),
        "episode_id": c["episode_id"][p],
        "site_id": c["site"][p] + 1,
        "event_type": to_objects(kind),
        "onset_date": to_dates(base + onset),
        "resolution_date": to_dates(base + np.where(resolved, end, 0).astype(np.int64), resolved),
        "grading_scale": to_objects(events["scale"][pick]),
        "grade": grade,
        "computed_grade": to_objects(grade, astct),
        "grade_override_reason": np.full(p.size, None, dtype=object),
        "signs": events["signs"][pick],
        "tocilizumab_doses": events["toci"][pick].astype(np.int64),
        "corticosteroids": events["steroid"][pick].astype(bool),
        "anakinra": events["anakinra"][pick].astype(bool),
        "icu": events["icu"][pick].astype(bool),
        "description": to_objects(description),
    })
    return frame, p, np.where(resolved, end, np.nan)
