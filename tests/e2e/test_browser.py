"""A real Chromium (Debian's, driven by playwright) against the app served by `workbench serve`:
the feed's clip really plays, and a click on Like lands in the database."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from workbench import OPERATOR, open_workbench
from workbench.media.provenance import verify

from .conftest import FAILED

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update",
                  "--autoplay-policy=no-user-gesture-required"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory, demo_world):
    """A seeded world served on a free port by the real CLI; yields (url, workbench)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests (scripts/setup.sh test installs it)")
    data_dir = demo_world(tmp_path_factory.mktemp("served"), clips=8)
    # no blind quality review is drawn for a decision (10 % at random by default): queues stay as set up
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(data_dir), "WORKBENCH_REVIEW_QA_SHARE": "0"}
    env.pop("WORKBENCH_DATABASE_URL", None)
    env.pop("WORKBENCH_MEDIA_DIR", None)
    wb = open_workbench(data_dir=data_dir)
    port = free_port()
    log = open(data_dir / "serve.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "workbench.cli", "serve", "--no-demo", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not come up: {(data_dir / 'serve.log').read_text()}")
                time.sleep(0.5)
        yield url, wb
    finally:
        children = _children_of(server.pid)  # the app and the job worker
        server.terminate()
        server.wait(timeout=40)
        log.close()
        wb.close()
    # stopping `workbench serve` stops what it started (the app and the worker used to outlive it)
    deadline = time.monotonic() + 30
    while [pid for pid in children if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(children) == 2, children
    assert not [pid for pid in children if _alive(pid)], "the app or its worker outlived `workbench serve`"


def _children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for its parent)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


#: every <video> the page makes and what it does, so a clip that does not play says why
MEDIA_LOG = """
window.mediaLog = [];
const started = performance.now();
const note = (line) => window.mediaLog.push(`${Math.round(performance.now() - started)} ms ${line}`);
const followed = new WeakSet();
new MutationObserver(() => document.querySelectorAll('video').forEach((video) => {
  if (followed.has(video)) return;
  followed.add(video);
  const name = `video ${window.mediaLog.filter((l) => l.includes(' added ')).length}`;
  note(`${name} added (autoplay ${video.autoplay}, muted ${video.muted})`);
  for (const type of ['loadedmetadata', 'canplay', 'play', 'playing', 'pause', 'waiting', 'stalled', 'seeking',
                      'ended', 'emptied', 'abort', 'error'])
    video.addEventListener(type, () => note(`${name} ${type} at ${video.currentTime.toFixed(2)} s, ready state ` +
                                            `${video.readyState}, network state ${video.networkState}`));
})).observe(document, {subtree: true, childList: true});
"""


def new_tab(browser, served, **options):
    """A page that keeps MEDIA_LOG and the answers to its media requests (see wait_for_playback)."""
    tab = browser.new_page(**options)
    tab.add_init_script(MEDIA_LOG)
    tab.media_answers = []
    tab.on("response", lambda answer: tab.media_answers.append(f"{answer.status} {answer.url.rsplit('/', 1)[-1]}"
                                                                  f" {answer.request.headers.get('range', '')}")
           if "/media/" in answer.url else None)
    tab.serve_log = served[1].settings.data_dir / "serve.log"
    tab.opened = time.monotonic()
    tab.sent_frames = []  # every message the page sends the app over Streamlit's websocket (counted
    # while playwright is called: use page.wait_for_timeout, not time.sleep, before reading it)
    tab.on("websocket", lambda socket: socket.on(
        "framesent", lambda frame: tab.sent_frames.append((time.monotonic(), what_was_sent(frame)))))
    return tab


