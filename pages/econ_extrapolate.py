"""Economist: extrapolate OS and PFS/EFS of each arm to a lifetime horizon (issue 6 item 3).

"Fit the models" fits every parametric and mixture-cure model to each arm of the working
cohort (`registry.services.hta.extrapolation.extrapolate`) for the chosen endpoint. The page
shows the AIC/BIC table per arm (the best marked, models that did not converge with their
reason), each arm's Kaplan-Meier curve with every converged model to the horizon (or the
three best by AIC), the restricted mean and cure fraction of each model, and a choice per arm
of the model the cost-effectiveness page uses: stored as
``st.session_state["econ_model_os"]`` / ``["econ_model_pfs_efs"]`` =
``{"imported": name, "domestic": name}``, by default the best by AIC.

Results are kept per endpoint in the session under `RESULTS`, so both endpoints can be
fitted in turn and reruns do not refit; a change of the cohort or the horizon marks them out
of date. The HTML report holds the tables, figures, chosen models, parameters and run record.

Helpers of this page: `model_label`, `arm_label`, `ranked`, the tables `fits_table` and
`life_table` (numbers stay numbers: `show` puts them on the page, `report_table` in the
report), `arm_chart`, `choose_models` (the selectboxes) and `build_report`.
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
    render_html,
    report_filename,
)
from registry.services.hta.extrapolation import Extrapolation, extrapolate

# a table and its number columns' formats: (on the page, in the report)
Shown = tuple[pd.DataFrame, dict[str, tuple[str, str]]]
RESULTS = "_econ_extrap"  # endpoint -> {"result": Extrapolation, "digest", "horizon", "record"}
CHOICE = "econ_model_{endpoint}"  # read by the cost-effectiveness page
ARMS = ("imported", "domestic")
ENDPOINTS = ("os", "pfs_efs")
TOP = 3


def model_label(distribution: str) -> str:
    key = f"econ.extrap.model.{distribution}"
    return tr(key) if key in CATALOGUE else distribution


def arm_label(arm: str) -> str:
    return tr(f"econ.compare.arm.{arm}")


def widget_key(endpoint: str, arm: str) -> str:
    return f"extrap_model_{endpoint}_{arm}"


def ranked(result: Extrapolation, arm: str) -> list[str]:
    """The arm's converged models, best AIC first."""
    fits = result.fits[(result.fits["arm"] == arm) & result.fits["converged"].astype(bool)]
    return [str(d) for d in fits.sort_values("rank", kind="stable")["distribution"]]


def fits_table(result: Extrapolation, arm: str) -> Shown:
    fits = result.fits[result.fits["arm"] == arm]
    best = result.best.get(arm)
    status = [tr("econ.extrap.status.best") if d == best and c else
              tr(f"econ.extrap.status.{'converged' if c else 'failed'}")
              for d, c in zip(fits["distribution"], fits["converged"], strict=True)]
    loglik = tr("econ.extrap.col.loglik")
    frame = pd.DataFrame({
        tr("econ.extrap.col.rank"): ["–" if pd.isna(r) else str(int(r)) for r in fits["rank"]],
        tr("econ.extrap.col.model"): [model_label(str(d)) for d in fits["distribution"]],
        tr("econ.extrap.col.status"): status,
        tr("econ.extrap.col.n_params"): [int(n) for n in fits["n_params"]],
        loglik: fits["loglik"].astype(float).to_numpy(),
        "AIC": fits["aic"].astype(float).to_numpy(),
        "BIC": fits["bic"].astype(float).to_numpy(),
        tr("econ.extrap.col.message"): [str(m) if not c and isinstance(m, str) else ""
                                        for m, c in zip(fits["message"], fits["converged"],
                                                        strict=True)],
    })
    return frame, dict.fromkeys([loglik, "AIC", "BIC"], ("%.1f", ".1f"))


def life_table(result: Extrapolation) -> Shown:
    rows = []
    for arm in ARMS:
        fits = result.fits[result.fits["arm"] == arm].set_index("distribution")
        means = fits["restricted_mean_years"].astype(float).to_dict()
        cures = fits["cure_fraction"].astype(float).to_dict()
        for distribution in ranked(result, arm):
            rows.append((arm_label(arm), model_label(distribution), means[distribution],
                         cures[distribution]))
    mean, cure = tr("econ.extrap.col.mean_years"), tr("econ.extrap.col.cure")
    frame = pd.DataFrame(rows, columns=[tr("econ.compare.col.arm"),
                                        tr("econ.extrap.col.model"), mean, cure])
    return frame, {mean: ("%.2f", ".2f"), cure: ("percent", ".1%")}


