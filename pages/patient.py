"""One patient: the treatment chain, every follow-up, AE and death on one time axis."""

import pandas as pd
import streamlit as st

from pages.ui.patient import patient_view
from pages.ui.state import require_actor, selected_patient
from pages.ui.text import dmy, label, md_code, tr
from registry.charts.timeline import patient_timeline_chart

actor = require_actor()
if selected_patient() is None:
    st.title(tr("nav.patient"))
view = patient_view(actor)

p = view.patient
st.title(f"{p.registry_id} · {p.site_patient_code}")
st.caption(
    tr(
        "patient.summary",
        site=view.site_code,
        indication=label(p.indication),
        sex=label(p.sex),
        birth_year=p.birth_year,
        diagnosis=dmy(p.diagnosis_date),
        lines=p.prior_lines,
    )
)
if view.death is not None:
    st.error(tr("patient.died", date=dmy(view.death.death_date), cause=label(view.death.cause)))

st.subheader(tr("patient.chain"))
if not view.episodes:
    st.caption(tr("patient.no_episode"))
for ep in view.episodes:
    e = ep.episode
    steps = [f"{tr('patient.apheresis')} {dmy(e.apheresis_date)} ({ep.product_code})"]
    if ep.lot is not None:
        qc = tr("patient.qc_oos") if ep.lot.out_of_specification else tr("patient.qc_ok")
        if ep.lot.manufacturing_failed:
            qc = tr("patient.qc_failed")
        steps.append(f"{tr('patient.lot')} {md_code(ep.lot.lot_number)} · {qc}")
    if e.infusion_date is not None:
        steps.append(f"{tr('patient.infusion')} {dmy(e.infusion_date)}")
    elif e.not_infused_reason is not None:
        steps.append(f"{tr('patient.not_infused')}: {label(e.not_infused_reason)}")
    st.markdown(f"**#{e.episode_number}** " + "  →  ".join(steps))

if view.events:
    frame = pd.DataFrame(
        [
            {
                "when": ev.when,
                "kind": ev.kind,
                "kind_label": tr(f"event.{ev.kind}"),
                "label": ev.label,
            }
            for ev in view.events
        ]
    )
    st.altair_chart(patient_timeline_chart(frame, date_title=tr("col.date")), width="stretch")
    st.dataframe(
        [
            {
                tr("col.date"): dmy(ev.when),
                tr("col.event"): tr(f"event.{ev.kind}"),
                tr("col.details"): ev.label,
                tr("col.record"): f"{tr('table.' + ev.table)} #{ev.row_id}",
            }
            for ev in view.events
        ],
        hide_index=True,
    )

st.subheader(tr("patient.next"))
if not view.next_forms:
    st.caption(tr("worklist.none"))
for f in view.next_forms:
    st.markdown(
        f"- **{f.timepoint.value}** · {dmy(f.window_opens)} – {dmy(f.window_closes)}"
        f" · {tr('form.' + f.status.value)}"
    )

cols = st.columns(5)
for column, (key, target) in zip(
    cols,
    [
        ("nav.treatment", "pages/treatment.py"),
        ("nav.followup", "pages/followup.py"),
        ("nav.adverse_event", "pages/adverse_event.py"),
        ("nav.death", "pages/death.py"),
        ("nav.correct", "pages/correct.py"),
    ],
    strict=True,
):
    if column.button(tr(key), key=f"patient_go_{key}", width="stretch"):
        st.switch_page(target)
