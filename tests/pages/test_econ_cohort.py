"""The economist's Cohort page under AppTest on a seeded SQLite database: it shows the working
cohort's size as counts, applies filters, saves and loads named cohorts, prepares an audited
de-identified export on request only, and refuses every other role.

The page runs by itself with the actor in `session_state` (the navigation is wired elsewhere).
Expected counts come from SQL on the seeded tables, not from the page's or the services' code.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select
from streamlit.testing.v1 import AppTest

import registry.i18n as i18n
from registry import today
from registry.auth import Actor
from registry.db import make_engine, migrate
from registry.i18n import t
from registry.i18n_econ_cohort import ENTRIES
from registry.models import AuditEvent, Patient, SavedCohort, TreatmentEpisode
from registry.models.enums import AuditAction, Indication, Role
from registry.seed import seed_synthetic
from registry.services.cohorts import CohortDefinition
from registry.services.workspace import save_cohort
from tests.pages.conftest import messages_under

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "econ_cohort.py"
ECONOMIST = Actor(None, "economist", Role.economist)
FILTERS = "econ_cohort_filters"
DOWNLOADS = {"export_data", "export_codebook", "export_manifest"}
pytestmark = pytest.mark.slow  # each AppTest run reads two cohort frames (~45 s in all)
SERVICE_CODES = {"cohort.name", "cohort.exists", "cohort.unknown_site", "cohort.not_json",
                 "export.empty", "export.format", "export.not_a_folder"}


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('econcohort') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=400, seed=11)
    engine.dispose()
    return url


@pytest.fixture
def engine(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", seeded_url)
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


def open_page(actor: Actor = ECONOMIST, language: str | None = None,
              state: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["actor"] = actor
    if language is not None:
        at.session_state["language"] = language
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()


def apply(at: AppTest) -> AppTest:
    [button] = [b for b in at.button if b.form_id == FILTERS]
    button.click()
    return at.run()


def infused_patients(engine: Engine, indication: Indication | None = None) -> int:
    """Patients with an episode infused by today (the mITT cohort), counted in SQL."""
    query = (select(func.count(func.distinct(TreatmentEpisode.patient_id)))
             .join(Patient, col(Patient.id) == col(TreatmentEpisode.patient_id))
             .where(col(TreatmentEpisode.infusion_date).is_not(None),
                    col(TreatmentEpisode.infusion_date) <= today()))
    if indication is not None:
        query = query.where(col(Patient.indication) == indication)
    with Session(engine) as session:
        return int(session.exec(query).one())


def export_events(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(
            col(AuditEvent.action) == AuditAction.export)).all())


def saved_named(engine: Engine, name: str) -> list[SavedCohort]:
    with Session(engine) as session:
        return list(session.exec(select(SavedCohort).where(col(SavedCohort.name) == name)).all())


def counts(at: AppTest, language: str = "ru") -> dict[str, str]:
    """The size table's "all products" column, by indication (row label -> cell)."""
    table = at.dataframe[0].value
    return dict(zip(table[t("econ.cohort.col.indication", language)],
                    table[t("econ.cohort.col.all_products", language)], strict=True))


def texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_entries_are_cohort_keys_in_both_languages_and_cover_the_page() -> None:
    for key, entry in ENTRIES.items():
        assert key.startswith(("econ.cohort.", "econ.export.", "econ.nav.", "econ.run.")) or (
            key in SERVICE_CODES), key
        assert set(entry) == {"ru", "en"} and all(v.strip() for v in entry.values()), key
        assert _placeholders(entry["ru"]) == _placeholders(entry["en"]), key
        assert i18n.CATALOGUE[key] == entry  # merged into the one catalogue
    source = PAGE.read_text(encoding="utf-8")
    used = set(re.findall(r"""tr\(["']([a-z_.]+)["']""", source))
    used |= {f"econ.cohort.{kind}.{v}" for kind, values in (
        ("population", ["mitt", "itt"]), ("population_note", ["mitt", "itt"]),
        ("origin", ["domestic", "imported"])) for v in values}
    assert len(used) > 30
    assert not [k for k in used if set(i18n.CATALOGUE.get(k, {})) != {"ru", "en"}]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_economist_sees_the_working_cohort_and_its_size(engine: Engine, language: str) -> None:
    at = open_page(language=language)
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    assert at.title[0].value == t("econ.cohort.title", language)
    unnamed = t("econ.cohort.unnamed", language)
    assert t("econ.cohort.working", language, name=unnamed,
             digest=CohortDefinition().digest()[:12]) in texts(at.caption)
    everyone = infused_patients(engine)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("econ.cohort.metric.patients", language)] == str(everyone)
    table = counts(at, language)
    assert table[t("econ.cohort.row.all_indications", language)] == str(everyone)
    for indication in Indication:
        n = infused_patients(engine, indication)
        expected = None if n == 0 else "<5" if n < 5 else str(n)
        assert table.get(indication.value) == expected, indication
    assert at.button(key="export_prepare").proto.label == t("econ.export.prepare", language)
    assert not DOWNLOADS & {b.key for b in at.get("download_button")}  # nothing exported yet


