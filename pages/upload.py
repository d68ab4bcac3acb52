"""Bulk upload of patients, follow-ups or adverse events from CSV/XLSX: templates with the
codes, a preview that lists every error as (row, column, message), an all-or-nothing commit."""

import streamlit as st

from pages.ui.state import require_actor, session_scope
from pages.ui.text import lang, md_literal, tr
from registry import InvalidInput, RegistryError
from registry.i18n import error_text, message_text
from registry.services.uploads import UploadKind, commit_upload, preview_upload, template

actor = require_actor()
st.title(tr("nav.upload"))
st.caption(tr("upload.intro"))

kind = st.radio(tr("upload.kind"), list(UploadKind), key="upload_kind", horizontal=True,
                format_func=lambda k: tr(f"upload.kind.{k.value}"))
c1, c2 = st.columns(2)
c1.download_button(tr("upload.template_csv"), template(kind, "csv"),
                   file_name=f"{kind.value}_template.csv", mime="text/csv",
                   key="upload_template_csv")
c2.download_button(tr("upload.template_xlsx"), template(kind, "xlsx"),
                   file_name=f"{kind.value}_template.xlsx", key="upload_template_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

uploaded = st.file_uploader(tr("upload.file"), type=["csv", "xlsx"], key="upload_file")
if uploaded is None:
    st.stop()
content = uploaded.getvalue()


def progress_bar(label: str):  # type: ignore[no-untyped-def]
    """A progress bar and its callback; the bar is removed once the work is done."""
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int) -> None:
        bar.progress(min(1.0, done / max(total, 1)), text=label)

    return bar, update


b1, b2 = st.columns(2)
if b1.button(tr("upload.preview"), key="upload_preview"):
    bar, update = progress_bar(tr("upload.checking"))
    try:
        with session_scope() as session:
            preview = preview_upload(session=session, actor=actor, kind=kind,
                                     filename=uploaded.name, content=content, progress=update)
    except InvalidInput as exc:
        bar.empty()
        st.error("\n".join(  # messages echo the file's cells: shown as typed, never as markdown
            f"- {md_literal(error_text(e, lang()))}" if e.row is None else
            f"- {e.row}: {e.field}: {md_literal(error_text(e, lang()))}" for e in exc.errors))
        st.stop()
    except RegistryError as exc:
        bar.empty()
        st.error(message_text(exc, lang()))
        st.stop()
    bar.empty()
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("upload.rows"), preview.rows)
    m2.metric(tr("upload.new"), preview.new)
    m3.metric(tr("upload.duplicates"), preview.duplicates)
    m4.metric(tr("upload.errors"), len(preview.errors))
    if preview.errors:
        st.error(tr("upload.has_errors"))
        st.dataframe([{tr("col.row"): e.row, tr("col.column"): e.field,
                       tr("col.message"): error_text(e, lang())} for e in preview.errors],
                     hide_index=True)
        st.download_button(tr("upload.errors_csv"), preview.errors_csv(),
                           file_name="upload_errors.csv", mime="text/csv",
                           key="upload_errors_csv")
    else:
        st.success(tr("upload.valid"))

if b2.button(tr("upload.commit"), type="primary", key="upload_commit"):
    bar, update = progress_bar(tr("upload.saving"))
    try:
        with session_scope() as session:
            result = commit_upload(session=session, actor=actor, kind=kind,
                                   filename=uploaded.name, content=content, progress=update)
    except InvalidInput as exc:
        bar.empty()
        st.error(tr("upload.refused", n=len(exc.errors)))
        st.dataframe([{tr("col.row"): e.row, tr("col.column"): e.field,
                       tr("col.message"): error_text(e, lang())} for e in exc.errors],
                     hide_index=True)
    except RegistryError as exc:
        bar.empty()
        st.error(message_text(exc, lang()))
    else:
        bar.empty()
        st.success(tr("upload.committed", created=result.created, skipped=result.skipped))
