"""Router: page config, the current actor, the pages of its role. Nothing else."""

import streamlit as st

from pages.ui.nav import pages_for
from pages.ui.state import current_actor

st.set_page_config(page_title="CAR-T outcomes registry", page_icon="🧬", layout="wide")
st.navigation(pages_for(current_actor())).run()
