"""Hostile files for the bulk upload (issue 9 item 2), as properties tested with hypothesis.

Random bytes, files that are not CSV or XLSX, wrong headers, encodings, delimiters and cells
holding the values of `tests.hostile` must end in one of two ways: `InvalidInput` naming the
file or a column (and the row, for a row), or a preview whose every error names its row and
column. A file with any error commits nothing (every table's row count and the newest audit id
unchanged); a file without one commits all its rows at once, text exactly as typed (trimmed,
as every cell is). Size and row limits (`REGISTRY_UPLOAD_MAX_BYTES`, `REGISTRY_UPLOAD_MAX_ROWS`)
and zip bombs are refused before the file is parsed; formula cells are stored as text, never
run, and every CSV the registry writes shows them inert.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
import zipfile
from datetime import date, timedelta
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session, col, select

from registry.auth import Actor
from registry.charts.leadership import csv_bytes
from registry.config import Settings
from registry.errors import InvalidInput
from registry.identity import snils_check_digits
from registry.models import FollowUp
from registry.models.enums import Timepoint
from registry.services import upload_templates
from registry.services.audit import FORMULA_PREFIXES, audit_csv, search_audit
from registry.services.export_formats import to_csv as export_csv
from registry.services.upload_templates import columns_of, read_upload
from registry.services.uploads import UploadKind, UploadPreview, commit_upload, preview_upload
from tests import factories as f
from tests.hostile import (
    FORMULAS,
    HUGE,
    HYPOTHESIS,
    NEWEST_AUDIT,
    SCRIPT,
    SQL_INJECTION,
    Tally,
    check_refusal,
    date_values,
    render,
    snapshot,
    sometimes,
    storable_text,
    tally,
    text_values,
    wrong_types,
)

P = UploadKind.patients
FU = UploadKind.followups
MB = 1024 * 1024
_numbers = itertools.count(1)
PATIENT_COLUMNS = [c for c in columns_of(P) if c != "national_insurance_number"]
cell_values = st.one_of(text_values, wrong_types.map(str), date_values.map(str))
"""What a cell may hold: any hostile value, as the text a spreadsheet would save."""


def budget(examples: int) -> settings:
    return settings(HYPOTHESIS, max_examples=examples)


def snils(n: int) -> str:
    first9 = f"{800_000_000 + n:09d}"
    return first9 + snils_check_digits(first9)


def patient_row(n: int) -> dict[str, str]:
    return {"site_patient_code": f"UH{n:05d}", "national_insurance_number": snils(n),
            "sex": "F", "birth_year": "1970", "indication": "LBCL",
            "diagnosis_date": "2023-05-01", "prior_lines": "2", "consent_date": "10.01.2024"}


# ---- files -------------------------------------------------------------------------------------


def csv_file(rows: list[dict[str, str]], *, sep: str = ",", encoding: str = "utf-8") -> bytes:
    names = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=names, delimiter=sep, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="surrogatepass")


def xlsx_file(rows: list[list[Any]]) -> bytes:
    """A workbook whose text cells are text even when they start with '=' (not formulas)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_file(rows: list[dict[str, str]], fmt: str, sep: str, encoding: str) -> tuple[str, bytes]:
    """The rows as a file a hospital could send; XLSX cannot hold control characters, so such
    rows go as CSV."""
    texts = [v for row in rows for v in row.values()]
    if fmt == "xlsx" and not any(ILLEGAL_CHARACTERS_RE.search(v) or "\ud800" in v
                                 for v in texts):
        names = list(dict.fromkeys(name for row in rows for name in row))
        return "upload.xlsx", xlsx_file([names, *[[row.get(n, "") for n in names]
                                                  for row in rows]])
    try:
        "".join(texts).encode(encoding)
    except UnicodeEncodeError:
        encoding = "utf-8"
    return "upload.csv", csv_file(rows, sep=sep, encoding=encoding)


def preview(session: Session, actor: Actor, kind: UploadKind, filename: str,
            content: bytes) -> UploadPreview:
    return preview_upload(session=session, actor=actor, kind=kind, filename=filename,
                          content=content)


def commit(session: Session, actor: Actor, kind: UploadKind, filename: str,
           content: bytes) -> Any:
    return commit_upload(session=session, actor=actor, kind=kind, filename=filename,
                         content=content)


