"""The workbench app: a persona picker in the sidebar and one page per job.

Run it with `workbench serve` (which seeds the demo world first when the database is empty).
"""
import streamlit as st

from pages.common import persona_picker, workbench

st.set_page_config(page_title="Workbench", page_icon="🎬", layout="centered")

wb = workbench()
actor = persona_picker(wb)

pages = [
    st.Page("pages/feed.py", title="Feed", icon="📱", default=True),
    st.Page("pages/create.py", title="Create", icon="✨"),
    st.Page("pages/cameo.py", title="Cameo", icon="🙂"),
]
if actor is not None and actor.role in ("reviewer", "admin"):
    pages.append(st.Page("pages/moderation.py", title="Moderation", icon="🛡️"))
if actor is not None and actor.role in ("rights_holder", "admin"):
    pages.append(st.Page("pages/rights.py", title="Rights", icon="©️"))
pages.append(st.Page("pages/analytics.py", title="Analytics", icon="📊"))

st.navigation(pages).run()
