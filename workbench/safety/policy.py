"""The prompt policy: allow, block or send to review, with reason codes and the text that matched.

`PromptPolicy` is pure: it is built from the public-figure gazetteer, the IP registry's entries
and the lexicon in data/, and checks one prompt for one profile (teen or adult, region) with the
cameos the prompt uses. `workbench.safety.service.PolicyService` loads those from the database
for an acting user and records what blocked. Every category's action per profile is in ACTIONS.

Matching is lexical first (names, aliases, terms; robust to evasion, see `workbench.safety.text`),
then, for the IP registry and owners' restrictions, semantic: an offline sentence-embedding model
compares the prompt with each entry's description, so a paraphrase ("a yellow electric mouse
with red cheeks") is caught. The thresholds were chosen on data/policy_prompts/dev.jsonl
(benchmarks/bench_policy.py prints how).
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from workbench.embeddings import Embedder, cached_embeddings, write_shipped
from workbench.files import packaged_data
from workbench.safety.described import (
    NOT_DISTINCTIVE,
    NOT_VERBS,
    REQUESTS,
    DescribedPeople,
    after_requests,
    is_plural_or_local,
    subject,
)
from workbench.safety.text import (
    PhraseHit,
    PhraseIndex,
    close,
    normal_form,
    tokens,
    without_marks,
    without_phrases,
)

GAZETTEER_FILE = packaged_data("public_figures.json")
#: famous dead people's descriptions: the policy protects the living, and these tell it when the
#: person a prompt describes is not one of them
DECEASED_FILE = packaged_data("deceased_figures.json")
LEXICON_FILE = packaged_data("policy_lexicon.json")
#: the name of the shipped file of the descriptions' embeddings
DESCRIPTIONS = "descriptions"

ALLOW, REVIEW, BLOCK = "allow", "review", "block"
#: how strict each decision is (a rule set's backtest says which of two decisions made the change)
SEVERITY = {ALLOW: 0, REVIEW: 1, BLOCK: 2}

#: what each reason does, by profile: "default" (adult, any region), "teen", "eu"; the strictest
#: of the profiles that apply wins
ACTIONS: dict[str, dict[str, str]] = {
    "public_figure": {"default": BLOCK},
    "ip": {"default": BLOCK},
    "ip_rules": {"default": BLOCK},
    "ip_similar": {"default": REVIEW},
    "cameo_restriction": {"default": BLOCK},
    "sexual_minors": {"default": BLOCK},
    "sexual_real_person": {"default": BLOCK},
    "harassment": {"default": BLOCK},
    "self_harm": {"default": BLOCK},
    "sexual_content": {"default": REVIEW, "teen": BLOCK},
    "graphic_violence": {"default": REVIEW, "teen": BLOCK},
    "suggestive": {"default": ALLOW, "teen": BLOCK},
    "real_person_likeness": {"default": REVIEW, "eu": BLOCK},
}
#: regions under the EU profile (stronger personality rights): the member states, and "EU" itself
EU_REGIONS = frozenset(
    "EU AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
#: words that, before a surname that is also an ordinary word ("Trump", "Swift"), make it a name
TITLES = ("president", "pres", "former president", "vice president", "vp", "senator", "sen", "governor", "gov",
          "mayor", "chancellor", "minister", "prime minister", "pm", "premier", "speaker", "congressman",
          "congresswoman", "representative", "rep", "secretary", "king", "queen", "prince", "princess", "duke",
          "duchess", "emperor", "empress", "sheikh", "sir", "dame", "lord", "lady", "mr", "mrs", "ms", "miss",
          "mister", "dr", "doctor", "ceo", "coach", "captain", "general", "pope", "judge", "justice",
          "rapper", "singer", "actor", "actress", "comedian", "billionaire")
#: semantic thresholds (cosine similarity), chosen on the dev prompt set (benchmarks/bench_policy.py
#: --similarities prints the scores): paraphrases of registered descriptions scored 0.69-0.96, the
#: closest ordinary prompt 0.63 ("a tiny field mouse with round ears"), the next 0.52. At or above
#: IP_DESCRIPTION_THRESHOLD a prompt is the entry; from IP_REVIEW_THRESHOLD it goes to review.
IP_DESCRIPTION_THRESHOLD = 0.66
IP_REVIEW_THRESHOLD = 0.58
#: a prompt that describes a public figure instead of naming them ("the pop star who sang Shake It Off")
#: is that figure when one of its clauses is this similar to one of the gazetteer's descriptions of them
#: AND it contains a distinctive name from that description (a work, a company, a team, a place: a name
#: that at most DISTINCTIVE_FIGURES figures' descriptions use); or when it is so similar that it is a
#: paraphrase of the description, name or not. Similarity alone puts "a pop star dancing" near every pop
#: star; the shared name is what identifies one. Chosen on described_dev.jsonl (bench_policy.py
#: --sweep-described); its ordinary prompts' closest descriptions scored up to 0.67 without a shared
#: name. What the rules catch on description sets nobody tuned them for: BENCHMARKS.md.
FIGURE_DESCRIPTION_THRESHOLD = 0.5
FIGURE_PARAPHRASE_THRESHOLD = 0.7
DISTINCTIVE_FIGURES = 5
#: a prompt's subject also identifies a figure by the rare words it shares with their descriptions
#: (workbench.safety.described): when those weigh at least FIGURE_EVIDENCE and FIGURE_EVIDENCE_LEAD
#: more than for anyone else, and the subject is one definite person. "the actor who played Captain
#: Jean-Luc Picard and Professor X" weighs 27 for Patrick Stewart, 16 more than for the next; a dead
#: person's lead of DEAD_PERSON_LEAD means the prompt describes them ("the Apple co-founder who
#: unveiled the first iPhone in 2007"). Chosen on the described sets as they stood on 2026-12-04
#: (bench_policy.py --sweep-evidence); described_seventh was measured once, after.
FIGURE_EVIDENCE = 20.0
FIGURE_EVIDENCE_LEAD = 10.0
DEAD_PERSON_LEAD = 5.0
#: a name of one word may be an ordinary word too (the "Dusk" and "Dawn" of "From Dusk till Dawn" made
#: "a lighthouse at dusk" Salma Hayek at 0.50): with one, the clause must be this similar
FIGURE_ONE_WORD_NAME_THRESHOLD = 0.55
#: a part cut from a longer name is weaker evidence than the whole name ("Penguins" of "March of the
#: Penguins" made a penguin documentary Morgan Freeman at 0.60; "Wolverine" of "Wolverine in the
#: X-Men" is Hugh Jackman at 0.67)
FIGURE_PART_THRESHOLD = 0.62
#: words that make a reference definite (the "s" of a possessive: "India's prime minister") or
#: indefinite
_DEFINITE = frozenset("the that this these those whose s".split())
_INDEFINITE = frozenset("a an some one two three four five several any".split())
#: what a prompt says of someone dead ("the late-night host" and "the late 90s" are not)
_DIED = re.compile(r"\bthe late (?!\d)(?!(?:night|show|afternoon|evening|morning|summer|autumn|fall|spring|winter|game|"
                   r"period|stage|shift|bloomer|nineties|eighties|seventies|sixties)\b)|\bwho (?:died|passed away)\b|"
                   r"\bdied (?:in|at|on) |\bbefore (?:his|her|their) death\b|\bposthumous|\bin memoriam\b|\brest in peace\b")
#: what is named after a person without showing them ("Obama Presidential Center", "Trump Tower")
_PLACES = "|".join("""Center Centre Tower Towers Library Foundation Airport Stadium Arena Boulevard Avenue Street
Bridge Building Hall Museum Memorial Institute University School Park Plaza Hotel Casino""".split())
#: a nickname's ordinary bearer: "the Oprah of our office", "the Simon Cowell of the family talent show,
#: grandpa", "King James of the driveway, a ten-year-old" (not any apposition: "the Taylor Swift of
#: pop, a blonde singer" is her)
_LOCAL_OR_APPOSED = re.compile(r"\b(?:our|my)\b|,\s+(?:(?:a|an|the|our|my)\s+)?(?:\w+\s+)?(?:grandpa|grandma|granny|"
                               r"grandad|grandmother|grandfather|mom|mum|dad|mother|father|uncle|aunt|auntie|nephew|niece|"
                               r"cousin|brother|sister|son|daughter|neighbou?r|coworker|colleague|kid|toddler|"
                               r"[\w-]*year-old|retired)\b", re.IGNORECASE)
#: animals a pet owner names after a celebrity
_ANIMALS = frozenset("""dog dogs puppy pup cat kitten kitty tortoise turtle hamster parrot budgie rabbit bunny goldfish
horse pony retriever labrador lab poodle terrier corgi pug bulldog beagle dachshund chihuahua husky spaniel
goat pig piglet chicken hen rooster duck lizard gecko iguana snake ferret alpaca llama cow""".split())
#: words that join the capitalised words of one name ("Lord of the Rings", "Think Like a Monk")
_CONNECTORS = frozenset("of the a an it in on at de la le du von van".split())
#: owners' restrictions are short themes ("alcohol") that sentence embeddings separate poorly
#: (on dev, prompts breaking them scored 0.24-0.54, allowed ones up to 0.39): the theme lexicons
#: carry recall, and this fallback for unknown themes sits above every allowed prompt
RESTRICTION_THRESHOLD = 0.45
#: an age under 18: "12 years old", "12yo", "aged 12", "looks about 12"
_AGE = re.compile(r"\b(?:(?:[1-9]|1[0-7])[\s-]*(?:years?|yrs?|y/?o)\b|(?:aged?|looks?(?: about| like)?|about)[\s-]+(?:[1-9]|1[0-7])\b)")
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{2,32})", re.IGNORECASE)


@dataclass(frozen=True)
class Reason:
    code: str
    matched: str
    #: what was matched: a figure's name, a registry entry, a cameo handle, a lexicon term
    target: str = ""
    score: float | None = None
    #: the IP registry entry, for ip and ip_rules reasons
    entry_id: int | None = None

    def as_dict(self) -> dict:
        out = {"code": self.code, "matched": self.matched, "target": self.target}
        if self.score is not None:
            out["score"] = round(self.score, 3)
        if self.entry_id is not None:
            out["entry_id"] = self.entry_id
        return out


@dataclass(frozen=True)
class Decision:
    decision: str
    reasons: tuple[Reason, ...]
    profile: str
    #: matches that did not change the decision (a figure who granted the requester, an entry used within its rules)
    notes: tuple[Reason, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.decision == BLOCK

    def as_dict(self) -> dict:
        return {"decision": self.decision, "reasons": [r.as_dict() for r in self.reasons], "profile": self.profile,
                "notes": [n.as_dict() for n in self.notes]}

    def message(self, text: str = "prompt") -> str:
        """One sentence for the person whose prompt (or other `text`: a caption) it was."""
        if not self.reasons:
            return f"the {text} is allowed"
        first = self.reasons[0]
        named = "describes" if first.matched.startswith("described") else "names"
        what = {"public_figure": f"{named} a public figure ({first.target})",
                "ip": f"uses a protected character or style ({first.target})",
                "ip_rules": f"uses {first.target} in a way its rights holder does not allow",
                "ip_similar": f"closely resembles a protected character or style ({first.target})",
                "cameo_restriction": f"breaks a restriction set by the owner of @{first.target}",
                "sexual_minors": "is sexual content involving a minor",
                "sexual_real_person": "is sexual content involving a real person",
                "harassment": "humiliates or harasses a real person",
                "self_harm": "depicts self-harm",
                "sexual_content": "is sexual content",
                "graphic_violence": "is graphic violence",
                "suggestive": "is sexually suggestive",
                "real_person_likeness": "asks for a real person's likeness",
                "theme_rule": f"touches {first.target}, which the platform does not allow"}.get(first.code, first.code)
        verb = "was sent to review" if self.decision == REVIEW else "is not allowed"
        return f"this {text} {verb}: it {what} (matched \"{first.matched}\")"


@dataclass(frozen=True)
class Profile:
    teen: bool = False
    region: str = "US"

    @property
    def eu(self) -> bool:
        return self.region.upper() in EU_REGIONS

    @property
    def name(self) -> str:
        return "+".join(p for p, on in (("teen", self.teen), ("eu", self.eu)) if on) or "default"

    def action(self, code: str) -> str:
        actions = ACTIONS[code]
        chosen = [actions["default"]] + [actions[p] for p, on in (("teen", self.teen), ("eu", self.eu))
                                         if on and p in actions]
        return max(chosen, key=SEVERITY.__getitem__)


@dataclass(frozen=True)
class Figure:
    name: str
    category: str


@dataclass(frozen=True)
class IpEntry:
    """A registry entry as the policy sees it."""
    id: int
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    scope: str = "block"
    rules: str = ""


@dataclass(frozen=True)
class CameoTerms:
    """A cameo the prompt uses, with its owner's restrictions (comma, semicolon or line separated)."""
    handle: str
    restrictions: str = ""


