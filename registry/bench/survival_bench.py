"""Benchmark of the survival kernels against lifelines and scikit-survival, same run, same data.

Kaplan-Meier (log-log CI), two-group log-rank and an 8-covariate Cox model on generated data
with integer-day ties and about 40% censoring, at each requested size. Each operation runs
`--repeat` times; the median, minimum and maximum seconds are printed with the ratio of each
peer's median to ours (> 1 means we are faster), and the results are checked to agree.

Usage::

    python -m registry.bench.survival_bench [--sizes 10000,100000,1000000] [--cox-max 100000]
                                            [--repeat 3] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from registry.analysis import cox_model, kaplan_meier, logrank_test


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    """n patients: two groups, 8 covariates, Weibull times rounded to days, ~40% censored."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    group = rng.integers(0, 2, n)
    risk = 0.3 * group + x @ np.linspace(0.3, -0.2, 8)
    event_time = np.ceil(rng.weibull(1.2, n) * 400 * np.exp(-risk / 1.2))
    censor = np.ceil(rng.uniform(30, 1200, n))
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(8)])
    frame["group"] = group
    frame["time"] = np.minimum(event_time, censor).astype(float)
    frame["event"] = (event_time <= censor).astype(int)
    return frame


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def run(sizes: list[int], cox_max: int, repeat: int) -> list[dict[str, Any]]:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test as lifelines_logrank
    from sksurv.nonparametric import kaplan_meier_estimator

    rows: list[dict[str, Any]] = []

    def record(op: str, n: int, who: str, seconds: list[float]) -> None:
        rows.append({"operation": op, "n": n, "implementation": who,
                     "median_s": statistics.median(seconds), "min_s": min(seconds),
                     "max_s": max(seconds)})

    def one_size(n: int) -> None:
        data = make_data(n)
        t, e = data["time"].to_numpy(), data["event"].to_numpy()
        g = data["group"].to_numpy()

        secs, ours = timed(lambda: kaplan_meier(t, e, conf_type="log-log"), repeat)
        record("kaplan_meier", n, "registry", secs)
        secs, km = timed(lambda: KaplanMeierFitter().fit(t, e), repeat)
        record("kaplan_meier", n, "lifelines", secs)
        secs, sk = timed(lambda: kaplan_meier_estimator(e.astype(bool), t,
                                                        conf_type="log-log"), repeat)
        record("kaplan_meier", n, "scikit-survival", secs)
        survival = ours["survival"].to_numpy()  # one row per distinct time, like both peers
        lifelines_survival = km.survival_function_.loc[ours["time"], :].iloc[:, 0].to_numpy()
        assert np.allclose(survival, lifelines_survival, rtol=1e-10, atol=0), "KM vs lifelines"
        assert np.array_equal(sk[0], ours["time"].to_numpy()), "KM times vs scikit-survival"
        assert np.allclose(survival, sk[1], rtol=1e-10, atol=0), "KM vs scikit-survival"

        a, b = g == 0, g == 1
        secs, lr = timed(lambda: logrank_test(t, e, g), repeat)
        record("logrank", n, "registry", secs)
        secs, llr = timed(lambda: lifelines_logrank(t[a], t[b], e[a], e[b]), repeat)
        record("logrank", n, "lifelines", secs)
        assert abs(lr.statistic - llr.test_statistic) <= 1e-10 * max(1.0, lr.statistic)

        if n <= cox_max:
            covariates = [f"x{i}" for i in range(8)]
            secs, cox = timed(lambda: cox_model(data, "time", "event", covariates), repeat)
            record("cox_8_covariates", n, "registry", secs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                secs, cph = timed(lambda: CoxPHFitter().fit(
                    data[[*covariates, "time", "event"]], "time", "event"), repeat)
            record("cox_8_covariates", n, "lifelines", secs)
            assert np.allclose(cox.summary["coef"].to_numpy(), cph.params_.to_numpy(),
                               rtol=1e-5, atol=1e-7)
    for n in sizes:
        one_size(n)
    for row in rows:
        ours = next(r for r in rows if r["operation"] == row["operation"]
                    and r["n"] == row["n"] and r["implementation"] == "registry")
        row["peer_over_registry"] = row["median_s"] / ours["median_s"]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.bench.survival_bench")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--cox-max", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    rows = run([int(s) for s in args.sizes.split(",")], args.cox_max, args.repeat)
    print(f"{'operation':<18}{'n':>10}  {'implementation':<16}{'median s':>10}{'min s':>9}"
          f"{'max s':>9}{'peer/ours':>11}")
    for r in rows:
        print(f"{r['operation']:<18}{r['n']:>10,}  {r['implementation']:<16}"
              f"{r['median_s']:>10.3f}{r['min_s']:>9.3f}{r['max_s']:>9.3f}"
              f"{r['peer_over_registry']:>11.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump({"rows": rows, "peak_mib": peak}, handle, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