def show(table: Shown) -> None:
    """A table on the page, its numbers in the table's formats."""
    frame, formats = table
    st.dataframe(frame, hide_index=True, column_config={
        column: st.column_config.NumberColumn(format=page) for column, (page, _) in
        formats.items()})


def report_table(table: Shown, caption: str = "") -> Table:
    """A table in the report, its numbers in the table's formats (the language's decimals)."""
    frame, formats = table
    return Table(frame, caption, number_format={c: spec for c, (_, spec) in formats.items()})


def arm_chart(result: Extrapolation, arm: str, models: list[str]) -> Any:
    return charts.extrapolation_chart(
        result.km[result.km["arm"] == arm], result.curves[result.curves["arm"] == arm],
        model_labels={d: model_label(d) for d in ranked(result, arm)}, models=models,
        km_label=tr("econ.extrap.km_label"), x_title=tr("econ.extrap.axis.years"),
        y_title=tr("econ.compare.axis.survival"), color_title=tr("econ.extrap.legend.model"),
        horizon_years=result.horizon_years,
        title=tr("econ.extrap.chart_title", arm=arm_label(arm),
                 endpoint=tr(f"econ.compare.endpoint.{result.endpoint}")))


def choose_models(result: Extrapolation) -> dict[str, str]:
    """A selectbox per arm (default: the best by AIC, or the session's earlier choice);
    stores and returns the choice of every arm that has a converged model."""
    endpoint = result.endpoint
    before = st.session_state.get(CHOICE.format(endpoint=endpoint)) or {}
    chosen = {}
    for arm in ARMS:
        options = ranked(result, arm)
        if not options:
            st.warning(tr("econ.extrap.no_converged", arm=arm_label(arm)))
            continue
        key = widget_key(endpoint, arm)
        if st.session_state.get(key) not in options:
            earlier = before.get(arm) if isinstance(before, dict) else None
            st.session_state[key] = earlier if earlier in options else result.best.get(
                arm, options[0])
        chosen[arm] = str(st.selectbox(tr("econ.extrap.choice_label", arm=arm_label(arm)),
                                       options, format_func=model_label, key=key))
        best = result.best.get(arm)
        if best is not None and chosen[arm] != best:
            st.caption(tr("econ.extrap.choice_not_best", arm=arm_label(arm),
                          best=model_label(best)))
    if len(chosen) == len(ARMS):
        st.session_state[CHOICE.format(endpoint=endpoint)] = chosen
    return chosen


def build_report(result: Extrapolation, record: dict[str, Any],
                 chosen: dict[str, str]) -> Report:
    """The page as a report: fits, curves (every converged model), life expectancy, the
    models chosen for the cost-effectiveness analysis, parameters and the run record."""
    endpoint = tr(f"econ.compare.endpoint.{result.endpoint}")
    horizon = f"{result.horizon_years:g}"
    arms = [Section(arm_label(arm), [
        report_table(fits_table(result, arm),
                     tr("econ.extrap.report.fits", arm=arm_label(arm))),
        Figure(arm_chart(result, arm, ranked(result, arm)),
               tr("econ.extrap.report.fig", arm=arm_label(arm), horizon=horizon))])
        for arm in ARMS]
    return Report(
        title=tr("econ.extrap.report.title", endpoint=endpoint), subtitle=record["caption"],
        sections=[
            Section(tr("econ.extrap.title"), [
                Paragraph(tr("econ.extrap.intro")), Note(tr("econ.extrap.warning"), "warning"),
                Note(tr("lead.outcomes.scenario"), "warning"),
                Paragraph(tr("econ.extrap.fits_note"))]),
            *arms,
            Section(tr("econ.extrap.life"), [
                report_table(life_table(result)),
                Paragraph(tr("econ.extrap.life_note", horizon=horizon))]),
        ],
        parameters={tr("econ.extrap.report.cohort"): record["cohort_name"],
                    tr("econ.extrap.report.endpoint"): endpoint,
                    tr("econ.extrap.report.horizon"): result.horizon_years,
                    tr("econ.extrap.report.models"): ", ".join(
                        model_label(str(d)) for d in dict.fromkeys(result.fits["distribution"]))},
        reproducibility={"cohort_definition": record["cohort_definition"],
                         "data_sha256": record["data_sha256"],
                         "code_version": record["code_version"], "run_id": result.run_id},
        generated_at=datetime.now(UTC), language=lang(),
        key_figures=KeyFigures([(f"{tr('econ.extrap.report.chosen')}: {arm_label(arm)}",
                                 model_label(name)) for arm, name in chosen.items()]))


