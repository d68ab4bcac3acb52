"""Economist: outcome-based agreements and the 5-year budget of a national programme (issue 6
items 6 and 7).

Agreement: a template (Spain, Italy, Germany; `registry.economics.TEMPLATES`) with its source
and assumptions, its terms editable (price, upfront share, each milestone's day and share),
applied to the infused patients of one arm: payments by milestone, patients by status, the
expected payment per patient and the change in the mean cost. Budget: patients eligible per
year x uptake x the domestic share, each year against 100% imported, optionally with the
agreement applied to its arm. Each part runs on its own "Run" button; results stay in the
session until the next run and are marked out of date when an input or the cohort changes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.econ import (
    arm_label,
    cohort_caption,
    open_workspace,
    refusal_text,
    run_caption,
)
from pages.ui.state import require_actor, session_scope
from pages.ui.text import lang, md_literal, tr
from pages.ui.widgets import chart_with_csv
from registry import InvalidInput, RegistryError
from registry.charts import cea as charts
from registry.economics import TEMPLATES, Agreement
from registry.errors import FieldError
from registry.models import AnalysisRun
from registry.reports import (
    Figure,
    KeyFigures,
    Note,
    Paragraph,
    Report,
    Section,
    Table,
    format_value,
    render_html,
    report_filename,
)
from registry.services.cohorts import CohortDefinition
from registry.services.hta.budget import (
    REFERENCE,
    AgreementEffect,
    BudgetResult,
    agreement_effect,
    programme_budget,
)

AGREEMENT = "_econ_budget_agreement"  # last agreement run: inputs, AgreementEffect, run record
BUDGET = "_econ_budget_result"  # last budget run: inputs, BudgetResult, run record
ERRORS = "_econ_budget_errors"  # action ("agreement", "budget") -> field -> messages
REPORTS = "_econ_budget_reports"  # (run ids, language) -> HTML
YEARS = 5
BILLION = 1e9
DEFAULT_SHARES = (10.0, 20.0, 30.0, 40.0, 50.0)


def money(value: float) -> str:
    return format_value(float(value), lang())


def percent(value: float, decimals: int = 1) -> str:
    text = f"{float(value):.{decimals}%}"
    return text.replace(".", ",") if lang() == "ru" else text


def slug(text: str) -> str:
    return text.replace(" ", "_").replace("-", "_")


def keep_errors(action: str, exc: InvalidInput | None) -> None:
    stored = dict(st.session_state.get(ERRORS, {}))
    stored.pop(action, None)
    if exc is not None:
        grouped: dict[str, list[str]] = {}
        for error in exc.errors:
            grouped.setdefault(error.field, []).append(refusal_text(error))
        stored[action] = grouped
    st.session_state[ERRORS] = stored


def show_errors(action: str, field: str) -> None:
    for message in st.session_state.get(ERRORS, {}).get(action, {}).get(field, []):
        st.markdown(f":red[{md_literal(message)}]")


def show_summary(action: str, shown: set[str]) -> None:
    errors = st.session_state.get(ERRORS, {}).get(action, {})
    if errors:
        st.error("\n\n".join([tr("econ.cea.invalid"), *(
            md_literal(m) for f, ms in errors.items() if f.split(".")[-1] not in shown
            for m in ms)]))


def agreement_from_inputs(name: str) -> Agreement:
    """The template `name` with the terms on the page; InvalidInput names the bad field
    (``m<i>.day`` / ``m<i>.share`` for a milestone)."""
    template = TEMPLATES[name]
    milestones, problems = [], []
    for i, milestone in enumerate(template.milestones):
        try:
            milestones.append(replace(
                milestone, day=float(st.session_state[f"agr_{name}_m{i}_day"]),
                share=float(st.session_state[f"agr_{name}_m{i}_share"])))
        except InvalidInput as exc:
            problems += [FieldError(f"m{i}.{e.field}", e.message, code=e.code, params=e.params)
                         for e in exc.errors]
    if problems:
        raise InvalidInput(problems)
    return replace(template, price=float(st.session_state[f"agr_{name}_price"]),
                   upfront_share=float(st.session_state[f"agr_{name}_upfront"]),
                   milestones=tuple(milestones))


def agreement_terms(agreement: Agreement) -> list[Any]:
    return [agreement.kind, agreement.price, agreement.upfront_share,
            [(m.name, m.day, m.condition, m.share) for m in agreement.milestones]]


def milestone_label(name: str) -> str:
    """The ledger's upfront payment is named "infusion"; milestones keep their own names."""
    return tr("econ.budget.milestone.infusion") if name == "infusion" else name


