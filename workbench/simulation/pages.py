"""For You pages for many people at once, by the app's own rules (workbench.social.ranking): the same
candidate pools (`candidate_pool`'s sizes: the newest clips a person may see, and the newest clips
by people they follow, featuring their cameos and remixing their clips), the same visibility (never
your own clips; teens get the non-personalised policy, without follows, and no age-restricted
clips), the same tie rule, the policy's own `scores` and the same `page_order` (unseen first,
clips like a dismissed one after the others, dismissed clips gone).

A batch of viewers becomes a matrix viewers x candidates: the newest clips are one shared window
(minus each viewer's own), the connected pools are gathered from per-person indexes and appended.
Ties, seen and dismissed flags are set from each viewer's follows and history rather than by
looking up every cell, which is what makes a day of a million people affordable.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.simulation.world import World, clip_keys, contains, csr_ranges
from workbench.social.ranking import (
    CONNECTED_POOL,
    RECENT_POOL,
    TEEN_POLICY,
    TIE_NONE,
    Features,
    page_order,
    policy_named,
    tie_levels,
)

__all__ = ["DayIndex", "Pages", "feed_page", "rank_pages", "split_teens"]


class DayIndex:
    """What every batch of one moment shares: clips by recency, by author, by cameo owner and by
    remixed author, and whether each follow is mutual. Built once per simulated day."""

    def __init__(self, world: World) -> None:
        clip, n = world.clip, world.people
        self.world = world
        self.recency = np.lexsort((-clip["video_id"], -clip["published_us"]))
        self.by_author = _Index(clip["author"], np.arange(world.clips), clip["video_id"], n)
        self.by_cameo_owner = _Index(world.cameo_owner, world.cameo_clip, clip["video_id"], n)
        remixes = np.flatnonzero(clip["parent_author"] >= 0)
        self.by_parent_author = _Index(clip["parent_author"][remixes], remixes, clip["video_id"], n)
        keys = world.follow_keys
        reverse = (keys % n) * n + keys // n
        order = np.argsort(reverse, kind="stable")
        self.mutual = np.empty(len(keys), bool)
        self.mutual[order] = contains(keys, reverse[order])


class _Index:
    """Clips grouped by a person (author, cameo owner, ...), newest (highest video id) first."""

    def __init__(self, person: np.ndarray, clips: np.ndarray, video_id: np.ndarray, people: int) -> None:
        order = np.lexsort((-video_id[clips], person)) if len(clips) else np.zeros(0, np.int64)
        self.clips = clips[order]
        self.starts = np.searchsorted(person[order], np.arange(people + 1))

    def newest(self, rows: np.ndarray, people: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """(row, clip) for up to `cap` newest clips of each (row, person) pair."""
        starts = self.starts[people]
        which, at = csr_ranges(starts, np.minimum(self.starts[people + 1], starts + cap))
        return rows[which], self.clips[at]


@dataclass
class Pages:
    """One batch's candidates and pages. Matrices are viewers x candidates; clip -1 is padding."""
    clip: np.ndarray
    #: each candidate's video id (-1: padding): the tie-break of page order
    video_id: np.ndarray
    #: the cells that may be shown: a candidate the viewer has not dismissed
    eligible: np.ndarray
    seen: np.ndarray
    alike: np.ndarray
    tie: np.ndarray
    features: Features
    #: index into the candidate columns of each page slot (-1: the page is shorter), by the batch's policy
    page: np.ndarray

    def order_by(self, policy: str, size: int) -> np.ndarray:
        """The page a policy gives these viewers from these candidates."""
        scores = np.where(self.eligible, np.broadcast_to(policy_named(policy).scores(self.features), self.clip.shape),
                          -np.inf)
        order = page_order(scores, self.video_id, self.seen, self.alike)[:, :size]
        return np.where(np.isfinite(np.take_along_axis(scores, order, axis=1)), order, -1)


