"""Benchmark of the survival kernels against lifelines and scikit-survival, same run, same data.

Kaplan-Meier (log-log CI), two-group log-rank and an 8-covariate Cox model on generated data
with integer-day ties and about 40% censoring, at each requested size. Each operation runs
`--repeat` times; the median, minimum and maximum seconds are printed with the ratio of each
peer's median to ours (> 1 means we are faster), and the results are checked to agree:
Kaplan-Meier survival and log-log limits to 1e-10 (relative) with both peers, the log-rank
statistic to 1e-10 with lifelines, Cox coefficients to 1e-6 with lifelines.

Usage::

    python -m registry.bench.survival_bench [--sizes 10000,100000,1000000] [--cox-max 100000]
                                            [--repeat 3] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from registry.analysis import cox_model, kaplan_meier, logrank_test
from registry.bench.measure import Record, memory_method, time_calls
from registry.bench.targets import COX, KAPLAN_MEIER, LIFELINES, LOGRANK, SKSURV

KERNELS = (KAPLAN_MEIER, LOGRANK, COX)
COVARIATES = [f"x{i}" for i in range(8)]


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """n patients: two groups, 8 covariates, Weibull times rounded to days, ~40% censored."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    group = rng.integers(0, 2, n)
    risk = 0.3 * group + x @ np.linspace(0.3, -0.2, 8)
    event_time = np.ceil(rng.weibull(1.2, n) * 400 * np.exp(-risk / 1.2))
    censor = np.ceil(rng.uniform(30, 1200, n))
    frame = pd.DataFrame(x, columns=COVARIATES)
    frame["group"] = group
    frame["time"] = np.minimum(event_time, censor).astype(float)
    frame["event"] = (event_time <= censor).astype(int)
    return frame


def _same(ours: Any, theirs: Any, rtol: float) -> bool:
    """Equal to a relative tolerance where ours is defined (NaN: a limit R leaves undefined)."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    defined = ~np.isnan(a)
    return a.shape == b.shape and bool(np.allclose(a[defined], b[defined], rtol=rtol, atol=0))


def _kaplan_meier(data: pd.DataFrame, repeat: int) -> Record:
    from lifelines import KaplanMeierFitter
    from sksurv.nonparametric import kaplan_meier_estimator

    t, e = data["time"].to_numpy(), data["event"].to_numpy()
    ours = time_calls(lambda: kaplan_meier(t, e, conf_type="log-log"), repeat)
    record = Record.of(KAPLAN_MEIER, len(data), None, ours)
    lifelines = time_calls(lambda: KaplanMeierFitter().fit(t, e), repeat)
    sksurv = time_calls(lambda: kaplan_meier_estimator(e.astype(bool), t, conf_type="log-log"),
                        repeat)
    record.add_peer(LIFELINES, lifelines)
    record.add_peer(SKSURV, sksurv)
    km = ours.result  # one row per distinct time, like both peers
    times = km["time"].to_numpy()
    bands = lifelines.result.confidence_interval_.loc[times].to_numpy()
    sk_times, sk_survival, (sk_lower, sk_upper) = sksurv.result
    record.agree = bool(
        _same(km["survival"], lifelines.result.survival_function_.loc[times].iloc[:, 0], 1e-10)
        and _same(km["lower"], bands[:, 0], 1e-10) and _same(km["upper"], bands[:, 1], 1e-10)
        and np.array_equal(sk_times, times) and _same(km["survival"], sk_survival, 1e-10)
        and _same(km["lower"], sk_lower, 1e-10) and _same(km["upper"], sk_upper, 1e-10))
    record.note = "survival and log-log limits compared at every distinct time"
    return record


def _logrank(data: pd.DataFrame, repeat: int) -> Record:
    from lifelines.statistics import logrank_test as lifelines_logrank

    t, e, g = (data[c].to_numpy() for c in ("time", "event", "group"))
    a, b = g == 0, g == 1
    ours = time_calls(lambda: logrank_test(t, e, g), repeat)
    theirs = time_calls(lambda: lifelines_logrank(t[a], t[b], e[a], e[b]), repeat)
    record = Record.of(LOGRANK, len(data), None, ours)
    record.add_peer(LIFELINES, theirs)
    statistic, reference = ours.result.statistic, theirs.result.test_statistic
    record.agree = bool(abs(statistic - reference) <= 1e-10 * max(1.0, abs(reference)))
    record.note = f"chi-square {statistic:.6g}"
    return record


def _cox(data: pd.DataFrame, repeat: int) -> Record:
    from lifelines import CoxPHFitter

    ours = time_calls(lambda: cox_model(data, "time", "event", COVARIATES), repeat)
    columns = [*COVARIATES, "time", "event"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = time_calls(lambda: CoxPHFitter().fit(data[columns], "time", "event"), repeat)
    record = Record.of(COX, len(data), None, ours)
    record.add_peer(LIFELINES, theirs)
    coef = ours.result.summary["coef"].to_numpy()
    reference = theirs.result.params_[COVARIATES].to_numpy()
    gap = np.abs(coef - reference)
    record.agree = bool(np.all(gap <= 1e-6 * np.maximum(1.0, np.abs(reference))))
    record.note = f"Efron ties; largest coefficient difference {gap.max():.1e}"
    return record


def compare(n: int, repeat: int, operations: Collection[str] = KERNELS) -> list[Record]:
    """Our kernels and their peers on the same `n` generated patients, as suite records.

    Parameters
    ----------
    n : int
        Patients.
    repeat : int
        Repetitions of each call.
    operations : collection of str
        Some of :data:`KERNELS`.

    Returns
    -------
    list of Record
        One per operation, with the peers' medians and whether the values agree.
    """
    data = make_data(n)
    steps = {KAPLAN_MEIER: _kaplan_meier, LOGRANK: _logrank, COX: _cox}
    return [steps[name](data, repeat) for name in KERNELS if name in operations]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.bench.survival_bench")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--cox-max", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    records: list[Record] = []
    for n in (int(s) for s in args.sizes.split(",")):
        kernels = KERNELS if n <= args.cox_max else (KAPLAN_MEIER, LOGRANK)
        records.extend(compare(n, args.repeat, kernels))
    print(f"{'operation':<26}{'n':>11}{'median s':>10}{'min s':>9}{'max s':>9}  "
          f"{'peer median s (peer/ours)':<46}{'agree':>6}{'peak MiB':>10}")
    for r in records:
        peers = ", ".join(f"{name} {p.median_s:.3f} ({p.ratio:.1f}x)"
                          for name, p in r.peers.items())
        print(f"{r.operation:<26}{r.size:>11,}{r.median_s:>10.3f}{min(r.seconds):>9.3f}"
              f"{max(r.seconds):>9.3f}  {peers:<46}{'yes' if r.agree else 'NO':>6}"
              f"{r.peak_mib:>10.0f}")
    print(f"peak memory: {memory_method()}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump({"records": [r.as_dict() for r in records]}, handle, indent=2)
    return 0 if all(r.agree for r in records) else 1


if __name__ == "__main__":
    raise SystemExit(main())
