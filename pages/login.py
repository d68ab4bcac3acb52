"""Log in: username and password; wrong tries count towards a 15-minute lockout."""

import streamlit as st

from pages.ui.nav import home_path
from pages.ui.state import current_actor, log_in, session_expired_notice, session_scope
from pages.ui.text import lang, tr
from registry import RegistryError, authenticate
from registry.i18n import message_text

actor = current_actor()
if actor is not None:
    st.switch_page(home_path(actor))

_, middle, _ = st.columns([1, 2, 1])
with middle:
    st.title(tr("app.title"))
    st.caption(tr("app.tagline"))
    if (notice := session_expired_notice()) is not None:
        st.info(notice)
    with st.form("login", clear_on_submit=False):
        username = st.text_input(tr("login.username"), key="login_username",
                                 autocomplete="username")
        password = st.text_input(tr("login.password"), type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(tr("login.submit"), type="primary")

    if submitted:
        try:
            with session_scope() as session:
                actor = authenticate(session=session, username=username, password=password)
        except RegistryError as exc:
            st.error(message_text(exc, lang()))
        else:
            log_in(actor)
            st.rerun()
