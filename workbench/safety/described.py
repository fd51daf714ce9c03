"""Who a prompt's subject describes, from the words it shares with each person's descriptions.

A prompt that describes a public figure instead of naming them puts the description in its subject
("the actor who played Captain Jean-Luc Picard and Professor X") and the scene after its verb
("reading a sonnet by candlelight"). A sentence embedding of the whole prompt dilutes the first with
the second; the rare words the subject shares with one person's descriptions ("picard", "professor
x") identify them. Each shared word or pair of words weighs its inverse document frequency over
people (Sparck Jones, "A statistical interpretation of term specificity", 1972), so a word in one
person's descriptions counts most and "actor" almost nothing.

Pure: built from the descriptions (living and dead), no model.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from workbench.safety.text import tokens

#: words never evidence of who is meant (function words and words for any person)
NOT_DISTINCTIVE = frozenset("""a an the of and or in on at to for with by from as who whom whose that which
this his her their its he she they him them is was were be been being has have had known best famous
former current first man woman guy girl boy person star who's one two three s played plays""".split())
#: words in -ing that are not a prompt's main verb
NOT_VERBS = frozenset("""wedding morning evening building painting meeting ceiling clothing ending feeling spring
string thing wing king viking pudding something nothing everything anything ring sibling darling during
including following according regarding concerning bring""".split())
#: before these an -ing word is a noun or an adjective ("the homemaking mogul", "famous for making")
_NOT_BEFORE_A_VERB = frozenset("""the a an his her their its that this my our your for of by after before since
without about from in on at with while""".split())
#: the requests a prompt may begin with ("make a ..."), and the media it may ask for ("a clip of ...")
REQUESTS = frozenset("make show generate create film render animate draw me us please".split())
_REQUESTS_AND_MEDIA = REQUESTS | frozenset("clip video footage of".split())
#: words that end the first noun phrase of a subject ("the Reform UK leader who ...": its head is "leader")
_PHRASE_ENDS = frozenset("who whom whose of in on at for from with behind to by as and that which since".split())
#: "a video of ...": what the prompt asks for, before whom it shows
_MEDIUM = re.compile(r"^\s*(?:(?:make|show|generate|create)\s+)?(?:(?:a|an|the)\s+)?(?:video|clip|footage|shot|scene|film)\s+of\s+",
                     re.IGNORECASE)
#: people in general and the titles of offices, besides the nouns that head the descriptions
_PERSON_WORDS = frozenset("""man woman guy girl boy person lady gentleman lad brit star superstar legend icon genius king queen emperor
empress pope prince princess duke duchess sultan sheikh president senator governor mayor minister chancellor premier
speaker ceo chief head founder youtuber tiktoker champ wife husband son daughter brother sister mother father
widow elder heir""".split())
#: "our", "my": a person the prompt's author knows ("the king of clay at our local tennis club");
#: "who is actually a ...": a title given to something else
_LOCAL = re.compile(r"\b(?:our|my)\b|\bwho is actually\b", re.IGNORECASE)


def after_requests(words: Sequence[str], requests: frozenset[str] = _REQUESTS_AND_MEDIA) -> int:
    """The index of the first word that is not a request (len(words) if there is none)."""
    return next((i for i, word in enumerate(words) if word.casefold() not in requests), len(words))


def _terms(words: Sequence[str]) -> set[str]:
    """The words and adjacent pairs of words that can be evidence."""
    words = [word for word in words if word.isalnum()]  # not the clause breaks tokens() marks
    single = {word for word in words if word not in NOT_DISTINCTIVE and len(word) > 1}
    return single | {f"{a} {b}" for a, b in zip(words, words[1:]) if a not in NOT_DISTINCTIVE and b not in NOT_DISTINCTIVE}


def subject(prompt: str) -> str:
    """The prompt up to its main verb: the first lower-case word in -ing after its second word that
    is not a noun or adjective by its form or place ("the Reform UK leader who spent decades" of "...
    campaigning for Brexit"). A prompt without one is all subject."""
    words = prompt.split()
    for i, word in enumerate(words[2:], start=2):
        before = words[i - 1].casefold()
        if (re.fullmatch(r"[a-z]+ing", word) and word not in NOT_VERBS and before not in _NOT_BEFORE_A_VERB
                and not before.endswith(("'s", "’s"))):
            return " ".join(words[:i])
    return prompt


