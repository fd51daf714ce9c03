"""What every page shares: the cached Workbench and the persona picker (the acting user)."""
from __future__ import annotations

import base64
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from pages.shared import workbench
from workbench import UserView, Workbench, WorkbenchError

DEFAULT_PERSONA = "ana"


def personas(wb: Workbench) -> dict[str, UserView]:
    """Every user, by handle: whom one may act as."""
    return {u.handle: u for u in wb.users.list()}


def current_actor(users: dict[str, UserView]) -> UserView | None:
    """The persona every action runs as: the one picked in the sidebar (kept in session state), else
    the default; None while there are no users."""
    if not users:
        return None
    handle = st.session_state.get("actor")
    if handle not in users:
        handle = st.session_state["actor"] = DEFAULT_PERSONA if DEFAULT_PERSONA in users else next(iter(users))
    return users[handle]


def persona_picker(users: dict[str, UserView], actor: UserView) -> None:
    """The sidebar's "Acting as" picker, drawn by each page (require_actor). A pick takes effect in
    the very run it starts (its callback runs before the script), so the navigation offers the new
    persona's pages at once and no second rerun can race a click that follows.

    It is drawn inside the page's run, not by streamlit_app.py: Streamlit 1.67 gave the main
    script's widgets another id in a server's first session's first run than in the runs after it,
    so the first pick after the app opened was dropped (the server went on as the old persona while
    the picker showed the new one). Its key names the persona it was drawn for: a pick makes a new
    widget that starts from `index`, never from a value set in session state (which the browser does
    not echo back, and which once switched the persona silently)."""
    handles = list(users)
    key = f"acting_as_{actor.handle}"
    st.sidebar.selectbox(
        "Acting as", handles, index=handles.index(actor.handle), key=key, on_change=_switch_persona, args=(key,),
        format_func=lambda h: f"@{h} · {users[h].role.replace('_', ' ')}" + (" · teen" if users[h].is_teen else ""),
        help="Every action runs as this persona; roles decide which pages you see.")


def _switch_persona(key: str) -> None:
    st.session_state["actor"] = st.session_state[key]


def require_actor(*, allow_suspended: bool = False) -> tuple[Workbench, UserView]:
    """The workbench and the persona chosen in the sidebar (whose picker this draws); stops the page
    if there is none, or if the persona is suspended (except on pages a suspended person may still use)."""
    wb = workbench()
    users = personas(wb)
    actor = current_actor(users)
    if actor is None:
        st.sidebar.info("No users yet: run `workbench seed --demo`.")
        st.stop()
    persona_picker(users, actor)
    if "done" in st.session_state:  # what the last change did, said once after its rerun
        st.toast(st.session_state.pop("done"), icon=":material/check_circle:")
    if actor.suspended and not allow_suspended:
        st.warning(f"@{actor.handle} is suspended; the Inbox shows why and how to appeal.", icon=":material/block:")
        st.stop()
    return wb, actor


def show_error(error: WorkbenchError) -> None:
    st.error(str(error), icon=":material/error:")


def attempt(call, *args, done: str | None = None, **kwargs) -> None:
    """Run a change; show a refusal, or rerun to show the new state (and say `done` when given: a
    change whose result is not otherwise visible, such as saved settings or a decided case)."""
    try:
        call(*args, **kwargs)
    except WorkbenchError as error:
        show_error(error)
    else:
        if done:
            st.session_state["done"] = done
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
