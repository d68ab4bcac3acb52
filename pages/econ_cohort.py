"""Economist: build a cohort (the working cohort of every analysis page), see its size, save and
reuse named cohorts, and download its de-identified export (issue 6 items 1 and 9).

The filters are drawn from the working cohort; "Apply" makes the form's filters the working
cohort, loading a saved cohort makes it the working cohort and refills the form. The size is
shown as counts only (patients by product and indication, cells of 1-4 as "<5"), never rows.
An export is an audited event, so it runs only when "Prepare export" is pressed.

Helpers of this page: `fill_form`, `definition_from_form`, `options`, `counts_table`,
`refusal` (pure, on the session state), and `site_choices` (sites with a patient, read once per
session from the whole registry's ITT cohort: no service lists sites for economists yet).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pages.ui import forms
from pages.ui.econ import cohort_caption, set_working_definition, working_definition
from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, lang, tr
from registry import Actor, InvalidInput, PermissionDenied, RegistryError, today
from registry.i18n import error_text, message_text
from registry.models.enums import Indication
from registry.services.cohorts import STANDARD_AGE_BANDS, CohortDefinition, cohort_frame
from registry.services.export import ExportResult, export_cohort
from registry.services.summary import suppress
from registry.services.timeline import list_products
from registry.services.workspace import list_cohorts, save_cohort, site_codes

FILTERS = "econ_cohort_filters"  # the filter form (and its field errors)
SAVE = "econ_cohort_save"  # the "save as" field errors
KEYS = {  # CohortDefinition field -> widget key
    "product_codes": "cohort_products", "indications": "cohort_indications",
    "site_ids": "cohort_sites", "age_bands": "cohort_age_bands",
    "period_from": "cohort_period_from", "period_to": "cohort_period_to",
    "prior_lines_min": "cohort_lines_min", "prior_lines_max": "cohort_lines_max",
    "population": "cohort_population",
}
LISTS = ("product_codes", "indications", "site_ids", "age_bands")
SYNC = "_econ_cohort_sync"  # refill the form from the working cohort on the next run
FLASH = "_econ_cohort_flash"  # a success message to show after a rerun
EXPORT = "_econ_export"  # the last ExportResult of this session
FORMATS = {"csv": "CSV", "parquet": "Parquet", "xlsx": "XLSX"}
MIME = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def fill_form(definition: CohortDefinition) -> None:
    """Set the filter widgets to `definition` (before they are drawn)."""
    for field, key in KEYS.items():
        value = getattr(definition, field)
        if field in LISTS:
            st.session_state[key] = [getattr(v, "value", v) for v in value or ()]
        elif field == "population":
            st.session_state[key] = value.value
        else:
            st.session_state[key] = value


def definition_from_form() -> CohortDefinition:
    """The form's filters as an unnamed definition (an empty list: all); else InvalidInput."""
    values = {field: st.session_state.get(key) for field, key in KEYS.items()}
    for field in LISTS:
        values[field] = tuple(values[field]) if values[field] else None
    return CohortDefinition(**values)


def options(known: list[object], key: str) -> list[object]:
    """`known` plus any value the widget holds that is not known (e.g. from an old cohort)."""
    return known + [v for v in st.session_state.get(key) or [] if v not in known]


