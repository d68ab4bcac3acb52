"""De-identified cohort export (`registry.services.export` and its export_* modules).

Most tests share a small synthetic cohort per backend (seeded once per module; two products
are renamed to formula-like codes so that the injection defences are exercised end to end);
the pooling and day conventions use a hand-built cohort with known small categories.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.auth import SYSTEM_ACTOR, Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import AuditEvent, Patient, Product, Site, TreatmentEpisode
from registry.models.enums import AuditAction, ProductOrigin, Role
from registry.services.cohorts import CohortDefinition, cohort_frame
from registry.services.export import ExportResult, code_version, export_cohort
from registry.services.export_codebook import CODEBOOK_COLUMNS, EXPORT_COLUMNS
from registry.services.export_deid import fresh_ids
from registry.services.export_formats import (
    FORMULA_PREFIXES,
    ExportFormat,
    inert,
    sha256,
    to_csv,
    to_xlsx,
)
from tests import factories as f
from tests.conftest import seeded_engine

AS_OF = date(2026, 6, 1)
ECONOMIST = Actor(None, "econ", Role.economist)
EVIL = ("=HYPERLINK(\"http://x\")", "@SUM(1+1)")
FORMATS = [fmt.value for fmt in ExportFormat]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """120 synthetic patients; episodes 1-6 and 7-12 moved to products with formula codes."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("export"), patients=120, seed=5,
                       as_of=AS_OF) as engine:
        with Session(engine) as session:
            for n, code in enumerate(EVIL):
                product = Product(code=code, name=code, manufacturer="x",
                                  origin=ProductOrigin.imported, list_price=1.0,
                                  price_effective_date=date(2024, 1, 1))
                session.add(product)
                session.flush()
                first = 6 * n + 1
                session.execute(update(TreatmentEpisode).where(
                    TreatmentEpisode.id.between(first, first + 5)).values(product_id=product.id))
            session.commit()
        yield engine


def export(engine: Engine, fmt: str = "csv", actor: Actor = ECONOMIST,
           **kwargs: Any) -> ExportResult:
    definition = kwargs.pop("definition", {"population": "itt"})
    with Session(engine) as session:
        return export_cohort(session=session, actor=actor, definition=definition, fmt=fmt,
                             as_of=AS_OF, **kwargs)


def data_frame(result: ExportResult) -> pd.DataFrame:
    data = result.files[result.data_name]
    if result.format == ExportFormat.parquet:
        return pd.read_parquet(io.BytesIO(data))
    if result.format == ExportFormat.xlsx:
        return pd.read_excel(io.BytesIO(data), sheet_name="data")
    return pd.read_csv(io.BytesIO(data))


def all_text(result: ExportResult) -> str:
    """Everything a reader of the files could see, as text (archives opened, values read)."""
    parts = []
    for name, content in result.files.items():
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                parts += [archive.read(m).decode("utf-8") for m in archive.namelist()]
        elif name.endswith(".parquet"):
            parts.append(content.decode("latin-1"))
            parts.append(pd.read_parquet(io.BytesIO(content)).to_csv(index=False))
        else:
            parts.append(content.decode("utf-8"))
    return "\n".join(parts)


def audit_exports(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.execute(select(AuditEvent).where(
            AuditEvent.action == AuditAction.export)).scalars())


# ---- no identifiers ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_identifier_appears_in_any_file(seeded: Engine, fmt: str) -> None:
    result = export(seeded, fmt)
    text = all_text(result)
    with Session(seeded) as session:
        patients = session.execute(select(Patient.registry_id, Patient.site_patient_code,
                                          Patient.identity_hash)).all()
        site_codes = list(session.execute(select(Site.code)).scalars())
    assert len(patients) == 120 and result.row_count >= 100
    for registry_id, site_code, identity in patients:
        assert registry_id not in text and site_code not in text and identity not in text
    for code in site_codes:
        assert code not in text
    table = data_frame(result)
    assert list(table.columns) == list(EXPORT_COLUMNS)
    assert not {"episode_id", "patient_id", "site_id", "birth_year", "registry_id",
                "site_patient_code", "identity_hash", "comments"} & set(table.columns)
    data_and_codebook = "\n".join(
        content.decode("utf-8") for name, content in result.files.items()
        if name.endswith(".csv"))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", data_and_codebook)  # no calendar dates


def test_fresh_ids_every_export_and_the_same_content_otherwise(seeded: Engine) -> None:
    one, two = data_frame(export(seeded)), data_frame(export(seeded))
    assert len(one) == len(two)
    assert not set(one["subject_id"]) & set(two["subject_id"])
    assert one["subject_id"].str.fullmatch(r"X[0-9A-F]{10}").all()
    assert list(one["subject_id"]) == sorted(one["subject_id"])  # not in registration order

    def content(frame: pd.DataFrame) -> list[str]:
        return sorted(frame.drop(columns=["subject_id", "site"]).to_csv(
            index=False, header=False).splitlines())

    assert content(one) == content(two)
    with Session(seeded) as session:  # same rows as the cohort frame, whatever the ids
        frame = cohort_frame(session=session, actor=ECONOMIST,
                             definition={"population": "itt"}, as_of=AS_OF)
    assert sorted(one["os_time_days"]) == sorted(frame["os_time_days"])
    assert sorted(one["age_years"]) == sorted(frame["age_years"].clip(upper=90))
    ids = fresh_ids(5000)
    assert len(set(ids)) == 5000


