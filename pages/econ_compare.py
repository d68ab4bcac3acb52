"""Economist: the domestic product against the imported one, crude and adjusted (issue 6 item 2).

The working cohort (pages/ui/econ.py) is compared when "Run" is pressed
(`registry.services.hta.comparison.compare_products`): patients per arm, hazard ratios (Cox,
crude and adjusted) with a forest plot, covariate balance before and after IPTW with a Love
plot, crude and IPTW-weighted Kaplan-Meier curves, RMST to the chosen horizon and cumulative
incidence of relapse and non-relapse mortality. The result stays in the session under
`RESULT`, so downloads and the endpoint switch do not recompute; a change of the cohort or of
the horizon marks it out of date. The HTML report holds the same figures and tables, the
parameters and the run record.

Helpers of this page (pure, on the result): `p_text`, `arm_label`, `covariate_label`, the
tables `hr_table`, `balance_table`, `rmst_table` (numbers stay numbers: `show` puts them on
the page, `report_table` in the report with the language's decimal mark), `build_charts`,
`build_report`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.econ import cohort_caption, run_caption, split_refusal, working_definition
from pages.ui.state import require_actor, session_scope
from pages.ui.text import lang, tr
from pages.ui.widgets import chart_with_csv
from registry import PermissionDenied, RegistryError, require
from registry.analysis import ConvergenceError
from registry.charts import economics as charts
from registry.i18n import CATALOGUE, message_text
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
from registry.services.hta.comparison import Comparison, compare_products

Shown = tuple[pd.DataFrame, dict[str, int]]  # a table and the decimals of its number columns
RESULT = "_econ_compare"  # {"result": Comparison, "digest", "horizon", "record"}
ARMS = ("imported", "domestic")
ENDPOINTS = ("os", "pfs_efs")
MODELS = ("crude", "adjusted")


def p_text(p: Any) -> str:
    if p is None or pd.isna(p):
        return "–"
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def number(value: Any, decimals: int = 2) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.{decimals}f}"


def arm_label(arm: str) -> str:
    return tr(f"econ.compare.arm.{arm}")


def covariate_label(name: str) -> str:
    if name == "domestic":
        return arm_label("domestic")
    if name.startswith("indication:"):
        return tr("econ.compare.covariate.indication", level=name.split(":", 1)[1])
    key = f"econ.compare.covariate.{name}"
    return tr(key) if key in CATALOGUE else name


def hr_table(result: Comparison, *, terms: bool = False) -> Shown:
    """The arm's hazard ratios (or, with `terms`, every term of the adjusted models)."""
    rows = result.hazard_ratios
    rows = rows[rows["model"] == "adjusted"] if terms else rows[rows["term"] == "domestic"]
    order = {e: i for i, e in enumerate(ENDPOINTS)} | {m: i for i, m in enumerate(MODELS)}
    rows = rows.sort_values(["endpoint", "model"], key=lambda c: c.map(order), kind="stable")
    table: dict[str, list[Any]] = {tr("econ.compare.col.endpoint"): [
        tr(f"econ.compare.endpoint.{e}") for e in rows["endpoint"]]}
    if terms:
        table[tr("econ.compare.col.term")] = [covariate_label(t) for t in rows["term"]]
    else:
        table[tr("econ.compare.col.model")] = [tr(f"econ.compare.model.{m}")
                                               for m in rows["model"]]
    values = {"econ.compare.col.hr": "hr", "econ.compare.col.lower": "hr_lower",
              "econ.compare.col.upper": "hr_upper"}
    table |= {tr(key): rows[column].astype(float).tolist() for key, column in values.items()}
    table[tr("econ.compare.col.p")] = [p_text(v) for v in rows["p_value"]]
    return pd.DataFrame(table), dict.fromkeys(map(tr, values), 2)


