"""Moderation: the review queue of open cases, most severe first (reviewers only)."""
import pandas as pd
import streamlit as st

from pages.common import require_actor, result_or_stop
from workbench.safety.reports import REPORT_REASONS

wb, actor = require_actor()

st.title("Moderation")
st.write("Cases opened by user reports, by the output scan (a face without consent, a public figure's face, "
         "a copy of a removed clip, a prompt sent to review) and by cameo enrollments whose face matches a "
         "public figure, ranked by severity and then age. Reports by a cameo owner about their own likeness "
         "rise to the top; reports and scan hits on one clip merge into one case.")

cases = result_or_stop(wb.reports.queue, actor.handle)

st.metric("Open cases", len(cases))
if not cases:
    st.success("The queue is empty.")
    st.stop()


def evidence(case) -> str:
    """One line of what opened the case: report reasons, scan hits, an enrollment's face match."""
    parts = sorted({REPORT_REASONS[r["reason"]][0] for r in case.signals.get("reports", [])})
    parts += [hit["detail"] + (f" (by @{hit['uploader']})" if hit.get("uploader") else "")
              for hit in case.signals.get("scan", [])]
    if "public_figure" in case.signals:
        parts.append(f"face matches {case.signals['public_figure']} (distance {case.signals['face_distance']})")
    return "; ".join(parts)


table = pd.DataFrame([{
    "case": c.id, "clip": c.video_id, "severity": c.severity, "status": c.status, "source": c.source,
    "reports": len(c.signals.get("reports", [])), "evidence": evidence(c), "opened": c.opened_at,
} for c in cases])
st.dataframe(table, hide_index=True, width="stretch")