@dataclass(frozen=True)
class _Term:
    category: str
    term: str


@lru_cache(maxsize=1)
def load_lexicon() -> dict:
    return json.loads(LEXICON_FILE.read_text())


@lru_cache(maxsize=1)
def load_gazetteer() -> dict:
    return json.loads(GAZETTEER_FILE.read_text())


class TermIndex:
    """Lexicon terms by category: phrases through a PhraseIndex, "stem*" terms by prefix."""

    def __init__(self, terms: dict[str, list[str]]) -> None:
        self.phrases: PhraseIndex[_Term] = PhraseIndex()
        self.stems: dict[str, list[_Term]] = {}
        for category, words in terms.items():
            for term in words:
                if term.endswith("*"):
                    stem = normal_form(term[:-1])
                    if " " in stem:   # "self injur*": all but the last word literally
                        self.phrases.add(stem, _Term(category, term), fuzzy=False)
                    else:
                        self.stems.setdefault(stem, []).append(_Term(category, term))
                else:
                    self.phrases.add(term, _Term(category, term), fuzzy=len(tokens(term)) == 1)
        self._stem_lengths = sorted({len(stem) for stem in self.stems})

    def find(self, words: tuple[str, ...]) -> list[PhraseHit[_Term]]:
        hits = list(self.phrases.find(words))
        for position, word in enumerate(words):
            for length in self._stem_lengths:
                for term in self.stems.get(word[:length], ()) if len(word) >= length else ():
                    hits.append(PhraseHit(term, term.term, word, position, position + 1))
        return hits


