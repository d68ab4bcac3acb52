"""Economist: unit-cost scenarios and the mean cost per patient under censoring (issue 6 item 4).

The scenario picker lists the unit-cost scenarios; "base" holds the reference values and is
read-only, so an economist copies it (or any scenario) under a new name and edits the copy,
one item at a time with a required reason (versioned and audited by the service). "Run"
computes the mean cost per patient of each arm to the horizon by four estimators (naive
complete cases, naive all patients, Lin, Bang-Tsiatis) with bootstrap intervals, and the
observed cost build-up by resource item. Results stay in the session until the next run; a
change of cohort, scenario, its unit costs or the inputs marks them out of date.
"""

from __future__ import annotations

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
from pages.ui.text import dmy, lang, md_literal, tr
from pages.ui.widgets import chart_with_csv
from registry import Conflict, InvalidInput, RegistryError
from registry.charts import cea as charts
from registry.i18n import CATALOGUE, message_text
from registry.models import AnalysisRun
from registry.models.enums import ResourceItem
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
from registry.services.hta.costs import METHODS, CostSummary, cost_summary
from registry.services.workspace import (
    BASE_SCENARIO,
    copy_scenario,
    set_unit_cost,
    unit_costs,
)

RESULT = "_econ_costs_result"  # the last run: inputs, CostSummary, run record, report cache
ERRORS = "_econ_costs_errors"  # action ("copy", "edit", "run") -> field -> messages
FLASH = "_econ_costs_flash"
PENDING = "_econ_costs_pending_scenario"  # the scenario to select on the next run
MILLION = 1e6


def item_label(item: str) -> str:
    key = f"econ.costs.item.{item}"
    return tr(key) if key in CATALOGUE else item


def money(value: float) -> str:
    return format_value(float(value), lang())


def percent(value: float, decimals: int = 1) -> str:
    text = f"{float(value):.{decimals}%}"
    return text.replace(".", ",") if lang() == "ru" else text


def errors_of(action: str) -> dict[str, list[str]]:
    return dict(st.session_state.get(ERRORS, {}).get(action, {}))


def keep_errors(action: str, exc: InvalidInput | None) -> None:
    """Remember the field errors of `action` (None clears them)."""
    stored = dict(st.session_state.get(ERRORS, {}))
    stored.pop(action, None)
    if exc is not None:
        grouped: dict[str, list[str]] = {}
        for error in exc.errors:
            grouped.setdefault(error.field.split(".")[-1], []).append(refusal_text(error))
        stored[action] = grouped
    st.session_state[ERRORS] = stored


def show_errors(action: str, field: str) -> None:
    for message in errors_of(action).get(field, []):
        st.markdown(f":red[{md_literal(message)}]")


def show_summary(action: str, shown: tuple[str, ...]) -> None:
    """A refusal at the top of a section; messages of fields without a widget are listed."""
    errors = errors_of(action)
    if errors:
        other = [md_literal(m) for field, messages in errors.items() if field not in shown
                 for m in messages]
        st.error("\n\n".join([tr("econ.cea.invalid"), *other]))


def unit_cost_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        tr("econ.costs.col.item"): [item_label(i) for i in frame["item"]],
        tr("econ.costs.col.value"): [money(v) for v in frame["value"]],
        tr("econ.costs.col.currency"): frame["currency"].astype(str),
        tr("econ.costs.col.price_year"): frame["price_year"].astype(str),
        tr("econ.costs.col.valid_from"): [dmy(d) for d in frame["valid_from"]],
        tr("econ.costs.col.version"): frame["version"].astype(str),
        tr("econ.costs.col.source"): frame["source"].astype(str),
    })


