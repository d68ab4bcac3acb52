"""Benchmark of bulk uploads: preview and commit of 10,000 patients, follow-ups and AEs.

Why this module exists
----------------------
The bulk-upload issue asks that 10,000 rows validate and commit in under 10 seconds on SQLite.
That is measured here, by hand, not in a timed test: each repetition builds a fresh database
(a temporary SQLite file, or a database of its own on the PostgreSQL server named by
``REGISTRY_BENCH_POSTGRES_URL``, created and dropped), loads the reference sites and products,
and then, as one site clinician:

1. uploads N patients (CSV): preview, commit, and the same file again (nothing is added);
   with ``--xlsx`` the same patients as an XLSX workbook too (preview, and a commit that
   skips every row: reading and checking an XLSX file at full size);
2. opens an infused treatment episode for each of them through a bulk path (not timed);
3. uploads N follow-up forms (one D28 form per episode), then N adverse events (one CRS with
   its ASTCT signs per episode), each previewed, committed and committed again.

It prints the median, minimum and maximum of the repetitions per step, and each step's peak
resident memory (see `registry.bench.measure`). `records` gives the suite's figures: preview
(which validates every row) plus commit, per file kind.

Usage::

    python -m registry.bench.upload_bench [--rows 10000] [--backend sqlite|postgresql]
                                          [--repeat 3] [--xlsx]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.auth import Actor
from registry.bench.databases import fresh_engine
from registry.bench.measure import Record, memory_method, peak_mib, reset_peak
from registry.bench.targets import UPLOAD_KINDS, upload_operation
from registry.identity import snils_check_digits
from registry.models import ManufacturingLot, Patient, Product, Site, TreatmentEpisode
from registry.models.base import utcnow
from registry.models.enums import Role
from registry.services.upload_templates import COLUMNS, UploadKind

DIAGNOSIS = date(2023, 5, 1)
APHERESIS = date(2024, 2, 1)
INFUSION = date(2024, 3, 15)


def _csv(kind: UploadKind, rows: Iterator[dict[str, str]]) -> bytes:
    names = [c.name for c in COLUMNS[kind]]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=names, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(csv_content: bytes) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("upload")
    for record in csv.reader(io.StringIO(csv_content.decode("utf-8-sig"))):
        sheet.append(record)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _code(n: int) -> str:
    return f"B{n:06d}"


def patient_rows(n: int) -> Iterator[dict[str, str]]:
    """N valid patient rows with unique codes and SNILS numbers."""
    indications = ("LBCL", "B-ALL", "FL", "MCL", "CLL")
    for i in range(1, n + 1):
        first9 = f"{200_000_000 + i:09d}"
        yield {
            "site_patient_code": _code(i),
            "national_insurance_number": first9 + snils_check_digits(first9),
            "sex": "F" if i % 2 else "M",
            "birth_year": str(1950 + i % 50),
            "indication": indications[i % len(indications)],
            "diagnosis_date": DIAGNOSIS.strftime("%d.%m.%Y"),
            "prior_lines": str(1 + i % 4),
            "prior_auto_hsct": "yes" if i % 3 == 0 else "no",
            "ecog": str(i % 3),
            "ldh_above_uln": "true" if i % 2 else "false",
            "marrow_blasts_pct": "12,5" if i % 5 == 1 else "",
            "consent_date": "2024-01-10",
        }


def followup_rows(n: int) -> Iterator[dict[str, str]]:
    """One D28 form per patient's first episode."""
    for i in range(1, n + 1):
        b_all = i % 5 == 1
        yield {
            "site_patient_code": _code(i),
            "episode_number": "1",
            "timepoint": "D28",
            "assessment_date": (INFUSION + timedelta(days=28)).isoformat(),
            "response": ("CRi" if i % 2 else "CR") if b_all else ("PR" if i % 2 else "CR"),
            "mrd_negative": "yes" if b_all else "",
            "b_cell_aplasia": "yes",
            "hospital_days": str(10 + i % 20),
            "icu_days": str(i % 3),
            "comments": "uploaded by the benchmark",
        }


