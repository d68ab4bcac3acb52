"""The suite's outputs: the machine it ran on, the printed table, and the JSON document."""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from registry.bench.measure import Record

__all__ = ["PACKAGES", "describe_machine", "format_table", "write_json"]

PACKAGES: Final = ("numpy", "pandas", "scipy", "lifelines", "scikit-survival", "sqlalchemy",
                   "sqlmodel", "psycopg")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def describe_machine(database_versions: Mapping[str, str]) -> dict[str, Any]:
    """Platform, CPU, cores, memory, Python, package and database versions, load average.

    Parameters
    ----------
    database_versions : mapping of str to str
        Backend name to the server version it reported.
    """
    return {
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "databases": dict(database_versions),
        "load_average": _load_average(),
    }


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 100 else f"{value:.0f}"


def _peers(record: Record) -> str:
    return ", ".join(f"{name} {peer.ratio:.1f}x" for name, peer in record.peers.items())


def format_table(records: Iterable[Record]) -> str:
    """One line per record: median/min/max seconds, speed-up over each peer, target, verdict.

    "cpu s" is the median CPU time of this process (see `registry.bench.measure.Record`). A
    peer's figure is its median over ours (> 1: ours is faster). The verdict is "met", or
    how far the median is over the target ("x% over"), or "values differ".
    """
    rows = [("operation", "size", "backend", "median s", "min s", "max s", "cpu s", "vs peers",
             "agree", "peak MiB", "target", "verdict")]
    for r in records:
        cpu = _seconds(statistics.median(r.cpu_seconds)) if r.cpu_seconds else "-"
        rows.append((r.operation, f"{r.size:,}", r.backend or "-", _seconds(r.median_s),
                     _seconds(min(r.seconds)), _seconds(max(r.seconds)), cpu, _peers(r) or "-",
                     "-" if r.agree is None else ("yes" if r.agree else "NO"),
                     f"{r.peak_mib:.0f}", r.target or "-", r.verdict or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 3, 4, 5, 6, 9}
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Write the suite's document (creating the folder), UTF-8, indented."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