def labelled_counts(effect: AgreementEffect) -> pd.DataFrame:
    """Patients by milestone and status, in the agreement's and the statuses' order, the
    milestones labelled."""
    order = effect.ledger.by_milestone["milestone"].astype(str).tolist()
    counts = effect.status_counts.assign(
        _m=effect.status_counts["milestone"].map({m: i for i, m in enumerate(order)}),
        _s=effect.status_counts["status"].map({s: i for i, s in
                                               enumerate(charts.STATUS_COLOURS)}))
    counts = counts.sort_values(["_m", "_s"]).drop(columns=["_m", "_s"])
    return counts.assign(milestone=counts["milestone"].astype(str).map(milestone_label)
                         ).reset_index(drop=True)


def milestone_table(effect: AgreementEffect) -> pd.DataFrame:
    m = effect.ledger.by_milestone
    counts = ("n_paid", "n_not_paid", "n_refunded", "n_not_refunded", "n_pending")
    table = pd.DataFrame({
        tr("econ.budget.col.milestone"): m["milestone"].astype(str).map(milestone_label),
        tr("econ.budget.col.condition"): [tr(f"econ.budget.condition.{c}") for c in
                                          m["condition"]],
        tr("econ.budget.col.day"): [format_value(float(d), lang()) for d in m["due_day"]],
        tr("econ.budget.col.share"): [percent(s) for s in m["share"]]})
    for column in counts:
        table[tr(f"econ.budget.col.{column}")] = m[column].astype(int).astype(str)
    table[tr("econ.budget.col.probability")] = [percent(v) for v in m["probability_met"]]
    table[tr("econ.budget.col.expected")] = [money(v) for v in m["expected_amount"]]
    return table


def status_table(effect: AgreementEffect) -> pd.DataFrame:
    c = labelled_counts(effect)
    return pd.DataFrame({
        tr("econ.budget.col.milestone"): c["milestone"].astype(str),
        tr("econ.budget.col.status"): [tr(f"econ.budget.status.{slug(s)}") for s in c["status"]],
        tr("econ.budget.col.patients"): c["patients"].astype(int).astype(str)})


def agreement_figures(effect: AgreementEffect) -> list[tuple[str, str]]:
    ledger = effect.ledger
    return [(tr("econ.budget.metric.patients"), str(ledger.n_patients)),
            (tr("econ.budget.metric.pending"), str(ledger.n_pending)),
            (tr("econ.budget.metric.expected"), money(ledger.expected_paid_per_patient)),
            (tr("econ.budget.metric.share"), percent(ledger.expected_share_of_price)),
            (tr("econ.budget.metric.change"), money(ledger.mean_cost_change)),
            (tr("econ.budget.metric.paid_to_date"), money(ledger.paid_to_date_per_patient))]


def year_table(result: BudgetResult) -> pd.DataFrame:
    mix = result.comparison[result.comparison["scenario"] == "mix"].sort_values("year")
    mix = mix.reset_index(drop=True)
    treated = result.mix.by_year.set_index("year")["patients_treated"]
    return pd.DataFrame({
        tr("econ.budget.col.year"): mix["year"].astype(int).astype(str),
        tr("econ.budget.col.treated"): [money(treated[y]) for y in mix["year"]],
        tr("econ.budget.col.mix"): [money(v) for v in mix["cost"]],
        tr("econ.budget.col.reference"): [money(v) for v in mix["reference_cost"]],
        tr("econ.budget.col.difference"): [money(v) for v in mix["difference"]],
        tr("econ.budget.col.cumulative"): [money(v) for v in mix["cumulative_difference"]]})


