"""Timing and peak memory of one benchmarked operation, and the record the suite reports.

Peak memory is the peak resident set size of the process while the operation ran: on Linux the
kernel's high-water mark (``VmHWM``) is reset to the current size through
``/proc/self/clear_refs`` just before the operation and read from ``/proc/self/status`` after
it, so each operation gets its own peak without the overhead of tracing allocations. Where that
reset is refused, the figure falls back to ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the
peak of the whole process so far; :func:`memory_method` says which one applies.
"""

from __future__ import annotations

import gc
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = ["Peer", "Record", "Timing", "memory_method", "peak_mib", "reset_peak",
           "resident_mib", "time_calls"]

T = TypeVar("T")
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mib(key: str) -> float | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the process's peak resident size to its current size; False where refused."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return _status_mib("VmHWM") is not None


def peak_mib() -> float:
    """Peak resident size in MiB since the last :func:`reset_peak` (else since start)."""
    hwm = _status_mib("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def resident_mib() -> float:
    """Current resident size in MiB (the peak so far where the current size is not shown)."""
    rss = _status_mib("VmRSS")
    return rss if rss is not None else peak_mib()


def memory_method() -> str:
    """How ``peak_mib`` is measured on this machine, for the report."""
    if reset_peak():
        return ("peak resident set size of the process during each operation (VmHWM, reset "
                "through /proc/self/clear_refs before it); includes what was resident before")
    return ("peak resident set size of the process so far (getrusage ru_maxrss): cumulative, "
            "not per operation, because this system cannot reset the peak")


@dataclass(frozen=True)
class Timing(Generic[T]):
    """Seconds (wall clock and process CPU) of each repetition, peak memory, last result."""

    seconds: list[float]
    peak_mib: float
    result: T
    before_mib: float = 0.0
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_calls(fn: Callable[[], T], repeat: int, *,
               before: Callable[[], object] | None = None) -> Timing[T]:
    """Call `fn` `repeat` times (after `before()` each time, untimed); seconds and peak memory.

    Parameters
    ----------
    fn : callable
        The operation; its last result is returned in :attr:`Timing.result`.
    repeat : int
        Repetitions, at least 1.
    before : callable, optional
        Untimed preparation before each call (e.g. emptying a cache).

    Returns
    -------
    Timing
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    gc.collect()  # garbage of the previous operation is not this one's memory
    reset_peak()
    start_mib = resident_mib()
    seconds: list[float] = []
    cpu: list[float] = []
    result: Any = None
    for _ in range(repeat):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return Timing(seconds, peak_mib(), result, start_mib, cpu)


@dataclass(frozen=True)
class Peer:
    """A peer library's median seconds on the same data; ``ratio`` = theirs / ours."""

    median_s: float
    ratio: float


@dataclass
class Record:
    """One measured operation at one size on one backend (None: no database involved).

    ``peak_mib`` is the process's peak resident size during the operation and ``before_mib``
    its resident size just before. ``cpu_seconds`` is this process's CPU time of each run (all
    its threads; not a database server's): on a busy machine it shows what the wall-clock
    seconds would be without the competition, for work done in-process. ``target``, ``met``
    and ``verdict`` are filled by :func:`registry.bench.targets.judge_all`.
    """

    operation: str
    size: int
    backend: str | None
    seconds: list[float]
    peak_mib: float
    before_mib: float = 0.0
    cpu_seconds: list[float] = field(default_factory=list)
    peers: dict[str, Peer] = field(default_factory=dict)
    agree: bool | None = None
    note: str = ""
    target: str | None = None
    met: bool | None = None
    verdict: str = ""

    @classmethod
    def of(cls, operation: str, size: int, backend: str | None, timing: Timing[Any],
           **extra: Any) -> Record:
        """A record from a :class:`Timing`."""
        return cls(operation, size, backend, list(timing.seconds), timing.peak_mib,
                   timing.before_mib, list(timing.cpu_seconds), **extra)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    def add_peer(self, name: str, theirs: Timing[Any]) -> None:
        """Record a peer's timing on the same data, as its median and ratio to ours."""
        self.peers[name] = Peer(theirs.median, theirs.median / self.median_s)

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values."""
        return {
            "operation": self.operation, "size": self.size, "backend": self.backend,
            "median_s": self.median_s, "min_s": min(self.seconds), "max_s": max(self.seconds),
            "runs_s": self.seconds,
            "cpu_median_s": statistics.median(self.cpu_seconds) if self.cpu_seconds else None,
            "peers": {name: {"median_s": float(p.median_s), "ratio": float(p.ratio)}
                      for name, p in self.peers.items()},
            "target": self.target, "met": None if self.met is None else bool(self.met),
            "verdict": self.verdict,
            "peak_mib": round(self.peak_mib, 1), "rss_before_mib": round(self.before_mib, 1),
            "agree": None if self.agree is None else bool(self.agree), "note": self.note,
        }
