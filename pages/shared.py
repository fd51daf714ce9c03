"""The process's one Workbench, shared by every browser session's pages and by app.py's HTTP route
(the feed's view tickets are signed with this instance's key, so both must hold the same one).
Apart from pages/common.py, which registers the app's components when first imported and so must
be first imported by a script run, never by the route."""
import streamlit as st

from workbench import Workbench, open_workbench


@st.cache_resource
def workbench() -> Workbench:
    opened = open_workbench()
    opened.warm_up_in_background()  # the first Generate or enrollment then finds the models loaded
    return opened