def adverse_event_rows(n: int) -> Iterator[dict[str, str]]:
    """One CRS graded from its ASTCT signs per patient's first episode."""
    for i in range(1, n + 1):
        yield {
            "site_patient_code": _code(i),
            "episode_number": "1",
            "event_type": "CRS",
            "onset_date": (INFUSION + timedelta(days=1 + i % 5)).strftime("%d.%m.%Y"),
            "resolution_date": (INFUSION + timedelta(days=8)).strftime("%d.%m.%Y"),
            "tocilizumab_doses": str(i % 3),
            "corticosteroids": "нет",
            "sign_max_temperature_c": "39,1",
            "sign_hypotension": "no_vasopressor" if i % 2 else "none",
            "sign_oxygen": "low_flow" if i % 3 == 0 else "none",
        }


@contextmanager
def fresh_database(backend: str) -> Iterator[Engine]:
    """A migrated empty database with the reference sites and products; removed afterwards."""
    from registry.seed import load_reference_data

    with fresh_engine(backend) as engine:
        with Session(engine) as session:
            load_reference_data(session)
        yield engine


def open_infused_episodes(session: Session, site_id: int) -> int:
    """A released lot and an infused first episode for every patient of the site (bulk path).

    Rows are validated by the table models, as `registry.seed` does for large cohorts.
    """
    product_id = session.exec(select(Product.id).order_by(col(Product.id))).first()
    patients = list(session.exec(select(Patient.id).where(Patient.site_id == site_id)))
    stamp = utcnow()
    book = {"created_at": stamp, "updated_at": stamp, "version": 1}
    lots = [
        ManufacturingLot.model_validate(
            {
                "lot_number": f"BENCH-{patient_id:07d}",
                "product_id": product_id,
                "manufacturing_site": "bench",
                "start_date": APHERESIS + timedelta(days=3),
                "release_date": INFUSION - timedelta(days=5),
                "car_positive_cells": 2e8,
            }
        ).model_dump(exclude={"id"})
        | book
        for patient_id in patients
    ]
    lot_ids = list(
        session.execute(
            insert(ManufacturingLot).returning(
                col(ManufacturingLot.id), sort_by_parameter_order=True
            ),
            lots,
        ).scalars()
    )
    episodes = [
        TreatmentEpisode.model_validate(
            {
                "patient_id": patient_id,
                "site_id": site_id,
                "product_id": product_id,
                "apheresis_date": APHERESIS,
                "lot_id": lot_id,
                "bridging": "none",
                "lymphodepletion": "Flu/Cy",
                "infusion_date": INFUSION,
                "dose_car_positive_cells": 2e8,
            }
        ).model_dump(exclude={"id"})
        | book
        for patient_id, lot_id in zip(patients, lot_ids, strict=True)
    ]
    session.execute(insert(TreatmentEpisode), episodes)
    session.commit()
    return len(episodes)


def _timed(call: Callable[[], Any], peaks: dict[str, float], step: str) -> tuple[float, Any]:
    reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds = time.perf_counter() - started
    peaks[step] = peak_mib()
    peaks[f"{step} cpu"] = time.process_time() - cpu
    return seconds, result


def run_once(engine: Engine, files: dict[str, tuple[UploadKind, str, bytes]],
             peaks: dict[str, float] | None = None) -> dict[str, float]:
    """One repetition on a fresh database: every step's seconds by name.

    Each step's peak resident memory (MiB, see `registry.bench.measure`) goes into `peaks`, and
    its process CPU seconds too, as ``"<step> cpu"``.
    """
    from registry.services.uploads import commit_upload, preview_upload

    peaks = {} if peaks is None else peaks
    seconds: dict[str, float] = {}
    with Session(engine, expire_on_commit=False) as session:
        site_id = session.exec(select(Site.id).order_by(col(Site.id))).first()
        actor = Actor(user_id=None, username="bench", role=Role.site_clinician, site_id=site_id)
        for label, (kind, filename, content) in files.items():
            if kind == UploadKind.followups and "episodes" not in seconds:
                assert site_id is not None
                seconds["episodes"], _ = _timed(lambda: open_infused_episodes(session, site_id),
                                                peaks, "episodes")
            preview = partial(preview_upload, session=session, actor=actor, kind=kind,
                              filename=filename, content=content)
            commit = partial(commit_upload, session=session, actor=actor, kind=kind,
                             filename=filename, content=content)
            step = f"{label} preview"
            seconds[step], shown = _timed(preview, peaks, step)
            if shown.errors:
                raise SystemExit(f"{label}: the benchmark file has errors: {shown.errors[:3]}")
            if label.endswith("xlsx"):  # the CSV's rows, saved already: every row is skipped
                step = f"{label} commit again"
                seconds[step], again = _timed(commit, peaks, step)
                assert again.created == 0 and again.skipped == shown.rows, again
                continue
            step = f"{label} commit"
            seconds[step], result = _timed(commit, peaks, step)
            assert result.created == shown.rows, result
            step = f"{label} commit again"
            seconds[step], again = _timed(commit, peaks, step)
            assert again.created == 0 and again.skipped == shown.rows, again
    return seconds


