"""Home for leadership, economists and data managers: the role's headline numbers."""

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, session_scope
from pages.ui.text import tr
from registry import RegistryError, home_summary, today

actor = require_actor()
try:
    with session_scope() as session:
        summary = home_summary(session=session, actor=actor, as_of=today())
except RegistryError as exc:
    forms.show_refusal(exc)
    st.stop()

st.title(tr(summary.title) if summary.title.startswith("home.") else summary.title)
st.caption(tr("home.signed_in", username=actor.username, role=tr(f"role.{actor.role.value}")))
columns = st.columns(len(summary.counts))
for column, (label, value) in zip(columns, summary.counts, strict=True):
    column.metric(tr(label), value)
if summary.by_product:
    st.subheader(tr("home.by_product"))
    st.dataframe(
        [{"Product": p, "Apheresed": a, "Infused": i} for p, a, i in summary.by_product],
        hide_index=True,
    )
    st.caption(tr("home.small_cells"))
