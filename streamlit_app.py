"""The workbench app: one page per job, offered by the acting persona's role (each page draws the
persona picker in the sidebar: pages/common.py).

Run it with `workbench serve` (which seeds the demo world first when the database is empty).
"""
import streamlit as st

from pages.common import current_actor, personas, workbench
from workbench import Role

st.set_page_config(page_title="Workbench", page_icon=":material/movie:", layout="centered")

wb = workbench()
actor = current_actor(personas(wb))

pages = [
    st.Page("pages/feed.py", title="Feed", icon=":material/smartphone:", default=True),
    st.Page("pages/create.py", title="Create", icon=":material/auto_awesome:"),
    st.Page("pages/cameo.py", title="Cameo", icon=":material/face:"),
    st.Page("pages/creator.py", title="Creator", icon=":material/account_circle:", visibility="hidden"),
]
if actor is not None:
    unread = wb.notifications.unread_count(actor.handle)
    pages.append(st.Page("pages/inbox.py", title=f"Inbox ({unread})" if unread else "Inbox", icon=":material/inbox:"))
if actor is not None and actor.role in (Role.REVIEWER, Role.ADMIN):
    pages.append(st.Page("pages/moderation.py", title="Moderation", icon=":material/shield:"))
if actor is not None and actor.role == Role.ADMIN:
    pages.append(st.Page("pages/platform.py", title="Platform", icon=":material/query_stats:"))
if actor is not None and actor.role in (Role.RIGHTS_HOLDER, Role.ADMIN):
    pages.append(st.Page("pages/rights.py", title="Rights", icon=":material/copyright:"))
pages.append(st.Page("pages/analytics.py", title="Analytics", icon=":material/monitoring:"))
pages.append(st.Page("pages/experiments.py", title="Experiments", icon=":material/science:"))

st.navigation(pages).run()