def _category_hits(hits: Iterable[PhraseHit[_Term]]) -> dict[str, PhraseHit[_Term]]:
    """The first hit of each category."""
    found: dict[str, PhraseHit[_Term]] = {}
    for hit in sorted(hits, key=lambda h: h.start):
        found.setdefault(hit.payload.category, hit)
    return found


def _longest(hits: list[PhraseHit]) -> list[PhraseHit]:
    """Hits not inside a longer hit: "Barack Obama" names Barack, not every Obama."""
    return [hit for hit in hits if not any(other.start <= hit.start and hit.end <= other.end
                                           and other.end - other.start > hit.end - hit.start for other in hits)]


def _theme_words(phrase: str, negations: frozenset[str]) -> tuple[str, ...]:
    """The words of a restriction or rule that carry its theme ("no political messages" -> political)."""
    return tuple(word for word in tokens(phrase) if word not in negations)


def _figure_descriptions(gazetteer: dict, distinctive_figures: int) -> tuple[tuple[Figure, str, frozenset[DescriptionKey]], ...]:
    """(figure, description, its distinctive keys) for every description in the gazetteer. A name is
    a run of capitalised words or numbers in the description (a work, a company, a team, a place, a
    year: "Amazon", "Shake It Off", "Google Glass", "2017"), as tokens. A key is one name; a part of a
    name between its connectors and numbers ("Wolverine" of "Wolverine in the X-Men", "French Open" of
    "14 French Open"); or two names of the same description ("India" and "2014" of "the prime minister
    of India since 2014": an office is identified by its country and its years together, each shared
    by many figures). A key is distinctive when few figures' descriptions hold it. An occupation
    ("astrophysicist") is a class of people, not a person."""
    described = [(Figure(entry["name"], entry.get("category", "")), text)
                 for entry in gazetteer["figures"] for text in entry.get("descriptions", ())]
    keys: dict[str, set[DescriptionKey]] = {}
    for _, text in described:
        names = sorted(set(_names_in(text)))
        parts = {part for name in names for part in _parts_of(name)} - set(names)
        keys[text] = ({DescriptionKey((name,), "name") for name in names}
                      | {DescriptionKey((part,), "part") for part in parts}
                      | {DescriptionKey(pair, "pair") for pair in combinations(names, 2)})
    figures_using: dict[tuple[tuple[str, ...], ...], set[str]] = {}
    for figure, text in described:
        for key in keys[text]:
            figures_using.setdefault(key.names, set()).add(figure.name)
    return tuple((figure, text, frozenset(key for key in keys[text] if len(figures_using[key.names]) <= distinctive_figures))
                 for figure, text in described)


@dataclass(frozen=True)
class DescriptionKey:
    """Names a prompt must contain, all of them, to be taken for the description that holds them:
    one whole name, a part of one, or a pair of names."""
    names: tuple[tuple[str, ...], ...]
    kind: str


def _names_in(text: str) -> list[tuple[str, ...]]:
    """The runs of capitalised words and numbers in a description, joined through "of", "the", "a"...
    ("Think Like a Monk", "Lord of the Rings"), as tokens."""
    runs, current, pending = [], [], []
    for word in re.findall(r"[\w'’&+.-]+", text):
        if (word[:1].isupper() or word[:1].isdigit()) and (current or word.casefold() not in NOT_DISTINCTIVE):
            current += pending + [word]
            pending = []
        elif current and word.casefold() in _CONNECTORS:
            pending.append(word)
        else:
            if current:
                runs.append(tokens(" ".join(current)))
            current, pending = [], []
    if current:
        runs.append(tokens(" ".join(current)))
    return [run for run in runs if run and (len(run) > 1 or len(run[0]) > 1)]


