"""The public API on SQLite and PostgreSQL: every flow of the walking skeleton, its authorization,
and bad input that must be refused without writing anything."""
import numpy as np
import pytest

from tests.helpers import media_files, row_counts
from workbench import (
    OPERATOR,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    open_workbench,
)
from workbench.config import Settings
from workbench.media.codec import probe, read_frames
from workbench.media.provenance import verify
from workbench.store.models import GenerationJob, JobStatus

pytestmark = pytest.mark.db


def make_clip(wb, author, prompt="a cat chasing a laser", *, seed=1, publish=True, **options):
    return wb.clips.create(author, prompt, seed=seed, duration_s=2.0, publish=publish, **options)


def test_accounts_roles_and_handles(people):
    assert people.users.get("@Ana").handle == "ana"
    with pytest.raises(Forbidden):
        people.users.create(None, "sneaky", role="reviewer")
    with pytest.raises(Forbidden):
        people.users.create("ana", "sneaky", role="admin")
    assert people.users.create("ada", "newrev", role="reviewer").role == "reviewer"
    with pytest.raises(Conflict, match="taken"):
        people.users.create(None, "ANA")
    with pytest.raises(InvalidInput):
        people.users.create(None, "no spaces allowed")
    with pytest.raises(InvalidInput):
        people.users.create(OPERATOR, "x2", role="overlord")


def test_follow_graph(people):
    assert people.users.follow("ana", "ben") is True
    assert people.users.follow("ana", "@ben") is False
    assert people.users.following("ana") == ["ben"]
    assert people.users.followers("ben") == ["ana"]
    with pytest.raises(InvalidInput):
        people.users.follow("ana", "ana")
    assert people.users.unfollow("ana", "ben") is True
    assert people.users.following("ana") == []


def test_create_writes_a_playable_draft_only_its_author_sees(people):
    clip = make_clip(people, "ana", publish=False)
    assert clip.status == "draft" and clip.moods and clip.remix_depth == 0
    facts = probe(clip.media_file)
    assert (facts["video_codec"], facts["audio_codec"], facts["pix_fmt"]) == ("h264", "aac", "yuv420p")
    assert (facts["width"], facts["height"]) == (360, 640)
    assert people.videos.get("ana", clip.id).id == clip.id
    with pytest.raises(NotFound):
        people.videos.get("ben", clip.id)
    with pytest.raises(Forbidden):
        people.videos.publish("ada", clip.id)  # an admin sees drafts but does not publish for the author
    assert people.videos.publish("ana", clip.id).status == "published"
    assert people.videos.get("ben", clip.id).published_at is not None
    with people.transaction() as session:
        job = session.query(GenerationJob).one()
        assert job.status is JobStatus.SUCCEEDED and job.video_id == clip.id and job.progress == 1.0


def test_same_prompt_and_seed_give_the_same_clip(people):
    first = make_clip(people, "ana", seed=5)
    again = make_clip(people, "ana", seed=5)
    other_seed = make_clip(people, "ana", seed=6)
    assert first.id != again.id
    assert np.array_equal(read_frames(first.media_file), read_frames(again.media_file))
    assert not np.array_equal(read_frames(first.media_file), read_frames(other_seed.media_file))
    # each file carries its author's watermark, so another author's clip differs even with the same seed
    by_ben = make_clip(people, "ben", seed=5)
    assert not np.array_equal(read_frames(first.media_file), read_frames(by_ben.media_file))


def test_following_tab_shows_followed_authors_newest_first(people):
    older = make_clip(people, "ana", "a quiet lake", seed=1)
    newer = make_clip(people, "ana", "a loud drum solo", seed=2)
    make_clip(people, "tess", "a teen skate trick", seed=3)
    people.users.follow("ben", "ana")
    page = people.feed.page("ben", "following")
    assert [item.video.id for item in page] == [newer.id, older.id]
    assert all("@ana" in item.reason for item in page)


def test_for_you_ranks_by_engagement_and_filters_by_mood(people):
    plain = make_clip(people, "ana", "a calm ocean at sunset", seed=1)
    loved = make_clip(people, "ana", "a cat napping in the sun", seed=2)
    mine = make_clip(people, "ben", "my own skateboard clip", seed=3)
    for fan in ("tess", "rita", "holly"):
        people.videos.like(fan, loved.id)
    page = people.feed.page("ben", "for_you")
    ids = [item.video.id for item in page]
    assert ids[:2] == [loved.id, plain.id] and mine.id not in ids
    assert "3 likes" in page[0].reason
    animals = people.feed.page("ben", "for_you", mood="animals")
    assert [item.video.id for item in animals] == [loved.id]
    with pytest.raises(InvalidInput):
        people.feed.page("ben", "for_you", mood="gloomy")
    with pytest.raises(InvalidInput):
        people.feed.page("ben", "trending")


