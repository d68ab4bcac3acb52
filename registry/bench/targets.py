"""The performance targets of the scale issue, as data, and the verdict on a measured record.

Each :class:`Target` names the operation as the suite's records do, the size it applies at, the
backends it applies to, and either a time limit or a minimum speed-up over each peer (or both).
A record gets the target whose operation, size and backend match; records at other sizes are
reported without a target. :func:`judge` says whether the target is met and, if not, by how
much the median is over: for a speed-up target the time that would meet it is the peer's
median divided by the required ratio.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from registry.bench.measure import Record

__all__ = ["BOOTSTRAP", "COX", "DASHBOARD_PAGES", "DATASET", "KAPLAN_MEIER", "LOGRANK",
           "SEED", "TARGETS", "UPLOAD_KINDS", "WORKLIST", "Target", "dashboard_operation",
           "judge", "judge_all", "target_for", "unmeasured", "upload_operation"]

KAPLAN_MEIER: Final = "Kaplan-Meier, log-log CI"
LOGRANK: Final = "log-rank, 2 groups"
COX: Final = "Cox, 8 covariates"
DATASET: Final = "analysis dataset (OS, mITT)"
WORKLIST: Final = "worklist of one site"
SEED: Final = "seed synthetic cohort"
BOOTSTRAP: Final = "bootstrap ICER, 1,000 replicates"
DASHBOARD_PAGES: Final = ("overview", "safety", "production", "outcomes", "centres")
UPLOAD_KINDS: Final = ("patients", "followups", "adverse_events")
LIFELINES: Final = "lifelines"
SKSURV: Final = "scikit-survival"


def dashboard_operation(page: str, cold: bool) -> str:
    """The operation name of one leadership page, cold (cache emptied) or warm."""
    return f"dashboard {page}, {'cold' if cold else 'warm'}"


def upload_operation(kind: str) -> str:
    """The operation name of one bulk-upload file (preview, which validates, then commit)."""
    return f"bulk upload {kind}, validate + commit"


@dataclass(frozen=True)
class Target:
    """One row of the issue's table.

    Attributes
    ----------
    operation, size : str, int
        What and at which size (patients, rows; the worklist: patients at the site).
    text : str
        The target as the issue states it.
    max_seconds : float, optional
        Median seconds must stay below this.
    min_ratio : mapping of str to float
        Peer name to the speed-up over it the median must reach (peer median / ours).
    backends : tuple of str, optional
        The backends it applies to; None for any (and for operations without a database).
    size_tolerance : float
        Relative distance from `size` that still matches (for sizes a generator only
        approaches, such as the patients of one site).
    """

    operation: str
    size: int
    text: str
    max_seconds: float | None = None
    min_ratio: Mapping[str, float] = field(default_factory=dict)
    backends: tuple[str, ...] | None = None
    size_tolerance: float = 0.0

    def applies(self, operation: str, size: int, backend: str | None) -> bool:
        """True when a record of (operation, size, backend) is measured against this target."""
        return (operation == self.operation
                and abs(size - self.size) <= self.size_tolerance * self.size
                and (self.backends is None or backend in self.backends))


_DB: Final = ("sqlite", "postgresql")
TARGETS: Final[tuple[Target, ...]] = (
    Target(KAPLAN_MEIER, 1_000_000, ">= 5x lifelines, >= 2x scikit-survival, same values "
           "to 1e-10", min_ratio={LIFELINES: 5.0, SKSURV: 2.0}),
    Target(LOGRANK, 1_000_000, ">= 5x lifelines, same statistic to 1e-10",
           min_ratio={LIFELINES: 5.0}),
    Target(COX, 100_000, "no slower than lifelines, same coefficients to 1e-6",
           min_ratio={LIFELINES: 1.0}),
    Target(DATASET, 100_000, "< 2 s", max_seconds=2.0, backends=_DB),
    Target(DATASET, 1_000_000, "< 20 s", max_seconds=20.0, backends=_DB),
    *(Target(dashboard_operation(page, cold), 100_000, "< 2 s" if cold else "< 0.3 s",
             max_seconds=2.0 if cold else 0.3, backends=_DB)
      for page in DASHBOARD_PAGES for cold in (True, False)),
    Target(WORKLIST, 10_000, "< 0.5 s", max_seconds=0.5, backends=_DB, size_tolerance=0.05),
    *(Target(upload_operation(kind), 10_000, "< 10 s", max_seconds=10.0, backends=_DB)
      for kind in UPLOAD_KINDS),
    Target(SEED, 100_000, "< 60 s (SQLite)", max_seconds=60.0, backends=("sqlite",)),
    Target(BOOTSTRAP, 10_000, "< 10 s", max_seconds=10.0),
)
"""The issue's targets (operation | size | target)."""


