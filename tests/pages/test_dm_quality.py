"""The data manager's Data quality page under AppTest: it renders in both languages, runs the
rules and shows what they found, raises a query (site taken from the record, duplicates
refused under the field), closes and re-opens a query with audited reasons, and refuses
every other role.

The page is not in the navigation yet, so its file runs by itself with the actor in
`session_state` (a real user of the `portal` database, so audit events name them).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from registry.auth import Actor
from registry.i18n import t
from registry.i18n_dm_quality import ENTRIES
from registry.models import AuditEvent, DataQuery, DataQueryMessage
from registry.models.enums import AuditAction, QueryStatus
from registry.quality.rules import RULES
from registry.services.queries import raise_query
from tests import factories
from tests.pages.conftest import Portal, fill_portal_db, submit, texts

ROOT = Path(__file__).resolve().parents[2]
DM = "datamanager"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database of tests/pages/conftest.py's `portal_db` (two sites, a product, one user
    per role), built once and copied for each test (hashing the passwords takes seconds)."""
    path = tmp_path_factory.mktemp("dm_quality") / "template.db"
    fill_portal_db(f"sqlite:///{path}")
    return path


@pytest.fixture
def portal(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    shutil.copy(template, tmp_path / "portal.db")
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    env = Portal(url)
    yield env
    env.engine.dispose()


def open_page(actor: Actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "dm_quality.py"), default_timeout=60)
    at.session_state["actor"] = actor
    return at.run()


def infused(portal: Portal, username: str = "clinician.mow",
            infusion: date = date(2025, 3, 1)) -> tuple[Any, Any]:
    with portal.session() as session:
        return factories.make_infused_episode(session, portal.actor(username),
                                              portal.product_id(), infusion=infusion)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame(at: AppTest, column: str) -> Any:
    """The one table on the page with `column` (AppTest does not expose a table's key)."""
    (found,) = [d.value for d in at.dataframe if column in d.value.columns]
    return found


def test_entries_are_mine_in_both_languages() -> None:
    assert all(k.startswith(("dm.quality.", "dm.completeness.", "dm.nav.")) for k in ENTRIES)
    assert {"dm.nav.quality", "dm.nav.completeness"} <= set(ENTRIES)
    for rule in RULES:  # the English of each rule is its description
        assert ENTRIES[f"dm.quality.rule.{rule.id}"]["en"] == rule.description


@pytest.mark.parametrize("language", ["ru", "en"])
def test_renders_in_both_languages(portal: Portal, language: str) -> None:
    infused(portal)
    at = open_page(portal.actor(DM, language))
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    assert at.title[0].value == t("dm.quality.title", language)
    assert [tab.label for tab in at.tabs] == [
        t(f"dm.quality.tab.{k}", language) for k in ("queries", "rules", "raise")]
    rules = frame(at, t("dm.quality.col.description", language))
    assert list(rules.iloc[:, 0]) == [r.id for r in RULES]
    assert t("dm.quality.rule.DQ01", language) in set(rules.iloc[:, 1])
    ageing = frame(at, t("dm.quality.col.median_age", language))
    assert list(ageing.iloc[:, 0]) == ["MOW-01", "SPB-01"]
    assert not at.get("vega_lite_chart")  # nothing unresolved yet: no empty ageing chart
    assert t("dm.quality.none", language) in texts(at.info)  # no queries yet


def test_run_rules_shows_what_was_found_and_raised(portal: Portal) -> None:
    infused(portal)  # infused 01.03.2025, no D28 response: DQ04
    infused(portal, "clinician.spb")
    at = open_page(portal.actor(DM))
    at.button(key="dm_run_rules").click()
    at = at.run()
    assert not at.exception and not at.error, texts(at.error)
    with portal.session() as session:
        raised = session.exec(select(DataQuery)).all()
    assert len(raised) == 2 and {q.rule_id for q in raised} == {"DQ04"}
    shown = metrics(at)
    assert shown[t("dm.quality.run.found", "ru")] == "2"
    assert shown[t("dm.quality.run.raised", "ru")] == "2"
    result = frame(at, t("dm.quality.run.already_open", "ru"))
    result = result.set_index(t("dm.quality.col.rule", "ru"))
    assert result.loc["DQ04", t("dm.quality.run.raised", "ru")] == 2
    assert result[t("dm.quality.run.found", "ru")].sum() == 2
    listing = frame(at, "#")  # the list is fresh after the run
    assert sorted(listing["#"]) == sorted(q.id for q in raised)
    assert set(listing[t("dm.quality.col.rule", "ru")]) == {"DQ04"}

    at.multiselect(key="dm_rule_pick").set_value(["DQ04"])
    at.button(key="dm_run_rules").click()
    at = at.run()
    shown = metrics(at)
    assert (shown[t("dm.quality.run.raised", "ru")],
            shown[t("dm.quality.run.already_open", "ru")]) == ("0", "2")
    assert list(frame(at, t("dm.quality.run.already_open", "ru")).iloc[:, 0]) == ["DQ04"]
    assert portal.count(DataQuery) == 2


