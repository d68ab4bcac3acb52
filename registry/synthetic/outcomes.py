"""Outcomes of the synthetic cohort: the mixture-cure model and the responses.

Infused patients are cured (never relapse), uncured responders (relapse or progression at a
Weibull time) or, for B-ALL, non-responders (event at day 28); after an event a patient is
salvaged with the probability that gives the OS cure fraction, and otherwise dies a Weibull time
later. Non-relapse and Gompertz background mortality compete (fatal CRS/ICANS are drawn with the
adverse events, `registry.synthetic.events`). Baseline LDH, ECOG, prior lines and the site shift
the cure fractions, normalised to keep their mean per indication.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from registry.synthetic.arrays import Array, Arrays, draw_weibull
from registry.synthetic.constants import DAYS_PER_MONTH, INDICATIONS
from registry.synthetic.reference import Reference

SITE_OUTCOME_MULTIPLIER: Final[dict[str, float]] = {"SAM-01": 0.8, "CHE-01": 0.85, "SPB-01": 1.08}
"""Centre effect on the cure fractions (the others 1.0), for observed-vs-expected analyses."""

RESPONSES: Final = np.array(["CR", "CRi", "PR", "SD", "PD", "NR", "relapse"], dtype=object)
"""Response labels; the generator's arrays hold their indices, named below."""
CR, CRI, PR, SD, PD, NR, RELAPSE = range(7)


def _gompertz_days(rng: np.random.Generator, age: Array) -> Array:
    """Background (non-cancer) survival from `age` in days; Gompertz fitted loosely to Russia."""
    alpha, beta = -9.3, 0.085  # hazard per year exp(alpha + beta * age): ~1.5%/year at 60
    h0 = np.exp(alpha + beta * age)
    years = np.log1p(-beta * np.log(rng.random(age.size)) / h0) / beta
    return np.asarray(np.ceil(years * 365.25), dtype=float)


def draw_outcomes(rng: np.random.Generator, c: Arrays, ref: Reference) -> None:
    n = c["ind"].size
    row = c["row"]

    def par(name: str) -> Array:
        return ref.param(name, row)

    ball = c["ind"] == 0
    infused = c["infused"]
    codes = ref.sites["code"].tolist()
    site_mult = np.array([SITE_OUTCOME_MULTIPLIER.get(s, 1.0) for s in codes])[c["site"]]
    w = np.exp(-0.25 * c["ldh"] - 0.35 * (c["ecog"] >= 2) - 0.15 * (c["prior_lines"] >= 4))
    w = w * site_mult
    for k in range(len(INDICATIONS)):
        sel = c["ind"] == k
        if sel.any():
            w[sel] /= w[sel].mean()
    resp_base = par("response_prob")
    pi_e = np.clip(par("cure_fraction_efs") * w, 0.0, resp_base - 0.005)
    pi_o = np.clip(par("cure_fraction_os") * w, pi_e, 0.99)
    u = rng.random(n)
    cured = infused & (u < pi_e)
    responder_all = ball & (u < resp_base)  # B-ALL remission by day 28 (includes the cured)
    nr_all = infused & ball & ~responder_all

    k_e = par("efs_shape")
    lam_e = par("efs_scale_months") * DAYS_PER_MONTH
    t0 = np.where(ball, 28.0, 0.0)
    t_rel = lam_e * ((t0 / lam_e) ** k_e - np.log(rng.random(n))) ** (1.0 / k_e)
    t_rel = np.maximum(np.ceil(t_rel), np.where(ball, 29.0, 7.0))
    relapse = np.where(infused & ~cured & ~nr_all, t_rel, np.inf)
    event = np.where(nr_all, 28.0, relapse)
    # never infused: the decision day is the (ITT) event; progression is a relapse
    event = np.where(infused, event, c["ni_day"].astype(float))
    relapse = np.where(~infused & (c["reason"] == 2), c["ni_day"].astype(float), relapse)

    s = np.where(pi_e < 1.0, (pi_o - pi_e) / (1.0 - pi_e), 0.0)
    salvaged = rng.random(n) < s
    post = np.maximum(np.ceil(draw_weibull(rng, par("death_after_event_shape"),
                                           par("death_after_event_scale_months") * DAYS_PER_MONTH)),
                      7.0)
    disease_death = np.where(np.isfinite(event) & ~salvaged, event + post, np.inf)
    disease_death = np.where(~infused & (c["reason"] == 1), c["ni_day"].astype(float),
                             disease_death)
    nrm = infused & (rng.random(n) < par("nrm_prob"))
    nrm_day = np.where(nrm, 10.0 + np.ceil(rng.exponential(1.0, n) * par("nrm_mean_months")
                                           * DAYS_PER_MONTH), np.inf)
    background = _gompertz_days(rng, c["age"] + 0.5)
    background = np.maximum(background, np.where(infused, 1.0, c["ni_day"] + 1.0))
    c["cured"] = cured
    c["responder_all"] = responder_all
    c["relapse"] = relapse
    c["event"] = event
    c["disease_death"] = disease_death
    c["nrm_day"] = nrm_day
    c["background"] = background
    c["pi_e"] = pi_e
    c["disease_cause"] = np.where(rng.random(n) < 0.96, "disease", "unknown")
    c["nrm_cause"] = np.where(rng.random(n) < 0.85, "infection", "other")


