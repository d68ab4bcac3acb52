"""Streamlit glue: the cached engine, one session per interaction, the current actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry import Actor, get_settings, make_engine, migrate

ACTOR_KEY = "actor"


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


def log_in(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor


def log_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