def counts_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Patients by indication (rows) and product with its origin (columns), with totals;
    cells of 1-4 patients as "<5". Patients, not episodes, are counted."""
    arm = (frame["product_code"].astype(str) + " (" + frame["product_origin"].astype(str).map(
        lambda origin: tr(f"econ.cohort.origin.{origin}")) + ")")
    data = frame.assign(arm=arm, indication=frame["indication"].astype(str))
    table = data.groupby(["indication", "arm"])["patient_id"].nunique().unstack(fill_value=0)
    table[tr("econ.cohort.col.all_products")] = data.groupby("indication")["patient_id"].nunique()
    order = [i.value for i in Indication if i.value in table.index]
    table = table.loc[order + sorted(set(table.index) - set(order))]
    total = data.groupby("arm")["patient_id"].nunique()
    total[tr("econ.cohort.col.all_products")] = data["patient_id"].nunique()
    table.loc[tr("econ.cohort.row.all_indications")] = total
    cells = table.fillna(0).astype(int).map(lambda n: str(suppress(int(n))))
    cells.index.name, cells.columns.name = tr("econ.cohort.col.indication"), None
    return cells.reset_index()


def site_choices(session: Any, actor: Actor) -> dict[int, str]:
    """Site id -> code of every site, by code."""
    return site_codes(session=session, actor=actor)


def refusal(error: RegistryError) -> str:
    """A service's refusal in the user's language (each bad field for InvalidInput)."""
    if isinstance(error, InvalidInput):
        return "; ".join(error_text(e, lang()) for e in error.errors)
    return message_text(error, lang())


actor = require_actor()
st.title(tr("econ.cohort.title"))
try:
    with session_scope() as session:
        saved = list_cohorts(session=session, actor=actor)  # refuses every role but economist
        products = {p.code: p.name for p in sorted(list_products(session=session, actor=actor),
                                                    key=lambda p: p.code)}
        sites = site_choices(session, actor)
except PermissionDenied as exc:
    st.error(f"{message_text(exc, lang())}\n\n{tr('econ.cohort.denied_note')}")
    st.stop()
except RegistryError as exc:
    st.error(refusal(exc))
    st.stop()

working = working_definition()
if st.session_state.pop(SYNC, False) or KEYS["population"] not in st.session_state:
    fill_form(working)
st.caption(cohort_caption(working))
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

# ---- filters ----------------------------------------------------------------------------------
st.subheader(tr("econ.cohort.filters"))
if forms.field_errors(FILTERS):
    st.error(tr("econ.cohort.invalid"))
with st.form(FILTERS):
    st.caption(tr("econ.cohort.filters_note"))
    left, right = st.columns(2)
    with left:
        st.multiselect(tr("econ.cohort.products"), options(list(products), KEYS["product_codes"]),
                       format_func=lambda code: f"{code} — {products.get(code, code)}",
                       key=KEYS["product_codes"])
        forms.show_error(FILTERS, "product_codes")
        st.multiselect(tr("econ.cohort.indications"),
                       options([i.value for i in Indication], KEYS["indications"]),
                       key=KEYS["indications"])
        forms.show_error(FILTERS, "indications")
    with right:
        st.multiselect(tr("econ.cohort.sites"), options(list(sites), KEYS["site_ids"]),
                       format_func=lambda site: sites.get(site, str(site)), key=KEYS["site_ids"])
        forms.show_error(FILTERS, "site_ids")
        st.multiselect(tr("econ.cohort.age_bands"),
                       options(list(STANDARD_AGE_BANDS), KEYS["age_bands"]),
                       key=KEYS["age_bands"])
        forms.show_error(FILTERS, "age_bands")
    columns = st.columns(4)
    for column, field, label in zip(columns[:2], ("period_from", "period_to"),
                                    ("econ.cohort.period_from", "econ.cohort.period_to"),
                                    strict=True):
        with column:
            forms.date_input(tr(label), KEYS[field])
            forms.show_error(FILTERS, field)
    for column, field, label in zip(columns[2:], ("prior_lines_min", "prior_lines_max"),
                                    ("econ.cohort.lines_min", "econ.cohort.lines_max"),
                                    strict=True):
        with column:
            st.number_input(tr(label), min_value=0, max_value=20, step=1, value=None,
                            key=KEYS[field])
            forms.show_error(FILTERS, field)
    st.radio(tr("econ.cohort.population"), ["mitt", "itt"], horizontal=True,
             format_func=lambda p: tr(f"econ.cohort.population.{p}"),
             captions=[tr("econ.cohort.population_note.mitt"),
                       tr("econ.cohort.population_note.itt")], key=KEYS["population"])
    forms.show_error(FILTERS, "population")
    applied = st.form_submit_button(tr("econ.cohort.apply"), type="primary")
if applied:
    definition = forms.run(FILTERS, lambda _session: definition_from_form())
    if definition is not None:  # the same filters keep the working cohort's name
        set_working_definition(working if definition.digest() == working.digest()
                               else definition)
        st.session_state[FLASH] = tr("econ.cohort.applied")
        st.rerun()

# ---- size -------------------------------------------------------------------------------------
st.subheader(tr("econ.cohort.size"))
try:
    with session_scope() as session:
        frame = cohort_frame(session=session, actor=actor, definition=working, as_of=today())
except RegistryError as exc:
    st.error(refusal(exc))
else:
    if frame.empty:
        st.info(tr("econ.cohort.empty"))
    else:
        first, second, _ = st.columns([1, 1, 2])
        first.metric(tr("econ.cohort.metric.patients"),
                     str(suppress(int(frame["patient_id"].nunique()))))
        second.metric(tr("econ.cohort.metric.episodes"), str(suppress(len(frame))))
        st.dataframe(counts_table(frame), hide_index=True)
        st.caption(tr("econ.cohort.counts_note", date=dmy(today())))

# ---- saved cohorts ----------------------------------------------------------------------------
st.subheader(tr("econ.cohort.saved"))
save_column, load_column = st.columns(2)
with save_column:
    name = st.text_input(tr("econ.cohort.save_name"), max_chars=120, key="cohort_save_name")
    forms.show_error(SAVE, "name")
    if st.button(tr("econ.cohort.save"), key="cohort_save"):
        row = forms.run(SAVE, lambda session: save_cohort(
            session=session, actor=actor, name=name, definition=working.filters()))
        if row is not None:
            set_working_definition(working.model_copy(update={"name": row.name}))
            st.session_state[FLASH] = tr("econ.cohort.saved_as", name=row.name)
            st.rerun()
with load_column:
    by_id = {c.id: c for c in saved}
    if not by_id:
        st.caption(tr("econ.cohort.none_saved"))
    else:
        chosen = st.selectbox(tr("econ.cohort.choose"), list(by_id), key="cohort_saved",
                              format_func=lambda i: f"{by_id[i].name} — {by_id[i].created_by}, "
                                                    f"{dmy(by_id[i].created_at.date())}")
        if st.button(tr("econ.cohort.load"), key="cohort_load") and chosen is not None:
            cohort = by_id[chosen]
            try:
                loaded = CohortDefinition(**{**cohort.definition, "name": cohort.name})
            except InvalidInput as exc:
                st.error(refusal(exc))
            else:
                set_working_definition(loaded)
                st.session_state[SYNC] = True
                st.session_state[FLASH] = tr("econ.cohort.loaded", name=cohort.name)
                st.rerun()

# ---- export -----------------------------------------------------------------------------------
st.subheader(tr("econ.export.title"))
st.caption(tr("econ.export.note"))
fmt = st.radio(tr("econ.export.format"), list(FORMATS), format_func=FORMATS.__getitem__,
               horizontal=True, key="export_format")
if st.button(tr("econ.export.prepare"), key="export_prepare", type="primary"):
    st.session_state.pop(EXPORT, None)
    try:
        with session_scope() as session:
            st.session_state[EXPORT] = export_cohort(session=session, actor=actor,
                                                     definition=working, fmt=fmt)
    except RegistryError as exc:
        st.error(refusal(exc))
result = st.session_state.get(EXPORT)
if isinstance(result, ExportResult) and result.manifest["definition_digest"] == working.digest():
    kind = result.format.value
    st.success(tr("econ.export.summary", export_id=result.export_id, format=FORMATS[kind],
                  rows=result.row_count, subjects=result.subject_count,
                  sha256=result.manifest["files"][result.data_name]["sha256"]))
    data_column, codebook_column, manifest_column = st.columns(3)
    data_column.download_button(
        f"{tr('econ.export.download_data')} ({FORMATS[kind]})", result.files[result.data_name],
        file_name=result.data_name, mime=MIME[kind], key="export_data", on_click="ignore",
        icon=":material/download:")
    codebook_column.download_button(
        tr("econ.export.download_codebook"), result.files[result.codebook_name],
        file_name=result.codebook_name, mime="text/csv", key="export_codebook",
        on_click="ignore", icon=":material/download:")
    manifest_column.download_button(
        tr("econ.export.download_manifest"), result.files[result.manifest_name],
        file_name=result.manifest_name, mime="application/json", key="export_manifest",
        on_click="ignore", icon=":material/download:")
    st.caption(tr("econ.export.audited"))