def test_filters_are_checked_then_applied_as_the_working_cohort(engine: Engine) -> None:
    at = open_page()
    at.date_input(key="cohort_period_from").set_value(date(2024, 6, 1))
    at.date_input(key="cohort_period_to").set_value(date(2024, 1, 1))
    apply(at)
    assert not at.exception, at.exception
    assert t("econ.cohort.invalid", "ru") in texts(at.error)
    assert messages_under(at, "cohort_period_to")  # the message sits under its field
    assert "econ_definition" not in at.session_state  # the working cohort is unchanged

    at.date_input(key="cohort_period_from").set_value(None)
    at.date_input(key="cohort_period_to").set_value(None)
    at.multiselect(key="cohort_indications").set_value(["B-ALL"])
    apply(at)
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    assert at.session_state["econ_definition"]["indications"] == ["B-ALL"]
    assert at.session_state["econ_definition"]["name"] is None
    assert t("econ.cohort.applied", "ru") in texts(at.success)
    b_all = infused_patients(engine, Indication.b_all)
    assert 5 <= b_all < infused_patients(engine)
    assert counts(at) == {"B-ALL": str(b_all), t("econ.cohort.row.all_indications", "ru"):
                          str(b_all)}


def test_saving_a_cohort_and_refusing_a_duplicate_or_blank_name(engine: Engine) -> None:
    at = open_page(state={"econ_definition": {"indications": ["LBCL"], "population": "itt"}})
    at.text_input(key="cohort_save_name").set_value("LBCL ITT")
    at.button(key="cohort_save").click().run()
    assert not at.exception, at.exception
    [row] = saved_named(engine, "LBCL ITT")
    assert row.definition["indications"] == ["LBCL"] and row.definition["population"] == "itt"
    assert row.created_by == "economist"
    assert at.session_state["econ_definition"]["name"] == "LBCL ITT"
    assert t("econ.cohort.saved_as", "ru", name="LBCL ITT") in texts(at.success)
    saved = len(at.selectbox(key="cohort_saved").options)

    at.button(key="cohort_save").click().run()  # the same name again
    assert t("cohort.exists", "ru") in texts(at.error)
    assert len(saved_named(engine, "LBCL ITT")) == 1

    at.text_input(key="cohort_save_name").set_value("   ")
    at.button(key="cohort_save").click().run()
    assert messages_under(at, "cohort_save_name") == [f":red[{t('cohort.name', 'ru')}]"]
    assert len(at.selectbox(key="cohort_saved").options) == saved


def test_loading_a_saved_cohort_makes_it_the_working_cohort(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        row = save_cohort(session=session, actor=ECONOMIST, name="FL from 2023",
                          definition={"indications": ["FL"], "population": "itt",
                                      "period_from": "2023-01-01"})
    at = open_page()
    at.selectbox(key="cohort_saved").set_value(row.id)
    at.button(key="cohort_load").click().run()
    assert not at.exception, at.exception
    working = at.session_state["econ_definition"]
    assert (working["name"], working["indications"], working["population"],
            working["period_from"]) == ("FL from 2023", ["FL"], "itt", "2023-01-01")
    assert at.multiselect(key="cohort_indications").value == ["FL"]  # the form follows
    assert at.radio(key="cohort_population").value == "itt"
    assert at.date_input(key="cohort_period_from").value == date(2023, 1, 1)
    assert any("FL from 2023" in c for c in texts(at.caption))
    assert set(counts(at)) <= {"FL", t("econ.cohort.row.all_indications", "ru")}


def test_csv_export_offers_three_files_and_is_audited_once(engine: Engine) -> None:
    before = len(export_events(engine))
    at = open_page(state={"econ_definition": {"indications": ["B-ALL"]}})
    assert len(export_events(engine)) == before  # opening the page exports nothing
    at.button(key="export_prepare").click().run()
    assert not at.exception, at.exception
    events = export_events(engine)
    assert len(events) == before + 1
    after = events[-1].after or {}
    assert after["format"] == "csv" and after["filters"]["indications"] == ["B-ALL"]
    buttons = {b.key: b for b in at.get("download_button")}
    assert set(buttons) == DOWNLOADS
    export_id = after["export_id"]
    data_name = f"cohort_{export_id}.csv"
    assert buttons["export_data"].proto.label == f"{t('econ.export.download_data', 'ru')} (CSV)"
    [summary] = texts(at.success)
    assert export_id in summary and after["files"][data_name] in summary
    assert f"{after['row_count']};" in summary
    assert after["subject_count"] == infused_patients(engine, Indication.b_all)
    at.radio(key="export_format").set_value("xlsx").run()  # a rerun exports nothing again
    assert len(export_events(engine)) == before + 1
    assert {b.key for b in at.get("download_button")} == DOWNLOADS


@pytest.mark.parametrize("actor", [Actor(None, "leader", Role.leadership),
                                   Actor(None, "clinician", Role.site_clinician, 1)],
                         ids=["leadership", "site_clinician"])
def test_other_roles_are_refused(engine: Engine, actor: Actor) -> None:
    before = len(export_events(engine))
    at = open_page(actor)
    assert not at.exception, at.exception
    [error] = texts(at.error)
    assert t("denied.role", "ru", action="cohort:analyse") in error
    assert t("econ.cohort.denied_note", "ru") in error
    assert not at.button and not at.get("download_button")
    assert not at.dataframe and not at.metric and not at.multiselect
    assert len(export_events(engine)) == before
