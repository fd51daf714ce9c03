"""What every page shares: the cached Workbench and the persona picker (the acting user)."""
from __future__ import annotations

import base64
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from pages.shared import workbench
from workbench import UserView, Workbench, WorkbenchError

DEFAULT_PERSONA = "ana"


def persona_picker(wb: Workbench) -> UserView | None:
    """The sidebar persona picker (rendered once, by streamlit_app.py); the choice lives in
    session state and drives every page."""
    users = wb.users.list()
    if not users:
        st.sidebar.info("No users yet: run `workbench seed --demo`.")
        return None
    handles = [u.handle for u in users]
    by_handle = {u.handle: u for u in users}
    current = st.session_state.get("actor")
    if current not in by_handle:
        current = DEFAULT_PERSONA if DEFAULT_PERSONA in by_handle else handles[0]
    # The widget gets its start from `index`, not from a preset session-state value: a preset value is
    # not echoed back by the browser on the next click, which would silently switch the persona.
    choice = st.sidebar.selectbox(
        "Acting as", handles, index=handles.index(current), key="persona_picker",
        format_func=lambda h: f"@{h} · {by_handle[h].role.replace('_', ' ')}" + (" · teen" if by_handle[h].is_teen else ""),
        help="Every action runs as this persona; roles decide which pages you see.")
    st.session_state["actor"] = choice
    return by_handle[choice]


def require_actor(*, allow_suspended: bool = False) -> tuple[Workbench, UserView]:
    """The workbench and the persona chosen in the sidebar; stops the page if there is none, or if
    the persona is suspended (except on pages a suspended person may still use)."""
    wb = workbench()
    handle = st.session_state.get("actor")
    if handle is None:
        st.stop()
    actor = wb.users.get(handle)
    if actor.suspended and not allow_suspended:
        st.warning(f"@{actor.handle} is suspended; the Inbox shows why and how to appeal.", icon=":material/block:")
        st.stop()
    return wb, actor


def show_error(error: WorkbenchError) -> None:
    st.error(str(error), icon=":material/error:")


def attempt(call, *args, **kwargs) -> None:
    """Run a change; show a refusal, or rerun to show the new state."""
    try:
        call(*args, **kwargs)
    except WorkbenchError as error:
        show_error(error)
    else:
        st.rerun()


def result_or_stop(call, *args, **kwargs):
    """Run a service call the rest of the page depends on; a refusal is shown and ends the page."""
    try:
        return call(*args, **kwargs)
    except WorkbenchError as error:
        show_error(error)
        st.stop()


#: a minimal component (pages/components/recorder): camera + microphone recording with MediaRecorder
_clip_recorder = components.declare_component("clip_recorder", path=str(Path(__file__).resolve().parent
                                                                         / "components" / "recorder"))


def record_clip(key: str, max_seconds: int = 12) -> bytes | None:
    """Record a clip with sound in the browser; the recording as bytes (WebM: VP8 + Opus) once the
    person stops, else None."""
    value = _clip_recorder(max_seconds=max_seconds, key=key, default=None)
    return base64.b64decode(value["data"]) if value else None


#: watch telemetry (pages/components/watch): follows the page's <video> and reports the view to app.py
_watch_telemetry = components.declare_component("watch_telemetry", path=str(Path(__file__).resolve().parent
                                                                            / "components" / "watch"))


def watch_telemetry(ticket: str, duration_s: float, view_key: str) -> None:
    """Have the browser report this showing of the clip as it plays, under the view ticket
    (``wb.videos.view_ticket``); the reports go to the app's HTTP route and never rerun the page."""
    _watch_telemetry(ticket=ticket, duration_s=duration_s, key=f"watch_{view_key}", default=None)
