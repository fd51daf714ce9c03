"""From a prompt to a storyboard: for each shot, the subjects a viewer must see (each a glyph with a
count and an action), the scene, the weather, the time of day, the camera move and the style.

Reading is by words first. The vocabulary (data/storyboard.json) names the scenes, weathers, times,
camera moves, styles and actions; the glyph set (data/glyphs.json) names every drawable subject with
its keywords ("golden retriever" is a dog). A prompt is cut into noun phrases at its verbs,
prepositions and punctuation; a phrase's head noun is looked up among the glyphs' names and keywords
(plurals and verb endings taken off), and a head no keyword knows is matched by the offline sentence
model against the glyphs' names, so that "axolotl" or "schnauzer" still find a glyph. The rest of
the phrase gives the count ("two", "a flock of", a plural) and the adjectives; the first action word
after a subject, or the shot's first, is what it does, else the way its glyph moves by nature.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from workbench.embeddings import Embedder, cached_embeddings
from workbench.files import packaged_data

VOCABULARY_FILE = packaged_data("storyboard.json")
GLYPHS_FILE = packaged_data("glyphs.json")
#: the most copies of one subject drawn, and the most subjects in a shot
MAX_COPIES, MAX_SUBJECTS = 5, 4
#: a head noun no keyword knows is the glyph whose name the sentence model puts at least this close
#: (cosine; tuned on the labelled subject set's development part, BENCHMARKS.md)
MIN_SIMILARITY = 0.55
#: words that end a noun phrase without being part of it
FUNCTION_WORDS = frozenset("""
a an the this that these those my your his her its our their some every each any no of in on at to
into onto through across over under above below behind beside besides between near by with without
from for around along up down out off and or but while as like than then when where who whom whose
which what is are was were be being been has have had does do did it they he she them him very so too
just really super all while during after before against toward towards past beyond inside outside
upon amid among via per next until till there here now again also not yet even only still
""".split())
ADJECTIVES = frozenset("""
red orange yellow green blue purple violet pink brown black white gray grey golden gold silver beige
teal turquoise cyan magenta rainbow colorful colourful pastel dark light bright tiny small little big
large huge giant enormous massive mini miniature fluffy furry fuzzy cute adorable chubby fat skinny
tall short old young ancient elderly happy sad angry grumpy sleepy hungry excited curious brave
majestic wild fierce funny silly lazy playful friendly shiny sparkly fancy mysterious wet dry hot cold
warm cool fresh delicious crispy crunchy spicy sweet juicy wooden metal metallic glass plastic paper
robotic mechanical glowing neon retro vintage futuristic magical enchanted spooky scary creepy cozy
cosy proud confused determined clumsy graceful elegant tired nervous shy bold lonely tiny baby
beautiful pretty handsome ugly smelly muddy dirty clean giant lovely gorgeous epic legendary famous
new strange weird mighty noble royal cheerful jolly gentle calm peaceful loud quiet
""".split())


@dataclass(frozen=True)
class Glyph:
    """A drawable subject: its emoji, its plain name, the words that ask for it and how it moves."""
    glyph: str
    name: str
    kind: str
    facing: str
    moves: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subject:
    """One thing the viewer must see: which glyph, how many, doing what, and the words that asked."""
    name: str
    glyph: str
    count: int
    action: str
    kind: str
    facing: str
    words: str
    adjectives: tuple[str, ...] = ()
    #: a cameo's handle where the subject is a cameo (drawn from its picture, not its glyph)
    cameo: str | None = None


@dataclass(frozen=True)
class Shot:
    text: str
    subjects: tuple[Subject, ...]
    scene: str | None
    weather: tuple[str, ...]
    time_of_day: str
    camera: str
    style: str | None
    #: whether the words name the place (else it is the usual place for the subjects)
    place_named: bool = False


@dataclass(frozen=True)
class Storyboard:
    shots: tuple[Shot, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        """The JSON form stored in a clip's metadata and printed by `workbench generate --json`."""
        return {"shots": [{
            "text": shot.text,
            "subjects": [{key: value for key, value in asdict(subject).items() if value not in (None, ())}
                         for subject in shot.subjects],
            "scene": shot.scene, "weather": list(shot.weather), "time_of_day": shot.time_of_day,
            "camera": shot.camera, "style": shot.style,
        } for shot in self.shots]}

    @staticmethod
    def subjects_of(signed: dict) -> list[Subject]:
        """The subjects of a storyboard in its JSON form (a parent clip's, read from its credentials),
        each once."""
        found: dict[str, Subject] = {}
        for shot in signed.get("shots", []):
            for entry in shot.get("subjects", []):
                if entry.get("glyph") and not entry.get("cameo"):
                    found.setdefault(entry["glyph"], Subject(**{**entry, "adjectives": tuple(entry.get("adjectives", ()))}))
        return list(found.values())


