"""Which pages each role sees. Navigation is convenience; the services enforce access."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from registry import Actor

PAGES = Path(__file__).resolve().parent.parent


def login_page(*, visible: bool) -> st.Page:
    return st.Page(str(PAGES / "login.py"), title="Log in", icon=":material/login:",
                   url_path="login", visibility="visible" if visible else "hidden")


def pages_for(actor: Actor | None) -> dict[str, list[st.Page]] | list[st.Page]:
    if actor is None:
        return [login_page(visible=True)]
    return {
        "Registry": [st.Page(str(PAGES / "home.py"), title="Home", icon=":material/home:",
                             url_path="home", default=True)],
        # Hidden but present: the rerun after a successful login, which stays on the
        # login address, is sent on to the home page by the login page itself.
        "Account": [st.Page(str(PAGES / "logout.py"), title="Log out",
                            icon=":material/logout:", url_path="logout"),
                    login_page(visible=False)],
    }