def rank_pages(index: DayIndex, viewers: np.ndarray, policy: str, now_us: int, size: int) -> Pages:
    """The For You page of each viewer at `now_us`, ranked by `policy` (teens: the teen policy).
    Every viewer of one batch must get the same policy: split teens off first (`split_teens`)."""
    world = index.world
    viewers = np.asarray(viewers, np.int64)
    personal = policy != TEEN_POLICY
    teen = bool(world.teen[viewers].any()) if len(viewers) else False
    clip, tie, seen, alike, gone = _candidates(index, viewers, personal, teen)
    safe = np.maximum(clip, 0)
    c = world.clip
    features = Features(likes=c["likes"][safe].astype(float), views=c["views"][safe].astype(float),
                        completed=c["completed"][safe].astype(float),
                        age_hours=(now_us - c["published_us"][safe]) / 1e6 / 3600, tie=tie)
    pages = Pages(clip, np.where(clip >= 0, c["video_id"][safe], -1), (clip >= 0) & ~gone, seen, alike, tie, features,
                  page=np.zeros((len(viewers), 0), np.int64))
    pages.page = pages.order_by(policy, size)
    return pages


def feed_page(world: World, person: int, policy: str, now_us: int, size: int) -> list[int]:
    """One person's For You page as video ids, as the app's FeedService.page gives it (teens get
    the teen policy whatever is asked)."""
    pages = rank_pages(DayIndex(world), np.array([person]), TEEN_POLICY if world.teen[person] else policy, now_us, size)
    return pages.video_id[0, pages.page[0][pages.page[0] >= 0]].tolist()


def split_teens(world: World, viewers: np.ndarray, policy: str) -> list[tuple[np.ndarray, str]]:
    """A batch of viewers as groups that share a policy: teens always get the teen policy."""
    teen = world.teen[viewers]
    groups = [(viewers[~teen], policy), (viewers[teen], TEEN_POLICY)]
    return [(group, name) for group, name in groups if len(group)]