def what_was_sent(frame) -> str:
    """A message to the app in a few words: its kind, the page, and the buttons it says were clicked
    (so a failure report shows whether a click reached the app at all)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    try:
        message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode("latin-1"))
    except Exception:  # noqa: BLE001 - a report must not fail on what it reports
        return "unreadable"
    kind = message.WhichOneof("type") or "?"
    if kind != "rerun_script":
        return kind
    state = message.rerun_script
    clicked = [widget.id.rsplit("-", 1)[-1] for widget in state.widget_states.widgets
               if widget.WhichOneof("value") == "trigger_value" and widget.trigger_value]
    return f"rerun {state.page_name or state.page_script_hash[:8]}" + (f" clicked {clicked}" if clicked else "")


def wait_for_playback(page, past_s: float, selector: str = "video", timeout: float = 30_000) -> None:
    """Wait until the first matching <video> has played past past_s; if it does not, fail with what the
    page's videos did, what the media requests got and what the server logged."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("([selector, past]) => { const v = document.querySelector(selector);"
                               " return v && v.currentTime > past && !v.error; }", arg=[selector, past_s],
                               timeout=timeout)
    except PlaywrightTimeout:
        videos = page.evaluate("() => [...document.querySelectorAll('video')].map(v => ({at: v.currentTime,"
                               " paused: v.paused, autoplay: v.autoplay, ready: v.readyState, network: v.networkState,"
                               " error: v.error && v.error.code, src: v.src.slice(-40)}))")
        raise AssertionError(f"the clip did not play; videos now: {videos}\n{what_the_page_showed(page)}") from None


@pytest.fixture
def page(served, request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        tab = new_tab(browser, served, viewport={"width": 1200, "height": 1000})
        yield tab
        if request.node.stash.get(FAILED, False):
            print(what_the_page_showed(tab))
        browser.close()


def what_the_page_showed(page) -> str:
    """For a failed test's report: the address, the page's text, its videos' log, the server's last lines."""
    server = page.serve_log.read_text().splitlines()[-40:] if page.serve_log.exists() else []
    state = page.locator("[data-testid='stApp']").get_attribute("data-test-script-state", timeout=5_000)
    sent = [f"{at - page.opened:.1f} s {what}" for at, what in page.sent_frames]
    return "\n".join([f"page at {page.url} (script {state}; sent the app {len(sent)} messages, at {', '.join(sent)};"
                      f" now {time.monotonic() - page.opened:.1f} s) showed:", page.locator("body").inner_text(timeout=5_000),
                      "its videos:", *page.evaluate("window.mediaLog || []"), "media requests:", *page.media_answers,
                      "server log:", *server])


def choose_persona(page, handle: str, label: str, confirmed=None) -> None:
    """Pick a persona in the sidebar, once, and wait until the picker shows it and, when given,
    `confirmed` (a locator of something the server renders only for the new persona) appears. A lost
    pick fails the test: this used to pick up to three times, which would hide a pick the app drops
    (two causes were found and fixed: a telemetry report's rerun racing the pick's, and a picker drawn
    by the main script, whose id changed after a server's first session's first run)."""
    box = page.get_by_role("combobox", name="Acting as").first
    box.click()
    box.fill(handle)
    page.get_by_role("option", name=label).click()
    wait_for_persona(page, label)
    if confirmed is not None:
        confirmed.wait_for(timeout=15_000)


def wait_until_idle(page, timeout: int = 15_000) -> None:
    """Wait until the app's script run has finished (Streamlit marks it on the app element)."""
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=timeout)


def wait_for_persona(page, expected: str, timeout: int = 15_000) -> None:
    """Wait until the sidebar shows only the expected persona (while Streamlit swaps elements, the old
    picker and the new one can both be in the page for a moment, and a rerun may still be coming)."""
    page.wait_for_function(
        "expected => { const values = new Set([...document.querySelectorAll('input[aria-label=\"Acting as\"]')]"
        ".map(b => b.value)); return values.size === 1 && values.has(expected); }", arg=expected, timeout=timeout)