# --- words -------------------------------------------------------------------------------------------------

def noun_forms(word: str) -> tuple[str, ...]:
    """The word and its singulars by English's regular rules ("foxes" -> fox, "puppies" -> puppy,
    "wolves" -> wolf); the irregular plurals are the glyphs' keywords."""
    forms = [word]
    if len(word) > 3 and word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("ves"):
        forms += [word[:-3] + "f", word[:-3] + "fe"]
    if len(word) > 3 and word.endswith("es"):
        forms.append(word[:-2])
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return tuple(dict.fromkeys(forms))


def verb_forms(word: str) -> tuple[str, ...]:
    """The word and its base forms by English's regular rules ("running" -> run, "dancing" -> dance,
    "hops" -> hop, "cried" -> cry)."""
    forms = list(noun_forms(word))
    for ending in ("ing", "ed"):
        if len(word) > len(ending) + 2 and word.endswith(ending):
            stem = word[:-len(ending)]
            forms += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # running -> run
            if ending == "ed" and stem.endswith("i"):
                forms.append(stem[:-1] + "y")
    return tuple(dict.fromkeys(forms))


def words_of(text: str) -> list[str]:
    """Lower-case words and the punctuation that separates clauses, in order."""
    return re.findall(r"[a-z0-9]+(?:['’&-][a-z0-9]+)*|[,.;:!?()]", text.lower().replace("’", "'"))


class _PhraseTable:
    """Phrases of one to four words mapped to a value, looked up longest first at a position."""

    def __init__(self, entries: Iterable[tuple[str, object]], forms=noun_forms) -> None:
        self.forms = forms
        self.table: dict[tuple[str, ...], object] = {}
        for phrase, value in entries:
            self.table.setdefault(tuple(words_of(phrase)), value)
        self.longest = max((len(key) for key in self.table), default=1)

    def match(self, words: Sequence[str], start: int) -> tuple[int, object] | None:
        """(length, value) of the longest phrase at start; its last word may carry an ending."""
        for length in range(min(self.longest, len(words) - start), 0, -1):
            *head, last = words[start:start + length]
            for form in self.forms(last):
                value = self.table.get((*head, form))
                if value is not None:
                    return length, value
        return None


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def glyphs() -> tuple[Glyph, ...]:
    """The shipped glyph set, in its file's order (the first glyph listing a keyword wins it)."""
    entries = json.loads(GLYPHS_FILE.read_text(encoding="utf-8"))["glyphs"]
    return tuple(Glyph(glyph=e["glyph"], name=e["name"], kind=e["kind"], facing=e.get("facing", "front"),
                       moves=e.get("moves", "still"), keywords=tuple(e.get("keywords", ()))) for e in entries)


@lru_cache(maxsize=1)
def _tables() -> dict[str, _PhraseTable]:
    words = vocabulary()

    def entries(section: str) -> list[tuple[str, str]]:
        spec = words[section]
        return [(phrase, name) for name, value in spec.items()
                for phrase in (value["words"] if isinstance(value, dict) else value)]

    # a keyword that is also an action word ("running" for the runner, "surfing" for the surfer) reads
    # as the action: "a dog surfing" is a dog
    actions = {tuple(words_of(phrase)) for phrase in (p for value in words["actions"].values() for p in value)}
    named = [(g.name, g) for g in glyphs()]
    never = FUNCTION_WORDS | set(words["not_subjects"])  # "it" is a film's clown, and never a subject
    keyworded = [(keyword, g) for g in glyphs() for keyword in g.keywords if keyword not in never
                 and (tuple(words_of(keyword)) not in actions or not keyword.endswith(("ing", "ed")))]
    return {
        "scene": _PhraseTable(entries("scenes")), "weather": _PhraseTable(entries("weather")),
        "time": _PhraseTable(entries("times")), "camera": _PhraseTable(entries("cameras")),
        "style": _PhraseTable(entries("styles")), "action": _PhraseTable(entries("actions"), forms=verb_forms),
        "glyph": _PhraseTable(named + keyworded),
        "not_subject": _PhraseTable((w, True) for w in words["not_subjects"]),
    }


