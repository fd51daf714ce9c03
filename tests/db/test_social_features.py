"""What the feed's people see of each other's actions (notifications), "Not interested", caption
edits, plural search and thumbnails, on SQLite and PostgreSQL."""
import pytest
from PIL import Image

from workbench import Conflict, Forbidden, InvalidInput
from workbench.store.models import Dismissal, utcnow

pytestmark = pytest.mark.db


def make_clip(wb, author, prompt="a cat chasing a laser", *, seed=1, publish=True, **options):
    return wb.clips.create(author, prompt, seed=seed, duration_s=1.0, publish=publish, **options)


def kinds(wb, handle) -> list[tuple[str, int | None]]:
    return [(n.kind, n.video_id) for n in wb.notifications.list(handle)]


def test_likes_comments_remixes_cameo_uses_and_take_downs_reach_the_right_inbox(people):
    people.cameos.create_character("ben", "biscuit", "Biscuit the Dog", visibility="everyone")
    clip = make_clip(people, "ana", "a dog surfing | the dog takes a bow", cameos=("biscuit",))
    assert clip.caption == "a dog surfing → the dog takes a bow · featuring @biscuit"  # no raw "|"; the cameo credited
    assert kinds(people, "ben") == [("cameo_use", clip.id)]  # the cameo's owner, at once (they co-own it)

    assert people.videos.like("ben", clip.id) and not people.videos.like("ben", clip.id)
    people.videos.like("ana", clip.id)  # one's own like tells no one
    people.videos.comment("ben", clip.id, "love the bow")
    remix = people.clips.remix("ben", clip.id, "as a tiny toy diorama", duration_s=1.0, publish=True)
    notices = people.notifications.list("ana")
    assert [(n.kind, n.video_id) for n in notices] == [("remix", remix.id), ("comment", clip.id), ("like", clip.id)]
    assert "@ben" in notices[0].body and "love the bow" in notices[1].body

    assert people.clips.edit_caption("ana", clip.id, "surf's up").caption == "surf's up · featuring @biscuit"
    people.cameos.remove_appearance("ben", clip.id)
    taken = people.notifications.list("ana")[0]
    assert (taken.kind, taken.video_id) == ("take_down", clip.id) and "@ben, whose cameo is in it" in taken.body
    people.videos.remove("ada", remix.id, "spam")  # an admin's removal names no one, and gives the reason
    by_admin = people.notifications.list("ben")[0]
    assert by_admin.kind == "take_down" and "an admin" in by_admin.body and "spam" in by_admin.body
    before = len(people.notifications.list("ana"))
    own = make_clip(people, "ana", seed=2)
    people.videos.remove("ana", own.id)  # deleting one's own clip is no news to anyone
    assert len(people.notifications.list("ana")) == before


def test_not_interested_drops_the_clip_and_moves_clips_like_it_last(people):
    cat = make_clip(people, "ben", "a cat chasing a laser", seed=1)
    make_clip(people, "ben", "a cat napping in the sun", seed=2)
    other = make_clip(people, "rita", "a rocket launch to the stars", seed=3)
    assert cat.id in [item.video.id for item in people.feed.page("ana", limit=10)]
    assert people.feed.not_interested("ana", cat.id) and not people.feed.not_interested("ana", cat.id)
    page = [item.video.id for item in people.feed.page("ana", limit=10)]
    assert cat.id not in page and page[0] == other.id  # ben's other clip comes after the rest
    assert cat.id in [item.video.id for item in people.feed.page("tess", limit=10)]  # only for ana
    draft = make_clip(people, "ana", "a cat in a box", seed=4, publish=False)  # in nobody's feed
    with pytest.raises(Conflict, match="never published"):
        people.feed.not_interested("ana", draft.id)
    # a draft dismissed before that rule (a row already stored) still moves clips like it last
    rocket_draft = make_clip(people, "rita", "a rocket on the pad", seed=5, publish=False)
    assert [item.video.id for item in people.feed.page("tess", limit=10, now=utcnow())][0] == other.id
    with people.transaction() as session:
        session.add(Dismissal(user_id=people.users.get("tess").id, video_id=rocket_draft.id))
    assert [item.video.id for item in people.feed.page("tess", limit=10, now=utcnow())][-1] == other.id


def test_only_the_author_edits_a_caption_and_the_policy_reads_it(people):
    clip = make_clip(people, "ana")
    assert people.clips.edit_caption("ana", clip.id, "  my cat, my rules ").caption == "my cat, my rules"
    remix = people.clips.remix("ben", clip.id, "in the rain", duration_s=1.0, publish=True)
    assert people.clips.edit_caption("ben", remix.id, "rainy cat").caption == "rainy cat · remix of @ana"
    with pytest.raises(Forbidden, match="only the author"):
        people.clips.edit_caption("ben", clip.id, "mine now")
    with pytest.raises(Forbidden, match="this caption"):
        people.clips.edit_caption("ana", clip.id, "a graphic gore scene, a dismembered bloody corpse")
    with pytest.raises(InvalidInput):
        people.clips.edit_caption("ana", clip.id, "   ")
    people.videos.remove("ana", clip.id)
    with pytest.raises(Conflict, match="removed"):
        people.clips.edit_caption("ana", clip.id, "too late")
    assert people.videos.get("ana", clip.id).caption == "my cat, my rules"


def test_search_finds_plurals_and_a_thumbnail_is_a_small_still(people):
    clip = make_clip(people, "ana", "two puppies and a fox")
    for query in ("Puppies", "puppy", "foxes", "FOX"):
        assert [v.id for v in people.videos.search("ben", query)] == [clip.id], query
    still = people.videos.thumbnail(clip)
    with Image.open(still) as image:
        assert (image.format, image.width) == ("JPEG", 180) and 310 <= image.height <= 330
    assert people.videos.thumbnail(clip) == still  # made once
