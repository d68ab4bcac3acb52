"""Log out: forget everything this browser session held."""

import streamlit as st

from pages.ui.state import log_out

log_out()
st.rerun()