def test_switching_persona_changes_the_pages_offered_and_a_reviewer_reveals_a_clip(served, page):
    """The first test of the module, so its pick is the first one the server ever sees: Streamlit gave
    a picker drawn by the main script another id in that session's first run, and the pick was lost."""
    url, wb = served
    page.goto(url + "/")
    page.locator("video").first.wait_for(timeout=30_000)
    nav = page.locator("[data-testid='stSidebarNav']")
    assert "Moderation" not in nav.inner_text()
    choose_persona(page, "rosa", "@rosa_reviews · reviewer", confirmed=nav.get_by_text("Moderation"))
    nav.get_by_text("Moderation").click()
    page.get_by_role("heading", name="Moderation").wait_for(timeout=20_000)
    # the claimed case shows a blurred greyscale still, not the clip, until the reviewer reveals it
    page.get_by_role("button", name="Claim the next case").click()
    page.get_by_role("heading", name="Case #").first.wait_for(timeout=15_000)
    main = page.locator("[data-testid='stMain']")
    main.locator("img").first.wait_for(timeout=15_000)
    assert main.locator("video").count() == 0
    # the claim's rerun still swaps elements until the script finishes: a click on a button being
    # replaced never reached the app (the failure report showed no message sent for it)
    wait_until_idle(page)
    page.get_by_role("button", name="Reveal the clip").click()
    main.locator("video").first.wait_for(timeout=15_000)
    wait_for_playback(page, 0.2, "[data-testid=stMain] video")
    assert wb.moderation.dashboard("rosa_reviews").exposure_today["rosa_reviews"]["clips"] == 1


def test_feed_clip_plays_and_like_is_stored(served, page):
    url, wb = served
    page.goto(url + "/")
    video = page.locator("video").first
    video.wait_for(timeout=30_000)
    wait_for_playback(page, 0.3)
    first = page.evaluate("() => document.querySelector('video').currentTime")
    time.sleep(1.0)
    state = page.evaluate("() => { const v = document.querySelector('video');"
                          " return {t: v.currentTime, paused: v.paused, muted: v.muted, duration: v.duration,"
                          " width: v.videoWidth, height: v.videoHeight, error: v.error && v.error.code}; }")
    assert state["t"] > first, "the clip is not playing"
    assert not state["paused"] and state["muted"] and state["error"] is None
    assert (state["width"], state["height"]) == (360, 640)
    # Streamlit loops in script (not with the loop attribute): wait for playback to wrap around
    page.evaluate("() => { const v = document.querySelector('video'); window.wraps = 0; let last = v.currentTime;"
                  " v.addEventListener('timeupdate', () => { if (v.currentTime < last - 0.5) window.wraps++;"
                  " last = v.currentTime; }); }")
    page.wait_for_function("() => window.wraps >= 1", timeout=(state["duration"] + 10) * 1000)

    shown = wb.videos.get("ana", shown_clip_id(page))  # the feed's first clip when the page loaded
    signed = verify(shown.media_file, trust_anchors=wb.credentials.root_cert)  # the very file that is playing
    assert (signed["state"], signed["ai_generated"], signed["author"]) == ("Trusted", True, f"@{shown.author}")
    assert not wb.videos.liked("ana", shown.id)
    like = page.locator(f".st-key-like_{shown.id} button")
    assert like.inner_text().split() == ["🤍", str(shown.like_count)]
    like.click()
    deadline = time.monotonic() + 15
    while not wb.videos.liked("ana", shown.id):
        assert time.monotonic() < deadline, "the like never reached the database"
        time.sleep(0.2)
    page.wait_for_function("([selector, text]) => document.querySelector(selector)?.innerText.split(/\\s+/).join(' ')"
                           " === text", arg=[f".st-key-like_{shown.id} button", f"❤️ {shown.like_count + 1}"],
                           timeout=15_000)
    assert any(n.kind == "like" and n.video_id == shown.id and "@ana" in n.body
               for n in wb.notifications.list(shown.author))  # the author hears of it
    wait_for_persona(page, "@ana · user")


