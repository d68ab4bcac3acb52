"""Economist: cost-effectiveness of the domestic product against the imported one (issue 6
item 5).

Every input of `CEAParameters` is on the page with its unit; the survival model of each arm
and endpoint defaults to the Extrapolation page's choice (``econ_model_os`` /
``econ_model_pfs_efs`` in the session), else the Weibull mixture-cure model. "Run" computes the
base case and the paired bootstrap with a progress bar; the results (per-arm costs, QALYs and
life-years, the ICER stated as dominance where it applies, the cost-effectiveness plane, the
acceptability curve, net monetary benefit, quadrant shares) stay in the session until the next
run, marked out of date when an input or the cohort changes.
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
from pages.ui.text import lang, md_literal, tr
from pages.ui.widgets import chart_with_csv
from registry import InvalidInput, RegistryError
from registry.analysis import PARAMETRIC_DISTRIBUTIONS
from registry.charts import cea as charts
from registry.economics import QUADRANTS, TEMPLATES, ICERResult, ceac
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
from registry.services.hta.cea import CEAParameters, CEAResult, cost_effectiveness

RESULT = "_econ_cea_result"  # the last run: inputs, CEAResult, run record, report cache
ERRORS = "_econ_cea_errors"  # field -> messages of the last refused run
DEFAULT_MODEL = "cure_weibull"
MILLION = 1e6
ENDPOINT_MODELS = {"os": "econ_model_os", "pfs": "econ_model_pfs_efs"}  # set by Extrapolation


def money(value: float) -> str:
    return format_value(float(value), lang())


def percent(value: float, decimals: int = 1) -> str:
    text = f"{float(value):.{decimals}%}"
    return text.replace(".", ",") if lang() == "ru" else text


def number(value: float, decimals: int = 3) -> str:
    return format_value(round(float(value), decimals), lang())


def show_errors(field: str) -> None:
    for message in st.session_state.get(ERRORS, {}).get(field, []):
        st.markdown(f":red[{md_literal(message)}]")


def model_choice(endpoint: str, arm: str) -> None:
    stored = st.session_state.get(ENDPOINT_MODELS[endpoint])
    chosen = stored.get(arm) if isinstance(stored, dict) else None
    default = chosen if chosen in PARAMETRIC_DISTRIBUTIONS else DEFAULT_MODEL
    # labels read now: AppTest (and Streamlit) may call format_func outside the script run
    labels = {d: tr(f"econ.cea.dist.{d}") for d in PARAMETRIC_DISTRIBUTIONS}
    st.selectbox(tr(f"econ.cea.model.{endpoint}", arm=arm_label(arm)),
                 list(PARAMETRIC_DISTRIBUTIONS),
                 index=PARAMETRIC_DISTRIBUTIONS.index(default),
                 format_func=labels.__getitem__, key=f"cea_{endpoint}_{arm}")


def icer_statement(point: ICERResult, wtp: float) -> str:
    """The base case in words: dominance as such, never a negative ratio."""
    params = {"cost": money(abs(point.delta_cost)), "qaly": number(abs(point.delta_effect)),
              "wtp": money(wtp)}
    if point.status == "ICER" and point.icer is not None:
        return tr(f"econ.cea.icer.{point.quadrant.replace('-', '_')}", icer=money(point.icer),
                  **params)
    if point.status == "no effect difference":
        return tr("econ.cea.icer.no_effect_dearer" if point.delta_cost > 0
                  else "econ.cea.icer.no_effect_cheaper", **params)
    return tr(f"econ.cea.icer.{point.status}", **params)


def interval(estimate: float, lower: float, upper: float) -> str:
    return tr("econ.cea.interval", estimate=money(estimate), lower=money(lower),
              upper=money(upper))


def arms_table(result: CEAResult) -> pd.DataFrame:
    a = result.arms
    table = pd.DataFrame({tr("econ.cea.col.arm"): [arm_label(x) for x in a["arm"]],
                          tr("econ.cea.col.n"): a["n"].astype(int).astype(str)})
    for column in ("cost_observed", "cost_extrapolated", "cost"):
        table[tr(f"econ.cea.col.{column}")] = [money(v) for v in a[column]]
    for column in ("qaly_observed", "qaly_extrapolated", "qaly", "life_years"):
        table[tr(f"econ.cea.col.{column}")] = [number(v) for v in a[column]]
    return table


def quadrant_table(result: CEAResult) -> pd.DataFrame:
    shares = result.bootstrap.quadrant_shares
    return pd.DataFrame({
        tr("econ.cea.col.quadrant"): [tr(f"econ.cea.quadrant.{q.replace(' ', '_')}")
                                      for q in QUADRANTS],
        tr("econ.cea.col.share"): [percent(shares.get(q, 0.0)) for q in QUADRANTS]})


def key_figures(result: CEAResult) -> list[tuple[str, str, str]]:
    boot, p = result.bootstrap, result.parameters
    nmb = boot.nmb or boot.nmb_interval(p.wtp)
    chance = float(ceac(boot, [p.wtp])["probability_cost_effective"].iloc[0])
    ci = tr("econ.cea.ci_note", n=boot.n_boot)
    return [
        (tr("econ.cea.metric.delta_cost"), money(boot.delta_cost.estimate),
         f"{ci}: {money(boot.delta_cost.lower)} … {money(boot.delta_cost.upper)}"),
        (tr("econ.cea.metric.delta_qaly"), number(boot.delta_effect.estimate),
         f"{ci}: {number(boot.delta_effect.lower)} … {number(boot.delta_effect.upper)}"),
        (tr("econ.cea.metric.nmb", wtp=money(p.wtp)), money(nmb.estimate),
         f"{ci}: {money(nmb.lower)} … {money(nmb.upper)}"),
        (tr("econ.cea.metric.probability", wtp=money(p.wtp)), percent(chance, 0), ""),
    ]


def parameter_record(p: CEAParameters) -> dict[str, Any]:
    return {
        tr("econ.cea.horizon"): p.horizon_years, tr("econ.cea.observed"): p.observed_years,
        tr("econ.cea.rate"): percent(p.rate), tr("econ.cea.u_pf"): p.utility_progression_free,
        tr("econ.cea.u_pd"): p.utility_progressed,
        tr("econ.cea.c_pf"): p.cost_progression_free_per_year,
        tr("econ.cea.c_pd"): p.cost_progressed_per_year, tr("econ.costs.scenario"): p.scenario,
        **{tr("econ.cea.model.os", arm=arm_label(a)): tr(f"econ.cea.dist.{p.os_model[a]}")
           for a in charts.ARMS},
        **{tr("econ.cea.model.pfs", arm=arm_label(a)): tr(f"econ.cea.dist.{p.pfs_model[a]}")
           for a in charts.ARMS},
        tr("econ.cea.wtp"): p.wtp, tr("econ.cea.n_boot"): p.n_boot, tr("econ.cea.seed"): p.seed,
    }


def report_html(state: dict[str, Any], plane: Any, curve: Any) -> str:
    result: CEAResult = state["result"]
    p = result.parameters
    report = Report(
        title=tr("econ.cea.report.title"), subtitle=state["caption"], language=lang(),
        generated_at=datetime.now(UTC),
        key_figures=KeyFigures([(label, value, note) for label, value, note
                                in key_figures(result)]),
        sections=[
            Section(tr("econ.cea.results"), [
                Paragraph(icer_statement(result.point, p.wtp).replace("**", "")),
                Table(arms_table(result), caption=tr("econ.cea.arms_caption")),
                Note(tr("lead.outcomes.scenario"), "warning"),
            ]),
            Section(tr("econ.cea.plane"), [
                Figure(plane, tr("econ.cea.plane_note")),
                Table(quadrant_table(result), caption=tr("econ.cea.quadrants")),
            ]),
            Section(tr("econ.cea.ceac"), [Figure(curve, tr("econ.cea.ceac_note"))]),
            Section(tr("econ.cea.model_title"), [
                Paragraph(tr("econ.cea.model_note").replace("**", "")),
                Note(tr("econ.cea.assumption_note"), "warning"),
            ]),
        ],
        parameters=parameter_record(p),
        reproducibility={"cohort_definition": state["definition"],
                         "data_sha256": state["data_sha256"],
                         "code_version": state["code_version"], "run_id": result.run_id})
    return render_html(report)


actor = require_actor()
st.title(tr("econ.cea.title"))
scenarios, definition = open_workspace(actor)

# ---- parameters -------------------------------------------------------------------------------
st.subheader(tr("econ.cea.parameters"))
errors = st.session_state.get(ERRORS, {})
if errors:
    shown = {"horizon_years", "observed_years", "rate", "utility_progression_free",
             "utility_progressed", "cost_progression_free_per_year", "cost_progressed_per_year",
             "wtp", "n_boot"}
    st.error("\n\n".join([tr("econ.cea.invalid"), *(m for f, ms in errors.items()
                                                     if f not in shown for m in ms)]))
first, second, third = st.columns(3)
with first:
    horizon = st.number_input(tr("econ.cea.horizon"), min_value=1.0, max_value=60.0, value=20.0,
                              step=1.0, key="cea_horizon")
    show_errors("horizon_years")
with second:
    observed = st.number_input(tr("econ.cea.observed"), min_value=0.25, max_value=15.0,
                               value=1.0, step=0.25, key="cea_observed")
    show_errors("observed_years")
with third:
    rate = st.number_input(tr("econ.cea.rate"), min_value=0.0, max_value=20.0, value=5.0,
                           step=0.5, key="cea_rate")
    show_errors("rate")
st.markdown(f"**{tr('econ.cea.states')}**")
st.caption(tr("econ.cea.assumption_note"))
columns = st.columns(4)
state_inputs = [("utility_progression_free", "econ.cea.u_pf", "cea_u_pf", 0.80),
                ("utility_progressed", "econ.cea.u_pd", "cea_u_pd", 0.60)]
values: dict[str, float] = {}
for column, (field, label, key, default) in zip(columns[:2], state_inputs, strict=True):
    with column:
        values[field] = st.number_input(tr(label), min_value=-1.0, max_value=1.0, value=default,
                                        step=0.01, key=key)
        show_errors(field)
cost_inputs = [("cost_progression_free_per_year", "econ.cea.c_pf", "cea_c_pf", 300_000.0),
               ("cost_progressed_per_year", "econ.cea.c_pd", "cea_c_pd", 1_500_000.0)]
for column, (field, label, key, default) in zip(columns[2:], cost_inputs, strict=True):
    with column:
        values[field] = st.number_input(tr(label), min_value=0.0, value=default, step=10_000.0,
                                        format="%.0f", key=key)
        show_errors(field)
st.markdown(f"**{tr('econ.cea.models')}**")
st.caption(tr("econ.cea.models_note"))
model_columns = st.columns(4)
for column, (endpoint, arm) in zip(model_columns, [(e, a) for e in ("os", "pfs")
                                                    for a in charts.ARMS], strict=True):
    with column:
        model_choice(endpoint, arm)
first, second, third, fourth = st.columns(4)
with first:
    scenario = st.selectbox(tr("econ.costs.scenario"), scenarios, key="cea_scenario")
with second:
    wtp = st.number_input(tr("econ.cea.wtp"), min_value=0.0, value=5_000_000.0,
                          step=100_000.0, format="%.0f", key="cea_wtp")
    show_errors("wtp")
with third:
    n_boot = st.number_input(tr("econ.cea.n_boot"), min_value=200, max_value=20_000,
                             value=1000, step=100, key="cea_n_boot")
    show_errors("n_boot")
with fourth:
    seed = st.number_input(tr("econ.cea.seed"), min_value=0, max_value=2**31 - 1, value=1,
                           step=1, key="cea_seed")

parameters = CEAParameters(
    horizon_years=float(horizon), observed_years=float(observed), rate=float(rate) / 100,
    utility_progression_free=float(values["utility_progression_free"]),
    utility_progressed=float(values["utility_progressed"]),
    cost_progression_free_per_year=float(values["cost_progression_free_per_year"]),
    cost_progressed_per_year=float(values["cost_progressed_per_year"]),
    scenario=str(scenario or "base"),
    os_model={a: str(st.session_state[f"cea_os_{a}"]) for a in charts.ARMS},
    pfs_model={a: str(st.session_state[f"cea_pfs_{a}"]) for a in charts.ARMS},
    wtp=float(wtp), n_boot=int(n_boot), seed=int(seed))
agreement_labels = {"none": tr("econ.cea.agreement.none")} | {
    k: tr(f"econ.budget.template.{k}") for k in TEMPLATES}
agreement_key = st.selectbox(tr("econ.cea.agreement"), list(agreement_labels),
                             key="cea_agreement", format_func=agreement_labels.__getitem__)
st.caption(tr("econ.cea.agreement_note"))
agreements = {} if agreement_key == "none" else {"imported": TEMPLATES[agreement_key]}
inputs = {"definition": definition.digest(), **parameters.record(), "agreement": agreement_key}

if st.button(tr("econ.cea.run"), key="cea_run", type="primary"):
    bar = st.progress(0.0, text=tr("econ.cea.progress.start"))

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0),
                     text=tr("econ.cea.progress.boot", done=done, total=total))

    try:
        with session_scope() as session:
            result = cost_effectiveness(session=session, actor=actor, definition=definition,
                                        parameters=parameters, on_progress=progress,
                                        agreements=agreements)
            run = session.get(AnalysisRun, result.run_id)
    except InvalidInput as exc:
        grouped: dict[str, list[str]] = {}
        for error in exc.errors:
            grouped.setdefault(error.field, []).append(refusal_text(error))
        st.session_state[ERRORS] = grouped
        st.session_state.pop(RESULT, None)
        st.rerun()
    except RegistryError as exc:
        st.session_state.pop(ERRORS, None)
        bar.empty()
        st.error(refusal_text(exc))
    else:
        st.session_state.pop(ERRORS, None)
        bar.progress(1.0, text=tr("econ.cea.progress.done"))
        st.session_state[RESULT] = {
            "inputs": inputs, "result": result, "definition": definition.filters(),
            "caption": cohort_caption(definition),
            "data_sha256": run.data_sha256 if run else "",
            "code_version": run.code_version if run else "", "reports": {}}

state = st.session_state.get(RESULT)
if state is None:
    st.caption(tr("econ.cea.press_run"))
    st.stop()
if state["inputs"] != inputs:
    st.warning(tr("econ.cea.stale"))
result = state["result"]
p = result.parameters

# ---- results ----------------------------------------------------------------------------------
st.subheader(tr("econ.cea.results"))
st.markdown(icer_statement(result.point, p.wtp))
figures = key_figures(result)
for column, (label, value, note) in zip(st.columns(4), figures, strict=True):
    column.metric(label, value, help=note or None)
st.caption(" · ".join(f"{label}: {note}" for label, _, note in figures if note))
st.dataframe(arms_table(result), hide_index=True)
st.caption(tr("econ.cea.arms_caption"))

st.subheader(tr("econ.cea.plane"))
boot = result.bootstrap
plane = charts.ce_plane_chart(
    boot.replicates, delta_cost=result.point.delta_cost, delta_effect=result.point.delta_effect,
    wtp=p.wtp, unit=MILLION, x_title=tr("econ.cea.axis.delta_qaly"),
    y_title=tr("econ.cea.axis.delta_cost"), replicate_label=tr("econ.cea.legend.replicates"),
    point_label=tr("econ.cea.legend.base_case"),
    wtp_label=tr("econ.cea.legend.wtp", wtp=money(p.wtp)))
chart_with_csv(plane, boot.replicates, "ce_plane")
st.caption(tr("econ.cea.plane_note"))
st.dataframe(quadrant_table(result), hide_index=True)

st.subheader(tr("econ.cea.ceac"))
curve = charts.ceac_chart(result.acceptability, wtp=p.wtp, unit=MILLION,
                          x_title=tr("econ.cea.axis.wtp"),
                          y_title=tr("econ.cea.axis.probability"),
                          wtp_label=tr("econ.cea.legend.wtp", wtp=money(p.wtp)))
chart_with_csv(curve, result.acceptability, "ceac")
st.caption(tr("econ.cea.ceac_note"))

with st.expander(tr("econ.cea.model_title"), expanded=False):
    st.markdown(tr("econ.cea.model_note"))
st.caption(tr("econ.cea.model_caption"))
st.caption(run_caption(run_id=result.run_id, data_sha256=state["data_sha256"],
                       code_version=state["code_version"]))
reports = state["reports"]
if lang() not in reports:
    reports[lang()] = report_html(state, plane, curve)
st.download_button(tr("econ.cea.download_report"), reports[lang()],
                   file_name=report_filename(tr("econ.cea.report.title"), datetime.now(UTC)),
                   mime="text/html", key="cea_report", on_click="ignore",
                   icon=":material/description:")
