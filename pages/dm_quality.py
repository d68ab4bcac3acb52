"""Data manager: the data queries (filters, ageing by site, thread, close / re-open), the
data-quality rules (run all or some) and raising a query by hand."""

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import RegistryError, today
from registry.charts.leadership import csv_bytes, display_table
from registry.charts.quality import BUCKET_COLUMNS, BUCKETS, ageing_chart
from registry.i18n import CATALOGUE, message_text
from registry.models import DataQueryRead
from registry.models.enums import QueryStatus
from registry.quality.engine import run_rules
from registry.quality.rules import RULES
from registry.services.queries import (
    RECORD_TABLES,
    age_bucket,
    answer_query,
    list_messages,
    list_queries,
    query_ageing,
    raise_query,
    record_fields,
    set_query_status,
)

RUN_KEY = "dm_quality_run"  # the last run's tallies, kept across reruns
FLASH_KEY = "dm_quality_flash"  # a success message shown once after the rerun
ALL, NONE = "all", "none"


def rule_text(rule_id: str, english: str) -> str:
    key = f"dm.quality.rule.{rule_id}"
    return tr(key) if key in CATALOGUE else english


def act(form: str, action: Callable[[Any], object], done: str) -> None:
    """Run a service call of `form`; on success remember `done` and rerun."""
    if forms.run(form, action) is not None:
        st.session_state[FLASH_KEY] = done
        st.rerun()


actor = require_actor()
st.title(tr("dm.quality.title"))
as_of = today()
try:
    with session_scope() as session:
        ageing = query_ageing(session=session, actor=actor, as_of=as_of)
        queries = list_queries(session=session, actor=actor)
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()
if FLASH_KEY in st.session_state:
    st.success(st.session_state.pop(FLASH_KEY))

no_site = tr("dm.quality.no_site")
site_code = {None if pd.isna(i) else int(i): no_site if pd.isna(c) else str(c)
             for i, c in zip(ageing["site_id"], ageing["site_code"], strict=True)}
status_label = {s: tr(f"query.{s.value}") for s in QueryStatus}
bucket_label = {b: tr("dm.quality.bucket", bucket=b) for b in BUCKETS}
table_label = {name: tr(f"table.{name}") for name in RECORD_TABLES}

queries_tab, rules_tab, raise_tab = st.tabs(
    [tr("dm.quality.tab.queries"), tr("dm.quality.tab.rules"), tr("dm.quality.tab.raise")])