def build_files(n: int, *, xlsx: bool = False) -> dict[str, tuple[UploadKind, str, bytes]]:
    """The benchmark's upload files of `n` rows each, by label, in upload order."""
    patients = _csv(UploadKind.patients, patient_rows(n))
    files: dict[str, tuple[UploadKind, str, bytes]] = {
        "patients": (UploadKind.patients, "patients.csv", patients),
    }
    if xlsx:
        files["patients xlsx"] = (UploadKind.patients, "patients.xlsx", _xlsx(patients))
    files["followups"] = (UploadKind.followups, "followups.csv",
                          _csv(UploadKind.followups, followup_rows(n)))
    files["adverse_events"] = (UploadKind.adverse_events, "adverse_events.csv",
                               _csv(UploadKind.adverse_events, adverse_event_rows(n)))
    return files


def run_repeats(backend: str, files: dict[str, tuple[UploadKind, str, bytes]], repeat: int
                ) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """`repeat` repetitions, each on a fresh database: seconds and peak MiB (and CPU seconds,
    as ``"<step> cpu"``) of every step."""
    # Never touch the data folder's key: the benchmark hashes with a throw-away one.
    os.environ.setdefault("REGISTRY_HMAC_KEY", secrets.token_hex(32))
    runs: list[dict[str, float]] = []
    peaks: list[dict[str, float]] = []
    for _ in range(repeat):
        with fresh_database(backend) as engine:
            peaks.append({})
            runs.append(run_once(engine, files, peaks[-1]))
    return runs, peaks


def records(rows: int, backend: str, repeat: int) -> list[Record]:
    """Preview + commit of each file kind (:data:`UPLOAD_KINDS`) as suite records."""
    runs, peaks = run_repeats(backend, build_files(rows), repeat)
    out = []
    for label in UPLOAD_KINDS:
        steps = (f"{label} preview", f"{label} commit")
        out.append(Record(
            upload_operation(label), rows, backend,
            [run[steps[0]] + run[steps[1]] for run in runs],
            max(peak[step] for peak in peaks for step in steps),
            cpu_seconds=[peak[steps[0] + " cpu"] + peak[steps[1] + " cpu"] for peak in peaks],
            note=f"as a site clinician; committing the same file again: median "
                 f"{statistics.median(run[label + ' commit again'] for run in runs):.2f} s"))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m registry.bench.upload_bench",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true", help="also read the patients as XLSX")
    args = parser.parse_args(argv)
    n = args.rows
    runs, peaks = run_repeats(args.backend, build_files(n, xlsx=args.xlsx), args.repeat)
    print(f"Bulk upload, {n:,} rows per file, {args.backend}, {args.repeat} repetitions "
          f"(seconds; 'episodes' is the untimed set-up, shown for scale)")
    print(f"{'step':<32}{'median':>10}{'min':>10}{'max':>10}{'peak MiB':>10}")
    for step in runs[0]:
        values = [run[step] for run in runs]
        print(f"{step:<32}{statistics.median(values):>10.2f}{min(values):>10.2f}"
              f"{max(values):>10.2f}{max(p[step] for p in peaks):>10.0f}")
    for label in UPLOAD_KINDS:
        total = [run[f"{label} preview"] + run[f"{label} commit"] for run in runs]
        print(f"{label + ' preview+commit':<32}{statistics.median(total):>10.2f}"
              f"{min(total):>10.2f}{max(total):>10.2f}")
    print(f"peak memory: {memory_method()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
