"""Moderation: the review queue of open cases, most severe first (reviewers only)."""
import pandas as pd
import streamlit as st

from pages.common import require_actor, result_or_stop
from workbench.safety.reports import REPORT_REASONS

wb, actor = require_actor()

st.title("Moderation")
st.write("Cases opened by user reports and by cameo enrollments whose face matches a public figure, ranked "
         "by severity and then age. Reports by a cameo owner about their own likeness rise to the top; "
         "several reports on one clip merge into one case.")

cases = result_or_stop(wb.reports.queue, actor.handle)

st.metric("Open cases", len(cases))
if not cases:
    st.success("The queue is empty.")
    st.stop()
table = pd.DataFrame([{
    "case": c.id, "clip": c.video_id, "severity": c.severity, "status": c.status, "source": c.source,
    "reports": len(c.signals.get("reports", [])),
    "evidence": ", ".join(sorted({REPORT_REASONS[r["reason"]][0] for r in c.signals.get("reports", [])}))
                or (f"face matches {c.signals['public_figure']} (distance {c.signals['face_distance']})"
                    if "public_figure" in c.signals else ""),
    "opened": c.opened_at,
} for c in cases])
st.dataframe(table, hide_index=True, width="stretch")