@pytest.fixture
def phone(served, request):
    """A phone-sized tab (390x844, touch)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        tab = new_tab(browser, served, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
        yield tab
        if request.node.stash.get(FAILED, False):
            print(what_the_page_showed(tab))
        browser.close()


def swipe_up(page, selector: str) -> None:
    """A finger's swipe up over the element (touch events, as a phone's browser sends them)."""
    page.evaluate("""selector => {
      const area = document.querySelector(selector), box = area.getBoundingClientRect();
      const x = box.left + box.width / 2, touch = (y) => new Touch({identifier: 1, target: area, clientX: x, clientY: y});
      area.dispatchEvent(new TouchEvent('touchstart', {touches: [touch(box.top + 500)], bubbles: true}));
      area.dispatchEvent(new TouchEvent('touchend', {changedTouches: [touch(box.top + 250)], bubbles: true}));
    }""", selector)


def wait_for_another_clip(page, shown: int) -> int:
    page.wait_for_function("id => !document.body.innerText.includes('clip #' + id)", arg=str(shown), timeout=15_000)
    return shown_clip_id(page)


def test_on_a_phone_the_clip_fills_the_screen_and_keys_and_swipes_move(served, phone):
    url, wb = served
    phone.goto(url + "/")
    video = phone.locator("[data-testid=stMain] video").first
    video.wait_for(timeout=30_000)
    wait_for_playback(phone, 0.2, "[data-testid=stMain] video")
    box = video.bounding_box()
    assert box["y"] <= 0.25 * 844, f"the clip starts {box['y']:.0f} px down a 844 px screen"
    assert box["width"] >= 350, f"the clip is {box['width']:.0f} px wide on a 390 px screen"
    rail = phone.locator(".st-key-feed_rail").bounding_box()  # its actions float over its right edge
    assert box["x"] < rail["x"] and rail["x"] + rail["width"] <= box["x"] + box["width"] + 1
    assert rail["y"] + rail["height"] <= box["y"] + box["height"]
    first = shown_clip_id(phone)
    assert phone.url.endswith(f"?clip={first}")  # the address is a link to the clip on screen
    wait_until_idle(phone)
    phone.keyboard.press("ArrowDown")
    second = wait_for_another_clip(phone, first)
    assert phone.get_by_text(re.compile(r"^2 of \d+")).count() == 1
    wait_until_idle(phone)
    swipe_up(phone, ".st-key-feed_clip")
    third = wait_for_another_clip(phone, second)
    assert len({first, second, third}) == 3
    wait_until_idle(phone)
    phone.keyboard.press("ArrowUp")
    phone.get_by_text(f"clip #{second}").first.wait_for(timeout=15_000)


def test_a_shared_link_opens_its_clip_first(served, phone):
    url, wb = served
    deep = wb.feed.page("ana", "for_you", limit=5)[-1].video
    phone.goto(f"{url}/?clip={deep.id}")
    phone.get_by_text(f"clip #{deep.id}").first.wait_for(timeout=30_000)
    assert phone.get_by_text(re.compile(r"^1 of \d+ · Shared with you")).count() == 1


def test_the_ranking_choice_changes_the_feed_at_once(served, phone):
    url, wb = served
    phone.goto(url + "/")
    phone.locator("[data-testid=stMain] video").first.wait_for(timeout=30_000)
    try:
        # there and back again: each choice shows its own order at once. (The page is not compared with
        # the one first shown: the clip playing meanwhile becomes "seen" and moves down.)
        for policy, label in (("popularity", "Popularity"), ("connection_first", "Connection first")):
            expected = wb.feed.page("ana", "for_you", policy=policy, limit=1)[0].reason
            wait_until_idle(phone)
            phone.get_by_role("button", name="Ranking").click()
            phone.get_by_text(label, exact=True).click()
            phone.get_by_text(re.compile(r"^1 of \d+ · " + re.escape(expected))).first.wait_for(timeout=15_000)
            assert wb.feed.policy_of("ana") == policy
            phone.keyboard.press("Escape")
    finally:
        wb.feed.set_policy("ana", None)


def test_a_creator_page_opens_from_a_handle(served, phone):
    url, wb = served
    phone.goto(url + "/")
    phone.locator("[data-testid=stMain] video").first.wait_for(timeout=30_000)
    author = wb.videos.get("ana", shown_clip_id(phone)).author
    wait_until_idle(phone)
    phone.get_by_role("link", name=f"@{author}").first.click()
    phone.get_by_role("heading", name=f"@{author}").wait_for(timeout=15_000)
    assert "handle=" + author in phone.url
    clips = wb.videos.by_author("ana", author)
    main = phone.locator("[data-testid=stMain]")
    main.locator("img").nth(len(clips) - 1).wait_for(timeout=15_000)
    assert main.locator("img").count() == len(clips)  # one thumbnail per clip ana may see
    wait_until_idle(phone)
    main.get_by_role("link", name=re.compile(rf"^#{clips[-1].id} ")).click()
    phone.get_by_text(f"clip #{clips[-1].id}").first.wait_for(timeout=15_000)


def shown_clip_id(page) -> int:
    """The id of the clip the feed shows now (its caption ends with "clip #N")."""
    page.get_by_text(re.compile(r"clip #\d+")).first.wait_for(timeout=15_000)
    return int(re.search(r"clip #(\d+)", page.get_by_text(re.compile(r"clip #\d+")).first.inner_text()).group(1))


def last_event_id(wb) -> int:
    events = wb.analytics.watch_events(OPERATOR)
    return int(events["event_id"].max()) if len(events) else 0


def browser_view(wb, video_id: int, condition, timeout: float = 30.0, after: int = 0):
    """Wait until the browser's view of the clip (a view recorded after event `after`: the module's
    tests share one world) satisfies `condition`; the view's row."""
    deadline = time.monotonic() + timeout
    while True:
        events = wb.analytics.watch_events(OPERATOR)
        rows = events[(events["video_id"] == video_id) & (events["source"] == "browser") & (events["event_id"] > after)]
        if len(rows) and condition(rows.iloc[-1]):
            return rows.iloc[-1]
        assert time.monotonic() < deadline, f"the browser never reported the view: {rows.to_dict('records')}"
        time.sleep(0.2)