def check_preview(shown: UploadPreview, kind: UploadKind) -> None:
    """Every error of a preview names its data row and a column of the kind."""
    names = set(columns_of(kind))
    for error in shown.errors:
        assert isinstance(error.row, int) and error.row >= 2, error
        assert error.field in names or error.field.startswith("column "), error
        assert error.message.strip() and render(error).strip()
    assert shown.new + shown.duplicates <= shown.rows


def preview_then_commit(session: Session, actor: Actor, kind: UploadKind, filename: str,
                        content: bytes, counts: Tally) -> UploadPreview | None:
    """Preview; then commit: all rows, or nothing when the preview has any error."""
    before = snapshot(session)
    try:
        shown = preview(session, actor, kind, filename, content)
    except InvalidInput as exc:
        check_refusal(exc)
        assert snapshot(session) == before
        counts.add("file refused")
        return None
    check_preview(shown, kind)
    assert snapshot(session) == before, "a preview wrote something"
    if shown.errors:
        with pytest.raises(InvalidInput) as exc:
            commit(session, actor, kind, filename, content)
        assert {(e.row, e.field) for e in exc.value.errors} == {
            (e.row, e.field) for e in shown.errors}
        session.rollback()
        assert snapshot(session) == before, "a refused commit wrote something"
        counts.add("refused")
        return shown
    done = commit(session, actor, kind, filename, content)
    assert (done.created, done.skipped) == (shown.new, shown.duplicates)
    after = snapshot(session)
    grown = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    if done.created:  # the rows, one audit event each, the audit chain's head (first event)
        table = "patient" if kind == P else "followup"
        assert grown.pop("auditchainhead", 0) in (0, 1)
        assert grown == {table: done.created, "auditevent": done.created,
                         NEWEST_AUDIT: done.created}, grown
    else:
        assert not grown
    counts.add("stored")
    return shown


# ---- random bytes and files that are no upload --------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


prefixes = st.sampled_from([b"", PNG, b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                            b"\xd0\xcf\x11\xe0", b"%PDF-1.4\n", b"site_patient_code,sex\n"])
random_files = st.one_of(
    st.tuples(prefixes, st.binary(max_size=400)).map(lambda p: p[0] + p[1]),
    st.dictionaries(st.sampled_from(["a.txt", "xl/workbook.xml", "[Content_Types].xml",
                                     "xl/worksheets/sheet1.xml", "../evil"]),
                    st.binary(max_size=200), max_size=3).map(zip_of),
    st.text(max_size=300).map(lambda t: t.encode("utf-16")),
    st.text(max_size=300).map(lambda t: t.encode("cp1251", errors="replace")),
)
file_names = st.one_of(st.sampled_from(["p.csv", "p.xlsx", "P.CSV", "p.xls", "p.png", "p",
                                        ".csv", "p.csv.exe", "=cmd.csv", f"{SCRIPT}.xlsx",
                                        "p\x00.csv", "p\ud800.csv", HUGE + ".csv"]),
                       text_values.map(lambda t: t + ".csv"))


@pytest.mark.slow
def test_random_bytes_are_refused_by_name(session: Session, clinician_a: Actor) -> None:
    counts = tally("upload_random_bytes")

    @budget(150)
    @given(filename=file_names, content=random_files,
           kind=st.sampled_from(list(UploadKind)))
    def run(filename: str, content: bytes, kind: UploadKind) -> None:
        before = snapshot(session)
        try:
            shown = preview(session, clinician_a, kind, filename, content)
        except InvalidInput as exc:
            check_refusal(exc)
            for error in exc.errors:
                assert error.row in (None, 1) or error.field == "file", error
            counts.add("refused")
        else:
            check_preview(shown, kind)
            counts.add("read")
        assert snapshot(session) == before

    run()
    assert counts.examples >= 120 and counts.outcomes["refused"] > 100, counts


headers = sometimes(
    st.permutations(list(columns_of(P))).map(lambda names: [n.upper() for n in names]),
    st.lists(st.one_of(st.sampled_from(list(columns_of(P))),
                       st.sampled_from(["", " ", "\ufeffsex", "SEX", " sex ", "site_id",
                                        "indicaton", SCRIPT, "=cmd", SQL_INJECTION]),
                       st.text(max_size=10)), min_size=1, max_size=16), 0.8)