def test_watch_likes_and_comments(people):
    clip = make_clip(people, "ana")
    full = people.videos.watch("ben", clip.id, 2.0)
    partial = people.videos.watch("ben", clip.id, 0.7)
    looped = people.videos.watch("tess", clip.id, 5.5, loops=2)
    events = people.analytics.watch_events(OPERATOR).set_index("event_id")
    assert events.loc[full, "completed"] and not events.loc[partial, "completed"]
    assert events.loc[looped, "loops"] == 2 and events.loc[looped, "clip_duration_s"] == pytest.approx(2.0)
    with pytest.raises(InvalidInput):
        people.videos.watch("ben", clip.id, 9.0)  # longer than one play of a 2 s clip
    assert people.videos.like("ben", clip.id) is True
    assert people.videos.like("ben", clip.id) is False
    assert people.videos.get("ana", clip.id).like_count == 1
    people.videos.comment("ben", clip.id, "  nice  ")
    assert [(c.author, c.body) for c in people.videos.comments("ana", clip.id)] == [("ben", "nice")]
    assert people.analytics.watch_events("ben").empty  # creators see views of their own clips only
    assert len(people.analytics.watch_events("ana")) == 3


def test_remix_chain_lineage(people):
    root = make_clip(people, "ana", "a fox in the snow", seed=1)
    parent = root
    for depth, author in enumerate(("ben", "tess", "ana"), start=1):
        parent = people.clips.remix(author, parent.id, f"twist {depth}", seed=depth, duration_s=2.0, publish=True)
        assert (parent.remix_depth, parent.remix_root_id) == (depth, root.id)
    assert "remix of @tess" in parent.caption
    signed = verify(parent.media_file, trust_anchors=people.credentials.root_cert)
    assert signed["state"] == "Trusted" and signed["author"] == "@ana" and signed["parent"] is True
    original = verify(root.media_file, trust_anchors=people.credentials.root_cert)
    assert original["ai_generated"] and original["author"] == "@ana" and original["parent"] is False
    assert [v.id for v in people.videos.lineage("ben", parent.id)][0] == root.id
    assert len(people.videos.lineage("ben", parent.id)) == 4


def refused_without_writes(wb, error, call, match=None):
    before, files = row_counts(wb), media_files(wb.media_dir)
    with pytest.raises(error, match=match):
        call()
    assert row_counts(wb) == before
    assert media_files(wb.media_dir) == files


def test_bad_input_is_refused_and_writes_nothing(people):
    clip = make_clip(people, "ana")
    refused_without_writes(people, NotFound, lambda: people.clips.create("ghost", "a cat"), "@ghost")
    refused_without_writes(people, InvalidInput, lambda: people.clips.create("ana", "   "), "empty")
    refused_without_writes(people, InvalidInput, lambda: people.clips.create("ana", "x" * 2001), "2000")
    refused_without_writes(people, NotFound, lambda: people.videos.like("ghost", clip.id), "@ghost")
    refused_without_writes(people, NotFound, lambda: people.videos.like("ben", 999_999))
    refused_without_writes(people, InvalidInput, lambda: people.videos.comment("ben", clip.id, ""))
    refused_without_writes(people, InvalidInput, lambda: people.clips.create("ana", "a cat", duration_s=600))
    refused_without_writes(people, InvalidInput, lambda: people.clips.create("ana", "a cat", size=(361, 640)))
    refused_without_writes(people, InvalidInput, lambda: people.clips.submit("ana", "a cat", backend="sora"))


def test_clip_length_limits_are_the_settings(people, database_url, tmp_path):
    """How long a generated or uploaded clip may be is set in one place, Settings."""
    short = open_workbench(database_url, media_dir=people.media_dir,
                           settings=Settings(data_dir=tmp_path / "short", queue_url="immediate",
                                             clip_min_s=2.0, clip_max_generated_s=3.0, clip_max_upload_s=3.0))
    try:
        refused_without_writes(short, InvalidInput, lambda: short.clips.create("ana", "a cat", duration_s=4.0),
                               "2-3 seconds")
        refused_without_writes(short, InvalidInput, lambda: short.clips.create("ana", "a cat", duration_s=1.0),
                               "2-3 seconds")
        assert short.clips.create("ana", "a cat", duration_s=3.0, seed=1).duration_s == pytest.approx(3.0)
        four_seconds = people.clips.create("ana", "a dog", duration_s=4.0, seed=2).media_file.read_bytes()
        refused_without_writes(short, InvalidInput, lambda: short.uploads.upload("ana", four_seconds), "at most 3 s")
    finally:
        short.close()