def _parts_of(name: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The parts of a name between its connectors and numbers, and its numbers ("wolverine" and "x
    men" of "wolverine in the x men"; "14" and "french open" of "14 french open")."""
    parts, current = [], []
    for word in [*name, ""]:
        if word and word not in _CONNECTORS and not word[:1].isdigit():
            current.append(word)
            continue
        if current:
            parts.append(tuple(current))
        if word[:1].isdigit():
            parts.append((word,))
        current = []
    return [part for part in parts if part != name and (len(part) > 1 or len(part[0]) > 1)]


def _definite_before(words: tuple[str, ...], names: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the prompt refers to one particular person where it uses these names (with none, anywhere
    in it): a prompt that begins with an indefinite article or a number, and has no definite word up
    to the first of the names ("a drummer in a Nirvana t-shirt", "a kid playing Five Nights at Freddy's"), speaks of
    someone, not of the one person a description of a Nirvana member identifies; "the drummer of
    Nirvana", "that streamer", "Nirvana's drummer" and "a video of the founder of Amazon" are definite
    (Russell, "On Denoting", 1905: a definite description denotes one individual)."""
    start = after_requests(words, REQUESTS)
    if start == len(words):
        return True
    head = words[start:start + 6]
    if head[:1] == ("the",) and any(head[i:i + 2] in (("of", "a"), ("of", "an")) for i in range(2, len(head) - 1)):
        return False  # "the quarterback of a small-town team": a role in some group, not one person
    if words[start] not in _INDEFINITE:
        return True
    found = [(i, i + len(name)) for name in names for i in range(len(words)) if words[i:i + len(name)] == name]
    first, end = min(found, default=(len(words), len(words)))
    possessive = end < len(words) and words[end] == "s"  # "Nirvana's drummer"
    # the person is the prompt's subject: a definite word after its verb ("a cricket captain tossing
    # the coin") is about something else
    verb = next((i for i in range(start + 2, first) if words[i].endswith("ing") and words[i] not in NOT_VERBS), first)
    return possessive or any(word in _DEFINITE for word in words[start:verb])


def _names_something_else(prompt: str, words: tuple[str, ...], hit: PhraseHit) -> bool:
    """Whether a figure's name stands for someone or something else: a place named after them ("the
    Obama Presidential Center", "Trump Tower at night"), or a nickname for a person the prompt then
    says is someone else ("the Beyoncé of our spin class, a retired maths teacher", "King James of the
    driveway, a ten-year-old": antonomasia, where "of" places the title in an ordinary group)."""
    last = re.escape(hit.matched.split()[-1])
    unaccented = without_marks(prompt)
    place = re.compile(rf"(?i:\b{last})\W+(?:[A-Z]\w+\s+)?(?:{_PLACES})\b")
    if place.search(unaccented) and not re.search(rf"(?i:\b{last}\b)", place.sub(" ", unaccented)):
        return True  # every mention of the name is a place's
    before = words[max(0, hit.start - 2):hit.start]
    if before[-1:] and before[-1] in _ANIMALS or before[-1:] in (("named",), ("called",)) and before[0] in _ANIMALS:
        return True  # "our rescue tortoise Usain Bolt", "a dog named Elon"
    # "the Tiger Woods of mini golf, my grandpa": an ordinary group after "of" (lower case; "Tiger Woods
    # of the PGA Tour" is the golfer) and the title's bearer named
    group = re.search(rf"(?i:\b{last}\s+of\s+(?:(?:the|our|my|a|an)\s+)?)(\w+)", unaccented)
    return group is not None and group.group(1).islower() and _LOCAL_OR_APPOSED.search(prompt) is not None


def _says_they_died(prompt: str) -> bool:
    """Whether the prompt says the person it describes is dead ("the late ...", "who died in 2018"):
    the gazetteer holds the living only."""
    return _DIED.search(prompt.casefold()) is not None


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return any(words[start:start + len(phrase)] == phrase for start in range(len(words) - len(phrase) + 1))


#: the thresholds a rule set may change, with the range each may take
TUNABLE_THRESHOLDS: dict[str, tuple[float, float]] = {
    "ip_threshold": (0.3, 0.95), "restriction_threshold": (0.2, 0.9),
    "figure_threshold": (0.2, 0.9), "figure_paraphrase_threshold": (0.3, 0.95),
}
#: what a theme rule may do to a prompt that touches the theme ("allow" lifts a rule of an earlier set)
THEME_ACTIONS = (BLOCK, REVIEW, ALLOW)


@dataclass(frozen=True)
class RuleChanges:
    """The prompt policy's editable parts, as a rule set changes them from the shipped policy: themes
    that block or send to review (with vocabulary for a new theme, or more words for a known one),
    thresholds, registry entries and public figures added, figures removed. Admins write it as JSON
    (`from_json`); workbench.safety.rule_sets versions it."""
    theme_actions: tuple[tuple[str, str], ...] = ()
    theme_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    thresholds: tuple[tuple[str, float], ...] = ()
    registry: tuple[IpEntry, ...] = ()
    figures_added: tuple[tuple[str, tuple[str, ...]], ...] = ()
    figures_removed: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data) -> "RuleChanges":
        """Read and check an admin's JSON: {"themes": {"gambling": "block"}, "theme_words": {"gambling":
        ["casino", ...]}, "thresholds": {"ip_threshold": 0.7}, "registry": [{"name": ..., "aliases": [...],
        "description": ..., "scope": "block"}], "public_figures": {"add": [{"name": ..., "aliases": [...]}],
        "remove": [...]}}. Raises ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("a rule set is a JSON object")
        unknown = set(data) - {"themes", "theme_words", "thresholds", "registry", "public_figures"}
        if unknown:
            raise ValueError(f"unknown parts {sorted(unknown)}: a rule set has themes, theme_words, thresholds, "
                             "registry and public_figures")
        themes = _mapping(data, "themes")
        for theme, action in themes.items():
            if action not in THEME_ACTIONS:
                raise ValueError(f"theme {theme!r}: the action is one of {', '.join(THEME_ACTIONS)}")
        words = {}
        for theme, vocabulary in _mapping(data, "theme_words").items():
            if not isinstance(vocabulary, list) or not all(isinstance(w, str) and w.strip() for w in vocabulary):
                raise ValueError(f"theme_words[{theme!r}] is a list of words or phrases")
            words[normal_form(theme)] = tuple(sorted({w.strip().casefold() for w in vocabulary}))
        thresholds = {}
        for name, value in _mapping(data, "thresholds").items():
            if name not in TUNABLE_THRESHOLDS:
                raise ValueError(f"unknown threshold {name!r}; one of {', '.join(TUNABLE_THRESHOLDS)}")
            low, high = TUNABLE_THRESHOLDS[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"{name} is a number from {low} to {high}")
            thresholds[name] = float(value)
        registry = []
        for number, entry in enumerate(data.get("registry") or [], start=1):
            if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
                raise ValueError("each registry entry has a name")
            if entry.get("scope", "block") not in ("block", "rules"):
                raise ValueError(f"registry entry {entry['name']!r}: scope is block or rules")
            registry.append(IpEntry(-number, entry["name"].strip(), tuple(entry.get("aliases") or ()),
                                    entry.get("description") or "", entry.get("scope", "block"), entry.get("rules") or ""))
        figures = data.get("public_figures") or {}
        if not isinstance(figures, dict) or set(figures) - {"add", "remove"}:
            raise ValueError('public_figures is {"add": [{"name": ..., "aliases": [...]}], "remove": [names]}')
        added = []
        for entry in figures.get("add") or []:
            if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
                raise ValueError("each public figure added has a name")
            added.append((entry["name"].strip(), tuple(entry.get("aliases") or ())))
        removed = tuple(sorted({str(name).strip() for name in figures.get("remove") or [] if str(name).strip()}))
        return cls(tuple(sorted((normal_form(t), a) for t, a in themes.items())), tuple(sorted(words.items())),
                   tuple(sorted(thresholds.items())), tuple(registry), tuple(added), removed)

    def to_json(self) -> dict:
        out: dict = {}
        if self.theme_actions:
            out["themes"] = dict(self.theme_actions)
        if self.theme_words:
            out["theme_words"] = {theme: list(words) for theme, words in self.theme_words}
        if self.thresholds:
            out["thresholds"] = dict(self.thresholds)
        if self.registry:
            out["registry"] = [{"name": e.name, "aliases": list(e.aliases), "description": e.description,
                                "scope": e.scope, "rules": e.rules} for e in self.registry]
        if self.figures_added or self.figures_removed:
            out["public_figures"] = {"add": [{"name": n, "aliases": list(a)} for n, a in self.figures_added],
                                     "remove": list(self.figures_removed)}
        return out

    def merged_over(self, base: "RuleChanges") -> "RuleChanges":
        """These changes on top of `base` (a draft over the active rule set): each theme, word list and
        threshold named here replaces the base's; registry entries and figures are added to it."""
        data, over = base.to_json(), self.to_json()
        for part in ("themes", "theme_words", "thresholds"):
            data[part] = {**data.get(part, {}), **over.get(part, {})}
        data["registry"] = data.get("registry", []) + over.get("registry", [])
        figures, new = data.get("public_figures", {}), over.get("public_figures", {})
        data["public_figures"] = {"add": figures.get("add", []) + new.get("add", []),
                                  "remove": figures.get("remove", []) + new.get("remove", [])}
        return RuleChanges.from_json(data)


def _mapping(data: dict, part: str) -> dict:
    value = data.get(part) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{part} is a JSON object")
    return value


@lru_cache(maxsize=1)
def shared_policy() -> "PromptPolicy":
    """The policy over the shipped gazetteer and lexicon, with no registry and no sentence model:
    indexing ~765 figures with their aliases takes about a second, so a process builds it once and
    each Workbench takes it `with_embedder` (registries are added per check)."""
    return PromptPolicy()


class PromptPolicy:
    """Checks prompts against the gazetteer, the IP registry, the categories and owners' restrictions."""

    def __init__(self, ip_entries: Iterable[IpEntry] = (), *, embedder: Embedder | None = None,
                 gazetteer: dict | None = None, lexicon: dict | None = None,
                 ip_threshold: float = IP_DESCRIPTION_THRESHOLD,
                 restriction_threshold: float = RESTRICTION_THRESHOLD,
                 figure_threshold: float = FIGURE_DESCRIPTION_THRESHOLD,
                 figure_paraphrase_threshold: float = FIGURE_PARAPHRASE_THRESHOLD,
                 distinctive_figures: int = DISTINCTIVE_FIGURES,
                 figure_evidence: tuple[float, float] = (FIGURE_EVIDENCE, FIGURE_EVIDENCE_LEAD)) -> None:
        gazetteer = gazetteer or load_gazetteer()
        lexicon = lexicon or load_lexicon()
        self.embedder = embedder
        self.ip_threshold, self.restriction_threshold = ip_threshold, restriction_threshold
        self.figure_threshold, self.figure_paraphrase_threshold = figure_threshold, figure_paraphrase_threshold
        self.figure_evidence, self.figure_evidence_lead = figure_evidence
        self.figures: PhraseIndex[Figure] = PhraseIndex()
        for entry in gazetteer["figures"]:
            figure = Figure(entry["name"], entry.get("category", ""))
            for phrase in (entry["name"], *entry.get("aliases", ())):
                self.figures.add(phrase, figure)
            surname = entry.get("surname")
            if surname and tokens(surname) != tokens(entry["name"]):
                if entry.get("surname_is_common", True):
                    for title in TITLES:
                        self.figures.add(f"{title} {surname}", figure, fuzzy=False)
                else:
                    self.figures.add(surname, figure)
        self.exceptions = tuple(tokens(phrase) for phrase in (*gazetteer.get("exceptions", ()),
                                                             *lexicon.get("exceptions", ())))
        self.terms = TermIndex(lexicon["categories"])
        relations = PhraseIndex()
        for relation in lexicon["relations"]:
            relations.add(relation, relation, fuzzy=False)
        self.relations = relations
        self.possessives = frozenset(lexicon["possessives"])
        self.negators = frozenset(lexicon["negators"])
        self.negations = frozenset(lexicon["negations"])
        #: theme name (each of "horror|scary|spooky") -> its vocabulary
        self.themes: dict[str, tuple[str, ...]] = {normal_form(name): tuple(words)
                                                   for names, words in lexicon["themes"].items()
                                                   for name in names.split("|")}
        self._theme_indexes: dict[str, TermIndex] = {}
        self.figure_descriptions = _figure_descriptions(gazetteer, distinctive_figures)
        dead = json.loads(DECEASED_FILE.read_text())["people"]
        self.unprotected_descriptions = tuple(text for person in dead for text in person["descriptions"])
        #: everyone described, living (the gazetteer's figures, in order) then dead, for the evidence of
        #: a prompt's subject; indexed on first need (two threads at once may both do it)
        self._living = tuple(Figure(entry["name"], entry.get("category", "")) for entry in gazetteer["figures"])
        self._descriptions_by_person = ([entry.get("descriptions", ()) for entry in gazetteer["figures"]]
                                        + [person["descriptions"] for person in dead])
        #: (the index, once built, lives in this dict, which every copy shares: a copy made before the
        #: first need, such as each check's with_ip_entries, would otherwise build its own, 0.7 s each)
        self._described_people: dict[str, DescribedPeople] = {}
        #: the descriptions' embeddings, made on first need and shared by the copies with_ip_entries makes
        #: (one per check), so they are embedded once per policy and sentence model
        self._description_vectors: dict[str, np.ndarray] = {}
        self._cache_dir: Path | None = None
        self._embeddings: dict[str, np.ndarray] = {}
        self._prompt_vectors: tuple[str, np.ndarray] | None = None
        #: a rule set's parts (with_rules): themes that block or review, registry entries it adds, figures
        self.theme_rules: dict[str, str] = {}
        self.rule_registry: tuple[IpEntry, ...] = ()
        self.added_figures: PhraseIndex[Figure] = PhraseIndex()
        self.removed_figures: frozenset[str] = frozenset()
        self._index_registry(ip_entries)

    def _index_registry(self, ip_entries: Iterable[IpEntry]) -> None:
        self.ip_entries = (*ip_entries, *self.rule_registry)
        self.ip_names: PhraseIndex[IpEntry] = PhraseIndex()
        for entry in self.ip_entries:
            for phrase in (entry.name, *entry.aliases):
                self.ip_names.add(phrase, entry)

    def with_ip_entries(self, ip_entries: Iterable[IpEntry]) -> "PromptPolicy":
        """The same policy over another registry (the gazetteer, lexicon and embedding caches are
        shared: only the registry's small index is rebuilt)."""
        other = copy.copy(self)
        other._prompt_vectors = None
        other._index_registry(ip_entries)
        return other

    def with_embedder(self, embedder: Embedder | None, cache_dir: Path | None = None) -> "PromptPolicy":
        """The same policy with another sentence model (texts embedded by the old one are not kept).
        `cache_dir` keeps the gazetteer's description embeddings between processes (2,300 texts take
        seconds to embed; a CLI run checks one caption)."""
        other = copy.copy(self)
        other.embedder, other._embeddings, other._prompt_vectors = embedder, {}, None
        other._description_vectors, other._cache_dir = {}, cache_dir
        return other

    def with_rules(self, rules: RuleChanges) -> "PromptPolicy":
        """The same policy with a rule set's changes (workbench.safety.rule_sets): the shipped parts are
        shared, only what the rule set changes is indexed again."""
        other = copy.copy(self)
        other._prompt_vectors = None
        for name, value in rules.thresholds:
            setattr(other, name, value)
        if rules.theme_words:
            other.themes = {**self.themes, **{theme: tuple(words) + self.themes.get(theme, ())
                                              for theme, words in rules.theme_words}}
            other._theme_indexes = {}
        other.theme_rules = {theme: action for theme, action in rules.theme_actions if action != ALLOW}
        other.added_figures = PhraseIndex()
        for name, aliases in rules.figures_added:
            for phrase in (name, *aliases):
                other.added_figures.add(phrase, Figure(name, "added by a rule set"))
        other.removed_figures = frozenset(name.casefold() for name in rules.figures_removed)
        other.rule_registry = rules.registry
        other._index_registry(self.ip_entries[:len(self.ip_entries) - len(self.rule_registry)])
        return other

    # -- the check ---------------------------------------------------------------------------------

    def check(self, prompt: str, *, profile: Profile = Profile(), cameos: Sequence[CameoTerms] = (),
              granted_figures: Iterable[str] = ()) -> Decision:
        words = without_phrases(tokens(prompt), self.exceptions)
        granted = {name.casefold() for name in granted_figures}
        reasons: list[Reason] = []
        notes: list[Reason] = []

        for hit in _longest(self.figures.find(words) + self.added_figures.find(words)):
            if _names_something_else(prompt, words, hit) or hit.payload.name.casefold() in self.removed_figures:
                continue
            reason = Reason("public_figure", hit.matched, hit.payload.name)
            (notes if hit.payload.name.casefold() in granted else reasons).append(reason)
        if not reasons and not notes:  # a figure described, not named
            for reason in self._described_figures(prompt, words):
                if reason.target.casefold() in self.removed_figures:
                    continue
                (notes if reason.target.casefold() in granted else reasons).append(reason)
        named_people = [r for r in reasons if r.code == "public_figure"]

        categories = _category_hits(hit for hit in self.terms.find(words)
                                    if not (hit.start and words[hit.start - 1] in self.negators))
        age = _AGE.search(prompt.casefold())
        if age and "minor" not in categories:
            categories["minor"] = PhraseHit(_Term("minor", age.group(0)), age.group(0), age.group(0), 0, 0)
        real_person = self._real_person(prompt, words, categories, named_people)
        reasons += self._category_reasons(categories, real_person)
        reasons += self._ip_reasons(prompt, words, notes)
        reasons += self._restriction_reasons(prompt, words, cameos)
        reasons += self._theme_rule_reasons(words)

        acted = [(self.theme_rules[r.target] if r.code == "theme_rule" else profile.action(r.code), r)
                 for r in dict.fromkeys(reasons)]
        decision = max((action for action, _ in acted), key=SEVERITY.__getitem__, default=ALLOW)
        shown = tuple(r for action, r in sorted(acted, key=lambda a: -SEVERITY[a[0]]) if action != ALLOW)
        notes += [r for action, r in acted if action == ALLOW]
        return Decision(decision, shown, profile.name, tuple(dict.fromkeys(notes)))

    def check_registry(self, prompt: str) -> Decision:
        """The prompt against the IP registry alone (what a rights holder tests their entries with)."""
        notes: list[Reason] = []
        reasons = self._ip_reasons(prompt, tokens(prompt), notes)
        decision = max((Profile().action(r.code) for r in reasons), key=SEVERITY.__getitem__, default=ALLOW)
        return Decision(decision, tuple(reasons), "registry", tuple(notes))

    def _real_person(self, prompt, words, categories, named_people) -> str | None:
        """The words that make the prompt about a real, identifiable person, if any: a named public
        figure, a mentioned user or cameo ("@mia"), "a real person", or a relation ("my ex")."""
        if named_people:
            return named_people[0].matched
        mention = _MENTION.search(prompt)
        if mention:
            return mention.group(0)
        if "private_person" in categories:
            return categories["private_person"].matched
        for hit in self.relations.find(words):  # "my ex", "my late grandma"
            for before in words[max(0, hit.start - 2):hit.start]:
                if before in self.possessives:
                    return f"{before} {hit.matched}" + (" face" if self._face_after(words, hit.end) else "")
        return None

    @staticmethod
    def _face_after(words: tuple[str, ...], position: int) -> bool:
        """Whether the person's face, likeness or voice is what is asked for ("my sister's face")."""
        return any(word in ("face", "faces", "likeness", "voice", "head") for word in words[position:position + 3])

    @staticmethod
    def _category_reasons(categories: dict[str, PhraseHit], real_person: str | None) -> list[Reason]:
        def reason(code: str, category: str, extra: str | None = None) -> Reason:
            hit = categories[category]
            return Reason(code, hit.matched + (f" + {extra}" if extra else ""), hit.payload.term)

        out = []
        sexual, suggestive = "sexual" in categories, "suggestive" in categories
        if (sexual or suggestive) and "minor" in categories:
            out.append(reason("sexual_minors", "sexual" if sexual else "suggestive", categories["minor"].matched))
        if sexual and real_person:
            out.append(reason("sexual_real_person", "sexual", real_person))
        elif sexual:
            out.append(reason("sexual_content", "sexual"))
        if suggestive:
            out.append(reason("suggestive", "suggestive"))
        if "gore" in categories:
            out.append(reason("graphic_violence", "gore"))
        elif "blood" in categories and "violent_act" in categories:
            out.append(reason("graphic_violence", "blood", categories["violent_act"].matched))
        if "humiliation" in categories and real_person:
            out.append(reason("harassment", "humiliation", real_person))
        if "self_harm" in categories:
            out.append(reason("self_harm", "self_harm"))
        if "likeness" in categories:
            out.append(reason("real_person_likeness", "likeness"))
        elif "realism" in categories and real_person and not real_person.startswith("@"):
            out.append(reason("real_person_likeness", "realism", real_person))
        elif real_person and real_person.endswith(" face") and not real_person.startswith("@"):
            out.append(Reason("real_person_likeness", real_person, "face"))
        return out

    # -- public figures described ------------------------------------------------------------------

    def _described_figures(self, prompt: str, words: tuple[str, ...]) -> list[Reason]:
        """The figure the prompt describes (see FIGURE_DESCRIPTION_THRESHOLD and FIGURE_EVIDENCE), or
        nothing: not for some people ("wedding guests"), someone the author knows ("our mayor") or
        someone who died."""
        if self.embedder is None or not self.figure_descriptions or _says_they_died(prompt):
            return []
        subject_text = subject(prompt)
        if is_plural_or_local(subject_text) or self.described_people.is_a_thing(subject_text):
            return []
        evidence = self.described_people.evidence(subject_text)
        clear_lead = evidence is not None and evidence.lead >= DEAD_PERSON_LEAD
        if clear_lead and evidence.person >= len(self._living):
            return []
        if "all" not in self._description_vectors:  # embedded once (two threads at once may both do it)
            self._description_vectors["all"] = cached_embeddings(self.embedder, DESCRIPTIONS, self.description_texts, self._cache_dir)
        every = (self._description_vectors["all"] @ self._prompt_clause_vectors(prompt).T).max(axis=1)
        scores, unprotected = every[:len(self.figure_descriptions)], every[len(self.figure_descriptions):]
        lowest = min(self.figure_threshold, self.figure_paraphrase_threshold, FIGURE_ONE_WORD_NAME_THRESHOLD)
        found = []
        for index in np.flatnonzero(scores >= lowest):  # a few of the 4,590 descriptions
            (figure, text, keys), score = self.figure_descriptions[index], float(scores[index])
            if score >= self.figure_paraphrase_threshold and _definite_before(words, ()) or any(
                    score >= self._needed_for(key) and all(_contains(words, name) for name in key.names)
                    and _definite_before(words, key.names) for key in keys):
                found.append((score, figure, text))
        if found:
            score, figure, text = max(found, key=lambda item: item[0])
            # the nearest description is of someone dead: unless the subject's words point to a living person
            if unprotected.size and unprotected.max() > score and not clear_lead:
                return []
            return [Reason("public_figure", f"described as {text!r}", figure.name, score)]
        if (evidence and evidence.person < len(self._living) and evidence.weight >= self.figure_evidence
                and evidence.lead >= self.figure_evidence_lead and self.described_people.names_a_person(subject_text)
                and _definite_before(words, ())):
            return [Reason("public_figure", f"described by the words {', '.join(repr(term) for term in evidence.terms[:4])}",
                           self._living[evidence.person].name, evidence.weight)]
        return []

    @property
    def described_people(self) -> DescribedPeople:
        if "index" not in self._described_people:
            self._described_people["index"] = DescribedPeople(self._descriptions_by_person)
        return self._described_people["index"]

    @property
    def description_texts(self) -> list[str]:
        """Every description the sentence model embeds: the living figures', then the dead's."""
        return [text for _, text, _ in self.figure_descriptions] + list(self.unprotected_descriptions)

    def _needed_for(self, key: DescriptionKey) -> float:
        """How similar a clause must be to a description whose key it shares."""
        if key.kind == "part":
            return FIGURE_PART_THRESHOLD
        one_word = key.kind == "name" and len(key.names[0]) == 1
        return FIGURE_ONE_WORD_NAME_THRESHOLD if one_word else self.figure_threshold

    # -- the IP registry ---------------------------------------------------------------------------

    def _ip_reasons(self, prompt: str, words: tuple[str, ...], notes: list[Reason]) -> list[Reason]:
        matched: dict[int, Reason] = {}
        similar: list[Reason] = []
        for hit in self.ip_names.find(words):
            matched.setdefault(hit.payload.id, Reason("ip", hit.matched, hit.payload.name, entry_id=hit.payload.id))
        described = [entry for entry in self.ip_entries if entry.description and entry.id not in matched]
        if described and self.embedder is not None:
            scores = self._similarities(prompt, [entry.description for entry in described])
            for entry, score in zip(described, scores):
                if score >= self.ip_threshold:
                    matched[entry.id] = Reason("ip", "description", entry.name, float(score), entry.id)
                elif score >= IP_REVIEW_THRESHOLD:
                    similar.append(Reason("ip_similar", "description", entry.name, float(score), entry.id))
        out = similar
        for entry_id, reason in matched.items():
            entry = next(e for e in self.ip_entries if e.id == entry_id)
            if entry.scope == "block":
                out.append(reason)
                continue
            broken = self._broken_rule(prompt, words, entry.rules)
            if broken:
                out.append(Reason("ip_rules", f"{reason.matched} + {broken}", entry.name, reason.score, entry.id))
            else:
                notes.append(Reason("ip_within_rules", reason.matched, entry.name, reason.score, entry.id))
        return out

    def _theme_rule_reasons(self, words: tuple[str, ...]) -> list[Reason]:
        """A rule set's themes the prompt touches (each of a theme's words matched like an owner's
        restriction: normalised, with typos)."""
        out = []
        for theme in self.theme_rules:
            hits = [index.find(words) for index in self._theme_indexes_of(tuple(theme.split()))]
            if all(hits):
                out.append(Reason("theme_rule", " + ".join(hit[0].matched for hit in hits), theme))
        return out

    # -- owners' restrictions and holders' rules ---------------------------------------------------

    def _restriction_reasons(self, prompt: str, words: tuple[str, ...], cameos: Sequence[CameoTerms]) -> list[Reason]:
        out = []
        for cameo in cameos:  # every cameo in the clip, named in the prompt or not
            broken = self._broken_rule(prompt, words, cameo.restrictions)
            if broken:
                out.append(Reason("cameo_restriction", broken, cameo.handle))
        return out

    def _broken_rule(self, prompt: str, words: tuple[str, ...], rules: str) -> str | None:
        """The prompt words that break one of the comma/semicolon/line separated rules, or None.
        A rule names themes ("no alcohol", "never show my cameo: political ads"): each known theme in
        its words brings the theme's lexicon (whiskey, tipsy, ...), and a rule of several themes is
        broken when the prompt touches every one of them (political ads, not every ad); a rule of no
        known theme is its own words. With an embedder, prompts semantically close to a rule break it too."""
        phrases = [p.strip() for p in re.split(r"[,;\n]|\band\b", rules or "") if p.strip()]
        semantic: list[str] = []
        for phrase in phrases:
            theme = _theme_words(phrase, self.negations)
            if not theme:
                continue
            hits = [index.find(words) for index in self._theme_indexes_of(theme)]
            if all(hits):
                return " + ".join(hit[0].matched for hit in hits)
            semantic.append(" ".join(theme))
        if semantic and self.embedder is not None:
            scores = self._similarities(prompt, semantic)
            best = int(np.argmax(scores))
            if scores[best] >= self.restriction_threshold:
                return f"close to \"{semantic[best]}\" ({scores[best]:.2f})"
        return None

    def _theme_indexes_of(self, theme_words: tuple[str, ...]) -> tuple[TermIndex, ...]:
        """One index per known theme named in the words, longest names first, left to right ("fast
        food" is one theme, not also "food"); the words themselves when they name none."""
        found, start = [], 0
        while start < len(theme_words):
            names = [name for name in self.themes if all(map(close, theme_words[start:start + len(name.split())],
                                                           name.split())) and start + len(name.split()) <= len(theme_words)]
            if names:
                name = max(names, key=lambda n: len(n.split()))
                found.append(name)
                start += len(name.split())
            else:
                start += 1
        return tuple(self._theme_index(name) for name in found) or (self._theme_index(" ".join(theme_words)),)

    def _theme_index(self, theme: str) -> TermIndex:
        """The theme's words and, where the theme is a known one, its lexicon ("@category" pulls in
        a whole policy category)."""
        if theme not in self._theme_indexes:
            words = [theme]
            theme_words = tokens(theme)
            for name, lexicon_words in self.themes.items():
                parts = name.split()
                if len(parts) == len(theme_words) and all(map(close, theme_words, parts)):
                    words += list(lexicon_words)
            expanded: list[str] = []
            for word in words:
                if word.startswith("@"):
                    expanded += load_lexicon()["categories"][word[1:]]
                else:
                    expanded.append(word)
            self._theme_indexes[theme] = TermIndex({"theme": expanded})
        return self._theme_indexes[theme]

    # -- embeddings --------------------------------------------------------------------------------

    def _similarities(self, prompt: str, texts: list[str]) -> np.ndarray:
        """Cosine similarity of each text with the prompt or its best-matching clause. Descriptions
        and rules are embedded once; a prompt's embeddings are kept only for the current check."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._embeddings]
        if missing:
            self._embeddings.update(zip(missing, self.embedder(missing)))
        text_vectors = np.stack([self._embeddings[t] for t in texts])
        return (text_vectors @ self._prompt_clause_vectors(prompt).T).max(axis=1)

    def _prompt_clause_vectors(self, prompt: str) -> np.ndarray:
        """Embeddings of the prompt and each of its clauses, kept for the current check only."""
        cached = self._prompt_vectors  # one read: other threads may replace it meanwhile
        if cached is None or cached[0] != prompt:
            clauses = [prompt] + [c.strip() for c in re.split(r"[,.;:!?]|\bthen\b|\bwhile\b", prompt)
                                  if len(c.strip()) > 3 and c.strip() != prompt.strip()]
            cached = self._prompt_vectors = (prompt, self.embedder(clauses))
        return cached[1]


def write_shipped_embeddings() -> Path:
    """Embed the descriptions (living and dead) with the default model into the package's data/embeddings/
    (run after editing the descriptions; tests/unit/test_prompt_policy.py checks the file is current)."""
    return write_shipped(DESCRIPTIONS, shared_policy().description_texts)


if __name__ == "__main__":
    print(write_shipped_embeddings())
