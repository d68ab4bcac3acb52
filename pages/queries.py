"""Data queries on the site's records: read the thread and answer."""

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, session_scope
from pages.ui.text import tr
from registry import RegistryError
from registry.services.queries import answer_query, list_messages, list_queries

FORM = "answer"
actor = require_actor()
st.title(tr("nav.queries"))
try:
    with session_scope() as session:
        queries = list_queries(session=session, actor=actor)
except RegistryError as exc:
    forms.show_refusal(exc)
    st.stop()
if not queries:
    st.info(tr("worklist.no_queries"))
    st.stop()
st.dataframe(
    [
        {
            "#": q.id,
            tr("col.record"): f"{tr('table.' + q.table_name)} #{q.row_id}",
            tr("col.field"): q.field,
            tr("col.status"): tr(f"query.{q.status.value}"),
            tr("col.message"): q.message,
        }
        for q in queries
    ],
    hide_index=True,
)
index = st.selectbox(
    tr("query.pick"),
    range(len(queries)),
    key="query_pick",
    format_func=lambda i: (
        f"#{queries[i].id} · {queries[i].table_name} "
        f"#{queries[i].row_id} · {tr('query.' + queries[i].status.value)}"
    ),
)
query = queries[index]
with st.container(border=True):
    st.markdown(f"**{tr('query.question')}**")
    st.text(query.message)  # the data manager's words as text, never as markdown
    with session_scope() as session:
        thread = list_messages(session=session, actor=actor, query_id=query.id)
    for message in thread:
        with st.chat_message("user" if message.author_user_id == actor.user_id else "assistant"):
            st.markdown(f"**{message.author}** · {message.created_at:%d.%m.%Y %H:%M}")
            st.text(message.body)  # user text is shown as text, never as HTML/markdown

forms.show_summary(FORM)
with st.form(FORM, clear_on_submit=True):
    body = st.text_area(tr("field.body"), key="query_body", max_chars=4000)
    forms.show_error(FORM, "body")
    forms.show_error(FORM, "status")
    if st.form_submit_button(tr("query.send"), type="primary"):
        if (
            forms.run(
                FORM, lambda s: answer_query(session=s, actor=actor, query_id=query.id, body=body)
            )
            is not None
        ):
            st.rerun()
