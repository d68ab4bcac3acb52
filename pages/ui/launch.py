"""Start Streamlit on app.py with the router always in charge.

Streamlit still supports the legacy multipage layout in which every file of a `pages/`
folder beside the main script is a page of its own. Our page files live in `pages/` (the
project layout is fixed), so on a freshly started server Streamlit would run a directly
addressed page (say /upload) by itself, with an all-files menu and without app.py's login
and role navigation, until some visitor had loaded "/". `pin_router` tells Streamlit, before
any session starts, that this app does not use that legacy folder: every request then runs
app.py, whose `st.navigation` decides. (`python -m registry serve` starts the portal here.)
"""

from __future__ import annotations

import sys
from typing import Any

from streamlit.runtime.pages_manager import PagesManager


def pin_router() -> None:
    """Make every PagesManager treat the app as a `st.navigation` app (idempotent)."""
    original = PagesManager.__init__
    if getattr(original, "_router_pinned", False):
        return

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    init._router_pinned = True  # type: ignore[attr-defined]
    PagesManager.__init__ = init  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    """`python -m pages.ui.launch run app.py [streamlit options]`."""
    from streamlit.web import cli

    pin_router()
    sys.argv = ["streamlit", *argv]
    return int(cli.main(standalone_mode=False) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