# --- reading a shot ----------------------------------------------------------------------------------------

@dataclass
class _Phrase:
    """A noun phrase as read: its words, its count, its adjectives, the glyph of its head (or None)."""
    words: list[str]
    count: int | None = None
    adjectives: list[str] = field(default_factory=list)
    glyph: Glyph | None = None
    #: the words of a head no keyword knows, for the sentence model
    unknown: list[str] = field(default_factory=list)
    modifiers: list[Glyph] = field(default_factory=list)
    end: int = 0


class StoryboardReader:
    """Reads prompts into storyboards; shared by every render in a process (thread-safe: the cache of
    matched words is guarded by a lock, the sentence model by its own)."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder
        self._matched: dict[str, Glyph | None] = {}
        self._lock = threading.Lock()

    def read(self, shots: Sequence[str]) -> Storyboard:
        return Storyboard(shots=tuple(self.read_shot(text) for text in shots))

    def with_characters(self, board: Storyboard, handles: Sequence[str]) -> Storyboard:
        """The storyboard with each character cameo as a subject of every shot, doing the shot's action:
        its glyph is the one its handle's words suggest ("@pip_the_otter" is an otter), else a badge."""
        if not handles:
            return board
        shots = []
        for shot in board.shots:
            action = shot.subjects[0].action if shot.subjects else "walk"
            cast = []
            for handle in handles:
                named = self.read_shot(re.sub(r"[_.\d]+", " ", handle.lstrip("@"))).subjects
                glyph = named[0] if named else None
                cast.append(Subject(name=handle, glyph=glyph.glyph if glyph else "", count=1, action=action,
                                    kind="character", facing=glyph.facing if glyph else "front",
                                    words=handle, cameo=handle))
            shots.append(replace(shot, subjects=(*cast, *shot.subjects)[:MAX_SUBJECTS]))
        return Storyboard(shots=tuple(shots))

    def read_shot(self, text: str) -> Shot:
        words = words_of(text)
        tables = _tables()
        found = {name: _first(tables[name], words) for name in ("scene", "time", "camera", "style")}
        weather = tuple(dict.fromkeys(_every(tables["weather"], words)))
        phrases, actions = self._phrases(words)
        unknown = [p for p in phrases if p.glyph is None and p.unknown]
        if unknown:
            for phrase, glyph in zip(unknown, self._nearest([" ".join(p.unknown[-2:]) for p in unknown])):
                phrase.glyph = glyph
        subjects: list[Subject] = []
        shot_action = actions[0][1] if actions else None
        for phrase in phrases:
            kept = phrase.modifiers if phrase.glyph is not None else []
            for glyph in [*kept, phrase.glyph]:
                if glyph is None or any(s.glyph == glyph.glyph for s in subjects):
                    continue
                action = next((a for at, a in actions if at >= phrase.end), None) or shot_action or glyph.moves
                subjects.append(Subject(name=glyph.name, glyph=glyph.glyph, count=phrase.count or 1,
                                        action=action if action != "still" else "float", kind=glyph.kind,
                                        facing=glyph.facing, words=" ".join(phrase.words),
                                        adjectives=tuple(phrase.adjectives)))
        scene = found["scene"] or _usual_scene(subjects, weather)
        time_of_day = found["time"] or ("night" if scene in ("space", "moon") else "day")
        return Shot(text=text, subjects=tuple(subjects[:MAX_SUBJECTS]), scene=scene, weather=weather,
                    time_of_day=time_of_day, camera=found["camera"] or "static", style=found["style"],
                    place_named=found["scene"] is not None)

    def _phrases(self, words: list[str]) -> tuple[list[_Phrase], list[tuple[int, str]]]:
        """The shot's noun phrases that may be subjects, and its action words by position.

        A phrase ends at a verb, a function word, punctuation, a scene or a word that is never a
        subject ("time", "style"); weather, time, style and camera words inside it are its adjectives
        ("two snowy owls"). Its head is its last noun: a glyph's keyword or, where no keyword knows
        the word, whatever the sentence model finds for it; a glyph's noun before the head is drawn
        too ("a cat astronaut", "mango sticky rice"). A word after the head that no keyword makes a
        noun is its verb ("a lion wakes up")."""
        tables = _tables()
        counts = vocabulary()["counts"]
        phrases: list[_Phrase] = []
        actions: list[tuple[int, str]] = []
        current = _Phrase(words=[])
        index = 0

        def close() -> None:
            nonlocal current
            if current.glyph is not None or current.unknown:
                current.end = index
                phrases.append(current)
            current = _Phrase(words=[])

        while index < len(words):
            word = words[index]
            if word.endswith("'s") and len(word) > 2:  # "the man's head": the man, then what is his
                words[index] = word = word[:-2]
                possessive = True
            else:
                possessive = False
            if word in ("a", "an", "the"):
                close()
                index += 1
                continue
            if word in counts or word.isdigit():
                count = int(word) if word.isdigit() else counts[word]
                current.count = max(1, min(MAX_COPIES, max(current.count or 0, count)))
                index += 1 + (index + 1 < len(words) and words[index + 1] == "of")  # "a flock of"
                continue
            glyph_hit = tables["glyph"].match(words, index)
            heads = _longest(tables, ("scene", "not_subject"), words, index)
            looks = _longest(tables, ("time", "weather", "style", "camera"), words, index)
            action_hit = tables["action"].match(words, index)
            after_head = current.glyph is not None
            if after_head and not heads and not looks and (
                    glyph_hit is None and word not in ADJECTIVES | FUNCTION_WORDS
                    or glyph_hit is not None and glyph_hit[0] == 1 and _looks_like_verb(word, also_s=False)):
                # a word after a noun that no keyword makes a noun is its verb: "a lion wakes up",
                # "zebras scatter", "a superhero landing"
                close()
                if action_hit:
                    actions.append((index, action_hit[1]))
                index += action_hit[0] if action_hit else 1
                continue
            if glyph_hit and word in ADJECTIVES and glyph_hit[0] == 1 and not _ends_phrase(words, index + 1):
                glyph_hit = None  # "empty", "orange": describe the noun after them, unless none follows
            if glyph_hit and action_hit and glyph_hit[0] <= action_hit[0] and not _expects_noun(words, index):
                glyph_hit = None  # "to toast", "she cooks": the action; "with toast": the bread
            opening = glyph_hit and heads and glyph_hit[0] >= heads and all(
                w in ("a", "an", "the") or w in ADJECTIVES or w in counts for w in words[:index])
            if glyph_hit and (glyph_hit[0] > max(heads, looks) or opening):
                # a scene that opens the shot is its subject too: "volcano erupting at night"
                length, glyph = glyph_hit
                if current.glyph is not None:
                    current.modifiers.append(current.glyph)
                current.glyph, current.unknown = glyph, []
                current.words += words[index:index + length]
                if current.count is None and _plural(words[index + length - 1]):
                    current.count = 3
                index += length
                if possessive:
                    close()
                continue
            if heads >= max(looks, 1):
                close()
                if glyph_hit and glyph_hit[0] == heads and glyph_hit[1].kind in ("object", "building") and \
                        glyph_hit[1].name in noun_forms(" ".join(words[index:index + heads])):
                    # a place that is a thing is drawn as well: "a teddy bear on a bed", "a knight's castle"
                    phrases.append(_Phrase(words=words[index:index + heads], glyph=glyph_hit[1], end=index + heads))
                index += heads
                continue
            if looks:
                current.adjectives.append(" ".join(words[index:index + looks]))
                index += looks
                continue
            if action_hit:
                close()
                actions.append((index, action_hit[1]))
                index += action_hit[0]
                continue
            if word in ADJECTIVES:
                current.adjectives.append(word)
                index += 1
                continue
            if word in FUNCTION_WORDS or not word[0].isalpha() or _looks_like_verb(word) or word.endswith("ly"):
                close()
                index += 1
                continue
            current.unknown.append(word)  # a noun no keyword knows: the sentence model may know it
            current.words.append(word)
            index += 1
            if possessive:
                close()
        close()
        for phrase in phrases:
            if phrase.unknown and _plural(phrase.unknown[-1]):
                phrase.count = phrase.count or 3
        return phrases, actions

    def _nearest(self, heads: list[str]) -> list[Glyph | None]:
        """The glyph whose name the sentence model puts nearest each unknown head, if near enough."""
        if self._embedder is None:
            return [None] * len(heads)
        with self._lock:
            todo = [h for h in dict.fromkeys(heads) if h not in self._matched]
        if todo:
            names = glyph_name_vectors(self._embedder)
            scores = self._embedder(todo) @ names.T
            best = scores.argmax(axis=1)
            with self._lock:
                for head, column, row in zip(todo, best, scores):
                    self._matched[head] = glyphs()[column] if row[column] >= MIN_SIMILARITY else None
        with self._lock:
            return [self._matched[h] for h in heads]


