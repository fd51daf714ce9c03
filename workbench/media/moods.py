"""The mood taxonomy (data/moods.json): the feed's filter chips and the procedural generator's look.

The file is read once per process; everything here is a pure lookup on it, so pages, services and
tests agree on which moods exist and how a prompt is classified.
"""
from __future__ import annotations

import copy
import json
import re
from functools import lru_cache

from workbench.files import packaged_data

MOODS_PATH = packaged_data("moods.json")


@lru_cache(maxsize=1)
def _taxonomy() -> dict:
    """The parsed JSON file; cached because it never changes while the app runs."""
    return json.loads(MOODS_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _keyword_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One regex per mood matching any of its keywords as a whole word or phrase.

    Whole-word matching keeps "cat" from firing on "category"; a phrase such as "road trip"
    matches across any run of whitespace.
    """
    patterns = []
    for name, spec in _taxonomy()["moods"].items():
        alternatives = "|".join(r"\s+".join(map(re.escape, keyword.split())) for keyword in spec["keywords"])
        patterns.append((name, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)))
    return tuple(patterns)


def mood_names() -> tuple[str, ...]:
    """All mood names in taxonomy order (the order chips are shown in)."""
    return tuple(_taxonomy()["moods"])


def default_mood() -> str:
    """The mood a prompt gets when none of its words match any keyword."""
    return _taxonomy()["default_mood"]


def mood(name: str) -> dict:
    """One mood's spec (label, palette, motion, tone_hz, keywords); a copy, so callers cannot alter the cache."""
    try:
        return copy.deepcopy(_taxonomy()["moods"][name])
    except KeyError:
        raise ValueError(f"unknown mood {name!r}; choose from {', '.join(mood_names())}") from None


def classify_prompt(prompt: str) -> tuple[str, ...]:
    """The moods whose keywords occur in the prompt, most keyword hits first (ties in taxonomy order).

    Never empty: an unmatched or empty prompt gets ``(default_mood(),)`` so every clip has a look.
    """
    hits = [(name, len(pattern.findall(prompt))) for name, pattern in _keyword_patterns()]
    ranked = sorted((item for item in hits if item[1] > 0), key=lambda item: -item[1])  # stable: ties keep order
    return tuple(name for name, _ in ranked) or (default_mood(),)
