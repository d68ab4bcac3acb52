"""The current user's language and the catalogue, for pages."""

from __future__ import annotations

import re
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
    formatting. Line breaks are kept. A bare web address is still made a link by the
    browser's markdown (GFM autolinks read the unescaped text), shown as typed: use `md_code`
    where a value should not even be clickable.
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def md_code(text: object) -> str:
    """`text` as an inline code span: shown exactly as typed, in a fixed-width font, never a
    link (no autolink inside code). The fence is one backtick longer than any run of backticks
    in the text, padded by a space when the text starts or ends with one (CommonMark)."""
    value = " ".join(str(text).splitlines())  # a code span is one line
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"
