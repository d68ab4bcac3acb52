"""Bulk uploads: templates, reading, every error by (row, column), atomic and idempotent commits,
site scope, and the same rules as the forms."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from sqlmodel import Session, SQLModel, func, select

from registry.auth import Actor
from registry.config import hmac_key
from registry.errors import FieldError, InvalidInput, PermissionDenied
from registry.identity import identity_hash, snils_check_digits
from registry.models import (
    AdverseEvent,
    AdverseEventCreate,
    AuditEvent,
    DataQuery,
    FollowUp,
    FollowUpCreate,
    Patient,
    PatientCreate,
    Site,
)
from registry.services import uploads
from registry.services.common import Checks
from registry.services.events import check_adverse_event
from registry.services.followup import check_followup
from registry.services.patients import DUPLICATE_ELSEWHERE_UPLOAD, check_patient
from registry.services.upload_templates import COLUMNS, read_upload
from registry.services.uploads import UploadKind, UploadPreview, commit_upload, preview_upload
from tests import factories as f

P = UploadKind.patients
FU = UploadKind.followups
AE = UploadKind.adverse_events


# ---- helpers ------------------------------------------------------------------------------


def snils(n: int) -> str:
    first9 = f"{300_000_000 + n:09d}"
    return first9 + snils_check_digits(first9)


def patient_row(n: int, **overrides: str) -> dict[str, str]:
    row = {
        "site_patient_code": f"U{n:04d}",
        "national_insurance_number": snils(n),
        "sex": "F",
        "birth_year": "1970",
        "indication": "LBCL",
        "diagnosis_date": "2023-05-01",
        "prior_lines": "2",
        "consent_date": "10.01.2024",
    }
    return row | overrides


def to_csv(rows: Iterable[dict[str, str]], *, sep: str = ",", encoding: str = "utf-8-sig") -> bytes:
    rows = list(rows)
    names = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=names, delimiter=sep, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    names = list(rows[0])
    sheet.append(names)
    for row in rows:
        sheet.append([row.get(name) for name in names])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview(session: Session, actor: Actor, kind: UploadKind, content: bytes,
            filename: str = "upload.csv") -> UploadPreview:
    return preview_upload(session=session, actor=actor, kind=kind, filename=filename,
                          content=content)


def commit(session: Session, actor: Actor, kind: UploadKind, content: bytes,
           filename: str = "upload.csv") -> uploads.UploadResult:
    return commit_upload(session=session, actor=actor, kind=kind, filename=filename,
                         content=content)


def row_counts(session: Session) -> dict[str, int]:
    """Rows of every table, the audit trail included."""
    return {
        table.name: session.exec(select(func.count()).select_from(table)).one()
        for table in SQLModel.metadata.sorted_tables
    }


def cells(errors: list[FieldError]) -> set[tuple[int | None, str]]:
    return {(e.row, e.field) for e in errors}


def refused(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


# ---- templates and reading ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_round_trip_is_a_valid_patient(
    session: Session, clinician_a: Actor, fmt: str
) -> None:
    content = uploads.template(P, fmt)  # type: ignore[arg-type]
    frame = read_upload(f"template.{fmt}", content, kind=P)
    assert list(frame.columns) == [c.name for c in COLUMNS[P]]
    assert list(frame.index) == [2]
    shown = preview(session, clinician_a, P, content, f"template.{fmt}")
    assert (shown.rows, shown.new, shown.duplicates, shown.errors) == (1, 1, 0, [])


def test_templates_of_every_kind_have_all_columns_and_a_codes_sheet() -> None:
    for kind in UploadKind:
        names = [c.name for c in COLUMNS[kind]]
        header = uploads.template(kind, "csv").decode("utf-8-sig").splitlines()[0]
        assert header.split(",") == names
        assert uploads.template(kind, "csv").startswith(b"\xef\xbb\xbf")
        book = openpyxl.load_workbook(io.BytesIO(uploads.template(kind, "xlsx")))
        assert book.sheetnames == [kind.value, "codes"]
        listed = {row[0]: row for row in book["codes"].iter_rows(min_row=2, values_only=True)}
        assert list(listed) == names
        read_upload("t.xlsx", uploads.template(kind, "xlsx"), kind=kind)  # header is accepted
    patient_codes = {row[0]: row[3] for row in openpyxl.load_workbook(
        io.BytesIO(uploads.template(P, "xlsx")))["codes"].iter_rows(values_only=True)}
    assert patient_codes["indication"] == "B-ALL, LBCL, FL, MCL, CLL, other"
    # The layout is the Create models' fields (plus how follow-ups/AEs name their episode).
    assert {c.name for c in COLUMNS[P]} == set(PatientCreate.model_fields) - {"site_id"}
    assert {c.name for c in COLUMNS[FU]} == (
        set(FollowUpCreate.model_fields) - {"episode_id"} | {"site_patient_code", "episode_number"}
    )
    assert {c.name for c in COLUMNS[AE] if not c.name.startswith("sign_")} == (
        set(AdverseEventCreate.model_fields) - {"episode_id", "signs"}
        | {"site_patient_code", "episode_number"}
    )


@pytest.mark.parametrize(
    ("filename", "content", "field", "words"),
    [
        ("report.pdf", b"%PDF-1.4 ...", "file", "neither CSV nor XLSX"),
        ("old.xls", b"\xd0\xcf\x11\xe0....", "file", "save it as .xlsx"),
        ("fake.xlsx", b"a,b\n1,2\n", "file", "not an XLSX workbook"),
        ("book.csv", b"PK\x03\x04rest-of-a-zip", "file", "not a text CSV"),
        ("empty.csv", b"", "file", "is empty"),
        ("blank.csv", b"\r\n\r\n", "file", "is empty"),
        ("header.csv", to_csv([patient_row(1)]).splitlines()[0], "file", "no data rows"),
    ],
)
def test_unreadable_files_are_refused_clearly(
    filename: str, content: bytes, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        read_upload(filename, content, kind=P)
    assert words in refused(exc)[field]


def test_missing_unknown_and_site_columns_are_named(session: Session, clinician_a: Actor) -> None:
    row = patient_row(1, indicaton="LBCL", site_id="2")
    del row["indication"]
    before = row_counts(session)
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, to_csv([row]))
    messages = refused(exc)
    assert "required column is missing" in messages["indication"]
    assert "did you mean 'indication'" in messages["indicaton"]
    assert "your own site" in messages["site_id"]
    assert {e.row for e in exc.value.errors} == {1}  # the header row
    with pytest.raises(InvalidInput):
        commit(session, clinician_a, P, to_csv([row]))
    assert row_counts(session) == before


def test_semicolons_cp1251_and_dd_mm_yyyy_dates(session: Session, clinician_a: Actor) -> None:
    rows = [patient_row(1, diagnosis_date="05.03.2023", consent_date="2024-01-10",
                        prior_auto_hsct="да", bulky_disease="Нет", ldh_above_uln="1",
                        marrow_blasts_pct="12,5", sex="f", indication="b-all")]
    content = to_csv(rows, sep=";", encoding="cp1251")
    shown = preview(session, clinician_a, P, content)
    assert shown.errors == [] and shown.new == 1
    assert "Windows-1251" in shown.notes[0]
    assert commit(session, clinician_a, P, content).created == 1
    saved = session.exec(select(Patient)).one()
    assert saved.diagnosis_date == date(2023, 3, 5)
    assert saved.consent_date == date(2024, 1, 10)
    assert (saved.prior_auto_hsct, saved.bulky_disease, saved.ldh_above_uln) == (True, False, True)
    assert (saved.marrow_blasts_pct, saved.sex.value) == (12.5, "F")
    assert saved.indication.value == "B-ALL"


def test_xlsx_with_typed_cells_commits(session: Session, clinician_a: Actor) -> None:
    rows: list[dict[str, Any]] = [
        patient_row(n) | {"birth_year": 1970 + n, "prior_lines": 1, "diagnosis_date":
                          date(2023, 5, 1), "prior_allo_hsct": True}
        for n in (1, 2)
    ]
    rows.insert(1, dict.fromkeys(rows[0]))  # an empty row keeps its row number
    content = to_xlsx(rows)
    assert list(read_upload("p.xlsx", content, kind=P).index) == [2, 4]
    assert commit(session, clinician_a, P, content, "p.xlsx").created == 2
    saved = session.exec(select(Patient).order_by(Patient.site_patient_code)).all()
    assert [p.birth_year for p in saved] == [1971, 1972]
    assert all(p.prior_allo_hsct and p.diagnosis_date == date(2023, 5, 1) for p in saved)


# ---- every error, atomic, idempotent ----------------------------------------------------------


def test_every_bad_cell_is_reported_and_nothing_is_written(
    session: Session, clinician_a: Actor
) -> None:
    rows = [
        patient_row(1),
        patient_row(2, sex="X", birth_year="nineteen", diagnosis_date="31.02.2023",
                    prior_auto_hsct="maybe", national_insurance_number="123", prior_lines="-1"),
        patient_row(3, consent_date="01.01.2020"),  # before the diagnosis: a rule, not a type
    ]
    before = row_counts(session)
    shown = preview(session, clinician_a, P, to_csv(rows))
    assert cells(shown.errors) == {
        (3, "sex"), (3, "birth_year"), (3, "diagnosis_date"), (3, "prior_auto_hsct"),
        (3, "national_insurance_number"), (3, "prior_lines"), (4, "consent_date"),
    }
    assert (shown.rows, shown.new) == (3, 1)
    assert "'31.02.2023' is not a date" in {e.field: e.message for e in shown.errors}[
        "diagnosis_date"]
    with pytest.raises(InvalidInput) as exc:
        commit(session, clinician_a, P, to_csv(rows))
    assert cells(exc.value.errors) == cells(shown.errors)
    assert row_counts(session) == before

    rows[1], rows[2] = patient_row(2), patient_row(3)
    result = commit(session, clinician_a, P, to_csv(rows), "fixed.csv")
    assert (result.created, result.skipped) == (3, 0)
    patients = session.exec(select(Patient).order_by(Patient.id)).all()
    events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action.value, e.table_name, e.row_id) for e in events] == [
        ("create", "patient", p.id) for p in patients
    ]
    for patient, event in zip(patients, events, strict=True):
        assert patient.registry_id == f"R-{patient.id:06d}"
        assert patient.identity_hash == identity_hash(snils(int(patient.site_patient_code[1:])),
                                                      hmac_key())
        assert event.reason == "bulk upload fixed.csv"
        assert event.username == clinician_a.username and event.before is None
        assert event.after is not None and event.after["registry_id"] == patient.registry_id
        assert "identity_hash" not in event.after and "national_insurance_number" not in event.after
        assert snils(1) not in str(event.after)

    again = commit(session, clinician_a, P, to_csv(rows), "fixed.csv")
    assert (again.created, again.skipped) == (0, 3)
    assert row_counts(session)["patient"] == 3 and row_counts(session)["auditevent"] == 3


def test_same_key_with_other_values_and_in_file_duplicates_are_errors(
    session: Session, clinician_a: Actor
) -> None:
    commit(session, clinician_a, P, to_csv([patient_row(1)]))
    changed = patient_row(1, birth_year="1971")
    twice = patient_row(2, sex="M")
    shown = preview(session, clinician_a, P, to_csv([changed, patient_row(2), twice]))
    messages = {(e.row, e.field): e.message for e in shown.errors}
    assert set(messages) == {(2, "site_patient_code"), (4, "site_patient_code"),
                             (4, "national_insurance_number")}
    conflict = messages[(2, "site_patient_code")]
    assert "'U0001'" in conflict and "birth_year" in conflict and "correction" in conflict
    assert "row 3" in messages[(4, "site_patient_code")]
    assert "row 3" in messages[(4, "national_insurance_number")]
    assert (shown.duplicates, shown.new) == (1, 1)


def test_a_failure_while_writing_rolls_everything_back(
    session: Session, clinician_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = row_counts(session)

    def broken(value: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(uploads, "jsonable", broken)  # fails after the rows were inserted
    with pytest.raises(RuntimeError):
        commit(session, clinician_a, P, to_csv([patient_row(1), patient_row(2)]))
    assert row_counts(session) == before


def test_snils_registered_elsewhere_or_here_is_refused(
    session: Session, products: Any, clinician_a: Actor, clinician_b: Actor
) -> None:
    commit(session, clinician_b, P, to_csv([patient_row(1, site_patient_code="SPB-7")]))
    here = f.make_patient(session, clinician_a, national_insurance_number=snils(2))
    rows = [patient_row(1), patient_row(2, site_patient_code="NEW-2"), patient_row(3),
            patient_row(4, national_insurance_number=snils(3))]
    shown = preview(session, clinician_a, P, to_csv(rows))
    messages = {(e.row, e.field): e.message for e in shown.errors}
    elsewhere = messages[(2, "national_insurance_number")]
    assert elsewhere == DUPLICATE_ELSEWHERE_UPLOAD
    site_b = session.get(Site, clinician_b.site_id)
    assert site_b is not None
    assert site_b.code not in elsewhere and site_b.name not in elsewhere
    assert "SPB-7" not in str(shown.errors) and "R-000001" not in str(shown.errors)
    assert here.registry_id in messages[(3, "national_insurance_number")]
    assert "row 4" in messages[(5, "national_insurance_number")]
    assert set(messages) == {(2, "national_insurance_number"), (3, "national_insurance_number"),
                             (5, "national_insurance_number")}


# ---- access -------------------------------------------------------------------------------


def test_cross_site_roles_are_refused(
    session: Session, clinician_a: Actor, leadership: Actor, economist: Actor,
    data_manager: Actor
) -> None:
    content = to_csv([patient_row(1)])
    for actor in (leadership, economist, data_manager):
        with pytest.raises(PermissionDenied):
            preview(session, actor, P, content)
        with pytest.raises(PermissionDenied):
            commit(session, actor, P, content)
    assert row_counts(session)["patient"] == 0


def test_other_sites_patient_is_not_found_and_nothing_is_written(
    session: Session, products: Any, clinician_a: Actor, clinician_b: Actor
) -> None:
    patient, _episode = f.make_infused_episode(session, clinician_a, products[0].id)
    row = {"site_patient_code": patient.site_patient_code, "timepoint": "D28",
           "assessment_date": "29.03.2025", "response": "CR"}
    before = row_counts(session)
    shown = preview(session, clinician_b, FU, to_csv([row]))
    assert [(e.row, e.field) for e in shown.errors] == [(2, "site_patient_code")]
    assert "at your site" in shown.errors[0].message
    with pytest.raises(InvalidInput):
        commit(session, clinician_b, FU, to_csv([row]))
    assert row_counts(session) == before
    assert commit(session, clinician_a, FU, to_csv([row])).created == 1


# ---- follow-ups and adverse events ------------------------------------------------------------


def test_followups_commit_once_and_conflicts_point_to_a_correction(
    session: Session, products: Any, clinician_a: Actor
) -> None:
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    code = patient.site_patient_code
    rows = [
        {"site_patient_code": code, "episode_number": "1", "timepoint": "D28",
         "assessment_date": "29.03.2025", "response": "CR", "hospital_days": "14"},
        {"site_patient_code": code, "timepoint": "unscheduled", "assessment_date": "10.04.2025"},
        {"site_patient_code": code, "timepoint": "unscheduled", "assessment_date": "20.04.2025"},
    ]
    progress: list[tuple[int, int]] = []
    result = commit_upload(session=session, actor=clinician_a, kind=FU, filename="fu.csv",
                           content=to_csv(rows), progress=lambda d, t: progress.append((d, t)))
    assert (result.created, result.skipped) == (3, 0)
    assert progress[-1] == (6, 6)
    forms = session.exec(select(FollowUp).order_by(FollowUp.id)).all()
    assert [fu.episode_id for fu in forms] == [episode.id] * 3
    assert forms[0].response_criteria is not None and forms[0].response_criteria.value == (
        "Lugano2014")
    audit = session.exec(select(AuditEvent).where(AuditEvent.table_name == "followup")).all()
    assert sorted(e.row_id for e in audit) == sorted(fu.id for fu in forms)
    assert commit(session, clinician_a, FU, to_csv(rows)).skipped == 3

    changed = [rows[0] | {"response": "PR"}, rows[0] | {"timepoint": "D100",
               "assessment_date": "01.01.2031"}, rows[0] | {"timepoint": "D100",
               "assessment_date": "09.06.2025"}, rows[0] | {"timepoint": "D100",
               "assessment_date": "09.06.2025", "episode_number": "2"}]
    shown = preview(session, clinician_a, FU, to_csv(changed))
    messages = {(e.row, e.field): e.message for e in shown.errors}
    assert "correction" in messages[(2, "timepoint")] and "response" in messages[(2, "timepoint")]
    assert "after today" in messages[(3, "assessment_date")]
    assert "row 3 of this file" in messages[(4, "timepoint")]  # the same D100 form twice
    assert "no treatment episode 2" in messages[(5, "episode_number")]


def test_uploaded_forms_meet_the_data_quality_rules_as_typed_ones(
    session: Session, products: Any, clinician_a: Actor
) -> None:
    """An uploaded M6 form saying CR with a relapse that same day raises the DQ05 query on
    that form, once, in the upload's transaction; a clean form raises nothing."""
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    assert episode.infusion_date is not None
    assessed = (episode.infusion_date + timedelta(days=182)).isoformat()
    day_before = (episode.infusion_date + timedelta(days=181)).isoformat()
    base = {"site_patient_code": patient.site_patient_code, "episode_number": "1",
            "response": "CR", "relapse_or_progression": "yes"}
    rows = [base | {"timepoint": "M6", "assessment_date": assessed, "relapse_date": assessed},
            base | {"timepoint": "unscheduled", "assessment_date": day_before,
                    "relapse_or_progression": "no"}]
    assert commit(session, clinician_a, FU, to_csv(rows)).created == 2
    forms = {fu.timepoint.value: fu.id for fu in session.exec(select(FollowUp)).all()}
    found = session.exec(select(DataQuery)).all()
    assert [(q.rule_id, q.table_name, q.row_id, q.field) for q in found] == [
        ("DQ05", "followup", forms["M6"], "relapse_date")]
    assert found[0].site_id == clinician_a.site_id
    assert commit(session, clinician_a, FU, to_csv(rows)).skipped == 2
    assert len(session.exec(select(DataQuery)).all()) == 1  # nothing twice


