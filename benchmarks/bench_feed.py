"""For You at scale: a world of 10,000 users (about 100 follows each) and 100,000 published clips,
and the time of one 20-item page per user.

Run: .venv/bin/python benchmarks/bench_feed.py [--database-url URL] [--users 10000] [--clips 100000]
     [--follows 100] [--samples 300] [--app]
(default: a fresh SQLite file in a temporary folder; for PostgreSQL pass an empty database's URL).

The world is written in bulk (seeded): users (3 % teens), follows drawn with a preference for
popular accounts, clips spread over 30 days with one to three moods, engagement counters drawn
from a heavy-tailed distribution, 10 % remixes, 5 % featuring someone's cameo. Every clip row points
at one real rendered file. Then `wb.feed.page(user, "for_you", limit=20)` is timed for `--samples`
random users, each person's first page (after ANALYZE, and on PostgreSQL VACUUM: what a database in
service has; with the models warmed, the newest clips' ranking facts read and the heap frozen, as the
app does at start; and one warm-up call), and the same for a mood filter, steering text, the Following
tab and teens. `--cold-facts` leaves the clips' ranking facts unread (a first page then reads its
candidates' facts itself: the first minutes after a start that skipped FeedService.warm_up).
`--app` also times the Streamlit feed page (AppTest: first render, a click on Next while the app
warms up, and ten once it is warm) on that world. Prints a markdown table and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from sqlalchemy import insert, select  # noqa: E402

from workbench import OPERATOR, open_workbench  # noqa: E402
from workbench.config import Settings  # noqa: E402
from workbench.media.moods import mood_names  # noqa: E402
from workbench.store.models import (  # noqa: E402
    Cameo, CameoPermission, CameoStatus, Follow, Role, User, Video, VideoCameo, VideoMood, VideoStatus, utcnow,
)

BATCH = 20_000


def build_world(wb, users: int, clips: int, follows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    template = wb.clips.create(wb.users.create(OPERATOR, "bench_template").handle, "a cat juggling", seed=1,
                               duration_s=1.0, publish=True)
    moods = mood_names()
    now = utcnow()
    with wb.transaction() as session:
        first = session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) + 1
        session.execute(insert(User), [{"handle": f"u{i:05d}", "display_name": f"User {i}", "role": Role.USER,
                                        "is_teen": rng.random() < 0.03, "region": "US", "bio": "", "suspended": False,
                                        "created_at": now} for i in range(users)])
        ids = list(range(first, first + users))
        # popular accounts attract more followers: follow targets drawn with weight 1/rank
        # (cumulative weights once: given `weights`, choices() sums all of them on every call, which at
        # 100,000 users is 10^10 additions; the draws are the same)
        cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(users)))
        rows = []
        for follower in ids:
            for followee in set(rng.choices(ids, cum_weights=cumulative, k=follows)) - {follower}:
                rows.append({"follower_id": follower, "followee_id": followee, "created_at": now})
            if len(rows) >= BATCH:
                session.execute(insert(Follow), rows)
                rows = []
        if rows:
            session.execute(insert(Follow), rows)
        cameo_owners = rng.sample(ids, k=max(1, users // 20))
        session.execute(insert(Cameo), [{"owner_id": owner, "handle": f"c{owner}", "display_name": f"Cameo {owner}",
                                         "status": CameoStatus.VERIFIED, "permission": CameoPermission.EVERYONE,
                                         "restrictions": "", "verification": {"method": "bench"}, "created_at": now}
                                        for owner in cameo_owners])
        cameo_ids = list(session.scalars(select(Cameo.id).where(Cameo.owner_id.in_(cameo_owners))))
        row = session.get(Video, template.id)
        common = {"prompt": "bench", "duration_s": row.duration_s, "width": row.width, "height": row.height,
                  "fps": row.fps, "media_path": row.media_path, "media_sha256": row.media_sha256,
                  "backend": "procedural", "seed": 1, "status": VideoStatus.PUBLISHED, "allow_remix": True}
        next_id = session.scalar(select(Video.id).order_by(Video.id.desc()).limit(1)) + 1
        videos, video_moods, video_cameos = [], [], []
        authors = []
        # publication times over 30 days, in id order (ids grow with creation, as in the app)
        times = sorted(now - timedelta(minutes=rng.uniform(0, 30 * 24 * 60)) for _ in range(clips))
        for n in range(clips):
            video_id = next_id + n
            published = times[n]
            parent = rng.randrange(next_id, video_id) if n > 10 and rng.random() < 0.10 else None
            views = int(rng.paretovariate(1.2)) - 1
            authors.append(rng.choice(ids))
            videos.append({**common, "id": video_id, "author_id": authors[-1], "caption": f"clip {n}",
                           "created_at": published, "published_at": published, "remix_parent_id": parent,
                           "remix_parent_author_id": authors[parent - next_id] if parent else None,
                           "remix_root_id": parent, "remix_depth": 1 if parent else 0, "view_count": views,
                           "completed_view_count": int(views * rng.uniform(0.2, 0.9)),
                           "like_count": int(views * rng.uniform(0, 0.3))})
            for rank, name in enumerate(rng.sample(moods, k=rng.randint(1, 3))):
                video_moods.append({"video_id": video_id, "mood": name, "rank": rank})
            if rng.random() < 0.05:
                video_cameos.append({"video_id": video_id, "cameo_id": rng.choice(cameo_ids), "kept_by_owner": False})
            if len(videos) >= BATCH:
                _flush(session, videos, video_moods, video_cameos)
        _flush(session, videos, video_moods, video_cameos)


def _flush(session, videos, video_moods, video_cameos) -> None:
    for model, rows in ((Video, videos), (VideoMood, video_moods), (VideoCameo, video_cameos)):
        if rows:
            session.execute(insert(model), rows)
            rows.clear()


def timed(call, handles) -> list[float]:
    """Each person's first page (their ranking is computed, not kept), after a warm-up call for another."""
    call(handles[0])  # warm-up: imports, caches, the embedding model for steering
    out = []
    for handle in handles[1:]:
        started = time.perf_counter()
        call(handle)
        out.append((time.perf_counter() - started) * 1000)
    return out


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(name: str, samples: list[float]) -> dict:
    return {"case": name, "n": len(samples), "p50_ms": round(statistics.median(samples), 1),
            "p99_ms": round(percentile(samples, 0.99), 1), "max_ms": round(max(samples), 1)}


