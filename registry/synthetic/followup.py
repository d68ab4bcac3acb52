"""Follow-up of the synthetic cohort: scheduled visits, forms, readmissions, learnt deaths.

Forms follow ``seed_data/schedule.csv``: assessed near the target day, some late (the comment
says by how much), some missing, some patients lost to follow-up (their last form says so);
nothing is dated after death or after ``as_of``. A death after day 35 is learnt at the latest
when the next scheduled form falls due, so deaths and survivors (censored at their last form)
are observed over the same follow-up. Never-infused patients have no forms.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from registry.synthetic.arrays import (
    Array,
    Arrays,
    first_in_group,
    object_frame,
    to_dates,
    to_objects,
)
from registry.synthetic.outcomes import PD, RELAPSE, RESPONSES
from registry.synthetic.reference import Reference

SITE_FORM_MISSING_MULTIPLIER: Final[dict[str, float]] = {
    "ROV-01": 3.0, "KHB-01": 3.5, "OMS-01": 2.0,
}
"""Sites with poorer follow-up completeness (the others 1.0): some fall below 90%."""

FORM_MISSING_PROB: Final[dict[str, float]] = {
    "D28": 0.02, "D100": 0.03, "M6": 0.04, "M12": 0.05, "M18": 0.06, "M24": 0.07,
    "Y3": 0.08, "Y4": 0.09, "Y5": 0.10,
}
"""Probability that a scheduled form is never received; 0.12 for later (questionnaire) years."""

LOSS_PROB: Final[dict[str, float]] = {
    "D28": 0.0, "D100": 0.008, "M6": 0.01, "M12": 0.012, "M18": 0.015, "M24": 0.02,
}
"""Probability that a received form is the last one (lost to follow-up); 0.025 later."""

LATE_FORM_PROB: Final = 0.03
"""Share of received forms assessed after their window closed (comment says by how much)."""

IN_HOSPITAL_DAYS: Final = 35
"""Deaths up to this day after infusion are known at once (the patient is still in care)."""


def draw_visits(rng: np.random.Generator, c: Arrays, ref: Reference, end: int) -> Arrays:
    """Scheduled visits of infused patients: when, whether they happen, whether observed."""
    n = c["ind"].size
    sched = ref.schedule
    k_n = len(sched)
    codes = ref.sites["code"].tolist()
    miss_mult = np.array([SITE_FORM_MISSING_MULTIPLIER.get(s, 1.0) for s in codes])[c["site"]]
    inf = c["infused"]
    day = np.zeros((n, k_n), dtype=np.int64)
    happens = np.zeros((n, k_n), dtype=bool)
    observed = np.zeros((n, k_n), dtype=bool)
    lost_at = np.zeros((n, k_n), dtype=bool)
    late_by = np.zeros((n, k_n), dtype=np.int64)
    lost = np.zeros(n, dtype=bool)
    targets = sched["target_day"].astype(int).tolist()
    befores = sched["window_before"].astype(int).tolist()
    afters = sched["window_after"].astype(int).tolist()
    names = sched["timepoint"].astype(str).tolist()
    for k, (t, wb, wa, name) in enumerate(zip(targets, befores, afters, names, strict=True)):
        late = rng.random(n) < LATE_FORM_PROB
        offset = np.clip(np.rint(rng.normal(0.0, max(wb, wa) / 3.0, n)), -wb, wa)
        extra = rng.integers(1, max(wa, 14) + 1, n)
        d = np.where(late, t + wa + extra, t + offset).astype(np.int64)
        p_miss = FORM_MISSING_PROB.get(name, 0.12)
        missed = rng.random(n) < np.minimum(p_miss * miss_mult, 0.9)
        hap = inf & ~missed & (d < c["death"])
        obs = hap & (c["infusion"] + d <= end) & ~lost
        p_loss = LOSS_PROB.get(name, 0.025)
        lose = obs & (rng.random(n) < p_loss * miss_mult)
        lost |= lose
        day[:, k], happens[:, k], observed[:, k], lost_at[:, k] = d, hap, obs, lose
        late_by[:, k] = np.where(late, d - (t + wa), 0)
    loss_day = np.where(lost, np.where(lost_at, day, 0).max(axis=1), np.iinfo(np.int64).max)
    return {"day": day, "happens": happens, "observed": observed, "lost_at": lost_at,
            "late_by": late_by, "lost": lost, "loss_day": loss_day}


def visit_fields(c: Arrays, p: Array, k: Array, d: Array) -> Arrays:
    """Response, MRD, B-cell aplasia and IVIG at visits (patient p, timepoint k, day d)."""
    ball = c["ind"][p] == 0
    relapsed = c["relapse"][p] <= d
    resp = np.where(k == 0, c["d28_resp"][p], c["later_resp"][p])
    resp = np.where(relapsed, np.where(ball, RELAPSE, PD), resp)
    in_remission = c["in_response"][p] & ~relapsed
    early = k <= 1
    bca = c["bca"][p] & in_remission & (d < c["bca_end"][p])
    return {"resp": resp, "relapsed": relapsed, "mrd": c["mrd_neg"][p] & in_remission,
            "mrd_known": ball & early, "bca": bca, "bca_known": k <= 5,
            "ivig": bca & c["ivig_user"][p]}


def draw_readmissions(rng: np.random.Generator, c: Arrays, v: Arrays) -> None:
    n = c["ind"].size
    d28 = v["day"][:, 0]
    infection_window = (c["infection_day"] >= 29) & (c["infection_day"] <= 100)
    wanted = c["infused"] & (rng.random(n) < 0.18 + 0.25 * infection_window)
    low = np.maximum(35, d28 + 1)
    start = low + np.floor(rng.random(n) * np.maximum(81 - low, 1)).astype(np.int64)
    days = rng.integers(3, 15, n)
    ok = wanted & (low <= 80) & (start < c["death"])
    days = np.minimum(days, np.maximum(c["death"] - start, 1)).astype(np.int64)
    c["readmit_day"] = np.where(ok, start, -1)
    c["readmit_days"] = np.where(ok, days, 0)


def followup_frame(c: Arrays, v: Arrays, ref: Reference) -> tuple[pd.DataFrame, Array]:
    p, k = np.nonzero(v["observed"])
    d = v["day"][p, k]
    f = visit_fields(c, p, k, d)
    tp = ref.schedule["timepoint"].to_numpy(dtype=object)
    criteria = np.array(["ALL_CR_CRi", "Lugano2014", "Lugano2014", "Lugano2014", "iwCLL"],
                        dtype=object)[c["ind"][p]]
    first_relapse = first_in_group(f["relapsed"], p)
    first_allo = first_in_group(c["allo_day"][p] <= d, p)
    first_salvage = first_in_group(c["salvage_day"][p] <= d, p) & ~first_allo
    new_therapy = np.where(first_allo, "allo-HSCT", np.where(first_salvage, "other", "none"))
    therapy_day = np.where(first_allo, c["allo_day"][p], c["salvage_day"][p])
    hospital = np.where(k == 0, c["los"][p],
                        np.where((c["readmit_day"][p] >= 0) & (c["readmit_day"][p] <= d),
                                 c["readmit_days"][p], 0))
    icu = np.where(k == 0, c["icu"][p], 0)
    base = c["infusion"][p]
    late_by = v["late_by"][p, k]
    lost = v["lost_at"][p, k]
    comments = np.full(p.size, None, dtype=object)
    late = np.flatnonzero(late_by > 0)
    comments[late] = [f"late form: assessed {b} days after the {t} window closed"
                      for b, t in zip(late_by[late].tolist(), tp[k[late]].tolist(), strict=True)]
    gone = np.flatnonzero(lost)
    comments[gone] = [("" if x is None else x + "; ") + "no contact after this visit"
                      for x in comments[gone].tolist()]
    frame = object_frame({
        "id": np.arange(1, p.size + 1, dtype=np.int64),
        "episode_id": c["episode_id"][p],
        "site_id": c["site"][p] + 1,
        "timepoint": to_objects(tp[k]),
        "assessment_date": to_dates(base + d),
        "vital_status": to_objects(np.full(p.size, "alive")),
        "response": to_objects(RESPONSES[f["resp"]]),
        "response_criteria": criteria,
        "mrd_negative": to_objects(f["mrd"], f["mrd_known"]),
        "b_cell_aplasia": to_objects(f["bca"], f["bca_known"]),
        "ivig": to_objects(f["ivig"], f["bca_known"]),
        "hospital_days": to_objects(hospital.astype(np.int64), k <= 1),
        "icu_days": to_objects(icu.astype(np.int64), k <= 1),
        "new_therapy": to_objects(new_therapy),
        "new_therapy_date": to_dates(base + np.where(np.isfinite(therapy_day), therapy_day, 0)
                                     .astype(np.int64), new_therapy != "none"),
        "relapse_or_progression": first_relapse,
        "relapse_date": to_dates(base + np.where(first_relapse, c["relapse"][p], 0)
                                 .astype(np.int64), first_relapse),
        "new_malignancy": np.zeros(p.size, dtype=bool),
        "lost_to_follow_up": lost,
        "comments": comments,
    })
    last_form = np.zeros(c["ind"].size, dtype=np.int64)
    np.maximum.at(last_form, p, d)
    return frame, last_form


def observed_deaths(c: Arrays, v: Arrays, ref: Reference, end: int,
                    origin: Array) -> tuple[Array, Array]:
    """Per patient the absolute death day and whether the registry has learnt of it by `end`."""
    inf = c["infused"]
    # a later death of an infused patient is learnt at the latest when
    # the next scheduled form falls due (its window closes), so that survivors, censored at
    # their last form, and deaths are seen over the same follow-up; never-infused patients have
    # no forms and their deaths are reported as they happen
    death_abs = origin + c["death"].astype(np.int64)
    close = (ref.schedule["target_day"].astype(int) + ref.schedule["window_after"].astype(int)
             ).to_numpy()
    target = ref.schedule["target_day"].astype(int).to_numpy()
    nxt = np.searchsorted(target, c["death"], side="left")
    learnt = np.where(nxt < close.size, close[np.minimum(nxt, close.size - 1)], c["death"])
    learnt = np.where(c["death"] <= IN_HOSPITAL_DAYS, c["death"], np.maximum(learnt, c["death"]))
    observed_death = np.where(inf, (origin + learnt <= end) & ~v["lost"], death_abs <= end)
    return death_abs, observed_death