@pytest.mark.parametrize("bad", ["a cat\x00 on a mat", "a cat \udcff on a mat"], ids=["nul", "invalid-utf8"])
def test_text_no_database_can_store_is_refused_cleanly(people, bad):
    """A NUL (PostgreSQL's text refuses it: psycopg.DataError) or invalid UTF-8 (a lone surrogate, as a
    command-line argument decodes it; the tokenizer raised TypeError) is InvalidInput everywhere a
    person types, and nothing is written (issue 17, item 6)."""
    clip = make_clip(people, "ana")
    people.videos.publish("ana", clip.id)
    refused_without_writes(people, InvalidInput, lambda: people.clips.create("ana", bad), "prompt")
    refused_without_writes(people, InvalidInput, lambda: people.prompt_policy.check("ana", bad), "prompt")
    refused_without_writes(people, InvalidInput, lambda: people.videos.comment("ben", clip.id, bad), "body")
    refused_without_writes(people, InvalidInput, lambda: people.reports.report("ben", clip.id, "spam", bad), "details")
    refused_without_writes(people, InvalidInput, lambda: people.users.create(None, "zed", display_name=bad), "display name")
    data = clip.media_file.read_bytes()
    refused_without_writes(people, InvalidInput, lambda: people.uploads.upload("ben", data, caption=bad), "caption")


def test_an_upload_at_under_one_frame_per_second_is_refused_cleanly(people, tmp_path):
    """A 0.4 fps mp4 made read_clip divide by a frame rate of 0 (ZeroDivisionError; issue 17, item 6)."""
    from fractions import Fraction

    import av

    path = tmp_path / "slow.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(2, 5))
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 40 * index, np.uint8), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    refused_without_writes(people, InvalidInput, lambda: people.uploads.upload("ana", path.read_bytes()),
                           "frames per second")


def test_remix_refusals_write_nothing(people):
    locked = make_clip(people, "ana", "no remixes please", seed=1, allow_remix=False)
    refused_without_writes(people, Forbidden, lambda: people.clips.remix("ben", locked.id, "mine now"),
                           "turned remixing off")
    removed = make_clip(people, "ana", "soon gone", seed=2)
    people.videos.remove("ana", removed.id)
    refused_without_writes(people, Forbidden, lambda: people.clips.remix("ana", removed.id, "again"), "removed")
    refused_without_writes(people, NotFound, lambda: people.clips.remix("ben", removed.id, "again"))
    draft = make_clip(people, "ana", "a draft", seed=3, publish=False)
    refused_without_writes(people, NotFound, lambda: people.clips.remix("ben", draft.id, "peek"))
    # the author may change their mind
    people.videos.set_remix_allowed("ana", locked.id, True)
    assert people.clips.remix("ben", locked.id, "thanks", seed=4, duration_s=2.0).remix_parent_id == locked.id
    with pytest.raises(Forbidden):
        people.videos.set_remix_allowed("ben", locked.id, False)


def test_removed_clip_leaves_every_feed(people):
    clip = make_clip(people, "ana")
    people.users.follow("ben", "ana")
    assert clip.id in [i.video.id for i in people.feed.page("ben", "following")]
    with pytest.raises(Forbidden):
        people.videos.remove("ben", clip.id)
    people.videos.remove("ana", clip.id)
    for tab in ("following", "for_you"):
        assert clip.id not in [i.video.id for i in people.feed.page("ben", tab)]


def test_failed_render_leaves_a_failed_job_and_no_file(people):
    class BrokenBackend:
        name = "broken"

        def generate(self, request, progress=None):
            raise RuntimeError("GPU fell off the truck")

    people.clips.backends["broken"] = BrokenBackend()
    before = row_counts(people)
    with pytest.raises(RuntimeError):
        people.clips.create("ana", "anything", backend="broken")
    after = row_counts(people)
    assert after["videos"] == before["videos"] and after["generation_jobs"] == before["generation_jobs"] + 1
    with people.transaction() as session:
        job = session.query(GenerationJob).one()
        assert job.status is JobStatus.FAILED and "GPU fell off the truck" in job.error
    assert media_files(people.media_dir) == set()


def test_reports_merge_into_one_case_and_only_reviewers_see_the_queue(people):
    clip = make_clip(people, "ana")
    first = people.reports.report("ben", clip.id, "spam", "same clip over and over")
    second = people.reports.report("tess", clip.id, "harassment")
    assert first.id == second.id and len(second.evidence.reports) == 2
    assert second.severity > first.severity
    with pytest.raises(Conflict):
        people.reports.report("ben", clip.id, "other")
    with pytest.raises(InvalidInput):
        people.reports.report("tess", clip.id, "ugly")
    other = make_clip(people, "ben", "another clip", seed=9)
    people.reports.report("ana", other.id, "sexual")
    assert [c.video_id for c in people.moderation.queue("rita")] == [other.id, clip.id]
    with pytest.raises(Forbidden):
        people.moderation.queue("ana")


def test_rights_holders_register_entries(people):
    entry = people.rights.add_opt_out("holly", "Captain Comet", aliases=["Cpt Comet", " "], scope="block")
    assert entry.aliases == ("Cpt Comet",)
    assert [e.name for e in people.rights.opt_outs("holly")] == ["Captain Comet"]
    with pytest.raises(Forbidden):
        people.rights.add_opt_out("ana", "Mine")
    with pytest.raises(InvalidInput):
        people.rights.add_opt_out("holly", "Mossy", scope="rules")
