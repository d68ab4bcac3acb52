"""Log in: username and password; wrong tries count towards a 15-minute lockout."""

import streamlit as st

from pages.ui.state import current_actor, log_in, session_scope
from registry import RegistryError, authenticate

if current_actor() is not None:
    st.switch_page("pages/home.py")

_, middle, _ = st.columns([1, 2, 1])
with middle:
    st.title("CAR-T outcomes registry")
    st.caption(
        "Long-term follow-up of anti-CD19 CAR-T cell therapy: the domestic and the imported "
        "product, from apheresis to year 15."
    )
    with st.form("login", clear_on_submit=False):
        username = st.text_input("Username", key="login_username", autocomplete="username")
        password = st.text_input("Password", type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary")

    if submitted:
        try:
            with session_scope() as session:
                actor = authenticate(session=session, username=username, password=password)
        except RegistryError as exc:
            st.error(str(exc))
        else:
            log_in(actor)
            st.rerun()
