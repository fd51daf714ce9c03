"""Assigning a face to its one nearest enrolled identity, consent winning near ties."""
import numpy as np

from workbench.faces.identities import Identity, assign


def at(distance: float, granted: bool = False, key: str = "") -> Identity:
    """An identity whose embedding lies `distance` from the face at the origin (along its own axis)."""
    vector = np.zeros(8, np.float32)
    vector[len(key) % 8] = distance
    return Identity("cameo", key, vector, granted=granted)


FACE = np.zeros(8, np.float32)


def test_the_nearest_identity_wins_and_the_margin_is_to_the_next():
    found = assign(FACE, [at(0.3, key="ben"), at(0.2, key="ana"), at(0.35, key="dev")], threshold=0.4)
    assert found.identity.key == "ana" and abs(found.distance - 0.2) < 1e-6 and abs(found.margin - 0.1) < 1e-6


def test_a_face_near_no_one_is_nobody():
    assert assign(FACE, [at(0.5, key="ana")], threshold=0.4) is None
    assert assign(FACE, [], threshold=0.4) is None


def test_a_granted_identity_within_the_margin_of_a_nearer_ungranted_one_wins():
    near_tie = [at(0.20, key="ben"), at(0.23, granted=True, key="ana")]
    assert assign(FACE, near_tie, threshold=0.4, margin=0.05).identity.key == "ana"
    clear = [at(0.20, key="ben"), at(0.30, granted=True, key="ana")]
    assert assign(FACE, clear, threshold=0.4, margin=0.05).identity.key == "ben"
    beyond = [at(0.38, key="ben"), at(0.41, granted=True, key="ana")]  # a granted one past the threshold never wins
    assert assign(FACE, beyond, threshold=0.4, margin=0.05).identity.key == "ben"
