"""For You and Following on both engines: connection-first ranking with reasons, moods, steering,
the teen feed, per-person and per-experiment policies, engagement counters and player views."""
import pytest

from tests.db.test_cameo_consent import add_person_cameo
from workbench import OPERATOR, Conflict, Forbidden, InvalidInput
from workbench.social.feed import experiment_arm

pytestmark = pytest.mark.db


#: the feed ranks rows, not pixels: the smallest clip the pipeline makes will do
TINY = {"duration_s": 1.0, "size": (64, 112)}


def clip_by(wb, author, prompt, seed=1, **options):
    return wb.clips.create(author, prompt, seed=seed, publish=True, **TINY, **options)


@pytest.fixture
def social(people):
    """ana and ben follow each other; ana follows holly; holly's cameo is open to everyone; zed is a
    stranger whose clip is the most liked."""
    wb = people
    wb.users.create(OPERATOR, "zed")
    for fan in ("f1", "f2", "f3"):
        wb.users.create(OPERATOR, fan)
    wb.users.follow("ana", "ben")
    wb.users.follow("ben", "ana")
    wb.users.follow("ana", "holly")
    add_person_cameo(wb, "holly", permission="everyone")
    clips = {
        "stranger": clip_by(wb, "zed", "a dog surfing a huge wave", seed=1),
        "mutual": clip_by(wb, "ben", "a calm sunset over a lake", seed=2),
        "following": clip_by(wb, "holly", "breaking news from the moon", seed=3),
        "cameo": clip_by(wb, "zed", "@holly dancing in the rain", seed=4, cameos=("holly",)),
    }
    clips["remix"] = wb.clips.remix("rita", clips["following"].id, "now with robots", publish=True, **TINY)
    for fan in ("f1", "f2", "f3"):
        wb.videos.like(fan, clips["stranger"].id)
    return wb, clips


def test_for_you_puts_connections_first_and_says_why(social):
    wb, clips = social
    items = wb.feed.page("ana", "for_you")
    order = [item.video.id for item in items]
    assert order[:5] == [clips[k].id for k in ("mutual", "following", "cameo", "remix", "stranger")]
    reasons = [item.reason for item in items]
    assert reasons[0] == "From @ben: you follow each other"
    assert reasons[1] == "From @holly, whom you follow"
    assert reasons[2] == "Features @holly's cameo: you follow them"
    assert reasons[3] == "Remixes a clip by @holly, whom you follow"
    assert reasons[4] == "Popular lately: 3 likes, 0 views"
    assert {item.policy for item in items} == {"connection_first"}


def test_popularity_and_a_mood_change_the_page(social):
    wb, clips = social
    popular = wb.feed.page("ana", "for_you", policy="popularity")
    assert popular[0].video.id == clips["stranger"].id and popular[0].policy == "popularity"
    animals = wb.feed.page("ana", "for_you", mood="animals")
    assert [i.video.id for i in animals] == [clips["stranger"].id]
    news = wb.feed.page("ana", "for_you", mood="news")
    assert {i.video.id for i in news} == {clips["following"].id, clips["remix"].id}  # a remix keeps its root's moods


def test_steering_moves_moods_up_and_down(social):
    wb, clips = social
    steered = wb.feed.page("ana", "for_you", steer="more animals, no news")
    ids = [i.video.id for i in steered]
    assert clips["following"].id not in ids and clips["remix"].id not in ids  # "no news" drops news clips
    assert ids.index(clips["stranger"].id) < ids.index(clips["cameo"].id)
    top = next(i for i in steered if i.video.id == clips["stranger"].id)
    assert "you asked for more animals" in top.reason and top.policy == "connection_first+steered"
    # words the taxonomy does not list reach a mood through the sentence embeddings
    assert wb.feed.steering("less elections")["weights"] == {"news": -0.6}
    with pytest.raises(InvalidInput):
        wb.feed.page("ana", "for_you", steer="x" * 500)


def test_a_teen_gets_the_non_personalised_feed(social):
    wb, clips = social
    wb.users.follow("tess", "ben")
    items = wb.feed.page("tess", "for_you", policy="connection_first")  # asking does not change it
    assert {i.policy for i in items} == {"non_personalised"}
    assert not any("follow" in i.reason for i in items)
    assert wb.feed.policy_of("tess") == "non_personalised"
    # the same page for another adult asking for it: nothing about the viewer is used
    same = wb.feed.page("holly", "for_you", policy="non_personalised")
    assert [i.video.id for i in items if i.video.author != "holly"] == [
        i.video.id for i in same if i.video.author != "tess"]


def test_policy_choice_and_experiments(social):
    wb, _ = social
    assert wb.feed.policy_of("ben") == "connection_first"
    with pytest.raises(Forbidden):
        wb.feed.start_experiment("ben", "gravity", ["popularity", "connection_first"])
    with pytest.raises(InvalidInput):
        wb.feed.start_experiment("ada", "solo", ["popularity"])
    wb.feed.start_experiment("ada", "gravity", ["popularity", "connection_first"])
    with pytest.raises(Conflict):
        wb.feed.start_experiment("ada", "other", ["popularity", "non_personalised"])
    arms = {handle: wb.feed.policy_of(handle) for handle in ("ana", "ben", "zed", "f1", "f2", "f3")}
    for handle, arm in arms.items():
        assert arm == experiment_arm("gravity", ["popularity", "connection_first"], wb.users.get(handle).id)
        assert {item.policy for item in wb.feed.page(handle, "for_you")} == {arm}
    wb.feed.set_policy("ana", "popularity")
    assert wb.feed.policy_of("ana") == "popularity"  # a person's own choice beats the experiment
    wb.feed.stop_experiment("ada", "gravity")
    assert wb.feed.policy_of("ben") == "connection_first"
    assert [e.name for e in wb.feed.experiments()] == ["gravity"]
    with pytest.raises(InvalidInput):
        wb.feed.set_policy("ana", "chronological")