def glyph_name_vectors(embedder: Embedder) -> np.ndarray:
    """The sentence model's vectors of the glyphs' names (shipped for the default model)."""
    return cached_embeddings(embedder, GLYPH_NAMES, [g.name for g in glyphs()])


#: the name of the shipped file of the glyph names' embeddings
GLYPH_NAMES = "glyphs"


def _usual_scene(subjects: list[Subject], weather: tuple[str, ...] = ()) -> str:
    """Where a shot that names no place happens: in water for a swimmer, in the sky for a flyer, in a
    street for a driver, in a kitchen for food, on a snowfield when it snows ("a puppy discovering
    snow"), on a meadow otherwise."""
    actions = {s.action for s in subjects}
    kinds = {s.kind for s in subjects}
    if "swim" in actions:
        return "underwater" if subjects and all(s.kind == "animal" and s.name in _UNDERWATER for s in subjects) else "ocean"
    if "fly" in actions and kinds <= {"animal", "vehicle", "fantasy", "nature"}:
        return "sky"
    if "drive" in actions or "vehicle" in kinds:
        return "city"
    if kinds and kinds <= {"food", "drink"}:
        return "kitchen"
    return "snowfield" if "snow" in weather else "meadow"


#: swimmers that live under the surface
_UNDERWATER = frozenset({"fish", "tropical fish", "blowfish", "shark", "octopus", "squid", "jellyfish", "crab",
                         "lobster", "shrimp", "coral", "whale", "dolphin", "seal", "turtle", "oyster", "spiral shell"})