def draw_responses(rng: np.random.Generator, c: Arrays, ref: Reference) -> None:
    """Day-28 response and the response held later (before any relapse), per patient."""
    n = c["ind"].size
    row = c["row"]
    ball = c["ind"] == 0
    resp = ref.param("response_prob", row)
    cr = ref.param("cr_prob", row)
    pi_e = ref.param("cure_fraction_efs", row)
    k_e, lam_e = ref.param("efs_shape", row), ref.param("efs_scale_months", row) * DAYS_PER_MONTH
    # response_prob and cr_prob are best responses by D100. Lymphoma/CLL: the cured reach CR
    # (15% are PR at day 28 and CR from D100); among the uncured not yet progressed at day 28,
    # CR and PR are drawn so that the totals match. B-ALL: a quarter of CRi become CR by D100.
    not_progressed = (1.0 - pi_e) * np.exp(-((28.0 / lam_e) ** k_e))
    need_cr = np.maximum(cr - pi_e, 0.0)
    need_pr = np.maximum(resp - cr, 0.0)
    p_cr = np.clip(need_cr / np.maximum(not_progressed, 1e-9), 0.0, 1.0)
    p_pr = np.clip(need_pr / np.maximum(not_progressed, 1e-9), 0.0, 1.0 - p_cr)
    u = rng.random(n)
    conv = rng.random(n) < 0.15
    lymph_d28 = np.where(c["cured"], np.where(conv, PR, CR),
                         np.where(u < p_cr, CR, np.where(u < p_cr + p_pr, PR, SD)))
    lymph_later = np.where(c["cured"], CR, lymph_d28)
    cri_to_cr = 0.25
    p_all_cr = (cr / np.maximum(resp, 1e-9) - cri_to_cr) / (1.0 - cri_to_cr)
    all_cr = rng.random(n) < np.clip(p_all_cr, 0.0, 1.0)
    all_conv = rng.random(n) < cri_to_cr
    all_d28 = np.where(c["responder_all"], np.where(all_cr, CR, CRI), NR)
    all_later = np.where(c["responder_all"], np.where(all_cr | all_conv, CR, CRI), NR)
    c["d28_resp"] = np.where(ball, all_d28, lymph_d28)
    c["later_resp"] = np.where(ball, all_later, lymph_later)
    c["in_response"] = np.where(ball, c["responder_all"], np.isin(lymph_d28, (CR, PR)))
    c["mrd_neg"] = rng.random(n) < ref.param("mrd_negative_prob", row)
    c["bca"] = rng.random(n) < ref.param("b_cell_aplasia_prob", row)
    c["bca_end"] = np.ceil(rng.exponential(18.0 * DAYS_PER_MONTH, n))
    c["ivig_user"] = rng.random(n) < ref.param("ivig_prob", row)
    allo = (ball & c["infused"] & c["responder_all"]
            & (rng.random(n) < ref.param("allo_hsct_prob", row)))
    allo_day = rng.integers(60, 201, n).astype(float)
    c["allo_day"] = np.where(allo & (allo_day < c["relapse"]) & (allo_day < c["death"]),
                             allo_day, np.inf)
    salvage = c["event"] + rng.integers(7, 31, n)
    has_event = c["infused"] & np.isfinite(c["event"]) & (c["event"] < c["death"])
    c["salvage_day"] = np.where(has_event & (salvage < c["death"]), salvage, np.inf)