# ---- page -------------------------------------------------------------------------------------
actor = require_actor()
st.title(tr("econ.extrap.title"))
definition = working_definition()
st.caption(cohort_caption(definition))
try:
    require(actor, "cohort:analyse")
except PermissionDenied as exc:
    st.error(f"{message_text(exc, lang())}\n\n{tr('econ.compare.denied_note')}")
    st.stop()
st.caption(tr("econ.extrap.intro"))
st.caption(tr("lead.outcomes.scenario"))

left, middle, _ = st.columns([2, 2, 3])
endpoint = left.segmented_control(
    tr("econ.extrap.endpoint"), list(ENDPOINTS), default="os",
    format_func=lambda e: tr(f"econ.compare.endpoint.{e}"), key="extrap_endpoint") or "os"
horizon = float(middle.number_input(tr("econ.extrap.horizon"), min_value=1.0, max_value=60.0,
                                    value=20.0, step=1.0, format="%g",
                                    help=tr("econ.extrap.horizon_help"), key="extrap_horizon"))
horizon_errors = middle.container()
results: dict[str, Any] = st.session_state.setdefault(RESULTS, {})
if st.button(tr("econ.extrap.run"), type="primary", key="extrap_run"):
    try:
        with st.spinner(tr("econ.extrap.running")), session_scope() as session:
            computed = extrapolate(session=session, actor=actor, definition=definition,
                                   endpoint=endpoint, horizon_years=horizon)
            row = session.get(AnalysisRun, computed.run_id)
        results[endpoint] = {
            "result": computed, "digest": definition.digest(), "horizon": horizon,
            "record": {"cohort_definition": definition.filters(),
                       "cohort_name": definition.name or tr("econ.cohort.unnamed"),
                       "caption": cohort_caption(definition),
                       "data_sha256": row.data_sha256 if row else "",
                       "code_version": row.code_version if row else ""}}
        for arm in ARMS:  # a new fit: the choice starts again from the best by AIC
            st.session_state.pop(widget_key(endpoint, arm), None)
        st.session_state.pop(CHOICE.format(endpoint=endpoint), None)
    except RegistryError as exc:
        near, other = split_refusal(exc, "horizon_years", tr("econ.extrap.horizon"))
        for text in near:
            horizon_errors.error(text)
        for text in other:
            st.error(text)

state = results.get(endpoint)
if not isinstance(state, dict):
    st.info(tr("econ.extrap.prompt"))
    st.stop()
result: Extrapolation = state["result"]
record: dict[str, Any] = state["record"]
if state["digest"] != definition.digest() or state["horizon"] != horizon:
    st.warning(tr("econ.extrap.stale"))
st.warning(tr("econ.extrap.warning"))

st.subheader(tr("econ.extrap.fits"))
for arm in ARMS:
    st.markdown(f"**{arm_label(arm)}**")
    show(fits_table(result, arm))
st.caption(tr("econ.extrap.fits_note"))

st.subheader(tr("econ.extrap.curves"))
top = st.checkbox(tr("econ.extrap.top3"), key="extrap_top3")
for arm in ARMS:
    models = ranked(result, arm)[:TOP] if top else ranked(result, arm)
    shown = pd.concat([result.km[result.km["arm"] == arm].assign(distribution="kaplan_meier"),
                       result.curves[(result.curves["arm"] == arm)
                                     & result.curves["distribution"].isin(models)]],
                      ignore_index=True)
    chart_with_csv(arm_chart(result, arm, models), shown, f"extrap_{result.endpoint}_{arm}")
st.caption(tr("econ.extrap.curves_note", horizon=f"{result.horizon_years:g}"))

st.subheader(tr("econ.extrap.life"))
show(life_table(result))
st.caption(tr("econ.extrap.life_note", horizon=f"{result.horizon_years:g}"))

st.subheader(tr("econ.extrap.choice"))
chosen = choose_models(result)
st.caption(tr("econ.extrap.choice_note", endpoint=tr(f"econ.compare.endpoint.{endpoint}")))

st.caption(run_caption(run_id=result.run_id, data_sha256=record["data_sha256"],
                       code_version=record["code_version"]))
report = build_report(result, record, chosen)
st.download_button(tr("econ.extrap.report.download"),
                   lambda: render_html(report).encode("utf-8"),
                   file_name=report_filename(report.title, report.generated_at),
                   mime="text/html", key="extrap_report", on_click="ignore",
                   icon=":material/description:")