# ---- queries: ageing, list, one query ----------------------------------------------------------
with queries_tab:
    totals = ageing[["open", "answered", "unresolved", "age_over_90"]].sum()
    for column, (label, value) in zip(st.columns(4), [
        (tr("query.open"), totals["open"]), (tr("query.answered"), totals["answered"]),
        (tr("dm.quality.metric.unresolved"), totals["unresolved"]),
        (tr("dm.quality.metric.over_90"), totals["age_over_90"]),
    ], strict=True):
        column.metric(label, int(value))

    st.subheader(tr("dm.quality.ageing"))
    shown = ageing.assign(site=[no_site if pd.isna(c) else c for c in ageing["site_code"]])
    st.dataframe(display_table(shown, {
        "site": tr("col.site"), "open": tr("query.open"), "answered": tr("query.answered"),
        "closed": tr("query.closed"), "median_age_days": tr("dm.quality.col.median_age"),
        "max_age_days": tr("dm.quality.col.max_age"),
        **{c: bucket_label[b] for c, b in zip(BUCKET_COLUMNS, BUCKETS, strict=True)},
    }, decimals={"median_age_days": 1, "max_age_days": 0}), hide_index=True, key="dm_ageing")
    st.caption(tr("dm.quality.ageing_note", date=dmy(as_of)))
    if shown[BUCKET_COLUMNS].to_numpy().sum() > 0:  # nothing unresolved: no empty chart
        chart_with_csv(ageing_chart(shown, labels=bucket_label,
                                    x_title=tr("dm.quality.axis.queries"),
                                    y_title=tr("col.site"), colour_title=tr("dm.quality.col.age")),
                       shown.drop(columns=["site"]), "dm_query_ageing")

    st.subheader(tr("dm.quality.list"))
    by_status, by_site, by_rule, by_age = st.columns(4)
    statuses = by_status.multiselect(
        tr("col.status"), list(QueryStatus), default=[QueryStatus.open, QueryStatus.answered],
        format_func=status_label.__getitem__, key="dm_filter_status")
    site_options = {ALL: tr("dm.quality.any")} | {
        NONE if i is None else str(i): c for i, c in site_code.items()}
    site_pick = by_site.selectbox(tr("col.site"), list(site_options),
                                  format_func=site_options.__getitem__, key="dm_filter_site")
    rule_options = {ALL: tr("dm.quality.any"), NONE: tr("dm.quality.manual")} | {
        r.id: r.id for r in RULES}
    rule_pick = by_rule.selectbox(tr("dm.quality.col.rule"), list(rule_options),
                                  format_func=rule_options.__getitem__, key="dm_filter_rule")
    age_options = {ALL: tr("dm.quality.any")} | bucket_label
    age_pick = by_age.selectbox(tr("dm.quality.col.age"), list(age_options),
                                format_func=age_options.__getitem__, key="dm_filter_age")

    def age(query: DataQueryRead) -> int:
        return max(0, (as_of - query.created_at.date()).days)

    picked = [q for q in queries if q.status in statuses
              and site_pick in (ALL, NONE if q.site_id is None else str(q.site_id))
              and rule_pick in (ALL, q.rule_id or NONE)
              and age_pick in (ALL, age_bucket(age(q)))]
    st.caption(tr("dm.quality.shown", n=len(picked), total=len(queries)))
    if not picked:
        st.info(tr("dm.quality.none"))
    else:
        listing = pd.DataFrame([{
            "#": q.id,
            tr("col.record"): f"{table_label.get(q.table_name, q.table_name)} #{q.row_id}",
            tr("col.field"): forms.field_label(q.field) if q.field else "",
            tr("col.site"): site_code.get(q.site_id, no_site),
            tr("dm.quality.col.rule"): q.rule_id or tr("dm.quality.manual"),
            tr("col.status"): status_label[q.status],
            tr("dm.quality.col.raised"): dmy(q.created_at.date()),
            tr("dm.quality.col.age"): age(q),
            tr("col.message"): q.message,
        } for q in picked])
        st.dataframe(listing, hide_index=True, key="dm_query_list")
        st.download_button(tr("lead.download_csv"), csv_bytes(listing), "data_queries.csv",
                           mime="text/csv", key="csv_dm_queries", on_click="ignore",
                           icon=":material/download:")
        by_id = {q.id: q for q in picked}
        choice_label = {q.id: f"#{q.id} · {table_label.get(q.table_name, q.table_name)} "
                        f"#{q.row_id} · {status_label[q.status]}" for q in picked}
        chosen = st.selectbox(tr("query.pick"), list(by_id), key="dm_query_pick",
                              format_func=choice_label.__getitem__)
        query = by_id[chosen]
        with st.container(border=True):
            field_text = forms.field_label(query.field) if query.field else "–"
            st.markdown(f"**{choice_label[chosen]}** · {tr('col.field')}: {field_text} · "
                        f"{tr('col.site')}: {site_code.get(query.site_id, no_site)} · "
                        f"{tr('dm.quality.col.raised')}: {dmy(query.created_at.date())}")
            st.markdown(f"**{tr('query.question')}**")
            st.text(query.message)
            with session_scope() as session:
                thread = list_messages(session=session, actor=actor, query_id=query.id)
            if not thread:
                st.caption(tr("dm.quality.no_messages"))
            for message in thread:
                with st.chat_message("user" if message.author_user_id == actor.user_id
                                     and actor.user_id is not None else "assistant"):
                    st.markdown(f"**{message.author}** · {message.created_at:%d.%m.%Y %H:%M}")
                    st.text(message.body)  # user text as text, never as markdown

        if query.status != QueryStatus.closed:
            forms.show_summary("dm_message")
            with st.form("dm_message", clear_on_submit=True):
                body = st.text_area(tr("dm.quality.message"), key="dm_message_body",
                                    max_chars=4000)
                forms.show_error("dm_message", "body")
                if st.form_submit_button(tr("dm.quality.send")):
                    act("dm_message", lambda s: answer_query(
                        session=s, actor=actor, query_id=query.id, body=body),
                        tr("dm.quality.sent", id=query.id))
        for target, form, needed in (
            (QueryStatus.closed, "dm_close", query.status == QueryStatus.open),
            (QueryStatus.open, "dm_reopen", True),
        ):
            if query.status == target:
                continue
            forms.show_summary(form)
            with st.form(form, clear_on_submit=True):
                reason = st.text_input(
                    tr("dm.quality.reason_needed" if needed else "dm.quality.reason"),
                    key=f"{form}_reason", max_chars=2000)
                forms.show_error(form, "reason")
                forms.show_error(form, "status")
                if st.form_submit_button(tr(f"dm.quality.{form[3:]}")):
                    act(form, lambda s, target=target, reason=reason: set_query_status(
                        session=s, actor=actor, query_id=query.id, status=target, reason=reason),
                        tr(f"dm.quality.{form[3:]}_done", id=query.id))