def cost_table(result: BudgetResult) -> pd.DataFrame:
    c = result.cost_per_patient
    table = pd.DataFrame({tr("econ.cea.col.arm"): [arm_label(a) for a in c["arm"]],
                          tr("econ.budget.col.first_year"): [money(v) for v in c["first_year"]],
                          tr("econ.budget.col.follow_up_year"): [money(v) for v in
                                                                 c["follow_up_year"]]})
    for k in range(1, YEARS):
        table[tr("econ.budget.col.alive", year=k)] = [percent(v) for v in c[f"alive_y{k}"]]
    return table


def budget_figures(result: BudgetResult) -> list[tuple[str, str]]:
    return [(tr("econ.budget.metric.total_mix"), money(result.mix.total)),
            (tr("econ.budget.metric.total_reference"), money(result.reference.total)),
            (tr("econ.budget.metric.total_difference"),
             money(result.mix.total - result.reference.total))]


def scenario_labels() -> dict[str, str]:
    return {REFERENCE: tr("econ.budget.scenario.reference"), "mix": tr("econ.budget.scenario.mix")}


def report_html(agreement: dict[str, Any] | None, budget: dict[str, Any] | None,
                figures: dict[str, Any]) -> str:
    sections: list[Section] = []
    key: list[tuple[str, str]] = []
    parameters: dict[str, Any] = {}
    latest = budget or agreement
    assert latest is not None
    if agreement is not None:
        effect: AgreementEffect = agreement["effect"]
        terms = effect.ledger.agreement
        key += agreement_figures(effect)[2:5]
        sections.append(Section(tr("econ.budget.agreement"), [
            Paragraph(tr("econ.budget.agreement_applied", template=tr(
                f"econ.budget.template.{agreement['template']}"), arm=arm_label(effect.arm))),
            Paragraph(f"{tr('econ.budget.source')}: {terms.source}"),
            Note(f"{tr('econ.budget.assumptions')}: {terms.assumptions}", "warning"),
            Table(milestone_table(effect), caption=tr("econ.budget.by_milestone")),
            Figure(figures["ledger"], tr("econ.budget.status_title")),
            Table(status_table(effect), caption=tr("econ.budget.status_title")),
            Paragraph(tr("econ.budget.pending_note")),
        ]))
        parameters |= {tr("econ.budget.template"): agreement["template"],
                       tr("econ.budget.arm"): arm_label(effect.arm),
                       tr("econ.budget.price"): terms.price,
                       tr("econ.budget.upfront"): terms.upfront_share,
                       **{f"{m.name}": f"{m.day:g}, {m.share:.4g}" for m in terms.milestones}}
    if budget is not None:
        result: BudgetResult = budget["result"]
        key += budget_figures(result)
        sections.append(Section(tr("econ.budget.budget"), [
            Paragraph(tr("econ.budget.method_note")),
            Table(year_table(result), caption=tr("econ.budget.by_year")),
            Figure(figures["bars"], tr("econ.budget.bars_title")),
            Figure(figures["cumulative"], tr("econ.budget.cumulative_title")),
            Table(cost_table(result), caption=tr("econ.budget.cost_per_patient")),
        ]))
        inputs = budget["inputs"]
        parameters |= {tr("econ.budget.eligible"): inputs["eligible_per_year"],
                       tr("econ.budget.uptake"): inputs["uptake"],
                       tr("econ.budget.domestic_share"): inputs["domestic_share"],
                       tr("econ.budget.follow_up_cost"): inputs["follow_up"],
                       tr("econ.costs.scenario"): inputs["scenario"],
                       tr("econ.budget.apply"): inputs["agreement"] is not None}
    sections.append(Section(tr("econ.budget.notes"), [Note(tr("lead.outcomes.scenario"),
                                                           "warning")]))
    record = {"cohort_definition": latest["definition"], "data_sha256": latest["data_sha256"],
              "code_version": latest["code_version"], "run_id": latest["run_id"]}
    if agreement is not None and budget is not None:
        record["agreement_run_id"] = agreement["run_id"]
    report = Report(title=tr("econ.budget.report.title"), subtitle=latest["caption"],
                    language=lang(), generated_at=datetime.now(UTC),
                    key_figures=KeyFigures(key), sections=sections, parameters=parameters,
                    reproducibility=record)
    return render_html(report)