def estimates_table(summary: CostSummary) -> pd.DataFrame:
    e = summary.estimates
    return pd.DataFrame({
        tr("econ.cea.col.arm"): [arm_label(a) for a in e["arm"]],
        tr("econ.costs.col.method"): [tr(f"econ.costs.method.{m}") for m in e["method"]],
        tr("econ.costs.col.estimate"): [money(v) for v in e["estimate"]],
        tr("econ.cea.col.lower"): [money(v) for v in e["lower"]],
        tr("econ.cea.col.upper"): [money(v) for v in e["upper"]],
        tr("econ.costs.col.se"): [money(v) for v in e["se"]],
        tr("econ.cea.col.n"): e["n"].astype(int).astype(str),
        tr("econ.costs.col.n_complete"): e["n_complete"].astype(int).astype(str),
    })


def buildup_table(summary: CostSummary) -> pd.DataFrame:
    wide = summary.breakdown.pivot_table(index="item", columns="arm", values="mean_observed",
                                         aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=[a for a in charts.ARMS if a in wide.columns])
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
    table = pd.DataFrame({tr("econ.costs.col.item"): [item_label(i) for i in wide.index]})
    for arm in wide.columns:
        table[arm_label(arm)] = [money(v) for v in wide[arm]]
    return table


def report_html(state: dict[str, Any], estimator: Any, buildup: Any) -> str:
    summary: CostSummary = state["summary"]
    inputs = state["inputs"]
    figures = [(tr("econ.costs.metric.complete", arm=arm_label(a)),
                percent(summary.complete_share[a], 0)) for a in charts.ARMS]
    report = Report(
        title=tr("econ.costs.report.title"), subtitle=state["caption"],
        language=lang(), generated_at=datetime.now(UTC), key_figures=KeyFigures(figures),
        sections=[
            Section(tr("econ.costs.estimates"), [
                Paragraph(tr("econ.costs.estimates_note",
                             horizon=format_value(inputs["horizon_years"], lang()),
                             currency=summary.currency, year=summary.price_year)),
                Table(estimates_table(summary), caption=tr("econ.costs.estimates")),
                Figure(estimator, tr("econ.costs.chart.estimators")),
                Note(tr("econ.costs.bias_note")),
            ]),
            Section(tr("econ.costs.buildup"), [
                Figure(buildup, tr("econ.costs.buildup_note")),
                Table(buildup_table(summary), caption=tr("econ.costs.buildup")),
            ]),
            Section(tr("econ.costs.unit_costs", scenario=summary.scenario), [
                Table(unit_cost_table(state["unit_costs"]),
                      caption=tr("econ.costs.unit_costs", scenario=summary.scenario)),
                *([Note(tr("econ.costs.unpriced", items=", ".join(
                    item_label(i) for i in summary.unpriced_items)), "warning")]
                  if summary.unpriced_items else []),
                Note(tr("lead.outcomes.scenario"), "warning"),
            ]),
        ],
        parameters={tr("econ.costs.scenario"): summary.scenario,
                    tr("econ.costs.horizon"): summary.horizon_years,
                    tr("econ.cea.n_boot"): inputs["n_boot"], tr("econ.cea.seed"): inputs["seed"],
                    tr("econ.costs.currency"): f"{summary.currency}, {summary.price_year}"},
        reproducibility={"cohort_definition": state["definition"],
                         "data_sha256": state["data_sha256"],
                         "code_version": state["code_version"], "run_id": summary.run_id})
    return render_html(report)


actor = require_actor()
st.title(tr("econ.costs.title"))
scenarios, definition = open_workspace(actor)
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

# ---- unit-cost scenarios ----------------------------------------------------------------------
st.subheader(tr("econ.costs.scenarios"))
if PENDING in st.session_state:
    st.session_state["costs_scenario"] = st.session_state.pop(PENDING)
if st.session_state.get("costs_scenario") not in scenarios:
    st.session_state["costs_scenario"] = scenarios[0] if scenarios else BASE_SCENARIO
scenario = st.selectbox(tr("econ.costs.scenario"), scenarios, key="costs_scenario")
try:
    with session_scope() as session:
        prices = unit_costs(session=session, actor=actor, scenario=scenario)
