"""Streamlit glue: the cached engine, one session per interaction, the current actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry import Actor, get_settings, make_engine, migrate

ACTOR_KEY = "actor"
PATIENT_KEY = "patient_id"  # the patient the clinician is working on
# A language the sidebar switch must show from the next run on (a widget's value can only be
# set before the widget is drawn, and the switch is drawn before any page runs).
PENDING_LANGUAGE = "_pending_language"


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


def current_actor() -> Actor | None:
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:  # the router shows pages only after login; a stale tab lands here
        st.stop()
    assert actor is not None
    return actor


def log_in(actor: Actor) -> None:
    """Remember the actor; the screen switches to the user's stored language."""
    st.session_state[ACTOR_KEY] = actor
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
