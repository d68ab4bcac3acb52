"""Router: page config, the current actor, the language switch, the pages of the role."""

import streamlit as st

from pages.ui.nav import forced_password_pages, pages_for
from pages.ui.state import PENDING_LANGUAGE, current_actor, session_scope
from pages.ui.text import LANGUAGE_KEY, lang, tr
from registry import password_change_required, set_language

st.set_page_config(page_title="CAR-T registry", page_icon="🧬", layout="wide")
actor = current_actor()
if PENDING_LANGUAGE in st.session_state:  # after login/logout: show the right language
    st.session_state["language_switch"] = st.session_state.pop(PENDING_LANGUAGE)
choice = st.sidebar.radio(tr("nav.language"), ["ru", "en"], index=["ru", "en"].index(lang()),
                          format_func=lambda code: {"ru": "Русский", "en": "English"}[code],
                          horizontal=True, key="language_switch")
if choice != lang():
    st.session_state[LANGUAGE_KEY] = choice
    if actor is not None:
        with session_scope() as session:
            st.session_state["actor"] = set_language(session=session, actor=actor,
                                                     language=choice)
    st.rerun()
actor = current_actor()
if actor is not None and actor.user_id is not None:
    # a one-time password (new account, reset) must be changed before anything else; read
    # on every run, so a reset by a data manager applies to a session already open
    with session_scope() as session:
        st.session_state["must_change_password"] = password_change_required(
            session, actor.user_id)
if st.session_state.get("must_change_password"):
    st.navigation(forced_password_pages()).run()
else:
    if st.session_state.pop("account_password_changed", False):
        st.toast(tr("account.password.changed"))
    st.navigation(pages_for(actor)).run()