def balance_table(result: Comparison) -> Shown:
    b = result.balance
    columns = {"econ.compare.col.mean_domestic": ("mean_treated", 2),
               "econ.compare.col.mean_imported": ("mean_control", 2),
               "econ.compare.col.smd_before": ("smd_unweighted", 3),
               "econ.compare.col.mean_domestic_w": ("mean_treated_weighted", 2),
               "econ.compare.col.mean_imported_w": ("mean_control_weighted", 2),
               "econ.compare.col.smd_after": ("smd_weighted", 3)}
    frame = pd.DataFrame({tr("econ.compare.col.covariate"): [covariate_label(c)
                                                             for c in b["covariate"]]})
    for key, (column, _) in columns.items():
        frame[tr(key)] = b[column].astype(float).to_numpy()
    return frame, {tr(key): decimals for key, (_, decimals) in columns.items()}


def rmst_table(result: Comparison) -> Shown:
    r = result.rmst
    values = {"econ.compare.col.rmst": "rmst_months", "econ.compare.col.lower": "lower",
              "econ.compare.col.upper": "upper"}
    frame = pd.DataFrame({
        tr("econ.compare.col.endpoint"): [tr(f"econ.compare.endpoint.{e}")
                                          for e in r["endpoint"]],
        tr("econ.compare.col.arm"): [arm_label(a) for a in r["arm"]]})
    for key, column in values.items():
        frame[tr(key)] = r[column].astype(float).to_numpy()
    frame[tr("econ.compare.col.p")] = [p_text(v) if a == "difference" else "–"
                                       for a, v in zip(r["arm"], r["p_value"], strict=True)]
    return frame, dict.fromkeys(map(tr, values), 2)


def show(table: Shown) -> None:
    """A table on the page, its numbers to the table's decimals."""
    frame, decimals = table
    st.dataframe(frame, hide_index=True, column_config={
        column: st.column_config.NumberColumn(format=f"%.{n}f")
        for column, n in decimals.items()})


def report_table(table: Shown, caption: str = "") -> Table:
    """A table in the report: numbers to the table's decimals, decimal mark of the language."""
    frame, decimals = table
    p = tr("econ.compare.col.p")
    if p in frame and lang() == "ru":
        frame = frame.assign(**{p: frame[p].str.replace(".", ",", regex=False)})
    return Table(frame, caption, number_format={c: f".{n}f" for c, n in decimals.items()})


def weights_sentence(result: Comparison) -> str:
    w = result.weights_summary
    return tr("econ.compare.weights", min=number(w["min"]), max=number(w["max"]),
              mean=number(w["mean"]), ess_imported=number(w["ess_imported"], 1),
              n_imported=result.counts["imported"], ess_domestic=number(w["ess_domestic"], 1),
              n_domestic=result.counts["domestic"])


def build_charts(result: Comparison) -> dict[str, Any]:
    """Every chart of the page: forest, love, km_os, km_pfs_efs, cif."""
    arms = {a: arm_label(a) for a in ARMS}
    covariates = {c: covariate_label(c) for c in result.balance["covariate"]}
    built: dict[str, Any] = {
        "forest": charts.forest_plot(
            result.hazard_ratios,
            endpoint_labels={e: tr(f"econ.compare.endpoint.{e}") for e in ENDPOINTS},
            model_labels={m: tr(f"econ.compare.model.{m}") for m in MODELS},
            x_title=tr("econ.compare.axis.hr"), y_title=tr("econ.compare.col.endpoint"),
            color_title=tr("econ.compare.col.model")),
        "love": charts.love_plot(
            result.balance, covariate_labels=covariates,
            stage_labels={s: tr(f"econ.compare.stage.{s}") for s in ("unweighted", "weighted")},
            x_title=tr("econ.compare.axis.smd"), y_title=tr("econ.compare.col.covariate"),
            color_title=tr("econ.compare.legend.stage")),
        "cif": charts.curve_panels(
            result.incidence, panel="cause",
            panels={c: tr(f"econ.compare.cause.{c}") for c in ("relapse", "nrm")},
            arm_labels=arms, value="cif", start=0.0, x_title=tr("econ.compare.axis.months"),
            y_title=tr("econ.compare.axis.cif"), color_title=tr("econ.compare.legend.arm")),
    }
    for endpoint in ENDPOINTS:
        built[f"km_{endpoint}"] = charts.curve_panels(
            result.curves[result.curves["endpoint"] == endpoint], panel="weighting",
            panels={w: tr(f"econ.compare.weighting.{w}") for w in ("crude", "iptw")},
            arm_labels=arms, x_title=tr("econ.compare.axis.months"),
            y_title=tr("econ.compare.axis.survival"), color_title=tr("econ.compare.legend.arm"))
    return built