except RegistryError as exc:
    st.error(refusal_text(exc))
    st.stop()
st.dataframe(unit_cost_table(prices), hide_index=True)

copy_column, edit_column = st.columns(2)
with copy_column:
    st.markdown(f"**{tr('econ.costs.copy.title')}**")
    show_summary("copy", ("name",))
    new_name = st.text_input(tr("econ.costs.copy.name"), max_chars=64, key="costs_copy_name",
                             placeholder=tr("econ.costs.copy.placeholder"))
    show_errors("copy", "name")
    if st.button(tr("econ.costs.copy.submit", source=scenario), key="costs_copy"):
        try:
            with session_scope() as session:
                copied = copy_scenario(session=session, actor=actor, source=scenario,
                                       name=new_name)
        except InvalidInput as exc:
            keep_errors("copy", exc)
            st.rerun()
        except RegistryError as exc:
            keep_errors("copy", None)
            st.error(refusal_text(exc))
        else:
            keep_errors("copy", None)
            st.session_state[PENDING] = new_name.strip()
            st.session_state[FLASH] = tr("econ.costs.copy.done", name=new_name.strip(),
                                         source=scenario, rows=copied)
            st.rerun()
with edit_column:
    st.markdown(f"**{tr('econ.costs.edit.title')}**")
    if scenario == BASE_SCENARIO:
        st.info(tr("econ.costs.edit.base"))
    else:
        rows = {int(r["id"]): r for r in prices.to_dict("records")}
        show_summary("edit", ("value", "reason", "source"))
        with st.form("costs_edit"):
            # labels read now: AppTest may call format_func outside the script run
            labels = {i: f"{item_label(r['item'])} — {money(r['value'])}"
                      for i, r in rows.items()}
            chosen = st.selectbox(tr("econ.costs.col.item"), list(rows), key="costs_edit_item",
                                  format_func=labels.__getitem__)
            value = st.number_input(tr("econ.costs.edit.value"), min_value=0.0, value=None,
                                    step=1000.0, format="%.2f", key="costs_edit_value")
            show_errors("edit", "value")
            reason = st.text_input(tr("econ.costs.edit.reason"), max_chars=2000,
                                   key="costs_edit_reason")
            show_errors("edit", "reason")
            source = st.text_input(tr("econ.costs.edit.source"), max_chars=500,
                                   key="costs_edit_source")
            saved = st.form_submit_button(tr("econ.costs.edit.submit"))
        if saved and chosen is not None:
            row = rows[chosen]
            try:
                if value is None:
                    raise InvalidInput.one("value", "enter the new amount")
                with session_scope() as session:
                    set_unit_cost(session=session, actor=actor, unit_cost_id=chosen,
                                  value=float(value), expected_version=int(row["version"]),
                                  reason=reason, source=source or None)
            except InvalidInput as exc:
                keep_errors("edit", exc)
                st.rerun()
            except Conflict as exc:
                keep_errors("edit", None)
                st.error(message_text(exc, lang()))
            except RegistryError as exc:
                keep_errors("edit", None)
                st.error(refusal_text(exc))
            else:
                keep_errors("edit", None)
                st.session_state[FLASH] = tr("econ.costs.edit.done", item=item_label(
                    str(row["item"])), value=money(float(value)), scenario=scenario)
                st.rerun()
st.caption(tr("econ.costs.audit_note"))

# ---- analysis ---------------------------------------------------------------------------------
st.subheader(tr("econ.costs.analysis"))
show_summary("run", ("horizon_years", "n_boot", "seed"))
left, middle, right = st.columns(3)
with left:
    horizon = st.number_input(tr("econ.costs.horizon"), min_value=0.25, max_value=15.0,
                              value=1.0, step=0.25, key="costs_horizon")
    show_errors("run", "horizon_years")
with middle:
    n_boot = st.number_input(tr("econ.cea.n_boot"), min_value=200, max_value=20_000,
                             value=1000, step=100, key="costs_n_boot")
    show_errors("run", "n_boot")
