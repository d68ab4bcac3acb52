"""End to end in Chromium: a bulk upload of patients. A file with one bad row lists the error
as (row, column, message) and saves nothing; the corrected file saves every row; the same file
again adds nothing. The database is checked directly."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlmodel import Session, func, select

from registry.db import make_engine
from registry.i18n import t
from registry.identity import snils_check_digits
from registry.models import AuditEvent, Patient
from registry.seed import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, WAIT, Journey

pytestmark = pytest.mark.browser
HEADER = ["site_patient_code", "national_insurance_number", "sex", "birth_year", "indication",
          "diagnosis_date", "prior_lines", "consent_date"]


def ru(key: str, **params: object) -> str:
    return t(key, "ru", **params)


def _csv(rows: list[dict[str, str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r[h] for h in HEADER) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _rows(tag: str) -> list[dict[str, str]]:
    base = int(time.time() * 1000) % 800_000_000 + 100_000_000
    rows = []
    for i in range(3):
        first9 = f"{base + i:09d}"
        rows.append({"site_patient_code": f"{tag}-{i}",
                     "national_insurance_number": first9 + snils_check_digits(first9),
                     "sex": "F", "birth_year": "1968", "indication": "LBCL",
                     "diagnosis_date": "15.03.2023", "prior_lines": "2",
                     "consent_date": "01.02.2024"})
    return rows


def _counts(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            patients = session.exec(select(func.count()).select_from(Patient)).one()
            audits = session.exec(select(func.count()).select_from(AuditEvent)).one()
            return int(patients), int(audits)
    finally:
        engine.dispose()


def test_upload_journey(portal: str, portal_db_url: str, page: Any) -> None:
    try:
        _journey(portal, portal_db_url, page)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "upload_failed.png"), full_page=True)
        raise


def _journey(portal: str, db_url: str, page: Any) -> None:
    from playwright.sync_api import expect

    j = Journey(page, "upload")
    tag = f"U{int(time.time()) % 10_000_000}"
    good = _rows(tag)
    bad = [dict(r) for r in good]
    bad[1]["sex"] = "X"  # data row 2 = spreadsheet row 3

    j.log_in(portal, "clinician.mow", DEMO_PASSWORD)
    j.go("nav.upload")
    j.see(ru("upload.intro")[:40])
    kinds = j.key("upload_kind")
    for kind in ("patients", "followups", "adverse_events"):
        expect(kinds.get_by_text(ru(f"upload.kind.{kind}"), exact=True)).to_be_visible()
    expect(j.key("upload_template_csv").get_by_role("button")).to_have_text(
        ru("upload.template_csv"))
    expect(j.key("upload_template_xlsx").get_by_role("button")).to_have_text(
        ru("upload.template_xlsx"))
    with page.expect_download() as download:
        j.key("upload_template_csv").get_by_role("button").click()
    template = download.value.path().read_text(encoding="utf-8-sig")
    assert template.splitlines()[0].startswith("site_patient_code,national_insurance_number")
    j.shot("page_with_templates")

    before = _counts(db_url)
    upload = j.key("upload_file").locator("input[type=file]")

    def send(rows: list[dict[str, str]]) -> None:
        upload.set_input_files(files=[{"name": f"{tag}.csv", "mimeType": "text/csv",
                                       "buffer": _csv(rows)}])
        j.see(f"{tag}.csv")
        j.settle()

    send(bad)
    j.key("upload_preview").get_by_role("button").click()
    j.see(ru("upload.has_errors"))
    errors = page.locator("[data-testid=stDataFrame]").first
    header = errors.locator("[role=columnheader]")
    expect(header.filter(has_text=ru("col.column")).first).to_be_attached(timeout=WAIT)
    cells = errors.locator("[role=gridcell]")
    expect(cells.filter(has_text="sex").first).to_be_attached(timeout=WAIT)
    row_cells = cells.all_inner_texts()
    assert row_cells[:2] == ["3", "sex"] and "X" in row_cells[2], row_cells
    metric = page.locator("[data-testid=stMetric]").filter(has_text=ru("upload.errors"))
    expect(metric.locator("[data-testid=stMetricValue]")).to_have_text("1")
    assert _counts(db_url) == before, "a preview wrote something"
    j.shot("bad_row_preview")

    j.key("upload_commit").get_by_role("button").click()
    j.see(ru("upload.refused", n=1))
    assert _counts(db_url) == before, "a refused file wrote something"
    j.shot("bad_file_refused")

    send(good)
    j.key("upload_preview").get_by_role("button").click()
    j.see(ru("upload.valid"))
    j.shot("fixed_file_preview")
    j.key("upload_commit").get_by_role("button").click()
    j.see(ru("upload.committed", created=3, skipped=0))
    patients, audits = _counts(db_url)
    assert patients == before[0] + 3 and audits >= before[1] + 3
    engine = make_engine(db_url)
    with Session(engine) as session:
        codes = set(session.exec(select(Patient.site_patient_code)
                                 .where(Patient.site_patient_code.startswith(tag))))
        assert codes == {f"{tag}-0", f"{tag}-1", f"{tag}-2"}
    engine.dispose()
    j.shot("fixed_file_committed")

    send(good)  # the same file again
    j.key("upload_commit").get_by_role("button").click()
    j.see(ru("upload.committed", created=0, skipped=3))
    assert _counts(db_url)[0] == patients, "the same file twice added rows"
    j.shot("same_file_again")
