"""How a simulated person watches a clip they were shown: the watch model and its parameters.

A view completes with a logistic chance that rises with the person's interest in the clip's mood
and the clip's quality and falls with its length (the duration bias of short-video feeds: longer
clips are finished less often; Zhan et al., "Deconfounding Duration Bias in Watch-time Prediction
for Video Recommendation", KDD 2022). A completed view may loop; a skipped one stops part way. A
completed view may turn into a like, a like into a follow, and a skip of a clip of little interest
into "Not interested". Every completed view moves the person's interests a little towards the
clip's mood, as users' interests evolve with what they consume in RecSim's interest-evolution
environment (Ie et al., "RecSim: A Configurable Simulation Platform for Recommender Systems", 2019).

The defaults are fitted to published figures, and `workbench simulate --calibrate-from` fits them
to a database's own telemetry (workbench.simulation.calibration).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the clip length the completion intercept refers to (seconds)
REFERENCE_LENGTH_S = 6.0


@dataclass(frozen=True)
class Behaviour:
    #: completion log-odds of an average-interest, average-quality clip of REFERENCE_LENGTH_S;
    #: fitted, with skip_a and skip_b, to KuaiRec's published watch-ratio mean, quartile and median
    #: (calibration.PUBLISHED; fit(PUBLISHED, params=("completion_base", "skip_a", "skip_b")))
    completion_base: float = -0.231
    #: log-odds per unit of interest above average (interest 1 = average, 2 = twice the average)
    completion_interest: float = 1.2
    #: log-odds per unit of quality above 0.5 (quality is in [0, 1])
    completion_quality: float = 2.0
    #: log-odds lost per second of length over REFERENCE_LENGTH_S (no published completion rate by
    #: length was found to fit it to: calibration.PUBLISHED)
    completion_per_second: float = 0.2
    #: the chance of each of up to two loops after a completed view, at average interest (no
    #: published rewatch rate was found to fit it to)
    loop_rate: float = 0.12
    #: a skipped view stops at a share of the clip drawn from Beta(skip_a, skip_b) (fitted: see
    #: completion_base)
    skip_a: float = 1.666
    skip_b: float = 1.396
    #: the chance a completed view becomes a like, at average interest
    like_rate: float = 0.12
    #: the chance a like becomes a follow of the creator
    follow_rate: float = 0.08
    #: the chance that a skipped clip of below-average interest is marked "Not interested"
    dismiss_rate: float = 0.02
    #: how far a completed view moves interest towards the clip's mood (before renormalising)
    drift: float = 0.02
    #: clip lengths are uniform between these (seconds)
    shortest_s: float = 2.0
    longest_s: float = 15.0

    def completion_chance(self, interest, quality, duration) -> np.ndarray:
        logit = (self.completion_base + self.completion_interest * (np.asarray(interest) - 1.0)
                 + self.completion_quality * (np.asarray(quality) - 0.5)
                 - self.completion_per_second * (np.asarray(duration) - REFERENCE_LENGTH_S))
        return 1.0 / (1.0 + np.exp(-logit))

    def watch(self, interest: np.ndarray, quality: np.ndarray, duration: np.ndarray, rng: np.random.Generator) -> dict:
        """One view of each (interest, quality, duration): completed, loops, seconds watched, liked,
        followed, dismissed. `interest` is the viewer's interest in the mood relative to average."""
        k = len(interest)
        completed = rng.random(k) < self.completion_chance(interest, quality, duration)
        loops = np.where(completed, rng.binomial(2, np.clip(self.loop_rate * interest, 0.0, 0.6)), 0)
        watched = np.where(completed, duration * (1 + loops), duration * rng.beta(self.skip_a, self.skip_b, k))
        liked = completed & (rng.random(k) < np.clip(self.like_rate * interest, 0.0, 0.6))
        followed = liked & (rng.random(k) < self.follow_rate)
        dismissed = ~completed & (interest < 1.0) & (rng.random(k) < self.dismiss_rate)
        return {"completed": completed, "loops": loops, "watched": np.round(watched, 2), "liked": liked,
                "followed": followed, "dismissed": dismissed}