def world_options(parser: argparse.ArgumentParser, samples: int) -> None:
    """The world's size and where it lives, as every feed benchmark takes them."""
    parser.add_argument("--database-url", default="")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--clips", type=int, default=100_000)
    parser.add_argument("--follows", type=int, default=100)
    parser.add_argument("--samples", type=int, default=samples)
    parser.add_argument("--cold-facts", action="store_true", help="leave the clips' ranking facts unread at start")


def built_world(args, data_dir: Path):
    """The workbench over args.database_url (else a SQLite file in data_dir) with the world built and
    ANALYZEd (planner statistics, as a database in service has them); with its URL and build seconds."""
    url = args.database_url or f"sqlite:///{data_dir / 'workbench.db'}"
    wb = open_workbench(url, data_dir=data_dir, settings=Settings(data_dir=data_dir, queue_url="immediate"))
    started = time.perf_counter()
    build_world(wb, args.users, args.clips, args.follows)
    with wb.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    if wb.engine.dialect.name == "postgresql":  # and VACUUM, as autovacuum does in service: index-only scans need it
        with wb.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM")
    built_s = time.perf_counter() - started
    # as the app starts: models loaded, the newest clips' ranking facts read, the long-lived heap frozen
    wb.warm_up_in_background(feeds=not args.cold_facts).join()
    return wb, url, built_s


def world_handles(wb, teens: bool) -> list[str]:
    """The handles of the world's built users, adults or teens."""
    with wb.transaction() as session:
        return list(session.scalars(select(User.handle).where(User.handle.like("u%"), User.is_teen.is_(teens))))


def app_timings(url: str, data_dir: Path, handle: str) -> dict:
    from streamlit.testing.v1 import AppTest

    os.environ.update({"WORKBENCH_DATABASE_URL": url, "WORKBENCH_DATA_DIR": str(data_dir)})
    app = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.session_state["actor"] = handle
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    started = time.perf_counter()
    next(b for b in at.button if b.label == "Next").click().run()
    next_click = time.perf_counter() - started
    # the first two runs share the CPU with the warm-up in the background (Workbench.warm_up_in_background:
    # the models, the newest clips' ranking facts)
    for thread in threading.enumerate():
        if thread.name == "workbench-warm-up":
            thread.join()
    warm = []
    for _ in range(10):
        started = time.perf_counter()
        next(b for b in at.button if b.label == "Next").click().run()
        warm.append((time.perf_counter() - started) * 1000)
    return {"first_render_ms": round(first * 1000), "next_click_ms": round(next_click * 1000),
            "next_click_warm_ms": round(statistics.median(warm)), "next_click_warm_max_ms": round(max(warm))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    world_options(parser, samples=300)
    parser.add_argument("--app", action="store_true", help="also time the Streamlit feed page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        wb, url, build_s = built_world(args, data_dir)
        adults, teens = world_handles(wb, teens=False), world_handles(wb, teens=True)
        rng = random.Random(3)
        sample = rng.sample(adults, k=min(args.samples, len(adults)))
        few = sample[: max(20, args.samples // 5)]
        results = [
            summary("for_you", timed(lambda h: wb.feed.page(h, "for_you", limit=20), sample)),
            summary("for_you, mood=animals", timed(lambda h: wb.feed.page(h, "for_you", mood="animals", limit=20), few)),
            summary("for_you, steer", timed(lambda h: wb.feed.page(h, "for_you", steer="more animals, less news",
                                                                   limit=20), few)),
            summary("following", timed(lambda h: wb.feed.page(h, "following", limit=20), few)),
            summary("teen (non-personalised)", timed(lambda h: wb.feed.page(h, "for_you", limit=20),
                                                     rng.sample(teens, k=min(len(teens), len(few))))),
        ]
        app = app_timings(url, data_dir, sample[0]) if args.app else None
        wb.close()
    engine = url.split(":", 1)[0]
    print(f"world: {args.users} users, ~{args.follows} follows each, {args.clips} clips; built in {build_s:.0f} s "
          f"({engine}{'; clip facts unread at start' if args.cold_facts else ''})\n")
    print("| case | calls | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|")
    for r in results:
        print(f"| {r['case']} | {r['n']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    if app:
        print(f"\nfeed page (AppTest): first render {app['first_render_ms']} ms, Next {app['next_click_ms']} ms "
              f"(during the warm-up), Next once warm {app['next_click_warm_ms']} ms (median of 10, max "
              f"{app['next_click_warm_max_ms']})")
    print(json.dumps({"engine": engine, "users": args.users, "clips": args.clips, "build_s": round(build_s),
                      "results": results, "app": app}))


if __name__ == "__main__":
    main()