def test_counters_follow_likes_and_player_views(social):
    wb, clips = social
    clip = clips["mutual"]
    assert wb.videos.like("ana", clip.id) and not wb.videos.like("ana", clip.id)
    assert wb.videos.get("ana", clip.id).like_count == 1
    assert wb.videos.unlike("ana", clip.id) and not wb.videos.unlike("ana", clip.id)
    assert wb.videos.get("ana", clip.id).like_count == 0
    # a player reports one view as it goes: one row, updated, counted once
    key = "view-0001-abcd"
    first = wb.videos.watch("ana", clip.id, 0.5, view_key=key, source="browser", feed_policy="connection_first")
    again = wb.videos.watch("ana", clip.id, 1.0, loops=1, view_key=key, source="browser")
    late = wb.videos.watch("ana", clip.id, 0.7, view_key=key, source="browser")  # out of order: never decreases
    assert first == again == late
    events = wb.analytics.watch_events(OPERATOR)
    view = events[events["event_id"] == first].iloc[0]
    assert (view["watched_s"], view["loops"], bool(view["completed"])) == (1.0, 1, True)
    shown = wb.videos.get("ana", clip.id)
    assert (shown.view_count, shown.like_count) == (1, 0)
    with pytest.raises(Conflict):
        wb.videos.watch("ben", clip.id, 0.5, view_key=key)
    with pytest.raises(InvalidInput):
        wb.videos.watch("ana", clip.id, 0.5, view_key="x")


def test_a_view_ticket_carries_the_viewer_and_cannot_be_forged(social):
    """The browser reports under the ticket the page signed: in the ticket's viewer's name only."""
    wb, clips = social
    clip = clips["mutual"]
    ticket = wb.videos.view_ticket("ana", clip.id, "view-0002-abcd", feed_policy="chronological")
    event = wb.videos.report_view(ticket, 0.8, 0)
    assert wb.videos.report_view(ticket, 1.0, 1) == event
    events = wb.analytics.watch_events(OPERATOR)
    view = events[events["event_id"] == event].iloc[0]
    assert (view["viewer_id"], view["video_id"], view["watched_s"], view["loops"], view["source"]) \
        == (wb.users.get("ana").id, clip.id, 1.0, 1, "browser")
    payload, signature = ticket.split(".")
    ben = wb.videos.view_ticket("ben", clip.id, "view-0002-abcd")
    forged = [ben.split(".")[0] + "." + signature,  # another viewer under ana's signature
              payload + "." + signature[:-1] + ("0" if signature[-1] != "0" else "1"),
              "garbage", None, 42, ticket + "." + signature, "x" * 5000]
    for bad in forged:
        with pytest.raises(Forbidden):
            wb.videos.report_view(bad, 0.5, 0)
    other_process = type(wb.videos)(wb)  # a key of its own: a ticket dies with the process that signed it
    with pytest.raises(Forbidden):
        other_process.report_view(ticket, 0.5, 0)
    with pytest.raises(InvalidInput):  # the report is checked as `watch` checks it
        wb.videos.report_view(ticket, 99.0, 0)
    assert len(wb.analytics.watch_events(OPERATOR)) == len(events)  # nothing refused left a row
    with pytest.raises(InvalidInput):
        wb.videos.view_ticket("ana", clip.id, "x")


def test_the_lineage_view_of_a_three_deep_chain_shows_all_of_it(people):
    from workbench.social.lineage import lineage_figure, tree_layout

    wb = people
    root = clip_by(wb, "ana", "a paper boat on a river", seed=1)
    first = wb.clips.remix("ben", root.id, "now at night", publish=True, **TINY)
    second = wb.clips.remix("ana", first.id, "now in the snow", publish=True, **TINY)
    third = wb.clips.remix("ben", second.id, "now with fireworks", publish=True, **TINY)
    sibling = wb.clips.remix("tess", root.id, "with a duck", publish=True, **TINY)
    assert third.remix_depth == 3 and "remix of @ana" in third.caption  # a remix credits its original
    tree = wb.videos.remix_tree("holly", third.id)
    assert [v.id for v in tree] == [root.id, first.id, sibling.id, second.id, third.id]
    layout = tree_layout([(v.id, v.remix_parent_id) for v in tree])
    assert [layout[v.id][0] for v in (root, first, second, third)] == [0, 1, 2, 3]
    markers = lineage_figure(tree, third.id).data[-1]
    assert sorted(markers.text) == sorted(f"#{v.id} @{v.author}" for v in tree)
    assert len(lineage_figure(tree).data) == 1 + 4  # the markers and one line per remix
    wb.videos.set_remix_allowed("ben", third.id, False)
    with pytest.raises(Forbidden, match="turned remixing off"):
        wb.clips.remix("ana", third.id, "again", **TINY)