def _first(table: _PhraseTable, words: list[str]) -> str | None:
    return next(iter(_every(table, words)), None)


def _every(table: _PhraseTable, words: list[str]) -> list:
    found, index = [], 0
    while index < len(words):
        hit = table.match(words, index)
        if hit:
            found.append(hit[1])
            index += hit[0]
        else:
            index += 1
    return found


def _plural(word: str) -> bool:
    """A plural by its ending ("foxes", "puppies") or one of English's irregular plurals."""
    return word in IRREGULAR_PLURALS or len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


IRREGULAR_PLURALS = frozenset("people children men women mice geese teeth feet oxen wolves knives leaves".split())


def _looks_like_verb(word: str, also_s: bool = True) -> bool:
    """An -ing or -ed word (or, with also_s, a present-tense -s) that reads as a verb after a noun."""
    return len(word) > 4 and word.endswith(("ing", "ed")) or also_s and len(word) > 3 and word.endswith("s") \
        and not word.endswith("ss")


def _ends_phrase(words: list[str], index: int) -> bool:
    """Whether a noun phrase must end before this word (the shot's end, punctuation, a function word,
    a verb)."""
    if index >= len(words):
        return True
    word = words[index]
    return word in FUNCTION_WORDS or not word[0].isalpha() or _looks_like_verb(word, also_s=False)


def _expects_noun(words: list[str], index: int) -> bool:
    """Whether the word before this one calls for a noun (an article, a preposition, a count, an
    adjective) rather than a verb ("to", a pronoun, a noun)."""
    if index == 0:
        return True
    before = words[index - 1]
    if before in ("to", "i", "you", "he", "she", "it", "we", "they", "who", "that", "and", "then"):
        return False
    return before in FUNCTION_WORDS or before in ADJECTIVES or before in vocabulary()["counts"] or before.isdigit()


def _longest(tables: dict[str, _PhraseTable], names: tuple[str, ...], words: list[str], index: int) -> int:
    return max((hit[0] for hit in (tables[n].match(words, index) for n in names) if hit), default=0)