def _candidates(index: DayIndex, viewers: np.ndarray, personal: bool, teen: bool):
    """Candidate clips (viewers x columns) with each cell's tie, seen, alike and dismissed flags."""
    world, c, n = index.world, index.world.clip, index.world.people
    rows = np.arange(len(viewers))
    # the newest clips, as one window shared by the batch: each viewer keeps the first RECENT_POOL they may see
    width = min(world.clips, RECENT_POOL + 64)
    while True:
        window = index.recency[:width]
        excluded = c["author"][window][None, :] == viewers[:, None]
        if teen:
            excluded |= c["age_restricted"][window][None, :]
        allowed = ~excluded
        kept = allowed & (np.cumsum(allowed, axis=1) <= RECENT_POOL)
        if width == world.clips or (kept.sum(axis=1) >= RECENT_POOL).all():
            break
        width = min(world.clips, width * 2)
    position = np.full(world.clips, -1, np.int64)
    position[window] = np.arange(width)
    window_clip = np.where(kept, window[None, :], -1)
    # each viewer's follows as (row, followee) pairs, and whether each is mutual
    if personal:
        starts = np.searchsorted(world.follow_keys, viewers * n)
        which, at = csr_ranges(starts, np.searchsorted(world.follow_keys, (viewers + 1) * n))
        pair_row, followee, mutual = rows[which], world.follow_keys[at] % n, index.mutual[at]
    else:
        pair_row = followee = np.zeros(0, np.int64)
        mutual = np.zeros(0, bool)
    # the connected pools, capped per viewer, less what the window already holds for that viewer
    extra_row, extra_clip = _connected(index, pair_row, followee)
    if len(extra_clip):
        at = position[extra_clip]
        in_window = (at >= 0) & kept[extra_row, np.maximum(at, 0)]
        own = c["author"][extra_clip] == viewers[extra_row]
        extra_row, extra_clip = extra_row[~in_window & ~own], extra_clip[~in_window & ~own]
    counts = np.bincount(extra_row, minlength=len(viewers))
    extras = np.full((len(viewers), int(counts.max(initial=0))), -1, np.int64)
    extra_col = np.arange(len(extra_row)) - np.repeat(np.cumsum(counts) - counts, counts)
    extras[extra_row, extra_col] = extra_clip
    extra_keys = clip_keys(extra_row, extra_clip)  # sorted: by row, then clip
    clip = np.concatenate([window_clip, extras], axis=1)
    shape = clip.shape

    def mark(cell_row: np.ndarray, cell_clip: np.ndarray) -> np.ndarray:
        """A viewers x candidates flag set at the given (row, clip) cells, wherever that clip is a
        candidate of that row (window cells by position, appended cells by their sorted keys)."""
        flags = np.zeros(shape, bool)
        at = position[cell_clip] if len(cell_clip) else np.zeros(0, np.int64)
        hit = at >= 0
        hit[hit] = kept[cell_row[hit], at[hit]]
        flags[cell_row[hit], at[hit]] = True
        if len(extra_keys) and len(cell_clip):
            keys = clip_keys(cell_row[~hit], cell_clip[~hit])
            found = np.minimum(np.searchsorted(extra_keys, keys), len(extra_keys) - 1)
            found = found[extra_keys[found] == keys]
            flags[extra_row[found], width + extra_col[found]] = True
        return flags

    def by_person(person_index: _Index, person_row: np.ndarray, person: np.ndarray) -> np.ndarray:
        cell_row, cell_clip = person_index.newest(person_row, person, world.clips)
        return mark(cell_row, cell_clip)

    tie = np.full(shape, TIE_NONE, np.int64)
    if personal and len(followee):
        follows_author = by_person(index.by_author, pair_row, followee)
        followed_back = by_person(index.by_author, pair_row[mutual], followee[mutual])
        tie = tie_levels(follows_author, followed_back, by_person(index.by_cameo_owner, pair_row, followee),
                         by_person(index.by_parent_author, pair_row, followee))
    seen = mark(*_history(world.seen_keys, viewers))
    gone = mark(*_history(world.dismissed_keys, viewers))
    starts = np.searchsorted(world.dismissed_author_keys, viewers * n)
    which, at = csr_ranges(starts, np.searchsorted(world.dismissed_author_keys, (viewers + 1) * n))
    alike = by_person(index.by_author, rows[which], world.dismissed_author_keys[at] % n)
    mood = c["mood"][np.maximum(clip, 0)]
    alike |= ((world.dismissed_moods[viewers][:, None] >> np.maximum(mood, 0)) & 1).astype(bool) & (mood >= 0) & (clip >= 0)
    return clip, tie, seen, alike, gone


def _connected(index: DayIndex, pair_row: np.ndarray, followee: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, clip) of each viewer's connected pools, each capped at its newest CONNECTED_POOL, deduplicated."""
    parts = []
    for person_index in (index.by_author, index.by_cameo_owner, index.by_parent_author):
        # clip positions grow with video ids, so the newest are the highest positions
        keys = np.unique(clip_keys(*person_index.newest(pair_row, followee, CONNECTED_POOL)))
        counts = np.bincount(keys >> 32)
        from_newest = np.repeat(np.cumsum(counts), counts) - np.arange(len(keys)) - 1
        parts.append(keys[from_newest < CONNECTED_POOL])
    keys = np.unique(np.concatenate(parts))
    return keys >> 32, keys & 0xFFFFFFFF


def _history(keys: np.ndarray, viewers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, clip) of what each viewer has seen (or dismissed), from sorted person << 32 | clip keys."""
    starts = np.searchsorted(keys, clip_keys(viewers, 0))
    which, at = csr_ranges(starts, np.searchsorted(keys, clip_keys(viewers + 1, 0)))
    return which, keys[at] & 0xFFFFFFFF