with right:
    seed = st.number_input(tr("econ.cea.seed"), min_value=0, max_value=2**31 - 1, value=1,
                           step=1, key="costs_seed")
inputs = {"definition": definition.digest(), "scenario": scenario,
          "horizon_years": float(horizon), "n_boot": int(n_boot), "seed": int(seed),
          "prices": [(int(i), int(v)) for i, v in zip(prices["id"], prices["version"],
                                                      strict=True)]}
if st.button(tr("econ.cea.run"), key="costs_run", type="primary"):
    try:
        with st.spinner(tr("econ.cea.running")), session_scope() as session:
            summary = cost_summary(session=session, actor=actor, definition=definition,
                                   scenario=scenario, horizon_years=float(horizon),
                                   n_boot=int(n_boot), seed=int(seed))
            run = session.get(AnalysisRun, summary.run_id)
    except InvalidInput as exc:
        keep_errors("run", exc)
        st.session_state.pop(RESULT, None)
        st.rerun()
    except RegistryError as exc:
        keep_errors("run", None)
        st.error(refusal_text(exc))
    else:
        keep_errors("run", None)
        st.session_state[RESULT] = {
            "inputs": inputs, "summary": summary, "unit_costs": prices,
            "definition": definition.filters(), "caption": cohort_caption(definition),
            "data_sha256": run.data_sha256 if run else "",
            "code_version": run.code_version if run else "", "reports": {}}

state = st.session_state.get(RESULT)
if state is None:
    st.caption(tr("econ.costs.press_run"))
    st.stop()
if state["inputs"] != inputs:
    st.warning(tr("econ.cea.stale"))
summary = state["summary"]

st.subheader(tr("econ.costs.estimates"))
st.caption(tr("econ.costs.estimates_note", horizon=format_value(summary.horizon_years, lang()),
              currency=summary.currency, year=summary.price_year))
columns = st.columns(len(charts.ARMS))
for column, arm in zip(columns, charts.ARMS, strict=True):
    column.metric(tr("econ.costs.metric.complete", arm=arm_label(arm)),
                  percent(summary.complete_share[arm], 0))
if summary.unpriced_items:
    st.warning(tr("econ.costs.unpriced", items=", ".join(
        item_label(i) for i in summary.unpriced_items)))
st.dataframe(estimates_table(summary), hide_index=True)
arms = {a: arm_label(a) for a in charts.ARMS}
estimator = charts.estimator_chart(
    summary.estimates, arm_labels=arms, unit=MILLION,
    method_labels={m: tr(f"econ.costs.method.{m}") for m in METHODS},
    x_title=tr("econ.costs.axis.mean_cost"), color_title=tr("econ.cea.col.arm"))
chart_with_csv(estimator, summary.estimates.drop(columns=["ci"]), "cost_estimators")
st.info(tr("econ.costs.bias_note"))

st.subheader(tr("econ.costs.buildup"))
buildup = charts.cost_buildup_chart(
    summary.breakdown, arm_labels=arms, unit=MILLION,
    item_labels={i.value: item_label(i.value) for i in ResourceItem},
    x_title=tr("econ.costs.axis.buildup"), color_title=tr("econ.costs.col.item"))
chart_with_csv(buildup, summary.breakdown, "cost_buildup")
st.caption(tr("econ.costs.buildup_note"))
st.dataframe(buildup_table(summary), hide_index=True)

st.caption(run_caption(run_id=summary.run_id, data_sha256=state["data_sha256"],
                       code_version=state["code_version"]))
reports = state["reports"]
if lang() not in reports:
    reports[lang()] = report_html(state, estimator, buildup)
st.download_button(tr("econ.cea.download_report"), reports[lang()],
                   file_name=report_filename(tr("econ.costs.report.title"), datetime.now(UTC)),
                   mime="text/html", key="costs_report", on_click="ignore",
                   icon=":material/description:")