# ---- rules -------------------------------------------------------------------------------------
with rules_tab:
    st.subheader(tr("dm.quality.rules"))
    st.dataframe(pd.DataFrame([{
        tr("dm.quality.col.rule"): r.id, tr("dm.quality.col.description"):
        rule_text(r.id, r.description),
        tr("dm.quality.col.severity"): tr(f"dm.quality.severity.{r.severity}"),
    } for r in RULES]), hide_index=True, key="dm_rules")
    chosen_rules = st.multiselect(tr("dm.quality.run_which"), [r.id for r in RULES],
                                  key="dm_rule_pick", placeholder=tr("dm.quality.all_rules"))
    if st.button(tr("dm.quality.run"), type="primary", key="dm_run_rules"):
        try:
            with session_scope() as session:
                result = run_rules(session=session, actor=actor,
                                   rule_ids=chosen_rules or None, as_of=as_of)
        except RegistryError as exc:
            st.error(message_text(exc, lang()))
        else:
            st.session_state[RUN_KEY] = {
                "when": dmy(as_of), "found": result.found, "raised": result.raised,
                "already_open": result.already_open, "closed": result.closed,
                "by_rule": [{"rule": rule_id, "found": t.found, "raised": t.raised,
                             "already_open": t.already_open, "closed": t.closed}
                            for rule_id, t in result.by_rule.items()]}
            st.rerun()
    run = st.session_state.get(RUN_KEY)
    if run:
        st.markdown(f"**{tr('dm.quality.last_run', date=run['when'])}**")
        for column, key in zip(st.columns(4), ["found", "raised", "already_open", "closed"],
                               strict=True):
            column.metric(tr(f"dm.quality.run.{key}"), run[key])
        st.dataframe(pd.DataFrame(run["by_rule"]).rename(columns={
            "rule": tr("dm.quality.col.rule"),
            **{k: tr(f"dm.quality.run.{k}") for k in ("found", "raised", "already_open",
                                                       "closed")}}),
            hide_index=True, key="dm_run_result")

# ---- raise a query -----------------------------------------------------------------------------
with raise_tab:
    st.subheader(tr("dm.quality.raise"))
    table = st.selectbox(tr("dm.quality.table"), list(RECORD_TABLES), key="dm_raise_table",
                         format_func=table_label.__getitem__)
    field_options = {"": tr("dm.quality.whole_record")} | {
        f: forms.field_label(f) for f in record_fields(table)}
    forms.show_summary("dm_raise")
    with st.form("dm_raise", clear_on_submit=False):
        row_id = st.number_input(tr("dm.quality.record_id"), min_value=1, step=1, value=None,
                                 key="dm_raise_row")
        forms.show_error("dm_raise", "row_id")
        field = st.selectbox(tr("col.field"), list(field_options), key="dm_raise_field",
                             format_func=field_options.__getitem__)
        forms.show_error("dm_raise", "field")
        text = st.text_area(tr("col.message"), key="dm_raise_message", max_chars=2000)
        forms.show_error("dm_raise", "message")
        st.caption(tr("dm.quality.site_from_record"))
        if st.form_submit_button(tr("dm.quality.raise_submit"), type="primary"):
            def raise_it(s: object) -> object:
                return raise_query(session=s, actor=actor, data={  # type: ignore[arg-type]
                    "table_name": table, "row_id": None if row_id is None else int(row_id),
                    "field": field or None, "message": text.strip()})

            made = forms.run("dm_raise", raise_it)
            if made is not None:
                st.session_state[FLASH_KEY] = tr(
                    "dm.quality.raised", id=made.id,  # type: ignore[attr-defined]
                    site=site_code.get(made.site_id, no_site))  # type: ignore[attr-defined]
                st.rerun()