def head_noun(subject_words: Sequence[str]) -> str | None:
    """The last word of the subject's first noun phrase ("leader" of "the reform uk leader who ...")."""
    head = None
    for word in subject_words[after_requests(subject_words):]:
        if word in _PHRASE_ENDS and head:
            break
        head = word
    return head


def person_nouns(descriptions: Iterable[str]) -> frozenset[str]:
    """The nouns that name a person in the descriptions: each one's word before "who" or "whose" at
    the end of its first phrase ("the actor who ...", "the singer whose ..."), with words for people
    in general and titles of office."""
    nouns = set(_PERSON_WORDS)
    for text in descriptions:
        words = re.findall(r"[\w'’-]+", text)
        for word, after in zip(words, words[1:]):
            if word in _PHRASE_ENDS:
                break
            if after in ("who", "whose") and word.islower() and word not in NOT_DISTINCTIVE:
                nouns.add(word)
    return frozenset(nouns)


@dataclass(frozen=True)
class Evidence:
    """The person a subject's words point to: how much the words weigh for them and for the next."""
    person: int
    weight: float
    lead: float
    terms: tuple[str, ...]


class DescribedPeople:
    """People (living and dead) by the words of their descriptions."""

    def __init__(self, descriptions_by_person: Sequence[Sequence[str]]) -> None:
        self.people = len(descriptions_by_person)
        self._persons_with: dict[str, list[int]] = {}
        for person, descriptions in enumerate(descriptions_by_person):
            for term in set().union(*(_terms(tokens(text)) for text in descriptions)):
                self._persons_with.setdefault(term, []).append(person)
        self._weight = {term: math.log(self.people / len(persons)) for term, persons in self._persons_with.items()}
        self.person_nouns = person_nouns(text for descriptions in descriptions_by_person for text in descriptions)

    def evidence(self, text: str) -> Evidence | None:
        """The person whose descriptions share the most weight with the text, with its lead over the
        next person; None when it shares no word with any."""
        totals: Counter[int] = Counter()
        shared = [term for term in _terms(tokens(text)) if term in self._weight]
        for term in shared:
            for person in self._persons_with[term]:
                totals[person] += self._weight[term]
        ranked = totals.most_common(2)
        if not ranked:
            return None
        (person, weight), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
        terms = tuple(sorted((t for t in shared if person in self._persons_with[t]), key=lambda t: -self._weight[t]))
        return Evidence(person, weight, weight - runner_up, terms)

    def names_a_person(self, subject_text: str) -> bool:
        """Whether the subject says it is a person: a "who", or a person noun in its first noun phrase
        (not a possessor: "the Eras Tour singer's ragdoll cat" is a cat; an "of" inside a capitalised
        title such as "the Art of Living founder" does not end the phrase)."""
        if re.search(r"\bwho\b", subject_text, re.IGNORECASE):
            return True
        words = re.findall(r"[\w'’-]+", _MEDIUM.sub("", subject_text))
        start = after_requests(words)
        for i, word in enumerate(words[start:], start=start):
            inside_title = word == "of" and 0 < i < len(words) - 1 and words[i - 1][:1].isupper() and words[i + 1][:1].isupper()
            if i > start and word.casefold() in _PHRASE_ENDS and word != "and" and not inside_title:
                break
            if word.casefold() in self.person_nouns:
                return True
        return False

    def is_a_thing(self, subject_text: str) -> bool:
        """Whether the subject is a noun phrase with an article that does not name a person ("the Wheel
        of Fortune wheel", "a copy of Kafka on the Shore"). A subject without an article may be a name
        ("Drake rapping courtside"): it is not judged here."""
        words = [word for word in re.findall(r"[\w'’-]+", subject_text.casefold()) if word not in _REQUESTS_AND_MEDIA]
        return bool(words) and words[0] in ("the", "that", "this", "a", "an") and not self.names_a_person(subject_text)


def is_plural_or_local(subject_text: str) -> bool:
    """Whether the subject is some people rather than one ("wedding guests", "protesters in red
    cloaks": a bare plural) or someone the author knows ("at our local club")."""
    if _LOCAL.search(subject_text):
        return True
    words = tokens(subject_text)
    start = after_requests(words)
    head = head_noun(words)
    return (start < len(words) and words[start] not in ("the", "that", "this") and head is not None
            and head.endswith("s") and not head.endswith(("ss", "us", "is")))
