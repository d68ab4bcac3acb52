"""The router (app.py) must be the only way into a page, also on a freshly started server.

Streamlit keeps one process-wide flag: does the app use the legacy `pages/` folder (v1
multipage apps)? Left alone it is set when the first session starts (True here: the page
files live in `pages/` beside app.py), and until a browser has loaded "/" a direct address
such as /upload would run pages/upload.py by itself, skipping app.py's login and role
navigation. The portal starts through `pages.ui.launch`, whose `pin_router` prevents that;
AppTest resets the flag before every run, which is exactly a fresh server's first request,
and the autouse `steady_router` fixture applies the launcher's pin. These tests check that
a direct address then lands where the router says.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from registry.i18n import t
from tests.pages.conftest import USERS, Portal, app


def _request(at: AppTest, url_path: str) -> AppTest:
    at._page_hash = calc_hash(url_path)  # what a browser at /<url_path> asks for
    return at.run()


@pytest.mark.parametrize("url_path", ["upload", "worklist"])
def test_a_direct_address_after_a_start_shows_the_login(portal_db: str, url_path: str) -> None:
    at = _request(app(), url_path)
    assert not at.exception
    titles = [e.value for e in at.title]
    assert titles == [t("app.title", "ru")], "the router sends a visitor without login to login"


def test_a_direct_address_after_a_start_keeps_the_roles_navigation(portal: Portal) -> None:
    assert USERS["leader"][0] == "leadership"
    at = app()
    at.session_state["actor"] = portal.actor("leader")
    at = _request(at, "upload")
    assert not at.exception
    titles = [e.value for e in at.title]
    assert titles == [t("home.title.leadership", "ru")], (
        "leadership asked for /upload and got the upload page instead of its home")