@pytest.mark.slow
def test_wrong_headers_are_named_on_row_one(session: Session, clinician_a: Actor) -> None:
    counts = tally("upload_headers")

    @budget(100)
    @given(header=headers, fmt=st.sampled_from(["csv", "xlsx"]))
    def run(header: list[str], fmt: str) -> None:
        row = patient_row(next(_numbers))
        values = [row.get(name.strip().lstrip("\ufeff").lower(), "x") for name in header]
        if fmt == "xlsx" and not any(ILLEGAL_CHARACTERS_RE.search(h) for h in header):
            filename, content = "h.xlsx", xlsx_file([header, values])
        else:
            buffer = io.StringIO(newline="")
            csv.writer(buffer).writerows([header, values])
            filename, content = "h.csv", buffer.getvalue().encode("utf-8", "surrogatepass")
        before = snapshot(session)
        try:
            shown = preview(session, clinician_a, P, filename, content)
        except InvalidInput as exc:
            check_refusal(exc)
            assert all(e.row == 1 or e.field.startswith("column ") for e in exc.errors), exc
            counts.add("refused")
        else:
            check_preview(shown, P)
            counts.add("read")
        assert snapshot(session) == before

    run()
    assert counts.examples >= 80 and counts.outcomes["refused"] > 50, counts
    assert counts.outcomes["read"] > 0, counts


# ---- random cells: preview names them, commit is all or nothing -------------------------------


