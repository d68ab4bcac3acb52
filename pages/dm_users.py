"""Data managers: the registry's sites and logins (registry.services.admin versions and audits
every change). A one-time password is shown once, in this run only: never kept, never logged."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, session_scope
from pages.ui.text import tr
from registry import RegistryError
from registry.models import SiteRead, UserRead
from registry.models.enums import Role
from registry.services.admin import (
    create_site,
    create_user_with_one_time_password,
    deactivate_user,
    list_sites,
    list_users,
    reactivate_user,
    reset_password,
    unlock_user,
    update_site,
    update_user,
)

FLASH = "dm_users_flash"  # a success message for the next run
SITE_OPENED = "dm_sites_opened"  # (site id, version) when the data manager opened the site
USER_OPENED = "dm_users_opened"  # (user id, version) likewise
SITE_FIELDS = ("code", "name", "city", "region", "is_treating_centre")
USER_FIELDS = ("username", "role", "site_id", "language")
LOGIN_ROLES = [role for role in Role if role != Role.system]
LANGUAGES = {"ru": "Русский", "en": "English"}


def stamp(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d.%m.%Y %H:%M")


def is_locked(user: UserRead) -> bool:
    until = user.locked_until
    if until is None:
        return False
    return (until if until.tzinfo else until.replace(tzinfo=UTC)) > datetime.now(UTC)


def yes_no(value: bool) -> str:
    return tr("common.yes" if value else "common.no")


def summary(form: str, shown: tuple[str, ...]) -> None:
    """Nothing saved; the messages of fields without a widget here are listed too."""
    errors = forms.field_errors(form)
    if errors:
        lines = [f"- {field}: {m}" for field, ms in errors.items() if field not in shown
                 for m in ms]
        st.error("\n".join([tr("common.nothing_saved"), "", *lines]))


def one_time_box(username: str, password: str) -> None:
    """The one-time password, clearly marked, with the copy button of st.code."""
    with st.container(border=True):
        st.warning(tr("dm.users.otp_title", username=username), icon=":material/key:")
        st.code(password, language=None)
        st.caption(tr("dm.users.otp_hint"))


def drop(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def load() -> tuple[list[SiteRead], list[UserRead]]:
    with session_scope() as session:
        return (list_sites(session=session, actor=actor),
                list_users(session=session, actor=actor))


actor = require_actor()
st.title(tr("dm.users.title"))
try:
    sites, users = load()
except RegistryError as exc:  # only data managers administer (the services enforce it)
    forms.show_refusal(exc)
    st.stop()
st.caption(tr("dm.users.caption"))
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
role_labels = {role: tr(f"role.{role.value}") for role in Role}
site_labels: dict[int | None, str] = {None: tr("dm.users.no_site")}
site_labels |= {s.id: f"{s.code} · {s.name}" for s in sites}
site_codes = {s.id: s.code for s in sites}
sites_tab, users_tab = st.tabs([tr("dm.sites.tab"), tr("dm.users.tab")])

# ---- sites -------------------------------------------------------------------------------------
with sites_tab:
    st.subheader(tr("dm.sites.list"))
    if sites:
        st.dataframe([{
            tr("dm.sites.col.code"): s.code, tr("dm.sites.col.name"): s.name,
            tr("dm.sites.col.city"): s.city, tr("dm.sites.col.region"): s.region,
            tr("dm.sites.col.treating"): yes_no(s.is_treating_centre),
            tr("dm.sites.col.version"): s.version,
        } for s in sites], hide_index=True)
    else:
        st.caption(tr("dm.sites.none"))

    st.subheader(tr("dm.sites.new"))
    summary("site_new", SITE_FIELDS)
    with st.form("site_new"):
        left, right = st.columns(2)
        with left:
            new_code = st.text_input(tr("dm.sites.col.code"), key="site_new_code",
                                     placeholder="MOW-02", help=tr("dm.sites.code_help"))
            forms.show_error("site_new", "code")
            new_name = st.text_input(tr("dm.sites.col.name"), key="site_new_name")
            forms.show_error("site_new", "name")
        with right:
            new_city = st.text_input(tr("dm.sites.col.city"), key="site_new_city")
            forms.show_error("site_new", "city")
            new_region = st.text_input(tr("dm.sites.col.region"), key="site_new_region")
            forms.show_error("site_new", "region")
        new_treating = st.checkbox(tr("dm.sites.col.treating"), key="site_new_treating",
                                   help=tr("dm.sites.treating_help"))
        forms.show_error("site_new", "is_treating_centre")
        add_site = st.form_submit_button(tr("dm.sites.create"), type="primary")
    if add_site:
        site_data = {"code": new_code.strip().upper(), "name": new_name.strip(),
                     "city": new_city.strip(), "region": new_region.strip(),
                     "is_treating_centre": new_treating}
        created = forms.run("site_new", lambda s: create_site(session=s, actor=actor,
                                                              data=site_data))
        if created is not None:
            st.session_state[FLASH] = tr("dm.sites.created", code=created.code)
            drop(*(f"site_new_{name}" for name in ("code", "name", "city", "region",
                                                   "treating")))
            st.rerun()

    if sites:
        st.subheader(tr("dm.sites.edit"))
        sites_by_id = {s.id: s for s in sites}
        picked_site = sites_by_id[st.selectbox(
            tr("dm.sites.pick"), list(sites_by_id), format_func=site_labels.__getitem__,
            key="sites_pick")]
        site_opened = st.session_state.get(SITE_OPENED)
        if not site_opened or site_opened[0] != picked_site.id:
            site_opened = (picked_site.id, picked_site.version)
            st.session_state[SITE_OPENED] = site_opened
            for name in SITE_FIELDS:  # the form shows the site as it is now
                st.session_state[f"site_edit_{name}"] = getattr(picked_site, name)
            st.session_state["site_edit_reason"] = ""
        st.caption(tr("dm.users.version", version=site_opened[1],
                      when=stamp(picked_site.updated_at)))
        if picked_site.version != site_opened[1]:
            st.warning(tr("dm.users.changed_since", version=picked_site.version))
            if st.button(tr("dm.users.reload"), key="site_edit_reload"):
                drop(SITE_OPENED)
                st.rerun()
        summary("site_edit", SITE_FIELDS)
        with st.form("site_edit"):
            left, right = st.columns(2)
            with left:
                st.text_input(tr("dm.sites.col.code"), key="site_edit_code",
                              help=tr("dm.sites.code_help"))
                forms.show_error("site_edit", "code")
                st.text_input(tr("dm.sites.col.name"), key="site_edit_name")
                forms.show_error("site_edit", "name")
            with right:
                st.text_input(tr("dm.sites.col.city"), key="site_edit_city")
                forms.show_error("site_edit", "city")
                st.text_input(tr("dm.sites.col.region"), key="site_edit_region")
                forms.show_error("site_edit", "region")
            st.checkbox(tr("dm.sites.col.treating"), key="site_edit_is_treating_centre",
                        help=tr("dm.sites.treating_help"))
            forms.show_error("site_edit", "is_treating_centre")
            site_reason = st.text_input(tr("dm.users.reason"), key="site_edit_reason")
            save_site = st.form_submit_button(tr("common.save"), type="primary")
        if save_site:
            values = {name: st.session_state[f"site_edit_{name}"] for name in SITE_FIELDS}
            values = {name: v.strip() if isinstance(v, str) else v for name, v in values.items()}
            values["code"] = str(values["code"]).upper()
            site_changes = {name: v for name, v in values.items()
                            if v != getattr(picked_site, name)}
            if not site_changes:
                st.info(tr("dm.users.no_changes"))
            else:
                saved_site = forms.run("site_edit", lambda s: update_site(
                    session=s, actor=actor, site_id=picked_site.id, changes=site_changes,
                    expected_version=site_opened[1], reason=site_reason.strip() or None))
                if saved_site is not None:
                    st.session_state[FLASH] = tr("dm.sites.saved", code=saved_site.code,
                                                 version=saved_site.version)
                    drop(SITE_OPENED)
                    st.rerun()

# ---- users -------------------------------------------------------------------------------------
with users_tab:
    # After a one-time password is shown there is no rerun (it would lose the password), so
    # the form keeps its values and the list and status are drawn last, from fresh rows.
    changed = False
    st.subheader(tr("dm.users.list"))
    users_box = st.container()

    st.subheader(tr("dm.users.new"))
    st.caption(tr("dm.users.site_rule"))
    summary("user_new", USER_FIELDS)
    with st.form("user_new"):
        left, right = st.columns(2)
        with left:
            new_username = st.text_input(tr("dm.users.col.username"), key="users_new_username",
                                         help=tr("dm.users.username_help"))
            forms.show_error("user_new", "username")
            new_language = st.selectbox(tr("dm.users.col.language"), list(LANGUAGES),
                                        format_func=LANGUAGES.__getitem__,
                                        key="users_new_language")
            forms.show_error("user_new", "language")
        with right:
            new_role = st.selectbox(tr("dm.users.col.role"), LOGIN_ROLES,
                                    format_func=role_labels.__getitem__, key="users_new_role")
            forms.show_error("user_new", "role")
            new_site = st.selectbox(tr("dm.users.col.site"), list(site_labels),
                                    format_func=site_labels.__getitem__, key="users_new_site",
                                    help=tr("dm.users.site_rule"))
            forms.show_error("user_new", "site_id")
        add_user = st.form_submit_button(tr("dm.users.create"), type="primary")
    if add_user:
        user_data = {"username": new_username.strip().lower(), "role": new_role,
                     "site_id": new_site, "language": new_language}
        new_login = forms.run("user_new", lambda s: create_user_with_one_time_password(
            session=s, actor=actor, data=user_data))
        if new_login is not None:
            st.success(tr("dm.users.created", username=new_login.user.username,
                          role=role_labels[new_login.user.role]))
            one_time_box(new_login.user.username, new_login.password)
            del new_login  # shown once, in this run: the next run has no trace of it
            changed = True
            sites, users = load()

    st.subheader(tr("dm.users.selected"))
    users_by_id = {u.id: u for u in users}
    user_labels = {u.id: f"{u.username} · {role_labels[u.role]}" for u in users}
    picked = users_by_id[st.selectbox(tr("dm.users.pick"), list(users_by_id),
                                      format_func=user_labels.__getitem__, key="users_pick")]
    own = picked.id == actor.user_id
    user_opened = st.session_state.get(USER_OPENED)
    if not user_opened or user_opened[0] != picked.id:
        user_opened = (picked.id, picked.version)
        st.session_state[USER_OPENED] = user_opened
        st.session_state["users_edit_role"] = picked.role
        st.session_state["users_edit_site"] = picked.site_id
        st.session_state["users_edit_language"] = picked.language
        st.session_state["users_edit_reason"] = ""
    status_box = st.container()
    if own:
        st.caption(tr("dm.users.self_note"))
    if picked.version != user_opened[1]:
        st.warning(tr("dm.users.changed_since", version=picked.version))
        if st.button(tr("dm.users.reload"), key="users_reload"):
            drop(USER_OPENED)
            st.rerun()

    summary("user_actions", ())
    action_reason = st.text_input(tr("dm.users.reason"), key="users_action_reason")
    why = action_reason.strip() or None
    b1, b2, b3 = st.columns(3)
    if picked.active:
        deactivate = b1.button(tr("dm.users.deactivate"), key="users_deactivate", disabled=own,
                               icon=":material/person_off:")
        reactivate = False
    else:
        reactivate = b1.button(tr("dm.users.reactivate"), key="users_reactivate",
                               icon=":material/person_check:")
        deactivate = False
    unlock = b2.button(tr("dm.users.unlock"), key="users_unlock", icon=":material/lock_open:",
                       disabled=not (is_locked(picked) or picked.failed_logins))
    reset = b3.button(tr("dm.users.reset"), key="users_reset", help=tr("dm.users.reset_help"),
                      icon=":material/key:")
    steps = {"deactivated": (deactivate, deactivate_user),
             "reactivated": (reactivate, reactivate_user), "unlocked": (unlock, unlock_user)}
    for done_key, (clicked, service) in steps.items():
        if clicked:
            done = forms.run("user_actions", lambda s, service=service: service(
                session=s, actor=actor, user_id=picked.id, reason=why,
                expected_version=user_opened[1]))
            if done is not None:
                st.session_state[FLASH] = tr(f"dm.users.{done_key}", username=picked.username)
                drop(USER_OPENED, "users_action_reason")
                st.rerun()
    if reset:
        one_time = forms.run("user_actions", lambda s: reset_password(
            session=s, actor=actor, user_id=picked.id, reason=why,
            expected_version=user_opened[1]))
        if one_time is not None:
            st.success(tr("dm.users.reset_done", username=picked.username))
            one_time_box(picked.username, one_time)
            del one_time
            changed = True
            sites, users = load()

    st.markdown(f"**{tr('dm.users.edit')}**")
    summary("user_edit", USER_FIELDS)
    with st.form("user_edit"):
        left, middle, right = st.columns(3)
        with left:
            edit_role = st.selectbox(tr("dm.users.col.role"), LOGIN_ROLES,
                                     format_func=role_labels.__getitem__, key="users_edit_role")
            forms.show_error("user_edit", "role")
        with middle:
            edit_site = st.selectbox(tr("dm.users.col.site"), list(site_labels),
                                     format_func=site_labels.__getitem__, key="users_edit_site",
                                     help=tr("dm.users.site_rule"))
            forms.show_error("user_edit", "site_id")
        with right:
            edit_language = st.selectbox(tr("dm.users.col.language"), list(LANGUAGES),
                                         format_func=LANGUAGES.__getitem__,
                                         key="users_edit_language")
            forms.show_error("user_edit", "language")
        edit_reason = st.text_input(tr("dm.users.reason"), key="users_edit_reason")
        save_user = st.form_submit_button(tr("common.save"), type="primary")
    if save_user:
        user_changes = {name: value for name, value in (
            ("role", edit_role), ("site_id", edit_site), ("language", edit_language))
            if value != getattr(picked, name)}
        if not user_changes:
            st.info(tr("dm.users.no_changes"))
        else:
            saved_user = forms.run("user_edit", lambda s: update_user(
                session=s, actor=actor, user_id=picked.id, changes=user_changes,
                expected_version=user_opened[1], reason=edit_reason.strip() or None))
            if saved_user is not None:
                st.session_state[FLASH] = tr("dm.users.saved", username=saved_user.username,
                                             version=saved_user.version)
                drop(USER_OPENED)
                st.rerun()

    # drawn last, from the rows as they are after this run's action
    current = next((u for u in users if u.id == picked.id), picked)
    if changed:  # this run's own change is what the data manager has now seen
        st.session_state[USER_OPENED] = (current.id, current.version)
    with status_box:
        state = [tr("dm.users.state.active" if current.active else "dm.users.state.inactive")]
        if is_locked(current):
            state.append(tr("dm.users.state.locked", when=stamp(current.locked_until)))
        elif current.failed_logins:
            state.append(tr("dm.users.state.failed", n=current.failed_logins))
        if current.must_change_password:
            state.append(tr("dm.users.state.must_change"))
        st.markdown(tr("dm.users.status", username=current.username,
                       role=role_labels[current.role],
                       site=site_codes.get(current.site_id, "—") if current.site_id else "—",
                       state=" · ".join(state)))
        st.caption(tr("dm.users.version", version=current.version,
                      when=stamp(current.updated_at)))
    with users_box:
        st.dataframe([{
            tr("dm.users.col.username"): u.username,
            tr("dm.users.col.role"): role_labels[u.role],
            tr("dm.users.col.site"): site_codes.get(u.site_id, "") if u.site_id else "",
            tr("dm.users.col.language"): u.language,
            tr("dm.users.col.active"): yes_no(u.active),
            tr("dm.users.col.locked_until"): stamp(u.locked_until) if is_locked(u) else "",
            tr("dm.users.col.failed_logins"): u.failed_logins,
            tr("dm.users.col.must_change"): yes_no(u.must_change_password),
            tr("dm.users.col.last_login"): stamp(u.last_login),
        } for u in users], hide_index=True)