# ---- formula injection ------------------------------------------------------------------------


def test_formula_cells_are_inert_in_csv(seeded: Engine) -> None:
    result = export(seeded, "csv")
    text = result.files[result.data_name].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    codes = {row["product_code"] for row in rows}
    assert {"'" + code for code in EVIL} <= codes
    for row in rows:
        assert not any(v.startswith(FORMULA_PREFIXES) for v in row.values() if v), row
    assert all(re.fullmatch(r"\d+", row["age_years"]) for row in rows)  # numbers stay numbers


def test_formula_cells_are_inert_in_xlsx(seeded: Engine) -> None:
    result = export(seeded, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(result.files[result.data_name]))
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    assert header == list(EXPORT_COLUMNS)
    product = header.index("product_code") + 1
    age = header.index("age_years") + 1
    seen = set()
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_PREFIXES), cell.value
        seen.add(row[product - 1].value)
        assert row[age - 1].data_type == "n" and isinstance(row[age - 1].value, int)
    assert {"'" + code for code in EVIL} <= seen


def test_writers_make_every_formula_prefix_inert() -> None:
    values = ["=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "B-ALL", "other"]
    frame = pd.DataFrame({"text": values, "number": [-1, 0, 1, 2, -3.5, 4, 5, 6]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8"), newline="")))[1:]
    assert [r[0] for r in rows] == ["'" + v for v in values[:6]] + values[6:]
    assert [r[1] for r in rows] == ["-1.0", "0.0", "1.0", "2.0", "-3.5", "4.0", "5.0", "6.0"]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame)))["data"]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = ["'" + v for v in values[:6]] + values[6:]
    assert [c[0] for c in cells] == [v.replace("\r", "\n") for v in expected]  # XML: CR -> LF
    assert [c[1] for c in cells] == [-1, 0, 1, 2, -3.5, 4, 5, 6]
    assert inert(-5) == -5 and inert(None) is None


# ---- formats, manifest, audit -----------------------------------------------------------------


def test_parquet_is_readable_with_numbers_as_numbers(seeded: Engine) -> None:
    result = export(seeded, "parquet")
    table = pd.read_parquet(io.BytesIO(result.files[result.data_name]))
    assert len(table) == result.row_count == result.manifest["row_count"]
    assert list(table.columns) == list(EXPORT_COLUMNS)
    for name in ("age_years", "os_time_days", "os_event", "crs_max_grade", "infused"):
        assert pd.api.types.is_integer_dtype(table[name]), name
    assert set(table["infused"].dropna()) <= {0, 1}
    assert table["subject_id"].nunique() == result.subject_count


@pytest.mark.parametrize("fmt", FORMATS)
def test_manifest_hashes_match_the_files_written(seeded: Engine, tmp_path: Path,
                                                 fmt: str) -> None:
    definition = CohortDefinition(name="LBCL <= 3 lines", indications=["LBCL"],
                                  prior_lines_max=3)
    result = export(seeded, fmt, definition=definition, out_dir=tmp_path / "out")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(result.files) == sorted(p.name for p in result.paths)
    manifest = json.loads((tmp_path / "out" / result.manifest_name).read_text("utf-8"))
    assert manifest == json.loads(json.dumps(result.manifest))
    for name in (result.data_name, result.codebook_name):
        assert manifest["files"][name]["sha256"] == sha256((tmp_path / "out" / name).read_bytes())
    assert manifest["filters"] == definition.filters()
    assert manifest["definition_digest"] == definition.digest()
    assert manifest["cohort_name"] == "LBCL <= 3 lines" and manifest["format"] == fmt
    assert manifest["export_id"] == result.export_id and manifest["as_of"] == "2026-06-01"
    assert manifest["code_version"]["package"] == code_version()["package"]
    assert manifest["time_origin"] == "infusion" and manifest["population"] == "mitt"
    table = data_frame(result)
    assert len(table) == manifest["row_count"]
    assert set(table["indication"]) == {"LBCL"} and table["prior_lines"].max() <= 3
    book = pd.read_csv(tmp_path / "out" / result.codebook_name, keep_default_na=False)
    assert list(book.columns) == list(CODEBOOK_COLUMNS)
    assert list(book["variable"]) == list(EXPORT_COLUMNS)
    assert book.set_index("variable").loc["indication", "codes"] == "LBCL"