def build_report(result: Comparison, record: dict[str, Any], built: dict[str, Any]) -> Report:
    """The page as a report: figures, tables, parameters and the reproducibility record."""
    adjusted = result.hazard_ratios[(result.hazard_ratios["term"] == "domestic")
                                    & (result.hazard_ratios["model"] == "adjusted")]
    key: list[tuple[str, Any, str]] = [(arm_label(a), result.counts[a], "") for a in ARMS]
    key += [(tr("econ.compare.report.key_hr", endpoint=tr(f"econ.compare.endpoint.{r.endpoint}")),
             r.hr, tr("econ.compare.report.ci", lower=format_value(r.hr_lower, lang()),
                             upper=format_value(r.hr_upper, lang())))
            for r in adjusted.itertuples()]
    km = [Figure(built[f"km_{e}"], tr("econ.compare.report.fig.km",
                                      endpoint=tr(f"econ.compare.endpoint.{e}")))
          for e in ENDPOINTS]
    sections = [
        Section(tr("econ.compare.title"), [
            Paragraph(tr("econ.compare.intro")), Paragraph(tr("econ.compare.endpoint_note")),
            Note(tr("lead.outcomes.scenario"), "warning")]),
        Section(tr("econ.compare.hr"), [
            report_table(hr_table(result), tr("econ.compare.hr")),
            Figure(built["forest"], tr("econ.compare.report.fig.forest")),
            Paragraph(tr("econ.compare.hr_note")),
            report_table(hr_table(result, terms=True), tr("econ.compare.hr_terms"))]),
        Section(tr("econ.compare.balance"), [
            report_table(balance_table(result), tr("econ.compare.balance")),
            Figure(built["love"], tr("econ.compare.report.fig.love")),
            Paragraph(weights_sentence(result)), Paragraph(tr("econ.compare.balance_note"))]),
        Section(tr("econ.compare.km"), [*km, Paragraph(tr("econ.compare.km_note"))]),
        Section(tr("econ.compare.rmst", horizon=f"{result.horizon_months:g}"), [
            report_table(rmst_table(result)), Paragraph(tr("econ.compare.rmst_note"))]),
        Section(tr("econ.compare.cif"), [
            Figure(built["cif"], tr("econ.compare.report.fig.cif")),
            Paragraph(tr("econ.compare.cif_note"))]),
    ]
    return Report(
        title=tr("econ.compare.report.title"), subtitle=record["caption"], sections=sections,
        parameters={tr("econ.compare.report.cohort"): record["cohort_name"],
                    tr("econ.compare.report.horizon"): result.horizon_months,
                    tr("econ.compare.report.covariates"): ", ".join(
                        covariate_label(c) for c in result.balance["covariate"]),
                    tr("econ.compare.report.weights"): tr("econ.compare.report.weights_value")},
        reproducibility={"cohort_definition": record["cohort_definition"],
                         "data_sha256": record["data_sha256"],
                         "code_version": record["code_version"], "run_id": result.run_id},
        generated_at=datetime.now(UTC), language=lang(), key_figures=KeyFigures(key))


# ---- page -------------------------------------------------------------------------------------
actor = require_actor()
st.title(tr("econ.compare.title"))
definition = working_definition()
st.caption(cohort_caption(definition))
try:
    require(actor, "cohort:analyse")
except PermissionDenied as exc:
    st.error(f"{message_text(exc, lang())}\n\n{tr('econ.compare.denied_note')}")
    st.stop()
st.caption(tr("econ.compare.intro"))
st.caption(tr("lead.outcomes.scenario"))