@pytest.mark.slow
def test_patient_cells(session: Session, sites: Any, clinician_a: Actor) -> None:
    counts = tally("upload_patient_cells")
    overrides = st.dictionaries(st.sampled_from(PATIENT_COLUMNS), cell_values, min_size=1,
                                max_size=3)

    @budget(60)
    @given(changes=st.lists(sometimes(st.just({}), overrides, 0.4), min_size=1, max_size=4),
           fmt=st.sampled_from(["csv", "xlsx"]), sep=st.sampled_from([",", ";", "\t"]),
           encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    def run(changes: list[dict[str, str]], fmt: str, sep: str, encoding: str) -> None:
        rows = [patient_row(next(_numbers)) | more for more in changes]
        filename, content = to_file(rows, fmt, sep, encoding)
        shown = preview_then_commit(session, clinician_a, P, filename, content, counts)
        if not any(changes):
            assert shown is not None and shown.ok and shown.new == len(rows), shown

    run()
    assert counts.examples >= 50 and counts.outcomes["stored"] > 0, counts
    assert counts.outcomes["refused"] + counts.outcomes["file refused"] > 0, counts


@pytest.mark.slow
def test_follow_up_free_text_is_stored_verbatim(session: Session, products: Any,
                                               clinician_a: Actor) -> None:
    counts = tally("upload_followup_cells")
    patient, _ = f.make_infused_episode(session, clinician_a, products[0].id)
    span = (date.today() - f.INFUSION).days
    columns = ["timepoint", "assessment_date", "response", "hospital_days", "icu_days",
               "relapse_or_progression", "comments"]
    overrides = st.dictionaries(st.sampled_from(columns), cell_values, min_size=1, max_size=2)

    @budget(60)
    @given(comments=st.lists(sometimes(storable_text, text_values, 0.5), min_size=1,
                             max_size=4),
           changes=sometimes(st.just({}), overrides, 0.3),
           fmt=st.sampled_from(["csv", "xlsx"]), sep=st.sampled_from([",", ";", "\t"]),
           encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    def run(comments: list[str], changes: dict[str, str], fmt: str, sep: str,
            encoding: str) -> None:
        days = [next(_numbers) % span for _ in comments]
        rows = [{"site_patient_code": patient.site_patient_code, "episode_number": "1",
                 "timepoint": "unscheduled",
                 "assessment_date": (f.INFUSION + timedelta(days=d)).strftime("%d.%m.%Y"),
                 "comments": text} for d, text in zip(days, comments, strict=True)]
        rows[0] |= changes
        filename, content = to_file(rows, fmt, sep, encoding)
        shown = preview_then_commit(session, clinician_a, FU, filename, content, counts)
        if shown is None or shown.errors:
            return
        for row in rows:
            saved = session.exec(select(FollowUp).where(
                FollowUp.assessment_date == upload_templates.parse_date(row["assessment_date"]),
                FollowUp.timepoint == Timepoint.unscheduled)).all()
            assert [form.comments or "" for form in saved] == [row["comments"].strip()]

    run()
    assert counts.examples >= 50 and counts.outcomes["stored"] > 10, counts
    assert counts.outcomes["refused"] + counts.outcomes["file refused"] > 0, counts


# ---- limits, zip bombs, encodings, damaged files -----------------------------------------------


def test_a_50_mb_file_is_refused_by_its_size_before_it_is_read(
    session: Session, clinician_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unread(*_args: Any) -> Any:
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(upload_templates, "_csv_rows", unread)
    monkeypatch.setattr(upload_templates, "_xlsx_rows", unread)
    monkeypatch.setattr(upload_templates, "_check_unpacked", unread)
    header = csv_file([patient_row(1)])
    line = header.splitlines()[1] + b"\r\n"
    content = header + line * (50 * MB // len(line))
    before = snapshot(session)
    for filename in ("big.csv", "big.xlsx"):
        started = time.perf_counter()
        with pytest.raises(InvalidInput) as exc:
            preview(session, clinician_a, P, filename, content)
        assert time.perf_counter() - started < 2.0
        (error,) = exc.value.errors
        assert (error.field, error.code) == ("file", "upload.error.too_large")
        assert "is 50 MB; the largest upload is 10 MB" in error.message
        assert render(error).startswith(f"'{filename}': 50 МБ")
    with pytest.raises(InvalidInput):
        commit(session, clinician_a, P, "big.csv", content)
    assert snapshot(session) == before


def test_the_size_and_row_limits_are_settings(
    session: Session, sites: Any, clinician_a: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = Settings.from_env({})
    assert (defaults.upload_max_bytes, defaults.upload_max_rows) == (10 * MB, 20_000)
    content = csv_file([patient_row(n) for n in range(900_001, 900_007)])  # six rows
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_ROWS", "5")
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, "six.csv", content)
    (error,) = exc.value.errors
    assert (error.field, error.message) == (
        "file", "more than 5 data rows; split the file into smaller ones")
    assert render(error) == "больше 5 строк данных; разделите файл на несколько файлов поменьше"
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_ROWS", "6")
    assert preview(session, clinician_a, P, "six.csv", content).new == 6
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_BYTES", str(len(content) - 1))
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, "six.csv", content)
    assert exc.value.errors[0].code == "upload.error.too_large"
    monkeypatch.setenv("REGISTRY_UPLOAD_MAX_BYTES", str(len(content)))
    assert commit(session, clinician_a, P, "six.csv", content).created == 6
    for name, bad in [("REGISTRY_UPLOAD_MAX_BYTES", "10MB"), ("REGISTRY_UPLOAD_MAX_ROWS", "0"),
                      ("REGISTRY_UPLOAD_MAX_ROWS", "-5"), ("REGISTRY_UPLOAD_MAX_BYTES", "")]:
        with pytest.raises(InvalidInput) as exc:
            Settings.from_env({name: bad})
        assert exc.value.errors[0].field == name
        render(exc.value.errors[0])


def test_the_default_row_limit_is_20000(session: Session, clinician_a: Actor) -> None:
    header, line = (line + b"\r\n" for line in csv_file([patient_row(1)]).splitlines())
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, "many.csv", header + line * 20_001)
    assert exc.value.errors[0].message.startswith("more than 20,000 data rows")
    frame = read_upload("many.csv", header + line * 20_000, kind=P)
    assert len(frame) == 20_000


def bomb(declared: int | None = None, real: int = 0) -> bytes:
    """A zip named like an XLSX whose sheet unpacks to `real` bytes of zeros, or whose
    directory declares `declared` bytes for a small part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = bytes(MB)
            for _ in range(real // MB):
                part.write(chunk)
            part.write(b"<worksheet/>")
        if declared is not None:
            archive.infolist()[-1].file_size = declared  # the central directory lies
    return buffer.getvalue()


@pytest.mark.parametrize(("size", "code"), [
    ({"declared": 600 * MB}, "upload.error.xlsx_unpacked"),
    ({"real": 60 * MB}, "upload.error.xlsx_ratio"),
], ids=["declares-600MB", "expands-60MB"])
def test_a_zip_bomb_is_refused_before_it_is_opened(
    session: Session, clinician_a: Actor, monkeypatch: pytest.MonkeyPatch, size: dict[str, int],
    code: str,
) -> None:
    def unopened(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("openpyxl opened a zip bomb")

    content = bomb(**size)
    monkeypatch.setattr(openpyxl, "load_workbook", unopened)
    assert len(content) < MB
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, "bomb.xlsx", content)
    assert time.perf_counter() - started < 2.0
    (error,) = exc.value.errors
    assert (error.field, error.code) == ("file", code)
    assert render(error)
    assert "'xl/worksheets/sheet1.xml'" in error.message or "600 MB" in error.message


@pytest.mark.parametrize(("filename", "content", "code"), [
    ("p.csv", PNG + bytes(100), "upload.error.not_text_csv"),
    ("p.xlsx", PNG, "upload.error.not_xlsx"),
    ("p.png", PNG, "upload.error.file_type"),
    ("p.xlsx", zip_of({"readme.txt": b"not a workbook"}), "upload.error.unreadable"),
    ("p.xlsx", zip_of({"[Content_Types].xml": b"<<<", "xl/workbook.xml": b"<x"}),
     "upload.error.unreadable"),
    ("p.xlsx", b"PK\x03\x04" + bytes(200), "upload.error.unreadable"),
    ("p.csv", "site_patient_code,sex\nP1,F\n".encode("utf-16"), "upload.error.not_text_csv"),
    ("p.csv", b"site_patient_code,comments\nP1,\"" + b"y" * 200_000 + b"\"\n",
     "upload.error.csv"),
])
def test_files_that_are_no_upload_are_refused_by_name(
    session: Session, clinician_a: Actor, filename: str, content: bytes, code: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, FU, filename, content)
    check_refusal(exc.value)
    assert exc.value.errors[0].code == code
    assert exc.value.errors[0].field == "file"
    if code == "upload.error.csv":
        assert exc.value.errors[0].row == 2 and "row 2 cannot be read" in str(exc.value)


def test_a_damaged_sheet_is_refused_while_it_is_read(session: Session,
                                                     clinician_a: Actor) -> None:
    """openpyxl reads the sheet lazily: damage inside it is found only while rows are read."""
    good = xlsx_file([list(patient_row(1)), list(patient_row(1).values())])
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:-40]
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, "cut.xlsx", zip_of(parts))
    assert exc.value.errors[0].code == "upload.error.unreadable"


def test_a_cell_far_right_is_refused_quickly(session: Session, clinician_a: Actor) -> None:
    """A cell in column XFD makes every row 16,384 cells wide: 20,000 such rows come in a
    300 KB file and took a minute to read (2,000 took 5 s). The widest row read is 200 cells,
    and a value further right refuses the file at its first row."""
    header = list(patient_row(1))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for n in range(2, 2_002):
        sheet.append(list(patient_row(n).values()))
        sheet.cell(row=n, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    assert len(buffer.getvalue()) < MB
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, P, "wide.xlsx", buffer.getvalue())
    assert time.perf_counter() - started < 3.0
    (error,) = exc.value.errors
    assert (error.field, error.row, error.code) == ("column 16384", 2, "upload.error.too_wide")
    assert render(error).startswith("есть значение, но в файле загрузки не больше 200 столбцов")
    styled = openpyxl.Workbook()
    styled.active.append(header)
    styled.active.append(list(patient_row(1).values()))
    styled.active.cell(row=2, column=16_384).number_format = "0.00"  # a format, no value
    buffer = io.BytesIO()
    styled.save(buffer)
    assert list(read_upload("styled.xlsx", buffer.getvalue(), kind=P).index) == [2]


def test_encodings_delimiters_quotes_and_line_breaks(
    session: Session, products: Any, clinician_a: Actor
) -> None:
    patient, _ = f.make_infused_episode(session, clinician_a, products[0].id)
    texts = ["Пациент в ремиссии; «ок»", 'said "fine",\nthen left\r\nearly', "\u202eRTL",
             SCRIPT, SQL_INJECTION]
    variants = [(",", "utf-8"), (";", "cp1251"), ("\t", "utf-8-sig"), (";", "utf-8")]
    created = 0
    for offset, (sep, encoding) in enumerate(variants):
        rows = [{"site_patient_code": patient.site_patient_code, "timepoint": "unscheduled",
                 "assessment_date": (f.INFUSION + timedelta(days=10 * offset + i)).isoformat(),
                 "comments": text} for i, text in enumerate(texts)
                if encoding != "cp1251" or text.isascii() or text[0] == "П"]
        content = csv_file(rows, sep=sep, encoding=encoding)
        shown = preview(session, clinician_a, FU, "f.csv", content)
        assert shown.ok and shown.new == len(rows), shown.errors
        assert bool(shown.notes) == (encoding == "cp1251")
        created += commit(session, clinician_a, FU, "f.csv", content).created
        for row in rows:
            saved = session.exec(select(FollowUp).where(
                FollowUp.assessment_date == date.fromisoformat(row["assessment_date"]))).one()
            assert saved.comments == row["comments"]
    assert created == len(session.exec(select(FollowUp)).all())
    mixed = "comments,site_patient_code\nПервая строка в UTF-8,P1\n".encode() + (
        "Вторая строка в cp1251,P1\n".encode("cp1251"))
    frame = read_upload("mixed.csv", mixed)  # not UTF-8 throughout: read as cp1251, and said
    assert "Windows-1251" in frame.attrs["notes"][0] and len(frame) == 2
    assert frame["comments"].iloc[1] == "Вторая строка в cp1251"


# ---- formulas: stored as text, never run, inert in every CSV ------------------------------------


def inert_cells(content: bytes) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    for cell in cells:
        assert not cell.startswith(FORMULA_PREFIXES), cell
    return cells


def test_formula_cells_are_stored_as_text_and_exported_inert(
    session: Session, products: Any, clinician_a: Actor, data_manager: Actor
) -> None:
    patient, _ = f.make_infused_episode(session, clinician_a, products[0].id)
    rows = [[patient.site_patient_code, "unscheduled", f.INFUSION + timedelta(days=i + 1),
             formula] for i, formula in enumerate(FORMULAS)]
    header = ["site_patient_code", "timepoint", "assessment_date", "comments"]
    book = xlsx_file([header, *rows])
    # A real formula cell: Excel would compute it; the upload reads only its saved value.
    with_formula = openpyxl.load_workbook(io.BytesIO(book))
    with_formula.active.append([patient.site_patient_code, "unscheduled",
                                f.INFUSION + timedelta(days=30), "=1+1"])
    assert with_formula.active.cell(row=len(rows) + 2, column=4).data_type == "f"
    buffer = io.BytesIO()
    with_formula.save(buffer)
    done = commit(session, clinician_a, FU, "=HYPERLINK(1).xlsx", buffer.getvalue())
    assert done.created == len(rows) + 1
    saved = session.exec(select(FollowUp).order_by(col(FollowUp.assessment_date))).all()
    assert [form.comments for form in saved] == [*FORMULAS, None]  # the formula is not run

    frame = pd.DataFrame({"comments": [form.comments for form in saved]})
    assert "'=1+1" in inert_cells(export_csv(frame)) and inert_cells(csv_bytes(frame))
    events, _ = search_audit(session=session, actor=data_manager, table_name="followup")
    assert len(events) == len(rows) + 1
    assert "bulk upload =HYPERLINK(1).xlsx" in inert_cells(audit_csv(events))

    bad = csv_file([{"site_patient_code": patient.site_patient_code, "timepoint": "=cmd",
                     "assessment_date": "@SUM(1)", "comments": "+1"}])
    shown = preview(session, clinician_a, FU, "bad.csv", bad)
    assert {e.field for e in shown.errors} == {"timepoint", "assessment_date"}
    assert len(inert_cells(shown.errors_csv())) == 3 * (len(shown.errors) + 1)
    with pytest.raises(InvalidInput) as exc:
        preview(session, clinician_a, FU, "bad.csv", csv_file([{"=cmd|' /C calc'!A0": "1"}]))
    header_errors = UploadPreview(1, 0, 0, exc.value.errors)
    assert any(c.startswith("'=cmd") for c in inert_cells(header_errors.errors_csv()))

