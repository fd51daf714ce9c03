"""The storyboard renderer: a prompt read into shots (subjects with counts and actions, scene, weather,
time of day, camera, style), and clips in which those subjects' glyphs are drawn where the storyboard
says, in a real mp4 signed with its storyboard."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.embeddings import SentenceEmbedder, default_model_path, shipped_path
from workbench.media import glyph_art
from workbench.media.backend import GenerationRequest, split_shots
from workbench.media.codec import read_frames
from workbench.media.procedural import ProceduralBackend
from workbench.media.provenance import ensure_credentials, read_storyboard, store_ai_clip
from workbench.media.scenery import glyph_correlation
from workbench.media.storyboard import GLYPH_NAMES, StoryboardReader, glyphs

WORDS = StoryboardReader()  # keywords only: no sentence model


def subjects(prompt: str, reader: StoryboardReader = WORDS) -> list[tuple[str, int, str]]:
    board = reader.read(split_shots(prompt))
    return [(s.name, s.count, s.action) for shot in board.shots for s in shot.subjects]


def test_a_prompt_is_read_into_subjects_with_counts_actions_and_its_scene() -> None:
    shot = WORDS.read_shot("two tiny foxes running through a snowy forest at dusk, aerial shot")
    assert [(s.name, s.glyph, s.count, s.action, s.adjectives) for s in shot.subjects] == [
        ("fox", "🦊", 2, "run", ("tiny",))]
    assert (shot.scene, shot.weather, shot.time_of_day, shot.camera, shot.style) == (
        "snowy forest", ("snow",), "sunset", "aerial", None)
    shot = WORDS.read_shot("steaming ramen on a rainy night in Tokyo, vhs")
    assert [s.glyph for s in shot.subjects] == ["🍜"]
    assert (shot.scene, shot.weather, shot.time_of_day, shot.style) == ("city", ("rain",), "night", "vhs")


def test_kinds_and_breeds_find_their_glyph_and_plurals_and_groups_count() -> None:
    assert subjects("a golden retriever pup surfing") == [("dog", 1, "swim")]
    assert subjects("three ducks and a flock of geese") == [("duck", 3, "float"), ("goose", 4, "float")] or \
        [s[:2] for s in subjects("three ducks and a flock of geese")] == [("duck", 3), ("goose", 4)]
    assert [s[:2] for s in subjects("kittens")] == [("cat", 3)]


def test_a_word_after_a_noun_is_its_verb_and_a_noun_before_a_role_is_drawn_too() -> None:
    assert [s[0] for s in subjects("a lion wakes up and yawns")] == ["lion"]
    assert [s[0] for s in subjects("a superhero landing in the street")] == ["superhero"]
    assert [s[0] for s in subjects("a cat astronaut floating in space")] == ["cat", "astronaut"]
    assert [s[0] for s in subjects("the farmer's dog herding sheep")][:2] == ["farmer", "dog"]


def test_a_scene_that_opens_the_shot_is_its_subject_and_otherwise_only_the_place() -> None:
    assert [s[0] for s in subjects("volcano erupting at night")] == ["volcano"]
    shot = WORDS.read_shot("a fox sleeping in the forest")
    assert [s.name for s in shot.subjects] == ["fox"] and shot.scene == "forest"


def test_each_shot_is_read_on_its_own() -> None:
    board = WORDS.read(split_shots("a puppy in the snow | the puppy asleep by a fireplace, silent movie"))
    first, second = board.shots
    assert first.weather == ("snow",) and second.style == "silent movie" and first.style is None
    assert board.as_dict()["shots"][1]["subjects"][0]["glyph"] == "🐕"


def test_a_noun_no_keyword_knows_is_found_by_the_sentence_model() -> None:
    assert "seagull" not in {k for g in glyphs() for k in g.keywords} | {g.name for g in glyphs()}
    assert subjects("a seagull in the rain") == []
    assert [s[0] for s in subjects("a seagull in the rain", StoryboardReader(SentenceEmbedder()))] == ["bird"]
    assert subjects("a moment of silence", StoryboardReader(SentenceEmbedder())) == []


def test_the_shipped_glyph_name_embeddings_are_current() -> None:
    """`python -m workbench.media.storyboard` writes them after data/glyphs.json changes."""
    shipped = shipped_path(GLYPH_NAMES, default_model_path(), [g.name for g in glyphs()])
    assert shipped.exists(), "run `python -m workbench.media.storyboard` after editing data/glyphs.json"
    assert np.load(shipped).shape == (len(glyphs()), 384)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("storyboard")
    prompt = "a puppy chasing a ball on the beach | two cats dancing in a kitchen, silent movie, zoom in"
    clip = ProceduralBackend().generate(GenerationRequest(prompt=prompt, seed=4, shots=split_shots(prompt)))
    file = store_ai_clip(clip, folder / "media", author="ana", credentials=ensure_credentials(folder / "keys"))
    return file.path, clip.metadata


def test_the_storyboard_is_signed_into_the_stored_clip(stored: tuple[Path, dict]) -> None:
    path, metadata = stored
    signed = read_storyboard(path)
    assert signed["storyboard"] == metadata["storyboard"]
    shots = signed["storyboard"]["shots"]
    assert [[s["glyph"] for s in shot["subjects"]] for shot in shots] == [["🐕", "⚽"], ["🐈"]]
    assert shots[1]["style"] == "silent movie" and shots[1]["camera"] == "zoom"


def test_each_subjects_glyph_is_in_the_stored_frames_where_the_storyboard_says(stored: tuple[Path, dict]) -> None:
    path, metadata = stored
    frames = read_frames(path)
    shots = metadata["storyboard"]["shots"]
    for placement in metadata["placements"]:
        style = shots[placement["shot"]]["style"]
        score = glyph_correlation(frames[placement["frame"]], placement, style)
        elsewhere = glyph_correlation(frames[placement["frame"]], {**placement, "x": placement["x"] + 150}, style)
        wrong = glyph_correlation(frames[placement["frame"]], {**placement, "glyph": "🚒"}, style)
        assert score > 0.5 > max(elsewhere, wrong), (placement, score, elsewhere, wrong)


def test_without_the_emoji_font_subjects_are_drawn_badges(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without fonts-noto-color-emoji still draws every subject, each tellable from another."""
    monkeypatch.setattr(glyph_art, "EMOJI_FONT", Path("/nonexistent/NotoColorEmoji.ttf"))
    glyph_art.glyph_sprite.cache_clear()
    try:
        fox, dog = glyph_art.glyph_sprite("🦊", 64, "fox"), glyph_art.glyph_sprite("🐕", 64, "dog")
        assert fox[..., 3].mean() > 100 and np.abs(fox.astype(int) - dog.astype(int)).mean() > 10
    finally:
        glyph_art.glyph_sprite.cache_clear()