def test_every_export_is_audited_with_its_filters(seeded: Engine) -> None:
    before = len(audit_exports(seeded))
    definition = CohortDefinition(product_codes=["KYMRIAH"], population="itt")
    result = export(seeded, "xlsx", actor=SYSTEM_ACTOR, definition=definition)
    events = audit_exports(seeded)
    assert len(events) == before + 1
    event = events[-1]
    assert event.table_name == "export" and event.row_id is None
    assert event.username == "system" and event.role == Role.system
    after = event.after or {}
    assert after["export_id"] == result.export_id and after["format"] == "xlsx"
    assert after["filters"] == definition.filters() and after["row_count"] == result.row_count
    assert after["files"] == {k: v["sha256"] for k, v in result.manifest["files"].items()}
    assert after["written_to"] is None


@pytest.mark.parametrize("role", [Role.leadership, Role.site_clinician, Role.data_manager])
def test_other_roles_are_refused_and_nothing_is_written_or_audited(
    seeded: Engine, tmp_path: Path, role: Role
) -> None:
    before = len(audit_exports(seeded))
    actor = Actor(None, "someone", role, site_id=1 if role == Role.site_clinician else None)
    with pytest.raises(PermissionDenied, match="cohort:export"):
        export(seeded, "csv", actor=actor, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert len(audit_exports(seeded)) == before


def test_failed_commit_removes_the_files(seeded: Engine, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = len(audit_exports(seeded))

    def refuse(self: Session) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "commit", refuse)
    with pytest.raises(RuntimeError, match="went away"):
        export(seeded, "csv", out_dir=tmp_path)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    assert len(audit_exports(seeded)) == before


def test_bad_requests_are_refused_before_anything_is_audited(seeded: Engine,
                                                             tmp_path: Path) -> None:
    before = len(audit_exports(seeded))
    with pytest.raises(InvalidInput) as caught:
        export(seeded, "json")
    assert caught.value.errors[0].field == "fmt"
    with pytest.raises(InvalidInput) as caught:
        export(seeded, definition={"period_from": date(2000, 1, 1),
                                   "period_to": date(2000, 12, 31)})
    assert caught.value.errors[0].field == "definition"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInput) as caught:
        export(seeded, out_dir=tmp_path / "file")
    assert caught.value.errors[0].field == "out_dir"
    assert len(audit_exports(seeded)) == before


def test_code_version_reads_git_files_without_git(tmp_path: Path) -> None:
    assert code_version(tmp_path)["git_commit"] is None  # no .git: no failure
    commit = "0123456789abcdef0123456789abcdef01234567"
    (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "packed-refs").write_text(f"# pack\n{commit} refs/heads/main\n")
    assert code_version(tmp_path)["git_commit"] == commit
    newer = "f" * 40
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text(newer + "\n")
    assert code_version(tmp_path)["git_commit"] == newer


# ---- pooling and days, on a hand-built cohort -------------------------------------------------


def test_small_categories_and_sites_are_pooled_and_ages_top_coded(
    engine: Engine, session: Session, sites: tuple[Site, Site],
    products: tuple[Product, Product], clinician_a: Actor, clinician_b: Actor, system: Actor
) -> None:
    kymriah = products[0].id
    assert kymriah is not None
    for _ in range(5):
        f.make_infused_episode(session, clinician_a, kymriah, indication="LBCL")
    for _ in range(2):  # two MCL patients at site B: a rare indication and a small site
        f.make_infused_episode(session, clinician_b, kymriah, indication="MCL", birth_year=1930)
    patient = f.make_patient(session, clinician_a, indication="LBCL", birth_year=1990)
    f.make_episode(session, clinician_a, patient, kymriah, apheresis_date=f.INFUSION)

    result = export(engine, "csv", actor=system)
    table = data_frame(result)
    assert len(table) == 8 and result.subject_count == 8
    assert (table["indication"].value_counts().to_dict() == {"LBCL": 6, "other": 2})
    assert (table["site"].value_counts().to_dict() == {"S01": 6, "other": 2})
    old = table[table["indication"] == "other"]
    assert (old["age_years"] == 90).all()  # 94 at apheresis, top-coded
    assert result.manifest["de_identification"]["categories_pooled_as_other"] == {
        "indication": 1}
    never = table[table["infused"] == 0].iloc[0]
    assert never["os_time_days"] == (AS_OF - f.INFUSION).days  # ITT: from apheresis
    assert pd.isna(never["vein_to_vein_days"])
    infused = table[table["infused"] == 1]
    assert (infused["vein_to_vein_days"] == 40).all()
    book = pd.read_csv(io.BytesIO(result.files[result.codebook_name]), keep_default_na=False)
    codes = book.set_index("variable")["codes"]
    assert codes["indication"] == "LBCL; other" and codes["site"] == "S01; other"
    assert "MCL" not in all_text(result) and "SPB-01" not in all_text(result)
    with Session(engine) as check:
        assert check.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.export)).scalar_one() == 1