def run_record(run_id: int, session: Any, definition: CohortDefinition) -> dict[str, Any]:
    run = session.get(AnalysisRun, run_id)
    return {"run_id": run_id, "data_sha256": run.data_sha256 if run else "",
            "code_version": run.code_version if run else "",
            "definition": definition.filters(), "caption": cohort_caption(definition)}


actor = require_actor()
st.title(tr("econ.budget.title"))
scenarios, definition = open_workspace(actor)
figures: dict[str, Any] = {}

# ---- agreement --------------------------------------------------------------------------------
st.header(tr("econ.budget.agreement"), divider="gray")
# labels read now: AppTest (and Streamlit) may call format_func outside the script run
template_labels = {k: tr(f"econ.budget.template.{k}") for k in TEMPLATES}
arm_labels = {a: arm_label(a) for a in charts.ARMS}
template_name = st.selectbox(tr("econ.budget.template"), list(TEMPLATES), key="agr_template",
                             format_func=template_labels.__getitem__)
template = TEMPLATES[template_name]
st.markdown(tr(f"econ.budget.template_note.{template_name}"))
with st.expander(tr("econ.budget.source_title")):
    st.markdown(f"**{tr('econ.budget.source')}:** {template.source}")
    st.markdown(f"**{tr('econ.budget.assumptions')}:** {template.assumptions}")
    st.caption(tr("econ.budget.source_language"))
show_summary("agreement", {"price", "upfront_share", "day", "share", "milestones"})
left, middle, right = st.columns(3)
with left:
    st.number_input(tr("econ.budget.price"), min_value=0.0, value=float(template.price),
                    step=100_000.0, format="%.0f", key=f"agr_{template_name}_price")
    show_errors("agreement", "price")
with middle:
    st.number_input(tr("econ.budget.upfront"), min_value=0.0, max_value=1.0,
                    value=float(template.upfront_share), step=0.01, format="%.4f",
                    key=f"agr_{template_name}_upfront")
    show_errors("agreement", "upfront_share")
with right:
    arm = st.radio(tr("econ.budget.arm"), list(charts.ARMS), format_func=arm_labels.__getitem__,
                   horizontal=True, key="agr_arm")
st.caption(tr(f"econ.budget.kind.{template.kind}"))
for i, milestone in enumerate(template.milestones):
    name_column, day_column, share_column = st.columns([2, 1, 1])
    name_column.markdown(f"**{milestone.name}**  \n"
                         f"{tr(f'econ.budget.condition.{milestone.condition}')}")
    with day_column:
        st.number_input(tr("econ.budget.day"), min_value=1.0, max_value=5500.0,
                        value=float(milestone.day), step=1.0, format="%.0f",
                        key=f"agr_{template_name}_m{i}_day")
        show_errors("agreement", f"m{i}.day")
    with share_column:
        st.number_input(tr("econ.budget.milestone_share"), min_value=0.0, max_value=1.0,
                        value=float(milestone.share), step=0.01, format="%.4f",
                        key=f"agr_{template_name}_m{i}_share")
        show_errors("agreement", f"m{i}.share")
show_errors("agreement", "milestones")
try:
    agreement: Agreement | None = agreement_from_inputs(template_name)
    terms_error: InvalidInput | None = None
except InvalidInput as exc:
    agreement, terms_error = None, exc
agreement_inputs = {"definition": definition.digest(), "template": template_name, "arm": arm,
                    "terms": agreement_terms(agreement) if agreement else None}

