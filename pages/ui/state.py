"""Streamlit glue: the cached engine, one session per interaction, the current actor.

A login ends after `Settings.session_minutes` (REGISTRY_SESSION_MINUTES, default 30) without
an interaction (DESIGN.md section 8): every run of the app resolves the actor through
`current_actor`, which compares the time of the previous interaction with now, logs out an
idle session (the login page then shows why) and otherwise records the interaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pages.ui.text import tr
from registry import Actor, get_settings, make_engine, migrate
from registry.errors import InvalidInput

ACTOR_KEY = "actor"
PATIENT_KEY = "patient_id"  # the patient the clinician is working on
# A language the sidebar switch must show from the next run on (a widget's value can only be
# set before the widget is drawn, and the switch is drawn before any page runs).
PENDING_LANGUAGE = "_pending_language"
LAST_SEEN_KEY = "_last_seen"  # UTC time of the logged-in user's latest interaction
EXPIRED_KEY = "_session_expired"  # the login ended for inactivity; cleared by the next login


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


def engine() -> Engine:
    return _engine(get_settings().database_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as session:
        yield session


def expired(last_seen: datetime, now: datetime, minutes: float) -> bool:
    """True when more than `minutes` passed between `last_seen` and `now`.

    Exactly `minutes` is still within the limit; a `now` before `last_seen` (a clock set
    back) is not an expiry.

    Raises
    ------
    InvalidInput
        `minutes` is not positive.

    Examples
    --------
    >>> t0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    >>> expired(t0, t0 + timedelta(minutes=30), 30), expired(t0, t0 + timedelta(minutes=31), 30)
    (False, True)
    """
    if not minutes > 0:
        raise InvalidInput.one("minutes", f"must be positive (got {minutes!r})",
                               "pydantic.greater_than", gt=0, value=minutes)
    return now - last_seen > timedelta(minutes=minutes)


def touch_session(now: datetime | None = None) -> Actor | None:
    """The logged-in actor after this interaction, or None.

    Logs out (`log_out`, and sets `EXPIRED_KEY` for the login page) when the previous
    interaction is longer ago than the session limit; otherwise records `now` as the latest
    interaction. `now` defaults to the current UTC time.
    """
    now = now or datetime.now(UTC)
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        return None
    last_seen = st.session_state.get(LAST_SEEN_KEY)
    if isinstance(last_seen, datetime) and expired(last_seen, now,
                                                   get_settings().session_minutes):
        log_out()
        st.session_state[EXPIRED_KEY] = True
        return None
    st.session_state[LAST_SEEN_KEY] = now
    return actor


def current_actor() -> Actor | None:
    """The logged-in actor, or None; an idle login expires here (see `touch_session`)."""
    return touch_session()


def session_expired_notice() -> str | None:
    """The "session expired" message in the session's language after an expiry, else None."""
    if not st.session_state.get(EXPIRED_KEY):
        return None
    return tr("session.expired", minutes=get_settings().session_minutes)


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:  # the router shows pages only after login; a stale tab lands here
        st.stop()
    assert actor is not None
    return actor


def log_in(actor: Actor) -> None:
    """Remember the actor; the screen switches to the user's stored language."""
    st.session_state[ACTOR_KEY] = actor
    st.session_state[LAST_SEEN_KEY] = datetime.now(UTC)
    st.session_state.pop(EXPIRED_KEY, None)
    st.session_state.pop("language", None)
    st.session_state[PENDING_LANGUAGE] = actor.language  # the sidebar switch follows


def log_out() -> None:
    """Forget everything of this session but the language on screen."""
    language = st.session_state.get("language") or getattr(
        st.session_state.get(ACTOR_KEY), "language", None)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if language:
        st.session_state["language"] = language
        st.session_state[PENDING_LANGUAGE] = language


def selected_patient() -> int | None:
    value = st.session_state.get(PATIENT_KEY)
    return int(value) if value is not None else None


def select_patient(patient_id: int) -> None:
    st.session_state[PATIENT_KEY] = patient_id
