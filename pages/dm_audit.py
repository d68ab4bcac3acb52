"""Data manager: the audit trail, searchable, each event's changes field by field, CSV export,
and a check of the hash chain."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, session_scope
from pages.ui.text import lang, md_literal, tr
from registry import RegistryError
from registry.i18n import error_text
from registry.models.enums import AuditAction
from registry.services.audit import audit_csv, search_audit
from registry.services.audit_chain import verify_audit_chain

PAGE = 200
RESULTS = "_dm_audit_filters"
TABLES = ("", "patient", "treatmentepisode", "manufacturinglot", "followup", "adverseevent",
          "death", "resourceuse", "dataquery", "dataquerymessage", "user", "site", "unitcost",
          "savedcohort", "export")


def show(value: object) -> str:
    """A before/after value as plain text (never HTML)."""
    return "—" if value is None else str(value)


actor = require_actor()
st.title(tr("dm.audit.title"))
st.caption(tr("dm.audit.caption"))

with st.form("audit_filters"):
    left, middle, right = st.columns(3)
    username = left.text_input(tr("dm.audit.username"), key="audit_username")
    registry_id = middle.text_input(tr("dm.audit.registry_id"), key="audit_registry_id",
                                    placeholder="R-000042")
    table = right.selectbox(tr("dm.audit.table"), TABLES, key="audit_table",
                            format_func=lambda v: v or tr("dm.audit.any"))
    left, middle, right = st.columns(3)
    action = left.selectbox(tr("dm.audit.action"), ["", *(a.value for a in AuditAction)],
                            key="audit_action", format_func=lambda v: v or tr("dm.audit.any"))
    date_from = middle.date_input(tr("dm.audit.from"), value=date.today() - timedelta(days=30),
                                  key="audit_from", format="DD.MM.YYYY")
    date_to = right.date_input(tr("dm.audit.to"), value=date.today(), key="audit_to",
                               format="DD.MM.YYYY")
    submitted = st.form_submit_button(tr("dm.audit.search"), type="primary")
page = st.number_input(tr("dm.audit.page"), min_value=1, value=1, step=1, key="audit_page")

try:
    with session_scope() as session:
        rows, total = search_audit(
            session=session, actor=actor, username=username.strip() or None,
            registry_id=registry_id.strip() or None, table_name=table or None,
            action=action or None, date_from=date_from, date_to=date_to, limit=PAGE,
            offset=(int(page) - 1) * PAGE)
except RegistryError as exc:
    if hasattr(exc, "errors"):
        st.error("; ".join(md_literal(error_text(e, lang())) for e in exc.errors))
    else:
        forms.show_refusal(exc)
    st.stop()

st.markdown(tr("dm.audit.found", total=total, first=min(total, (int(page) - 1) * PAGE + 1),
               last=min(total, int(page) * PAGE)))
if rows.empty:
    st.info(tr("dm.audit.none"))
else:
    table_view = pd.DataFrame({
        "#": rows["id"], tr("dm.audit.col.when"): rows["created_at"].astype(str).str[:19],
        tr("dm.audit.col.user"): rows["username"], tr("dm.audit.col.role"): rows["role"],
        tr("dm.audit.col.action"): rows["action"], tr("dm.audit.col.table"): rows["table_name"],
        tr("dm.audit.col.row"): rows["row_id"],
        tr("dm.audit.col.fields"): [", ".join(str(f) for f, _, _ in c) for c in rows["changes"]],
        tr("dm.audit.col.reason"): rows["reason"].fillna(""),
    })
    st.dataframe(table_view, hide_index=True, width="stretch")
    st.download_button(tr("dm.audit.csv"), audit_csv(rows), file_name="audit_trail.csv",
                       mime="text/csv", on_click="ignore", icon=":material/download:",
                       key="audit_csv")
    event_id = st.selectbox(tr("dm.audit.event"), rows["id"].tolist(), key="audit_event")
    event = rows[rows["id"] == event_id].iloc[0]
    st.subheader(tr("dm.audit.event_title", id=int(event_id), action=event["action"],
                    table=event["table_name"], row=show(event["row_id"])))
    st.caption(tr("dm.audit.event_meta", user=event["username"], role=event["role"],
                  when=str(event["created_at"])[:19], reason=show(event["reason"])))
    changes = pd.DataFrame(
        [(str(field), show(before), show(after)) for field, before, after in event["changes"]],
        columns=[tr("dm.audit.col.field"), tr("dm.audit.col.before"),
                 tr("dm.audit.col.after")])
    if changes.empty:
        st.caption(tr("dm.audit.no_changes"))
    else:
        st.dataframe(changes, hide_index=True, width="stretch")
    st.caption(tr("dm.audit.hash", hash=str(event["hash"])[:16]))

st.divider()
st.subheader(tr("dm.audit.chain"))
st.caption(tr("dm.audit.chain_caption"))
if st.button(tr("dm.audit.verify"), key="audit_verify"):
    with session_scope() as session:
        report = verify_audit_chain(session)
    if report.ok:
        st.success(tr("dm.audit.chain_ok", checked=report.checked))
    else:
        st.error(tr("dm.audit.chain_broken", id=show(report.first_broken_id),
                    kind=show(report.kind)))
