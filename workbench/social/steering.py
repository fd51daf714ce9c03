"""Free-text feed steering: "more animals, less news, no sports" -> mood weights for MoodSteered.

The text is split into clauses; each clause's direction comes from its leading words ("more",
"less", "no", ...), and its subject is matched to the mood taxonomy: first by the moods' names,
labels and keywords (workbench.media.moods), then, for words the taxonomy does not list
("kittens", "elections", "hiking"), by cosine similarity of sentence embeddings between the
subject and each mood's description (the offline model of workbench.embeddings).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from workbench.media.moods import classify_prompt, default_mood, mood, mood_names

MAX_STEER_CHARS = 200
#: leading words -> weight for the clause's moods
DIRECTIONS = (
    (("no more", "no", "none of", "nothing about", "not", "never", "without", "zero", "hide", "stop", "skip"), -1.0),
    (("less", "fewer", "less of", "not so much", "hardly any", "enough"), -0.6),
    (("more", "lots of", "plenty of", "extra", "only", "just", "mostly", "give me", "show me", "i want", "i like"), 0.8),
)
#: an embedding match counts from this cosine similarity (subject vs a mood's description), when the
#: best mood beats the runner-up by MIN_MARGIN (measured on MiniLM: "elections" -> news 0.28 vs 0.12,
#: "kittens" -> animals 0.44; nonsense words stay below 0.24)
MIN_SIMILARITY = 0.24
MIN_MARGIN = 0.04

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Steering:
    weights: dict[str, float]
    #: how the positive part reads in reasons: "more animals, travel"
    note: str
    #: clauses that matched no mood, so the viewer can be told
    unmatched: tuple[str, ...]


def parse_steering(text: str, embedder: Embedder | None = None) -> Steering:
    """Mood weights in [-1, 1] from the viewer's words. A clause without a direction word means "more"."""
    text = (text or "").strip()
    if len(text) > MAX_STEER_CHARS:
        raise ValueError(f"steering text is at most {MAX_STEER_CHARS} characters")
    weights: dict[str, float] = {}
    unmatched = []
    for clause in (c.strip() for c in re.split(r"[,;.!\n]+|\band\b|\bbut\b", text.lower())):
        if not clause:
            continue
        weight, subject = _direction(clause)
        moods = _moods_of(subject, embedder)
        if not moods:
            unmatched.append(clause)
        for name in moods:
            weights[name] = max(-1.0, min(1.0, weights.get(name, 0.0) + weight))
    wanted = [mood(name)["label"].lower() for name, w in weights.items() if w > 0]
    return Steering(weights, f"more {', '.join(wanted)}" if wanted else "", tuple(unmatched))


def _direction(clause: str) -> tuple[float, str]:
    for words, weight in DIRECTIONS:
        for word in sorted(words, key=len, reverse=True):
            if clause == word or clause.startswith(word + " "):
                return weight, clause[len(word):].strip()
    return DIRECTIONS[-1][1], clause


def _moods_of(subject: str, embedder: Embedder | None) -> tuple[str, ...]:
    if not subject:
        return ()
    named = [name for name in mood_names() if subject in (name, mood(name)["label"].lower())]
    if named:
        return tuple(named)
    by_keyword = classify_prompt(subject)
    if by_keyword != (default_mood(),) or default_mood() in subject.split():
        return by_keyword
    if embedder is None:
        return ()
    names, descriptions = _descriptions()
    similarity = (embedder([subject]) @ embedder(descriptions).T)[0]
    runner_up, best = np.argsort(similarity)[-2:]
    if similarity[best] >= MIN_SIMILARITY and similarity[best] - similarity[runner_up] >= MIN_MARGIN:
        return (names[int(best)],)
    return ()


@lru_cache(maxsize=1)
def _descriptions() -> tuple[tuple[str, ...], list[str]]:
    names = mood_names()
    return names, [f"{mood(n)['label']}: {', '.join(mood(n)['keywords'])}" for n in names]