def test_adverse_events_are_graded_from_flat_sign_columns(
    session: Session, products: Any, clinician_a: Actor
) -> None:
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    code = patient.site_patient_code
    crs = {"site_patient_code": code, "event_type": "CRS", "onset_date": "03.03.2025",
           "sign_max_temperature_c": "39,1", "sign_hypotension": "no_vasopressor",
           "sign_oxygen": "none", "tocilizumab_doses": "1"}
    infection = {"site_patient_code": code, "event_type": "infection", "onset_date": "10.03.2025",
                 "grading_scale": "CTCAEv5", "grade": "3"}
    content = to_csv([crs, infection])
    assert commit(session, clinician_a, AE, content).created == 2
    saved = session.exec(select(AdverseEvent).order_by(AdverseEvent.id)).all()
    assert (saved[0].grade, saved[0].computed_grade) == (2, 2)
    assert saved[0].signs == {"max_temperature_c": 39.1, "hypotension": "no_vasopressor",
                              "oxygen": "none"}
    assert (saved[1].grade, saved[1].signs) == (3, None)
    assert commit(session, clinician_a, AE, content).skipped == 2

    bad = [crs | {"onset_date": "04.03.2025", "sign_hypotension": "lots"},
           crs | {"onset_date": "05.03.2025", "sign_max_temperature_c": "99"},
           crs | {"onset_date": "06.03.2025", "grade": "4"},
           crs | {"tocilizumab_doses": "2"}, crs | {"onset_date": "07.03.2025"},
           crs | {"onset_date": "07.03.2025"}]
    shown = preview(session, clinician_a, AE, to_csv(bad))
    assert cells(shown.errors) == {(2, "sign_hypotension"), (3, "sign_max_temperature_c"),
                                   (4, "grade_override_reason"), (5, "onset_date"),
                                   (7, "onset_date")}