if st.button(tr("econ.cea.run"), key="agr_run", type="primary"):
    try:
        if agreement is None:
            assert terms_error is not None
            raise terms_error
        with st.spinner(tr("econ.cea.running")), session_scope() as session:
            effect = agreement_effect(session=session, actor=actor, definition=definition,
                                      agreement=agreement, arm=str(arm))
            record = run_record(effect.run_id, session, definition)
    except InvalidInput as exc:
        keep_errors("agreement", exc)
        st.session_state.pop(AGREEMENT, None)
        st.rerun()
    except RegistryError as exc:
        keep_errors("agreement", None)
        st.error(refusal_text(exc))
    else:
        keep_errors("agreement", None)
        st.session_state[AGREEMENT] = {"inputs": agreement_inputs, "effect": effect,
                                       "template": template_name, **record}

agreement_state = st.session_state.get(AGREEMENT)
if agreement_state is None:
    st.caption(tr("econ.budget.press_run_agreement"))
else:
    if agreement_state["inputs"] != agreement_inputs:
        st.warning(tr("econ.cea.stale"))
    effect = agreement_state["effect"]
    st.subheader(tr("econ.budget.agreement_result", arm=arm_label(effect.arm)))
    for column, (label, value) in zip(st.columns(6), agreement_figures(effect), strict=True):
        column.metric(label, value)
    st.markdown(f"**{tr('econ.budget.by_milestone')}**")
    st.dataframe(milestone_table(effect), hide_index=True)
    st.caption(tr("econ.budget.pending_note"))
    st.markdown(f"**{tr('econ.budget.status_title')}**")
    ledger_labels = {s: tr(f"econ.budget.status.{slug(s)}") for s in charts.STATUS_COLOURS}
    figures["ledger"] = charts.ledger_chart(
        labelled_counts(effect), status_labels=ledger_labels,
        milestones=[milestone_label(str(m)) for m in effect.ledger.by_milestone["milestone"]],
        x_title=tr("econ.budget.col.patients"), color_title=tr("econ.budget.col.status"))
    chart_with_csv(figures["ledger"], effect.status_counts, "agreement_status")
    st.dataframe(status_table(effect), hide_index=True)
    st.caption(run_caption(run_id=agreement_state["run_id"],
                           data_sha256=agreement_state["data_sha256"],
                           code_version=agreement_state["code_version"]))

# ---- budget -----------------------------------------------------------------------------------
st.header(tr("econ.budget.budget"), divider="gray")
st.caption(tr("econ.budget.method_note"))
show_summary("budget", {"domestic_share", "uptake", "eligible_per_year"})
first, second, third, fourth = st.columns(4)
with first:
    eligible = st.number_input(tr("econ.budget.eligible"), min_value=0, max_value=1_000_000,
                               value=10_000, step=100, key="bud_eligible")
    show_errors("budget", "eligible_per_year")
with second:
    follow_imported = st.number_input(tr("econ.budget.follow_up", arm=arm_label("imported")),
                                      min_value=0.0, value=300_000.0, step=10_000.0,
                                      format="%.0f", key="bud_follow_imported")
with third:
    follow_domestic = st.number_input(tr("econ.budget.follow_up", arm=arm_label("domestic")),
                                      min_value=0.0, value=300_000.0, step=10_000.0,
                                      format="%.0f", key="bud_follow_domestic")
with fourth:
    budget_scenario = st.selectbox(tr("econ.costs.scenario"), scenarios, key="bud_scenario")
st.markdown(f"**{tr('econ.budget.per_year')}**")
uptake, shares = [], []
for year, column in enumerate(st.columns(YEARS), start=1):
    with column:
        uptake.append(st.number_input(tr("econ.budget.uptake_year", year=year), min_value=0.0,
                                      max_value=100.0, value=30.0, step=1.0,
                                      key=f"bud_uptake_{year}") / 100)
        shares.append(st.number_input(tr("econ.budget.share_year", year=year), min_value=0.0,
                                      max_value=100.0, value=DEFAULT_SHARES[year - 1],
                                      step=1.0, key=f"bud_share_{year}") / 100)
show_errors("budget", "uptake")
show_errors("budget", "domestic_share")
apply = st.toggle(tr("econ.budget.apply_toggle", arm=arm_label(str(arm)),
                     template=tr(f"econ.budget.template.{template_name}")), key="bud_apply")
