"""Form plumbing: run one service call, keep its field errors, show them next to the fields.

A refused submission stores its errors by field and reruns the page, so that each message
appears under its own widget (and a summary at the top); the widgets keep their values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import streamlit as st

from pages.ui.state import session_scope
from pages.ui.text import lang, md_literal, tr
from registry import Conflict, InvalidInput, RegistryError
from registry.i18n import CATALOGUE, error_text, message_text

T = TypeVar("T")
FAR_PAST = date(1900, 1, 1)
FAR_FUTURE = date(2100, 12, 31)


def _key(form: str) -> str:
    return f"_errors_{form}"


def field_errors(form: str) -> dict[str, list[str]]:
    return st.session_state.get(_key(form), {})  # type: ignore[no-any-return]


def show_error(form: str, field: str) -> None:
    """The messages for `field` of `form`, right under its widget."""
    for message in field_errors(form).get(field, []):
        st.markdown(f":red[{md_literal(message)}]")


def show_summary(form: str) -> None:
    """At the top of a refused form: nothing was saved, and every message by field."""
    errors = field_errors(form)
    if errors:
        lines = "\n".join(f"- **{field_label(f)}**: {md_literal(m)}"
                          for f, ms in errors.items() for m in ms)
        st.error(f"{tr('common.nothing_saved')}\n\n{lines}")


def field_label(field: str) -> str:
    """The catalogue's label of a model field (its name when not catalogued)."""
    key = f"field.{field.split('.')[0]}"
    return tr(key) if key in CATALOGUE else field


def show_refusal(error: RegistryError) -> None:
    """A service's refusal (permission, not found, conflict, ...) in the user's language."""
    st.error(message_text(error, lang()))


def clear(form: str) -> None:
    st.session_state.pop(_key(form), None)


def run(form: str, action: Callable[[Any], T]) -> T | None:
    """Call one service inside a session.

    Bad input: remember the errors by field and rerun (nothing was written). Other refusals
    (permission, conflict, not found) are shown at once. Returns the result, or None.
    """
    try:
        with session_scope() as session:
            result = action(session)
    except InvalidInput as exc:
        grouped: dict[str, list[str]] = {}
        for error in exc.errors:
            grouped.setdefault(error.field, []).append(error_text(error, lang()))
        st.session_state[_key(form)] = grouped
        st.rerun()
    except Conflict as exc:
        clear(form)
        st.error(message_text(exc, lang()))
        if exc.current:
            st.markdown(tr("correct.newer_values"))
            st.dataframe([{tr("col.field"): field_label(k), "value": str(v)}
                          for k, v in exc.current.items()], hide_index=True)
        return None
    except RegistryError as exc:
        clear(form)
        st.error(message_text(exc, lang()))
        return None
    clear(form)
    return result


def date_input(text: str, key: str, value: date | None = None, **kwargs: Any) -> date | None:
    """A date field shown as DD.MM.YYYY, empty until filled."""
    return st.date_input(text, value=value, key=key, format="DD.MM.YYYY",  # type: ignore[no-any-return]
                         min_value=FAR_PAST, max_value=FAR_FUTURE, **kwargs)
