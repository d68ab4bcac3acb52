"""Home: the role's headline numbers."""

import streamlit as st

from pages.ui.state import current_actor, session_scope
from registry import RegistryError, home_summary
from registry.services.common import today

actor = current_actor()
assert actor is not None  # the router shows this page only after login

try:
    with session_scope() as session:
        summary = home_summary(session=session, actor=actor, as_of=today())
except RegistryError as exc:
    st.error(str(exc))
    st.stop()

st.title(summary.title)
st.caption(f"Signed in as **{actor.username}** · role: {actor.role.value.replace('_', ' ')}")
columns = st.columns(len(summary.counts))
for column, (label, value) in zip(columns, summary.counts, strict=True):
    column.metric(label, value)
if summary.by_product:
    st.subheader("Treatment episodes by product")
    st.dataframe(
        [{"Product": p, "Apheresed": a, "Infused": i} for p, a, i in summary.by_product],
        hide_index=True, use_container_width=False,
    )
    st.caption("Counts of 1-4 are shown as <5.")
