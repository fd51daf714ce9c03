"""The random challenge an enrollment clip must answer, and the shape of a liveness result.

A challenge asks for head turns in a random order, a blink, and 4-6 random digits read aloud. It
expires, so a clip recorded for an old challenge (or by someone else, earlier) cannot be replayed.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

#: what a head-turn move asks for; "blink" is always asked once, after the turns
TURNS = ("turn_left", "turn_right")
#: a challenge is good for this long after it is issued
CHALLENGE_TTL_S = 300


@dataclass(frozen=True)
class Challenge:
    #: the moves in the order they must be made, e.g. ("turn_right", "turn_left", "blink")
    moves: tuple[str, ...]
    #: digits to read aloud, e.g. "40917"
    digits: str
    issued_at: datetime
    expires_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(timezone.utc)) > self.expires_at

    def instructions(self) -> str:
        words = {"turn_left": "turn your head to your left", "turn_right": "turn your head to your right",
                 "blink": "blink"}
        return (", then ".join(words[move] for move in self.moves)
                + f"; then read these digits aloud: {' '.join(self.digits)}")

    def as_dict(self) -> dict:
        return {"moves": list(self.moves), "digits": self.digits, "issued_at": self.issued_at.isoformat(),
                "expires_at": self.expires_at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict) -> "Challenge":
        return cls(tuple(data["moves"]), data["digits"], datetime.fromisoformat(data["issued_at"]),
                   datetime.fromisoformat(data["expires_at"]))


def new_challenge(now: datetime | None = None, ttl_s: float = CHALLENGE_TTL_S) -> Challenge:
    """Both turns in a random order, then a blink, then 4-6 random digits (from the OS's randomness)."""
    now = now or datetime.now(timezone.utc)
    turns = list(TURNS)
    if secrets.randbelow(2):
        turns.reverse()
    digits = "".join(str(secrets.randbelow(10)) for _ in range(4 + secrets.randbelow(3)))
    return Challenge(tuple(turns) + ("blink",), digits, now, now + timedelta(seconds=ttl_s))


@dataclass(frozen=True)
class Check:
    """One liveness check: its name, whether it passed, and the evidence it was decided on."""
    name: str
    passed: bool
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class LivenessResult:
    checks: tuple[Check, ...]
    #: a frontal frame of the person (RGB), the reference image if enrollment succeeds
    reference_frame: np.ndarray | None
    #: the identity embedding of that frame (face engine), for the public-figure check
    embedding: np.ndarray | None

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.passed]
