"""Analytics: completion and rewatch rates of your clips (everyone's, for an admin)."""
import plotly.express as px
import streamlit as st

from pages.common import require_actor
from workbench.metrics import completion_by_clip, completion_rate, rewatch_rate

wb, actor = require_actor()

st.title("Analytics")
scope = "all clips" if actor.role == "admin" else f"clips by @{actor.handle}"
st.write(f"Watch telemetry of {scope}. A view completes when playback reaches the clip's end; a rewatch "
         "is a view that looped at least once.")

events = wb.analytics.watch_events(actor.handle)
if events.empty:
    st.info("No views yet. Publish a clip and watch it from another persona.")
    st.stop()

views, completion, rewatch = st.columns(3)
views.metric("Views", len(events))
completion.metric("Completion rate", f"{completion_rate(events):.0%}")
rewatch.metric("Rewatch rate", f"{rewatch_rate(events):.0%}")

per_clip = completion_by_clip(events)
figure = px.bar(per_clip.sort_values("completion_rate"), x="video_id", y="completion_rate",
                hover_data=["views", "rewatch_rate", "mean_watched_s"],
                labels={"video_id": "clip", "completion_rate": "completion rate"},
                title="Completion rate per clip")
figure.update_xaxes(type="category")
st.plotly_chart(figure, width="stretch")
st.download_button("Download per-clip table (CSV)", per_clip.to_csv(index=False), "completion_by_clip.csv",
                   "text/csv")