follow_up = {"imported": float(follow_imported), "domestic": float(follow_domestic)}
budget_inputs = {"definition": definition.digest(), "eligible_per_year": int(eligible),
                 "uptake": uptake, "domestic_share": shares, "scenario": budget_scenario,
                 "follow_up": follow_up,
                 "agreement": [arm, template_name, agreement_terms(agreement)]
                 if apply and agreement else None}

if st.button(tr("econ.cea.run"), key="bud_run", type="primary"):
    try:
        if apply and agreement is None:
            assert terms_error is not None
            raise terms_error
        with st.spinner(tr("econ.cea.running")), session_scope() as session:
            budget = programme_budget(
                session=session, actor=actor, definition=definition, domestic_share=shares,
                eligible_per_year=int(eligible), uptake=uptake, years=YEARS,
                follow_up_cost_per_year=follow_up,
                agreements={str(arm): agreement} if apply and agreement else None,
                scenario=str(budget_scenario or "base"))
            record = run_record(budget.run_id, session, definition)
    except InvalidInput as exc:
        keep_errors("agreement" if apply and agreement is None else "budget", exc)
        st.session_state.pop(BUDGET, None)
        st.rerun()
    except RegistryError as exc:
        keep_errors("budget", None)
        st.error(refusal_text(exc))
    else:
        keep_errors("budget", None)
        st.session_state[BUDGET] = {"inputs": budget_inputs, "result": budget, **record}

budget_state = st.session_state.get(BUDGET)
if budget_state is None:
    st.caption(tr("econ.budget.press_run_budget"))
else:
    if budget_state["inputs"] != budget_inputs:
        st.warning(tr("econ.cea.stale"))
    budget = budget_state["result"]
    st.subheader(tr("econ.budget.by_year"))
    if budget_state["inputs"]["agreement"] is not None:
        st.caption(tr("econ.budget.with_agreement", arm=arm_label(
            budget_state["inputs"]["agreement"][0]), template=tr(
            f"econ.budget.template.{budget_state['inputs']['agreement'][1]}")))
    for column, (label, value) in zip(st.columns(3), budget_figures(budget), strict=True):
        column.metric(label, value)
    st.dataframe(year_table(budget), hide_index=True)
    figures["bars"] = charts.budget_chart(
        budget.comparison, scenario_labels=scenario_labels(), unit=BILLION,
        x_title=tr("econ.budget.col.year"), y_title=tr("econ.budget.axis.cost"),
        color_title=tr("econ.budget.axis.scenario"))
    chart_with_csv(figures["bars"], budget.comparison, "budget_by_year")
    figures["cumulative"] = charts.cumulative_difference_chart(
        budget.comparison, unit=BILLION, x_title=tr("econ.budget.col.year"),
        y_title=tr("econ.budget.axis.cumulative"))
    chart_with_csv(figures["cumulative"],
                   budget.comparison[budget.comparison["scenario"] == "mix"],
                   "budget_cumulative_difference")
    st.caption(tr("econ.budget.cumulative_note"))
    st.markdown(f"**{tr('econ.budget.cost_per_patient')}**")
    st.dataframe(cost_table(budget), hide_index=True)
    st.caption(tr("econ.budget.cost_note"))
    st.caption(run_caption(run_id=budget_state["run_id"],
                           data_sha256=budget_state["data_sha256"],
                           code_version=budget_state["code_version"]))

# ---- report -----------------------------------------------------------------------------------
if agreement_state is not None or budget_state is not None:
    ids = (agreement_state or {}).get("run_id"), (budget_state or {}).get("run_id"), lang()
    reports = st.session_state.setdefault(REPORTS, {})
    if ids not in reports:
        reports.clear()
        reports[ids] = report_html(agreement_state, budget_state, figures)
    st.download_button(tr("econ.cea.download_report"), reports[ids],
                       file_name=report_filename(tr("econ.budget.report.title"),
                                                 datetime.now(UTC)),
                       mime="text/html", key="budget_report", on_click="ignore",
                       icon=":material/description:")