left, _ = st.columns([1, 2])
horizon = float(left.number_input(tr("econ.compare.horizon"), min_value=1.0, max_value=180.0,
                                  value=12.0, step=1.0, format="%g",
                                  help=tr("econ.compare.horizon_help"), key="compare_horizon"))
horizon_errors = left.container()
if st.button(tr("econ.compare.run"), type="primary", key="compare_run"):
    try:
        with st.spinner(tr("econ.compare.running")), session_scope() as session:
            computed = compare_products(session=session, actor=actor, definition=definition,
                                        horizon_months=horizon)
            row = session.get(AnalysisRun, computed.run_id)
        st.session_state[RESULT] = {
            "result": computed, "digest": definition.digest(), "horizon": horizon,
            "record": {"cohort_definition": definition.filters(),
                       "cohort_name": definition.name or tr("econ.cohort.unnamed"),
                       "caption": cohort_caption(definition),
                       "data_sha256": row.data_sha256 if row else "",
                       "code_version": row.code_version if row else ""}}
    except ConvergenceError:
        st.error(tr("econ.compare.err.separation"))
    except RegistryError as exc:
        near, other = split_refusal(exc, "horizon_months", tr("econ.compare.horizon"))
        for text in near:
            horizon_errors.error(text)
        for text in other:
            st.error(text)

state = st.session_state.get(RESULT)
if not isinstance(state, dict):
    st.info(tr("econ.compare.prompt"))
    st.stop()
result: Comparison = state["result"]
record: dict[str, Any] = state["record"]
if state["digest"] != definition.digest() or state["horizon"] != horizon:
    st.warning(tr("econ.compare.stale"))
built = build_charts(result)

st.subheader(tr("econ.compare.counts"))
columns = st.columns(4)
for column, arm in zip(columns, ARMS, strict=False):
    column.metric(arm_label(arm), result.counts[arm])
columns[2].metric(tr("econ.compare.metric.total"), sum(result.counts.values()))
st.caption(tr("econ.compare.counts_note"))

st.subheader(tr("econ.compare.hr"))
show(hr_table(result))
chart_with_csv(built["forest"], result.hazard_ratios, "compare_hazard_ratios")
st.caption(tr("econ.compare.hr_note"))
with st.expander(tr("econ.compare.hr_terms")):
    show(hr_table(result, terms=True))

st.subheader(tr("econ.compare.balance"))
show(balance_table(result))
chart_with_csv(built["love"], result.balance, "compare_balance")
st.markdown(weights_sentence(result))
unbalanced = result.balance[result.balance["smd_weighted"].abs() >= charts.SMD_THRESHOLD]
if not unbalanced.empty:
    st.warning(tr("econ.compare.balance_bad", covariates=", ".join(
        covariate_label(c) for c in unbalanced["covariate"])))
st.caption(tr("econ.compare.balance_note"))

st.subheader(tr("econ.compare.km"))
endpoint = st.segmented_control(
    tr("econ.compare.km_endpoint"), list(ENDPOINTS), default="os",
    format_func=lambda e: tr(f"econ.compare.endpoint.{e}"), key="compare_km_endpoint") or "os"
chart_with_csv(built[f"km_{endpoint}"], result.curves[result.curves["endpoint"] == endpoint],
               f"compare_km_{endpoint}")
st.caption(f"{tr('econ.compare.km_note')} {tr('econ.compare.endpoint_note')}")

st.subheader(tr("econ.compare.rmst", horizon=f"{result.horizon_months:g}"))
show(rmst_table(result))
st.caption(tr("econ.compare.rmst_note"))

st.subheader(tr("econ.compare.cif"))
chart_with_csv(built["cif"], result.incidence, "compare_incidence")
st.caption(tr("econ.compare.cif_note"))

st.caption(run_caption(run_id=result.run_id, data_sha256=record["data_sha256"],
                       code_version=record["code_version"]))
report = build_report(result, record, built)
st.download_button(tr("econ.compare.report.download"),
                   lambda: render_html(report).encode("utf-8"),
                   file_name=report_filename(report.title, report.generated_at),
                   mime="text/html", key="compare_report", on_click="ignore",
                   icon=":material/description:")