def test_raise_a_query_on_a_record(portal: Portal) -> None:
    _, episode = infused(portal, "clinician.spb")
    at = open_page(portal.actor(DM))
    at.selectbox(key="dm_raise_table").set_value("treatmentepisode").run()
    at.number_input(key="dm_raise_row").set_value(episode.id)
    at.selectbox(key="dm_raise_field").set_value("weight_kg")
    at.text_area(key="dm_raise_message").set_value("Weight 250 kg? Please check the chart.")
    at = submit(at, "dm_raise")
    assert not at.exception and not at.error, texts(at.error)
    with portal.session() as session:
        (query,) = session.exec(select(DataQuery)).all()
    assert (query.table_name, query.row_id, query.field) == ("treatmentepisode", episode.id,
                                                             "weight_kg")
    assert query.site_id == episode.site_id and query.rule_id is None
    assert t("dm.quality.raised", "ru", id=query.id, site="SPB-01") in texts(at.success)
    listing = frame(at, "#")
    assert list(listing["#"]) == [query.id]
    assert listing[t("col.site", "ru")].tolist() == ["SPB-01"]
    assert len(at.get("vega_lite_chart")) == 1  # one unresolved query: the ageing chart

    at.text_area(key="dm_raise_message").set_value("The same question again")
    at = submit(at, "dm_raise")  # a duplicate: refused, shown under the field
    assert portal.count(DataQuery) == 1
    duplicate = t("dm.quality.duplicate", "ru", id=query.id)
    assert any(duplicate in m for m in texts(at.markdown)), texts(at.markdown)

    at.number_input(key="dm_raise_row").set_value(episode.id + 50)
    at = submit(at, "dm_raise")
    unknown = t("dm.quality.unknown_record", "ru", table="treatmentepisode", id=episode.id + 50)
    assert any(unknown in m for m in texts(at.markdown))
    assert portal.count(DataQuery) == 1


def test_message_close_and_reopen_are_audited(portal: Portal) -> None:
    patient, _ = infused(portal)
    dm = portal.actor(DM)
    with portal.session() as session:
        query = raise_query(session=session, actor=dm, data={
            "table_name": "patient", "row_id": patient.id, "field": "ecog",
            "message": "ECOG 4 at apheresis?"})
    at = open_page(dm)
    assert "ECOG 4 at apheresis?" in texts(at.text)

    at.text_area(key="dm_message_body").set_value("Reminder: answer by Friday.")
    at = submit(at, "dm_message")
    assert not at.exception and not at.error, texts(at.error)
    assert "Reminder: answer by Friday." in texts(at.text)

    at = submit(at, "dm_close")  # open, not answered: a reason is needed
    assert any(t("dm.quality.close_reason_needed", "ru") in m for m in texts(at.markdown))
    at.text_input(key="dm_close_reason").set_value("ECOG confirmed with the site by phone")
    at = submit(at, "dm_close")
    assert not at.exception and not at.error, texts(at.error)
    assert t("dm.quality.close_done", "ru", id=query.id) in texts(at.success)
    assert t("dm.quality.none", "ru") in texts(at.info)  # closed: out of the default filter

    at.multiselect(key="dm_filter_status").set_value([QueryStatus.closed]).run()
    at.text_input(key="dm_reopen_reason").set_value("The discharge letter says ECOG 3")
    at = submit(at, "dm_reopen")
    assert not at.exception and not at.error, texts(at.error)

    user = portal.user(DM)
    with portal.session() as session:
        current = session.get(DataQuery, query.id)
        assert current is not None and current.status == QueryStatus.open
        audits = session.exec(select(AuditEvent).where(
            AuditEvent.table_name == "dataquery", AuditEvent.row_id == query.id,
            AuditEvent.action == AuditAction.update).order_by(col(AuditEvent.id))).all()
        thread = session.exec(select(DataQueryMessage.body).where(
            DataQueryMessage.query_id == query.id).order_by(col(DataQueryMessage.id))).all()
    assert [(a.after, a.reason, a.user_id) for a in audits] == [
        ({"status": "closed"}, "ECOG confirmed with the site by phone", user.id),
        ({"status": "open"}, "The discharge letter says ECOG 3", user.id),
    ]
    assert thread == ["Reminder: answer by Friday.", "ECOG confirmed with the site by phone",
                      "The discharge letter says ECOG 3"]


@pytest.mark.parametrize("username", ["clinician.mow", "leader", "economist"])
def test_other_roles_are_refused(portal: Portal, username: str) -> None:
    patient, _ = infused(portal)
    with portal.session() as session:
        raise_query(session=session, actor=portal.actor(DM), data={
            "table_name": "patient", "row_id": patient.id, "message": "secret question"})
    at = open_page(portal.actor(username))
    assert not at.exception
    assert len(at.error) == 1
    assert not at.dataframe and not at.tabs and not at.get("vega_lite_chart")
    assert "secret question" not in str(texts(at.markdown) + texts(at.text))
