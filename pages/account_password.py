"""Change your own password: the current one, the new one twice, the policy as you type.

Also the page the router shows alone while ``st.session_state["must_change_password"]`` is True
(a login with a one-time password): then it says why, and after the change it sets the key to
False and reruns, so the router lets the user on.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor
from pages.ui.text import lang, tr
from registry import InvalidInput, change_password
from registry.errors import FieldError
from registry.i18n import error_text
from registry.models import UserRead
from registry.passwords import MIN_LENGTH, password_problems

FORM = "account_password"
FORCED = "must_change_password"  # set by the router after a login with a one-time password
DONE = "account_password_changed"  # the success message, shown after the rerun
FIELDS = ("account_old", "account_new", "account_repeat")

actor = require_actor()
st.title(tr("account.password.title"))
if st.session_state.get(FORCED):
    st.warning(tr("account.password.forced"), icon=":material/lock_reset:")
if st.session_state.pop(DONE, False):
    st.success(tr("account.password.changed"))
st.info(tr("account.password.policy", min_length=MIN_LENGTH))

errors = forms.field_errors(FORM)
if errors:
    st.error(tr("common.nothing_saved"))
old = st.text_input(tr("account.password.old"), type="password", key="account_old",
                    autocomplete="current-password")
forms.show_error(FORM, "old_password")
new = st.text_input(tr("account.password.new"), type="password", key="account_new",
                    autocomplete="new-password", help=tr("account.password.policy",
                                                          min_length=MIN_LENGTH))
forms.show_error(FORM, "new_password")
if new:  # the policy, live (the service checks it again)
    problems = password_problems(new, username=actor.username)
    for problem in problems:
        st.caption(tr("account.password.hint.problem", message=error_text(problem, lang())))
    if not problems:
        st.caption(tr("account.password.hint.ok"))
repeat = st.text_input(tr("account.password.repeat"), type="password", key="account_repeat",
                       autocomplete="new-password")
forms.show_error(FORM, "repeat_password")
if new and repeat:
    st.caption(tr("account.password.hint.match" if new == repeat
                  else "account.password.hint.mismatch"))


def submit(session: Any) -> UserRead:
    """Refuse what the page can tell (no current password, two different new ones), then
    let the service check the current password and the policy."""
    refused = []
    if not old:
        refused.append(FieldError("old_password", "type your current password",
                                  code="account.password.old_required"))
    if new != repeat:
        refused.append(FieldError("repeat_password", "does not match the new password",
                                  code="account.password.mismatch"))
    if refused:
        raise InvalidInput(refused)
    assert actor.user_id is not None
    return change_password(session=session, actor=actor, user_id=actor.user_id,
                           new_password=new, old_password=old)


if st.button(tr("account.password.submit"), type="primary", key="account_submit",
             disabled=actor.user_id is None):
    if forms.run(FORM, submit) is not None:
        for key in FIELDS:  # no password stays in the session
            st.session_state.pop(key, None)
        st.session_state[FORCED] = False
        st.session_state[DONE] = True
        st.rerun()
