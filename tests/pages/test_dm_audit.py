"""The data manager's audit trail page: search, the changes of an event, CSV, chain check."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from registry.i18n import t
from registry.models import AuditEvent, Site
from registry.services.admin import update_site
from tests.pages.conftest import ROOT, Portal, submit


def _edit_site(portal: Portal) -> None:
    with portal.session() as session:
        site = session.exec(select(Site).where(Site.code == "SPB-01")).one()
        assert site.id is not None
        update_site(session=session, actor=portal.actor("datamanager"), site_id=site.id,
                    changes={"name": "Almazov National Centre"}, expected_version=site.version,
                    reason="official name")


def test_search_shows_changes_field_by_field(portal: Portal) -> None:
    _edit_site(portal)
    at = portal.open("datamanager", "dm_audit")
    assert not at.exception
    at.selectbox(key="audit_table").set_value("site")
    at = submit(at, "audit_filters")
    assert not at.exception
    summary = at.dataframe[0].value
    assert (summary[t("dm.audit.col.table", "ru")] == "site").all()
    updates = summary[summary[t("dm.audit.col.action", "ru")] == "update"]
    assert len(updates) == 1 and updates.iloc[0][t("dm.audit.col.reason", "ru")] == (
        "official name")
    at.selectbox(key="audit_event").set_value(int(updates.iloc[0]["#"])).run()
    changes = at.dataframe[1].value
    row = changes[changes[t("dm.audit.col.field", "ru")] == "name"].iloc[0]
    assert row[t("dm.audit.col.before", "ru")] == "Almazov Centre"
    assert row[t("dm.audit.col.after", "ru")] == "Almazov National Centre"
    assert any(b.label == t("dm.audit.csv", "ru") for b in at.get("download_button"))


def test_chain_check_reports_an_altered_event(portal: Portal) -> None:
    _edit_site(portal)
    at = portal.open("datamanager", "dm_audit")
    at.button(key="audit_verify").click().run()
    assert at.success and at.success[0].value.startswith("Цепочка цела")
    with portal.engine.begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM auditevent")).scalar_one()
        conn.execute(text("UPDATE auditevent SET reason = 'edited' WHERE id = :id"),
                     {"id": first})
    at.button(key="audit_verify").click().run()
    assert at.error and f"на записи {first} (altered)" in at.error[0].value


def test_other_roles_are_refused(portal: Portal) -> None:
    """Not in their navigation, and the page file itself refuses them."""
    for username in ("clinician.mow", "leader", "economist"):
        at = portal.open(username)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/dm_audit.py")
        direct = AppTest.from_file(str(ROOT / "pages" / "dm_audit.py"), default_timeout=30)
        direct.session_state["actor"] = portal.actor(username)
        direct.run()
        assert not direct.exception and direct.error
        assert not direct.dataframe and not direct.get("download_button")
    assert portal.count(AuditEvent) > 0