def target_for(operation: str, size: int, backend: str | None,
               targets: Iterable[Target] = TARGETS) -> Target | None:
    """The target a record of (operation, size, backend) is measured against, if any."""
    return next((t for t in targets if t.applies(operation, size, backend)), None)


def judge(target: Target, median_s: float, peer_medians: Mapping[str, float],
          agree: bool | None) -> tuple[bool | None, str]:
    """Whether a median meets `target`, and the verdict to print.

    Parameters
    ----------
    target : Target
    median_s : float
        Our median seconds.
    peer_medians : mapping of str to float
        Each peer's median seconds on the same data.
    agree : bool or None
        Whether our values agreed with the peers' (None: not checked).

    Returns
    -------
    met : bool or None
        None when a peer the target needs was not measured.
    verdict : str
        ``"met"``, ``"x% over"`` (how far the median is above the time that would meet the
        strictest part of the target), ``"values differ"``, or ``"peer not measured: ..."``.

    Examples
    --------
    >>> judge(Target("op", 10, "< 2 s", max_seconds=2.0), 2.5, {}, None)
    (False, '25% over')
    >>> judge(Target("op", 10, ">= 5x p", min_ratio={"p": 5.0}), 1.0, {"p": 4.0}, True)
    (False, '25% over')
    """
    if missing := sorted(set(target.min_ratio) - set(peer_medians)):
        return None, f"peer not measured: {', '.join(missing)}"
    allowed = [peer_medians[peer] / ratio for peer, ratio in target.min_ratio.items()]
    fast_enough = all(peer_medians[peer] / median_s >= ratio
                      for peer, ratio in target.min_ratio.items())
    if target.max_seconds is not None:
        allowed.append(target.max_seconds)
        fast_enough = fast_enough and median_s < target.max_seconds
    if not allowed:
        return None, "no limit"
    over = max(median_s / limit - 1.0 for limit in allowed)
    if agree is False:
        return False, "values differ" + ("" if fast_enough else f", {100 * over:.0f}% over")
    if fast_enough:
        return True, "met"
    return False, f"{100 * over:.0f}% over"


def judge_all(records: Iterable[Record], targets: Iterable[Target] = TARGETS) -> None:
    """Fill each record's ``target``, ``met`` and ``verdict`` from the matching target."""
    chosen = tuple(targets)
    for record in records:
        target = target_for(record.operation, record.size, record.backend, chosen)
        if target is None:
            record.target, record.met, record.verdict = None, None, ""
            continue
        record.target = target.text
        record.met, record.verdict = judge(
            target, record.median_s, {name: p.median_s for name, p in record.peers.items()},
            record.agree)


def unmeasured(records: Iterable[Record], backends: Iterable[str],
               targets: Iterable[Target] = TARGETS) -> list[str]:
    """Targets (on the given backends) that no record was measured against, as text."""
    done = list(records)
    missing = []
    for target in targets:
        wanted: tuple[str | None, ...] = (
            (None,) if target.backends is None else tuple(b for b in backends
                                                           if b in target.backends))
        for backend in wanted:
            if not any(target.applies(r.operation, r.size, backend) and r.backend == backend
                       for r in done):
                where = "" if backend is None else f" on {backend}"
                missing.append(f"{target.operation} at {target.size:,}{where}: {target.text}")
    return missing
