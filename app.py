"""Router: page config, the current actor, the language switch, the pages of the role."""

import streamlit as st

from pages.ui.nav import pages_for
from pages.ui.state import PENDING_LANGUAGE, current_actor, session_scope
from pages.ui.text import LANGUAGE_KEY, lang, tr
from registry import set_language

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
st.navigation(pages_for(current_actor())).run()