def test_the_player_reports_two_loops_and_then_a_skip(served, page):
    """Watch telemetry comes from the real <video>: two plays to the end are two loops and a
    completed view; leaving the next clip after a second records a short view."""
    url, wb = served
    before = last_event_id(wb)
    page.goto(url + "/")
    page.locator("[data-testid='stMain'] video").first.wait_for(timeout=30_000)
    wait_for_playback(page, 0.3, "[data-testid=stMain] video")
    first = shown_clip_id(page)
    duration = wb.videos.get("ana", first).duration_s
    watched = browser_view(wb, first, lambda view: view["loops"] >= 2, timeout=2 * duration + 30, after=before)
    assert watched["loops"] == 2 and watched["completed"]
    assert abs(watched["watched_s"] - 2 * duration) < 0.75
    page.get_by_role("button", name="Next").click()
    page.wait_for_function("id => !document.body.innerText.includes('clip #' + id)", arg=str(first), timeout=15_000)
    second = shown_clip_id(page)
    browser_view(wb, second, lambda view: view["watched_s"] >= 1.0, after=before)
    page.get_by_role("button", name="Previous").click()
    page.get_by_text(f"clip #{first}").first.wait_for(timeout=15_000)
    time.sleep(1.5)  # nothing more arrives for the view that was left
    short = browser_view(wb, second, lambda view: True, after=before)
    # the last report before the click came at a whole second; how many depends on how fast the
    # click's rerun replaced the clip (well under a second here, seconds on a loaded machine: 4.17 s
    # was seen while benchmarks ran beside the suite), so the bound is the clip's length: a skip
    assert 1.0 <= short["watched_s"] < wb.videos.get("ana", second).duration_s, short.to_dict()
    assert short["loops"] == 0 and not short["completed"]
    # the reports travel beside Streamlit, not through it: while the view goes on and is recorded,
    # the page sends the app nothing (a report that started a rerun could land after a page switch
    # and leave the new page blank)
    browser_view(wb, first, lambda view: view["loops"] == 0 and view["watched_s"] >= 1.0)  # the new view of it
    page.wait_for_timeout(100)  # playwright hands over the frames it saw only while it is called
    frames = len(page.sent_frames)
    before = browser_view(wb, first, lambda view: True)["watched_s"]
    page.wait_for_timeout(3500)
    assert browser_view(wb, first, lambda view: True)["watched_s"] - before >= 2.0, "the reports stopped"
    assert len(page.sent_frames) == frames, "a watch report went through Streamlit's websocket"


