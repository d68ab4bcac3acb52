"""The current user's language and the catalogue, for pages."""

from __future__ import annotations

from datetime import date
from enum import Enum

import streamlit as st

from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES, Language, code_label, format_date, t

LANGUAGE_KEY = "language"


def lang() -> Language:
    """The session's language: the logged-in user's choice, else Russian."""
    value = st.session_state.get(LANGUAGE_KEY)
    if value in LANGUAGES:
        return value  # type: ignore[no-any-return]
    actor = st.session_state.get("actor")
    chosen = getattr(actor, "language", DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **params: object) -> str:
    """`key` from the catalogue in the session's language."""
    return t(key, lang(), **params)


def label(code: Enum) -> str:
    return code_label(code, lang())


def dmy(value: date | None) -> str:
    return format_date(value)


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~:$=")


def md_literal(text: object) -> str:
    """`text` for a markdown element, shown as typed: every character markdown (or Streamlit's
    ``:red[...]``, ``:icon:`` and ``$math$``) would act on is escaped with a backslash, so a
    value a user typed (a lot number, an echoed cell) never becomes a link, an image or
    formatting. Line breaks are kept.
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))
