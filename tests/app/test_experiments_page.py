"""The Experiments page through Streamlit's AppTest: a simulated A/B run from the form to its
differences, and the live experiments' arms read from telemetry (admins)."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app import app_as

pytestmark = [pytest.mark.app, pytest.mark.xdist_group("app")]
PAGE = "pages/experiments.py"


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def says_difference(text: str, metric: str) -> bool:
    """The page says the difference on `metric` in words: "completion −2.1 points (95 % interval −3.0
    to −1.2), a real difference" (or "could be no difference")."""
    return re.search(rf"\] {metric} (0\.0|[−+]\d+\.\d) points \(95 % interval [−+]?\d+\.\d to [−+]?\d+\.\d\), "
                     r"(a real|could be no) difference", text) is not None


def test_every_persona_finds_the_page(world):
    for handle in ("ana", "rosa_reviews", "northwind", "ada_admin"):
        assert [t.value for t in app_as(handle, PAGE).title] == ["Experiments"]


def test_a_simulated_ab_runs_to_its_differences_and_survives_a_rerun(world):
    at = app_as("ana", PAGE)
    at.number_input(key="ab_users").set_value(300)
    at.number_input(key="ab_days").set_value(2)
    at.button(key="ab_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    result = at.session_state["experiments_ab"]
    assert (result.users, result.days, result.policies) == (300, 2, ("connection_first", "popularity"))
    text = text_of(at)
    assert "Connection-first (control) vs popularity" in text and "300 people, 2 days, seed 1" in text
    assert "**Popularity vs connection-first**" in text
    for metric in ("completion", "watch ratio", "rewatch rate", "slop exposure"):
        assert says_difference(text, metric), text
    assert len(at.get("plotly_chart")) == 2
    arms = at.table[0].value  # one column per arm, one row per figure
    assert list(arms.columns) == ["connection-first (control)", "popularity"]
    assert arms.loc["viewers"].tolist() == [f"{a.viewers:,}" for a in result.arms]
    assert arms.loc["completion"].tolist() == [f"{100 * a.means['completion']:.1f} %" for a in result.arms]
    at.run()  # another rerun (any widget) keeps the last result on the page
    assert says_difference(text_of(at), "completion")


def test_a_single_policy_is_refused_in_words(world):
    at = app_as("ben", PAGE)
    at.number_input(key="ab_users").set_value(100)
    at.multiselect(key="ab_policies").set_value(["popularity"])
    at.button(key="ab_run").click().run()
    assert not at.exception
    assert any("two or more policies" in e.value for e in at.error)
    assert "experiments_ab" not in at.session_state


def test_live_experiments_show_each_arms_telemetry_to_admins(world):
    arms = ["connection_first", "popularity"]
    world.feed.start_experiment("ada_admin", "gravity", arms)
    clips = [item.video for item in world.feed.page("ada_admin", "for_you", limit=20)]
    watchers = [u.handle for u in world.users.list() if u.role == "user" and not u.is_teen]
    for number, handle in enumerate(watchers):
        arm = world.feed.policy_of(handle)
        for clip in [c for c in clips if c.author != handle][:3]:
            world.videos.watch(handle, clip.id, clip.duration_s if number % 2 else clip.duration_s / 2,
                               view_key=f"exp-{handle}-{clip.id}", source="browser", feed_policy=arm)
    views = world.analytics.experiment_views("ada_admin", "gravity")
    assert set(views["feed_policy"]) == set(arms)

    admin = app_as("ada_admin", PAGE)
    assert not admin.exception
    assert any(e.label.startswith("gravity · connection-first vs popularity · running since") for e in admin.expander)
    table = admin.table[0].value
    assert list(table.columns) == ["connection-first (control)", "popularity"]
    assert sum(int(v.replace(",", "")) for v in table.loc["views"]) == len(views)
    assert "slop exposure" not in table.index
    assert "**Popularity vs connection-first**" in text_of(admin) and says_difference(text_of(admin), "completion")
    assert not says_difference(text_of(admin), "slop exposure")  # live arms have no graph to measure it on

    user = app_as("ana", PAGE)
    assert not user.table and any("admins read them" in c.value for c in user.caption)