def test_the_watch_route_takes_only_what_the_app_signed(served):
    """POST /api/views records a view only under a ticket the serving process signed."""
    url, wb = served
    clip = wb.feed.page("ana", "for_you", limit=1)[0].video
    before = len(wb.analytics.watch_events(OPERATOR))

    def post(body: bytes) -> int:
        request = urllib.request.Request(f"{url}/api/views", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code

    signed_here = wb.videos.view_ticket("ana", clip.id, "view-route-0001")  # by this process, not the app's
    assert post(json.dumps({"ticket": signed_here, "watched_s": 1.0, "loops": 0}).encode()) == 403
    assert post(b"not json") == 400
    assert post(json.dumps({"ticket": signed_here}).encode()) == 400
    assert post(json.dumps({"ticket": "x" * 10_000, "watched_s": 1, "loops": 0}).encode()) == 413
    assert len(wb.analytics.watch_events(OPERATOR)) == before


def test_create_renders_in_the_worker_and_shows_the_draft(served, page):
    url, wb = served
    before = {clip.id for clip in wb.videos.by_author("ana", "ana")}
    page.goto(url + "/")
    page.locator("video").first.wait_for(timeout=30_000)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Create").click()
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.click()
    page.keyboard.type("a cat under the moon | a rocket launch to the stars")
    page.get_by_role("button", name="Generate").click()
    page.get_by_text("is ready").first.wait_for(timeout=60_000)  # the page polled the job the worker ran
    made = [clip for clip in wb.videos.by_author("ana", "ana") if clip.id not in before]
    assert len(made) == 1 and made[0].status == "draft"
    page.get_by_text(f"#{made[0].id}").first.wait_for(timeout=15_000)  # listed under "Your clips"
    job = wb.clips.jobs("ana", limit=1)[0]
    assert (job.status, job.video_id, job.progress) == ("succeeded", made[0].id, 1.0)


def test_an_enrollment_clip_is_recorded_in_the_browser(served):
    """Chromium's fake camera and microphone feed the recorder; the clip reaches the liveness checks
    (its test pattern has no face, so enrollment fails, with the checks shown)."""
    from playwright.sync_api import sync_playwright

    url, wb = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS + [
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        page = new_tab(browser, served, viewport={"width": 1200, "height": 1400})
        try:
            page.goto(url + "/")
            page.locator("video").first.wait_for(timeout=30_000)
            choose_persona(page, "felix", "@felix · user")
            page.locator("[data-testid='stSidebarNav']").get_by_text("Cameo").click()
            page.get_by_role("button", name="Get a challenge").click()
            page.get_by_text("Your challenge:").wait_for(timeout=15_000)
            recorder = page.frame_locator("iframe[title*='clip_recorder']")
            recorder.get_by_role("button", name="Record").click()
            time.sleep(3)
            recorder.get_by_role("button", name="Stop").click()
            recorder.get_by_text("recorded").wait_for(timeout=15_000)
            page.get_by_role("button", name="Check my clip").click()
            page.get_by_text("Enrollment failed").wait_for(timeout=60_000)
        except Exception:
            print(what_the_page_showed(page))
            raise
        finally:
            browser.close()
    cameo = wb.cameos.mine("felix")[0]
    assert cameo.status == "pending"
    with wb.transaction() as session:
        from sqlalchemy import select

        from workbench.store.models import Cameo
        checks = session.scalar(select(Cameo.verification).where(Cameo.handle == "felix"))["checks"]
    assert [c["name"] for c in checks if not c["passed"]][0] == "one_face"  # a test pattern, not a person


def test_an_upload_of_someone_elses_clip_becomes_a_credited_remix(served, page, tmp_path):
    """Issue 17, item 4, as the person did it: a clip downloaded from the feed, uploaded "made it myself"."""
    from sqlalchemy import select

    from workbench.store.models import User, Video

    url, wb = served
    with wb.transaction() as session:
        theirs = session.scalars(select(Video).join(User, User.id == Video.author_id).where(
            Video.status == "published", Video.allow_remix.is_(True), User.handle != "ana").order_by(Video.id)).first()
        original_id, author = theirs.id, theirs.author.handle
        downloaded = tmp_path / "downloaded.mp4"
        downloaded.write_bytes((wb.media_dir / theirs.media_path).read_bytes())
    before = {clip.id for clip in wb.videos.by_author("ana", "ana")}
    page.goto(url + "/")
    page.locator("video").first.wait_for(timeout=30_000)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Create").click()
    page.get_by_text("Upload a clip made elsewhere").click()
    page.locator("input[type=file]").first.set_input_files(str(downloaded))
    page.get_by_text("downloaded.mp4").wait_for(timeout=30_000)  # sent to the server: a click before is a form without a file
    page.get_by_label("Caption").fill("made it myself")
    wait_until_idle(page)
    page.get_by_role("button", name="Upload", exact=True).and_(page.get_by_test_id("stBaseButton-secondaryFormSubmit")).click()
    page.get_by_text("draft remix of it").wait_for(timeout=60_000)
    made = [clip for clip in wb.videos.by_author("ana", "ana") if clip.id not in before]
    assert len(made) == 1 and made[0].remix_parent_id == original_id and f"remix of @{author}" in made[0].caption


def test_a_character_made_from_a_real_persons_photo_is_held_in_the_browser(served, page, tmp_path):
    """Issue 17, item 3, through the Cameo page: the astronaut photo (a public figure) as a character."""
    from PIL import Image
    from skimage.data import astronaut

    url, wb = served
    photo = tmp_path / "astronaut.png"
    Image.fromarray(astronaut()).save(photo)
    page.goto(url + "/")
    page.locator("video").first.wait_for(timeout=30_000)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Cameo").click()
    page.get_by_text("Create a character cameo").click()
    page.get_by_label("Handle", exact=True).fill("commander_eileen")
    page.get_by_label("Name", exact=True).fill("The Commander")
    page.get_by_text("everyone").last.click()
    page.locator("[data-testid='stForm'] input[type=file]").last.set_input_files(str(photo))
    page.get_by_text("astronaut.png").wait_for(timeout=30_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Create", exact=True).and_(page.get_by_test_id("stBaseButton-secondaryFormSubmit")).click()
    page.get_by_text("Held for a reviewer").first.wait_for(timeout=60_000)
    page.get_by_text("the face of the public figure Eileen Collins").first.wait_for(timeout=10_000)  # and why
    assert wb.cameos.get("ana", "commander_eileen").status == "held"
    assert "commander_eileen" not in [c.handle for c in wb.cameos.usable("chloe")]


def test_a_cameo_owner_takes_a_clip_down_after_confirming_and_its_author_is_told(served, page):
    """@maya's character is in @ana's published clip: she takes it down from Cameo → Appearances
    (a dialog asks first; asking changes nothing), and @ana finds why in her Inbox."""
    url, wb = served
    # a fixed seed: about 1 in 15 random otter clips is held, the face scan reading a person's face
    # in the drawing (4 of 60 seeds on this world; noted on issue 20 as a face-scan false positive)
    clip = wb.clips.create("ana", "pip the otter dancing on a beach", cameos=("pip_the_otter",), publish=True,
                           duration_s=2.0, seed=1)
    assert clip.status == "published"
    page.goto(url + "/")
    page.locator("video").first.wait_for(timeout=30_000)
    nav = page.locator("[data-testid='stSidebarNav']")
    choose_persona(page, "maya", "@maya · user")
    nav.get_by_text("Cameo").click()
    take_down = page.locator(f".st-key-takedown_{clip.id} button")
    take_down.wait_for(timeout=20_000)
    wait_until_idle(page)
    take_down.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("@ana is told").wait_for(timeout=15_000)
    assert wb.videos.get("ana", clip.id).status == "published"
    dialog.get_by_role("button", name=f"Take down clip #{clip.id}").click()
    page.get_by_text(f"Clip #{clip.id} taken down").first.wait_for(timeout=15_000)
    assert wb.videos.get("ana", clip.id).state == "taken down by a cameo owner"
    choose_persona(page, "ana", "@ana · user")
    nav.get_by_role("link", name=re.compile(r"^Inbox")).click()
    page.get_by_text(f"Your clip #{clip.id} was taken down by @maya, whose cameo is in it.").wait_for(timeout=15_000)
    wait_until_idle(page)
    page.get_by_role("link", name=f"Open clip #{clip.id}").click()  # a record now, not a post
    page.get_by_text(f"Clip #{clip.id} was taken down by a cameo owner").wait_for(timeout=15_000)
    assert page.locator(f".st-key-like_{clip.id}").count() == 0


def test_a_reviewer_opens_a_case_from_its_queue_row_and_decides_with_a_key(served, page):
    """Issue 19: the queue's rows could not be opened, and every decision took a mouse."""
    url, wb = served
    page.goto(url + "/")
    page.locator("video").first.wait_for(timeout=30_000)
    nav = page.locator("[data-testid='stSidebarNav']")
    choose_persona(page, "sam", "@sam_safety · reviewer", confirmed=nav.get_by_text("Moderation"))
    nav.get_by_text("Moderation").click()
    page.get_by_role("heading", name="Moderation").wait_for(timeout=20_000)
    wait_until_idle(page)
    first = next(c for c in wb.moderation.queue("sam_safety") if c.status == "open")
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(timeout=15_000)
    rows = [c.id for c in wb.moderation.queue("sam_safety")]
    box = table.bounding_box()
    row_height, header = 35, 35  # glide-data-grid's default row and header heights
    page.mouse.click(box["x"] + 14, box["y"] + header + row_height * rows.index(first.id) + row_height / 2)
    page.get_by_role("heading", name=f"Case #{first.id}").wait_for(timeout=15_000)
    assert wb.moderation.case("sam_safety", first.id).case.claimed_by == "sam_safety"
    wait_until_idle(page)
    page.get_by_label("Reason").fill("checked in the browser: nothing wrong")
    page.get_by_role("heading", name=f"Case #{first.id}").click()  # out of the text box: keys reach the page
    wait_until_idle(page)
    page.keyboard.press("k")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stToast]')]"
                           ".some(t => t.innerText.includes('decided'))", timeout=15_000)
    decided = wb.moderation.case("sam_safety", first.id).case
    assert (decided.status, decided.decision, decided.decided_by) == ("decided", "keep", "sam_safety")