# ---- errors as CSV ------------------------------------------------------------------------


def test_errors_csv_makes_formulas_inert(session: Session, clinician_a: Actor) -> None:
    shown = UploadPreview(rows=3, new=0, duplicates=0, errors=[
        FieldError("=cmd|' /C calc'!A0", "=1+1", row=2), FieldError("x", "+SUM(A1)", row=3),
        FieldError("y", "-2", row=4), FieldError("z", "@A1", row=5), FieldError("w", "fine", 6),
    ])
    rows = list(csv.reader(io.StringIO(shown.errors_csv().decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "message"]
    assert rows[1] == ["2", "'=cmd|' /C calc'!A0", "'=1+1"]
    assert [r[2] for r in rows[2:]] == ["'+SUM(A1)", "'-2", "'@A1", "fine"]

    evil = patient_row(1) | {"=HYPERLINK(\"http://x\")": "1"}
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, to_csv([evil]))
    exported = UploadPreview(1, 0, 0, exc.value.errors).errors_csv().decode("utf-8-sig")
    assert "'=hyperlink" in exported and ",=" not in exported


# ---- the upload applies the forms' rules ------------------------------------------------------


def _errors(checks: Checks) -> list[tuple[str, str, str | None]]:
    return sorted((e.field, e.message, e.code) for e in checks.errors)


def test_patient_rules_match_the_service(session: Session, sites: Any) -> None:
    future = (date.today() + timedelta(days=400)).isoformat()
    for overrides in ({}, {"consent_date": "2020-01-01"}, {"birth_year": 2024},
                      {"diagnosis_date": future}, {"consent_date": future}):
        data = f.patient_data(**overrides).model_dump()
        values = data | {"site_id": sites[0].id}
        service, upload = Checks(), Checks()
        check_patient(session, dict(values), service)
        uploads.check_patient_values(dict(values), upload)
        assert _errors(upload) == _errors(service), overrides


def test_followup_and_adverse_event_rules_match_the_services(
    session: Session, products: Any, clinician_a: Actor
) -> None:
    lbcl, infused = f.make_infused_episode(session, clinician_a, products[0].id)
    ball, ball_episode = f.make_infused_episode(session, clinician_a, products[0].id,
                                                indication="B-ALL")
    dead, dead_episode = f.make_infused_episode(session, clinician_a, products[0].id)
    f.make_death(session, clinician_a, dead)
    waiting = f.make_episode(session, clinician_a, f.make_patient(session, clinician_a),
                             products[0].id)
    day0 = f.INFUSION
    later = day0 + timedelta(days=300)
    future = date.today() + timedelta(days=30)
    context = {infused.id: (day0, lbcl.indication, None),
               ball_episode.id: (day0, ball.indication, None),
               dead_episode.id: (day0, dead.indication, day0 + timedelta(days=200)),
               waiting.id: (None, lbcl.indication, None)}
    followups = [
        {}, {"assessment_date": day0 - timedelta(days=1)}, {"assessment_date": future},
        {"relapse_or_progression": True}, {"relapse_date": day0 + timedelta(days=20)},
        {"relapse_or_progression": True, "relapse_date": day0 - timedelta(days=2)},
        {"new_therapy": "allo-HSCT"}, {"new_therapy_date": day0 + timedelta(days=40)},
        {"vital_status": "dead"}, {"response": "CRi"}, {"response_criteria": "ALL_CR_CRi",
        "response": "NR"}, {"mrd_negative": True}, {"icu_days": 20, "hospital_days": 3},
        {"timepoint": "unscheduled", "assessment_date": later},
    ]
    for episode in (infused, ball_episode, dead_episode, waiting):
        for overrides in followups:
            infusion, indication, died = context[episode.id]
            values = f.followup_data(infused, **overrides).model_dump() | {"episode_id":
                                                                            episode.id}
            service, upload = Checks(), Checks()
            copied = dict(values)
            check_followup(session, values, service)
            uploads.check_followup_values(copied, upload, infusion_date=infusion,
                                          indication=indication, death_date=died)
            assert _errors(upload) == _errors(service), (episode.id, overrides)
            assert copied == values
    events = [
        {}, {"signs": {"max_temperature_c": 50}}, {"grade": 4},
        {"grade": 4, "grade_override_reason": "clinical judgement"},
        {"event_type": "ICANS", "signs": {"ice": 5, "consciousness": "awakens_to_voice"}},
        {"event_type": "infection", "grading_scale": "CTCAEv5", "grade": 3, "signs": None},
        {"event_type": "infection", "grading_scale": "CTCAEv5", "signs": None},
        {"event_type": "infection", "grading_scale": "CTCAEv5", "grade": 2},
        {"onset_date": day0 - timedelta(days=1)}, {"onset_date": future},
        {"resolution_date": day0}, {"onset_date": later, "resolution_date": later},
        {"signs": {"hypotension": "lots"}},
    ]
    for episode in (infused, dead_episode, waiting):
        for overrides in events:
            infusion, _indication, died = context[episode.id]
            values = f.ae_data(infused, **overrides).model_dump() | {"episode_id": episode.id}
            service, upload = Checks(), Checks()
            copied = dict(values)
            check_adverse_event(session, values, service)
            uploads.check_adverse_event_values(copied, upload, infusion_date=infusion,
                                               death_date=died)
            assert _errors(upload) == _errors(service), (episode.id, overrides)
            assert copied == values
