"""What every page shares: the cached Workbench and the persona picker (the acting user)."""
from __future__ import annotations

import base64
import html
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from pages.shared import workbench
from workbench import UserView, Workbench, WorkbenchError

DEFAULT_PERSONA = "ana"


#: the picker offers every persona of a demo world; of a platform-sized one, the first by handle (all
#: 10,000 took 110 ms to read and draw on every click)
PICKER_SIZE = 200


def personas(wb: Workbench) -> dict[str, UserView]:
    """Whom one may act as, by handle: the first PICKER_SIZE users, and whoever is acting now."""
    users = {u.handle: u for u in wb.users.list(limit=PICKER_SIZE)}
    acting = st.session_state.get("actor")
    if acting and acting not in users:
        try:
            users[acting] = wb.users.get(acting)
        except WorkbenchError:
            pass  # gone: current_actor falls back to the default
    return users


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
        help=f"Every action runs as this persona; roles decide which pages you see. (The first {PICKER_SIZE} "
             "by handle, and whoever is acting.)")


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


def swipe_to_move(area_key: str, *, previous: str, next: str) -> None:
    """A vertical swipe on the element keyed `area_key` presses the button keyed `next` (swipe up)
    or `previous` (swipe down), as in the apps people know. The listener is installed once per
    browser tab and finds the elements by their keys at each swipe, so it outlives reruns."""
    st.html(f"""<script>
    if (!window.workbenchSwipe) {{
      window.workbenchSwipe = true;
      let start = null;
      document.addEventListener("touchstart", (event) => {{
        const area = event.target.closest(".st-key-{area_key}");
        start = area ? {{x: event.touches[0].clientX, y: event.touches[0].clientY}} : null;
      }}, {{passive: true}});
      document.addEventListener("touchend", (event) => {{
        if (!start) return;
        const dx = event.changedTouches[0].clientX - start.x, dy = event.changedTouches[0].clientY - start.y;
        start = null;
        if (Math.abs(dy) < 60 || Math.abs(dy) < 2 * Math.abs(dx)) return;
        const button = document.querySelector(`.st-key-${{dy < 0 ? "{next}" : "{previous}"}} button`);
        if (button && !button.disabled) button.click();
      }}, {{passive: true}});
    }}
    </script>""", unsafe_allow_javascript=True)


def copy_link(url: str) -> None:
    """The link, readable in full, and a button that copies it (st.code's copy button shows only
    under a mouse, so a phone had none). One listener per browser tab serves every such button."""
    st.caption(url)
    st.html(f"""<button class="workbench-copy" data-url="{html.escape(url)}" style="padding: 0.4rem 0.8rem;
      border-radius: 0.5rem; border: 1px solid #ccc; background: white; cursor: pointer">Copy link</button>
    <script>
    if (!window.workbenchCopy) {{
      window.workbenchCopy = true;
      document.addEventListener("click", async (event) => {{
        const button = event.target.closest(".workbench-copy");
        if (!button) return;
        try {{ await navigator.clipboard.writeText(button.dataset.url); }}
        catch (error) {{  // not a secure context (an address other than localhost over http)
          const box = document.createElement("textarea");
          box.value = button.dataset.url;
          document.body.appendChild(box); box.select(); document.execCommand("copy"); box.remove();
        }}
        button.innerText = "Copied";
      }});
    }}
    </script>""", unsafe_allow_javascript=True)


def result_or_stop(call, *args, **kwargs):
    """Run a service call the rest of the page depends on; a refusal is shown and ends the page."""
    try:
        return call(*args, **kwargs)
    except WorkbenchError as error:
        show_error(error)
        st.stop()


#: the session-state key of the confirmation dialog that is open (confirm_first's key), if any
ASKING = "confirming"


def confirm_first(label: str, confirm: str, call, *args, key: str, done: str,
                  message: str = "This cannot be undone.", where=st, shortcut: str | None = None,
                  width: str = "content", **kwargs) -> None:
    """A change that cannot be undone takes two clicks: the `label` button opens a dialog saying
    `message`, and only its `confirm` button runs the change (then `done` is said). Which dialog is
    open is kept in session state, so it survives any rerun before the answer (and AppTest can
    answer it); dismissing it or Cancel closes it."""
    where.button(label, key=key, on_click=_ask, args=(key,), shortcut=shortcut, width=width)
    if st.session_state.get(ASKING) == key:
        st.dialog(f"{confirm}?", on_dismiss=_stop_asking)(_answer)(confirm, message, call, args, kwargs, key, done)


def _ask(key: str) -> None:
    st.session_state[ASKING] = key


def _stop_asking() -> None:
    st.session_state.pop(ASKING, None)


def _answer(confirm: str, message: str, call, args: tuple, kwargs: dict, key: str, done: str) -> None:
    st.write(message)
    go, back = st.columns(2)
    if go.button(confirm, type="primary", key=f"{key}_confirm"):
        _stop_asking()
        attempt(call, *args, done=done, **kwargs)
    if back.button("Cancel", key=f"{key}_cancel"):
        _stop_asking()
        st.rerun()


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
