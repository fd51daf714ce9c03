"""A population simulator for the feed: people with interests, a social graph, creating, remixing,
watching, liking and following, day by day, ranked by the app's own policies
(workbench.social.ranking: each policy's ``scores`` is called on viewers x clips at once).

Usage::

    from workbench.simulation import SimulationConfig, simulate
    run = simulate(SimulationConfig(users=2000, days=7, policy="connection_first", seed=1))
    run.views      # the app's watch-event columns (video_id, viewer_id, watched_s, ...)
    run.clips      # video_id, author_id, mood, duration_s, quality, remix_parent_id, day, cameo_owner_id
    run.follows    # follower_id, followee_id
    run.write_parquet("out/")   # views.parquet, clips.parquet, follows.parquet, config.json
    read_logs("out/")           # the same tables, read back with DuckDB

The same config and seed give the same tables. Behaviour, per day:
- each person is active with a probability set by their activity level;
- active people create clips (Poisson); a share are remixes of a recent clip, chosen by views, that
  keep the parent's mood; enrolled people's cameos appear in clips by people who follow them;
- each active person gets a page of the newest clips ranked by the policy; each shown clip is
  watched: completion depends on interest in its mood, its quality and (the known duration bias)
  its length; completed views may loop; views become likes, likes may become follows.
"""
from workbench.simulation.engine import (
    SimulationConfig,
    SimulationRun,
    read_logs,
    simulate,
)

__all__ = ["SimulationConfig", "SimulationRun", "read_logs", "simulate"]
