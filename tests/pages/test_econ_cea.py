"""Costs, Cost-effectiveness and Budget pages under AppTest on a seeded SQLite database.

Each page runs by itself with an economist in `session_state`: it draws, its Run buttons
compute, the numbers on screen are the service's own for the same inputs (the service is
called directly here and its figures formatted as the page formats them), an AnalysisRun is
written, a report is offered; other roles get a refusal and nothing else. A unit-cost edit
through the page needs a reason and is audited with it.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select
from streamlit.testing.v1 import AppTest

import registry.i18n as i18n
from registry.auth import Actor
from registry.db import make_engine, migrate
from registry.economics import SPAIN_KYMRIAH, TEMPLATES
from registry.i18n import t
from registry.i18n_econ_cea import ENTRIES
from registry.models import AnalysisRun, AuditEvent, UnitCost
from registry.models.enums import AuditAction, ResourceItem, Role
from registry.reports import format_value
from registry.seed import seed_synthetic
from registry.services.cohorts import CohortDefinition
from registry.services.hta.budget import agreement_effect, programme_budget
from registry.services.hta.cea import CEAParameters, cost_effectiveness
from registry.services.hta.costs import cost_summary
from registry.services.workspace import unit_costs
from tests.pages.conftest import read, texts

ROOT = Path(__file__).resolve().parents[2]
ECONOMIST = Actor(None, "economist", Role.economist)
LEADER = Actor(None, "leader", Role.leadership)
CLINICIAN = Actor(None, "clinician.mow", Role.site_clinician, site_id=1)
WHOLE = CohortDefinition()  # the working cohort when none is chosen
N_BOOT = 200
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::registry.analysis.ConvergenceWarning")]


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('econcea') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=500, seed=5)
    engine.dispose()
    return url


@pytest.fixture
def portal(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """The seeded database for the pages, and a session on it for the test."""
    monkeypatch.setenv("REGISTRY_DATABASE_URL", seeded_url)
    engine = make_engine(seeded_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def open_page(page: str, actor: Actor = ECONOMIST, language: str = "en",
              **state: Any) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    at.session_state["actor"] = actor
    at.session_state["language"] = language
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def clean(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def last_run(session: Session) -> int:
    return int(session.exec(select(func.max(AnalysisRun.id))).one() or 0)


def new_runs(session: Session, after: int) -> list[AnalysisRun]:
    session.expire_all()
    return list(session.exec(select(AnalysisRun).where(col(AnalysisRun.id) > after)
                             .order_by(col(AnalysisRun.id))).all())


def submit(at: AppTest, form: str) -> AppTest:
    buttons = [b for b in at.button if b.form_id == form]
    assert len(buttons) == 1, f"one submit button in form {form!r}, found {len(buttons)}"
    return buttons[0].click().run()


def messages_under(at: AppTest, key: str) -> list[str]:
    """The red messages right under the widget `key` (the page's field errors)."""
    nodes = list(at.main)
    found: list[str] = []

    def walk(block: Any) -> list[Any]:
        children = getattr(block, "children", None) or {}
        items = [children[i] for i in sorted(children)]
        return [x for item in items for x in [item, *walk(item)]]

    flat = [node for top in nodes for node in [top, *walk(top)]]
    keys = [getattr(node, "key", None) for node in flat]
    for node in flat[keys.index(key) + 1:]:
        if getattr(node, "type", None) != "markdown":
            break
        found.append(read(node).removeprefix(":red[").removesuffix("]"))
    return found


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def money(value: float, language: str) -> str:
    return format_value(float(value), language)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_entries_are_econ_keys_in_both_languages_covering_every_code() -> None:
    assert all(k.startswith(("econ.costs.", "econ.cea.", "econ.budget.")) or k in {
        "econ.nav.costs", "econ.nav.cea", "econ.nav.budget"} for k in ENTRIES)
    for key, entry in ENTRIES.items():
        assert set(entry) == {"ru", "en"} and all(v.strip() for v in entry.values()), key
        assert _placeholders(entry["ru"]) == _placeholders(entry["en"]), key
    assert all(key in i18n.CATALOGUE for key in ENTRIES)
    from registry.analysis import PARAMETRIC_DISTRIBUTIONS
    assert all(f"econ.costs.item.{i.value}" in ENTRIES for i in ResourceItem)
    assert all(f"econ.cea.dist.{d}" in ENTRIES for d in PARAMETRIC_DISTRIBUTIONS)
    assert all(f"econ.budget.template.{k}" in ENTRIES and f"econ.budget.template_note.{k}"
               in ENTRIES and f"econ.budget.kind.{a.kind}" in ENTRIES
               for k, a in TEMPLATES.items())


@pytest.mark.parametrize("language", ["ru", "en"])
def test_costs_page_shows_the_services_estimates_and_records_the_run(
        portal: Session, language: str) -> None:
    at = clean(open_page("econ_costs", language=language))
    assert at.title[0].value == t("econ.costs.title", language)
    assert t("lead.outcomes.scenario", language) in [c.value for c in at.caption]
    assert not at.get("vega_lite_chart")  # nothing is computed before Run
    before = last_run(portal)
    at.number_input(key="costs_n_boot").set_value(N_BOOT)
    clean(at.button(key="costs_run").click().run())
    assert len(at.get("vega_lite_chart")) == 2  # estimators, cost build-up
    runs = new_runs(portal, before)
    assert [r.kind for r in runs] == ["costs"] and runs[0].parameters["n_boot"] == N_BOOT

    expected = cost_summary(session=portal, actor=ECONOMIST, definition=WHOLE,
                            horizon_years=1.0, n_boot=N_BOOT, seed=1)
    table = at.dataframe[1].value  # the unit costs come first
    mean, lower = t("econ.costs.col.estimate", language), t("econ.cea.col.lower", language)
    assert len(table) == 8  # two arms x four estimators
    for row, (_, e) in zip(table.to_dict("records"), expected.estimates.iterrows(), strict=True):
        assert row[t("econ.cea.col.arm", language)] == t(f"econ.cea.arm.{e['arm']}", language)
        assert row[t("econ.costs.col.method", language)] == t(
            f"econ.costs.method.{e['method']}", language)
        assert row[mean] == money(e["estimate"], language)
        assert row[lower] == money(e["lower"], language)
    shown = metrics(at)
    share = expected.complete_share["domestic"]
    label = t("econ.costs.metric.complete", language, arm=t("econ.cea.arm.domestic", language))
    assert shown[label] == f"{share:.0%}"
    assert t("econ.costs.bias_note", language) in [i.value for i in at.info]
    run = runs[0]
    assert t("econ.run.record", language, run=run.id, data=run.data_sha256[:16],
             code=run.code_version) in [c.value for c in at.caption]
    assert "costs_report" in {b.key for b in at.get("download_button")}
    report = at.session_state["_econ_costs_result"]["reports"][language]
    assert run.data_sha256 in report and t("econ.costs.report.title", language) in report

    at.number_input(key="costs_horizon").set_value(2.0).run()  # an input changes
    assert t("econ.cea.stale", language) in [w.value for w in at.warning]


def test_a_unit_cost_edit_needs_a_reason_and_is_audited_with_it(portal: Session) -> None:
    at = clean(open_page("econ_costs", language="ru"))
    assert t("econ.costs.edit.base", "ru") in [i.value for i in at.info]  # base: no form
    assert "costs_edit_value" not in {n.key for n in at.number_input}
    at.text_input(key="costs_copy_name").set_value("page_copy")
    clean(at.button(key="costs_copy").click().run())
    assert at.selectbox(key="costs_scenario").value == "page_copy"
    prices = unit_costs(session=portal, actor=ECONOMIST, scenario="page_copy")
    assert len(prices) == len(unit_costs(session=portal, actor=ECONOMIST, scenario="base"))
    assert any(t("econ.costs.copy.done", "ru", name="page_copy", source="base",
                 rows=len(prices)) == s.value for s in at.success)
    ward = prices[prices["item"] == "ward_day"].iloc[0]

    at.selectbox(key="costs_edit_item").set_value(int(ward["id"]))
    at.number_input(key="costs_edit_value").set_value(20_000.0)
    submit(at, "costs_edit")
    assert not at.exception
    assert messages_under(at, "costs_edit_reason") == [t("costs.reason", "ru")]
    portal.expire_all()
    assert portal.get(UnitCost, int(ward["id"])).value == ward["value"]  # nothing saved

    at.text_input(key="costs_edit_reason").set_value("тариф ОМС 2026")
    submit(at, "costs_edit")
    clean(at)
    portal.expire_all()
    row = portal.get(UnitCost, int(ward["id"]))
    assert row.value == 20_000.0 and row.version == int(ward["version"]) + 1
    event = portal.exec(select(AuditEvent).where(
        AuditEvent.table_name == UnitCost.__tablename__, AuditEvent.row_id == row.id,
        AuditEvent.action == AuditAction.update)).one()
    assert event.reason == "тариф ОМС 2026" and event.username == "economist"
    assert event.after is not None and event.after["value"] == 20_000.0
    base = unit_costs(session=portal, actor=ECONOMIST, scenario="base")
    assert base.loc[base["item"] == "ward_day", "value"].iloc[0] == ward["value"]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_cea_page_runs_with_progress_and_states_the_services_icer(
        portal: Session, language: str) -> None:
    chosen = {"imported": "weibull", "domestic": "cure_weibull"}  # as the Extrapolation page
    at = clean(open_page("econ_cea", language=language, econ_model_os=chosen))
    assert at.selectbox(key="cea_os_imported").value == "weibull"
    assert t("econ.cea.assumption_note", language) in [c.value for c in at.caption]
    before = last_run(portal)
    at.number_input(key="cea_n_boot").set_value(N_BOOT)
    clean(at.button(key="cea_run").click().run())
    assert len(at.get("progress")) == 1
    assert len(at.get("vega_lite_chart")) == 2  # plane, acceptability curve
    runs = new_runs(portal, before)
    assert [r.kind for r in runs] == ["cea"]

    result = cost_effectiveness(session=portal, actor=ECONOMIST, definition=WHOLE,
                                parameters=CEAParameters(n_boot=N_BOOT, os_model=chosen))
    arms = at.dataframe[0].value
    total = t("econ.cea.col.cost", language)
    assert arms[total].tolist() == [money(v, language) for v in result.arms["cost"]]
    point = result.point
    statements = [m.value for m in at.markdown]
    if point.status == "ICER":
        assert point.icer is not None and point.icer > 0
        key = f"econ.cea.icer.{point.quadrant.replace('-', '_')}"
    elif point.status == "no effect difference":
        key = "econ.cea.icer.no_effect_" + ("dearer" if point.delta_cost > 0 else "cheaper")
    else:  # dominant or dominated: stated as such, without a ratio
        key = f"econ.cea.icer.{point.status}"
    assert t(key, language, cost=money(abs(point.delta_cost), language),
             qaly=format_value(round(abs(point.delta_effect), 3), language),
             icer=money(point.icer or 0.0, language), wtp=money(5e6, language)) in statements
    assert not any(f"ICER -{d}" in s or f"ICER −{d}" in s for s in statements
                   for d in string.digits)
    shown = metrics(at)
    assert shown[t("econ.cea.metric.delta_cost", language)] == money(
        result.bootstrap.delta_cost.estimate, language)
    nmb = result.bootstrap.nmb
    assert nmb is not None
    assert shown[t("econ.cea.metric.nmb", language, wtp=money(5e6, language))] == money(
        nmb.estimate, language)
    report = at.session_state["_econ_cea_result"]["reports"][language]
    assert runs[0].data_sha256 in report and "<svg" in report


def test_cea_page_shows_a_refused_input_under_its_field(portal: Session) -> None:
    at = clean(open_page("econ_cea", language="ru"))
    at.number_input(key="cea_n_boot").set_value(N_BOOT)
    at.number_input(key="cea_observed").set_value(15.0)  # longer than anyone is followed
    at.button(key="cea_run").click().run()
    assert not at.exception
    assert t("econ.cea.invalid", "ru") in at.error[0].value
    reasons = {t("econ.cea.error.hta.horizon_follow_up", "ru", arm=t(f"econ.cea.arm.{a}", "ru"))
               for a in ("imported", "domestic")}
    assert reasons & set(messages_under(at, "cea_observed"))  # in Russian, under the field
    assert not at.get("vega_lite_chart")


def test_budget_page_applies_an_agreement_and_compares_the_mix(portal: Session) -> None:
    at = clean(open_page("econ_budget", language="en"))
    assert at.selectbox(key="agr_template").value == "spain_kymriah"
    assert at.number_input(key="agr_spain_kymriah_price").value == SPAIN_KYMRIAH.price
    before = last_run(portal)
    clean(at.button(key="agr_run").click().run())
    effect = agreement_effect(session=portal, actor=ECONOMIST, definition=WHOLE,
                              agreement=SPAIN_KYMRIAH, arm="imported")
    shown = metrics(at)
    assert shown[t("econ.budget.metric.expected", "en")] == money(
        effect.ledger.expected_paid_per_patient, "en")
    assert shown[t("econ.budget.metric.change", "en")] == money(effect.ledger.mean_cost_change,
                                                                "en")
    assert shown[t("econ.budget.metric.pending", "en")] == str(effect.ledger.n_pending)
    assert len(at.get("vega_lite_chart")) == 1  # patients by payment status

    at.toggle(key="bud_apply").set_value(True)
    clean(at.button(key="bud_run").click().run())
    assert len(at.get("vega_lite_chart")) == 3  # + budget by year, cumulative difference
    runs = new_runs(portal, before)
    assert [r.kind for r in runs] == ["agreement", "agreement", "agreement", "budget"]
    budget = programme_budget(session=portal, actor=ECONOMIST, definition=WHOLE,
                              domestic_share=[0.1, 0.2, 0.3, 0.4, 0.5],
                              agreements={"imported": SPAIN_KYMRIAH})
    shown = metrics(at)
    assert shown[t("econ.budget.metric.total_mix", "en")] == money(budget.mix.total, "en")
    assert shown[t("econ.budget.metric.total_reference", "en")] == money(
        budget.reference.total, "en")
    years = at.dataframe[2].value
    mix = budget.comparison[budget.comparison["scenario"] == "mix"]
    assert years[t("econ.budget.col.cumulative", "en")].tolist() == [
        money(v, "en") for v in mix["cumulative_difference"]]
    assert runs[-1].parameters["agreements"]["imported"]["price"] == SPAIN_KYMRIAH.price
    report = next(iter(at.session_state["_econ_budget_reports"].values()))
    assert runs[-1].data_sha256 in report and t("econ.budget.report.title", "en") in report
    assert "budget_report" in {b.key for b in at.get("download_button")}


def test_budget_page_refuses_agreement_terms_that_do_not_add_up(portal: Session) -> None:
    at = clean(open_page("econ_budget", language="ru"))
    at.number_input(key="agr_spain_kymriah_upfront").set_value(0.6)  # 0.6 + 0.48 > 1
    at.button(key="agr_run").click().run()
    assert not at.exception
    assert f":red[{t('econ.cea.error.milestones', 'ru')}]" in texts(at.markdown)
    assert not at.metric


@pytest.mark.parametrize("page", ["econ_costs", "econ_cea", "econ_budget"])
@pytest.mark.parametrize("actor", [LEADER, CLINICIAN], ids=lambda a: a.role.value)
def test_other_roles_are_refused_and_see_nothing(portal: Session, page: str,
                                                 actor: Actor) -> None:
    at = open_page(page, actor, language="ru")
    assert not at.exception
    assert len(at.error) == 1 and t("econ.cea.denied_note", "ru") in at.error[0].value
    assert not at.dataframe and not at.get("vega_lite_chart") and not at.button
    assert not at.number_input
