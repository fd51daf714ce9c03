"""Text normalisation and phrase matching that hold up against deliberate evasion.

A prompt is reduced to tokens after undoing the usual tricks: case, compatibility forms
(fullwidth, mathematical letters), invisible characters, diacritics, homoglyphs from other scripts
(Cyrillic "а" for Latin "a"), leetspeak inside words ("t4yl0r", "sw!ft") and punctuation or spaces
inside names ("T.a.y.l.o.r", "Tay lor"). Phrases then match

- token by token, each token within a small edit distance that grows with its length (typos,
  transpositions: "Talyor Swfit"), the first letter kept (most typos are not there, and it keeps
  "sailor" from matching "taylor"); or
- squashed: the letters of consecutive prompt tokens joined without separators equal the phrase's
  letters joined, starting and ending on token boundaries (spacing and punctuation inside names).

A phrase that is an ordinary word on its own (a "common" phrase) matches exactly and only where
the caller says so; exceptions ("king charles spaniel") are taken out of the prompt first.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Generic, Iterable, TypeVar

from rapidfuzz.distance import OSA

Payload = TypeVar("Payload")

#: letters from other scripts that render like Latin ones (after case folding); Unicode's
#: confusables list, restricted to the Cyrillic, Greek and Armenian letters used to disguise words
HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ӏ": "l", "һ": "h", "ү": "y", "ɡ": "g", "ɑ": "a", "ı": "i",
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o", "μ": "u", "ϲ": "c", "ϳ": "j",
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "ռ": "n", "ա": "w", "ք": "p",
    "ø": "o", "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th",
})
#: digits and symbols standing in for letters inside a word ("sw1ft", "t@ylor", "$wift")
LEET = str.maketrans({"0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b",
                      "9": "g", "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l", "¡": "i"})
_LEET_CHARS = "".join(chr(c) for c in LEET)
#: a run of letters, digits and in-word leet symbols
_WORD = re.compile(rf"[\w{re.escape(_LEET_CHARS)}]+")


#: a comma, semicolon or sentence end after a word and before a space ends a clause: no phrase
#: spans it ("says hello, kitty" is not "Hello Kitty"); dots after single letters ("T. a. y") and
#: inside words ("Ta.ylor") do not
_CLAUSE_BREAK = re.compile(r"(?<=\w\w)(?:[,;]|[.!?]+)\s+")
#: the token standing for a clause break; it never equals a phrase word nor joins into one
BREAK = "_"


def without_marks(text: str) -> str:
    """The text without diacritics and invisible characters ("Beyoncé" is "Beyonce"), case kept."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")


def _fold(text: str) -> str:
    """Case, compatibility forms, invisible characters, diacritics and homoglyphs undone."""
    return without_marks(unicodedata.normalize("NFKC", text).casefold()).translate(HOMOGLYPHS)


_SYMBOLS = "@$!|+€£¡"


def _unleet(word: str) -> str:
    """Leet digits and symbols inside a word become letters ("t4yl0r", "$wift"); a word of digits
    alone ("2024", "4") stays, punctuation at its end ("wow!") and a mention's "@" are dropped."""
    word = word.rstrip("!|+€£¡").lstrip("@")  # a trailing "@" or "$" is a letter ("sh@k1r@")
    if not any(ch.isalpha() for ch in word):
        return word.strip(_SYMBOLS)
    return word.translate(LEET)


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """The prompt as normalised tokens: letters and digits only, leet undone inside words. Words
    spelled with separators between single letters ("t-a-y", "t.a.y") come out as single letters,
    which squashed matching joins again. Leet inside runs of single characters ("t 4 y l 0 r") is
    undone when most neighbours are letters."""
    folded = _CLAUSE_BREAK.sub(f" {BREAK} ", _fold(text))
    words = [BREAK if w == BREAK else _unleet(w) for w in _WORD.findall(folded)]
    out = []
    for i, word in enumerate(words):
        if len(word) == 1 and not word.isalpha():
            neighbours = [w for w in words[max(0, i - 2):i + 3] if len(w) == 1 and w is not word]
            if sum(w.isalpha() for w in neighbours) >= 2:
                word = word.translate(LEET)
        if word != BREAK:
            word = re.sub(r"[^\w]", "", word).replace("_", "")
        if word:
            out.append(word)
    return tuple(out)


def normal_form(text: str) -> str:
    """The phrase as it is matched: its tokens joined by single spaces."""
    return " ".join(tokens(text))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words of the CMU pronouncing dictionary (135k English words and names, shipped with
    pocketsphinx). A prompt word found here is a word in its own right, not a typo of another:
    "flying" is not a misspelt "flaying", "building" not "bullying"."""
    import pocketsphinx

    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    return frozenset(line.split(" ", 1)[0].split("(", 1)[0] for line in path.read_text().splitlines() if line)


def allowed_typos(word: str) -> int:
    """Edits tolerated in a word of this length: none up to 3 letters, one up to 6, two from 7."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2


def close(word: str, target: str) -> bool:
    """Whether a prompt word is the target word give or take a typo (same first letter)."""
    if word == target:
        return True
    limit = allowed_typos(target)
    return (limit > 0 and word[:1] == target[:1] and abs(len(word) - len(target)) <= limit
            and OSA.distance(word, target, score_cutoff=limit) <= limit)


@dataclass(frozen=True)
class PhraseHit(Generic[Payload]):
    payload: Payload
    phrase: str
    #: the prompt's own words that matched, as normalised tokens
    matched: str
    start: int
    end: int


@dataclass
class PhraseIndex(Generic[Payload]):
    """Phrases to find in prompts, each with a payload (a figure, a registry entry, a category)."""
    #: first token -> [(phrase tokens, payload, fuzzy)]
    _by_first: dict[str, list[tuple[tuple[str, ...], Payload, bool]]] = field(default_factory=dict)
    #: squashed letters -> [(phrase, payload, number of words in the phrase, only when spelt out)]
    _squashed: dict[str, list[tuple[str, Payload, int, bool]]] = field(default_factory=dict)
    _fuzzy_firsts: dict[int, list[str]] = field(default_factory=dict)
    _max_squashed: int = 0
    #: prompt word -> indexed first words it may stand for (prompts repeat words; this keeps checks fast)
    _candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, phrase: str, payload: Payload, *, fuzzy: bool = True) -> None:
        """Index a phrase. Single words shorter than six letters never match fuzzily."""
        words = tokens(phrase)
        if not words:
            return
        fuzzy = fuzzy and (len(words) > 1 or len(words[0]) >= 6)
        self._by_first.setdefault(words[0], []).append((words, payload, fuzzy))
        if fuzzy:
            self._fuzzy_firsts.setdefault(len(words[0]), []).append(words[0])
        squashed = "".join(words)
        # a short single word ("sex", "drunk") is found squashed only when spelt out letter by
        # letter ("s e x", "d.r.u.n.k"): joined real words ("at tack") must not make one
        spelt_out = len(words) == 1 and not fuzzy
        self._squashed.setdefault(squashed, []).append((" ".join(words), payload, len(words), spelt_out))
        self._max_squashed = max(self._max_squashed, len(squashed))
        self._candidates.clear()

    def _first_candidates(self, word: str) -> tuple[str, ...]:
        """Indexed first words this prompt word may stand for. Safe across threads: a word's entry is
        computed from the immutable index, so two threads computing it at once store the same tuple,
        and the answer is the local one (another thread may clear the cache in between)."""
        cached = self._candidates.get(word)
        if cached is not None:
            return cached
        found = [word] if word in self._by_first else []
        for length in range(len(word) - 2, len(word) + 3):
            found += [first for first in self._fuzzy_firsts.get(length, ()) if first != word and close(word, first)]
        if len(self._candidates) > 50_000:
            self._candidates.clear()
        candidates = self._candidates[word] = tuple(dict.fromkeys(found))
        return candidates

    def find(self, words: tuple[str, ...]) -> list[PhraseHit[Payload]]:
        """Every indexed phrase in the token sequence, longest first where they overlap."""
        hits: dict[tuple[int, int, int], PhraseHit[Payload]] = {}
        for start, word in enumerate(words):
            for first in self._first_candidates(word):
                for phrase, payload, fuzzy in self._by_first[first]:
                    end = _aligned_end(words, start, phrase, fuzzy)
                    if end is not None:
                        hits.setdefault((start, end, id(payload)), PhraseHit(
                            payload, " ".join(phrase), " ".join(words[start:end]), start, end))
            squashed = ""
            for end in range(start + 1, len(words) + 1):
                squashed += words[end - 1]
                if len(squashed) > self._max_squashed:
                    break
                for phrase, payload, phrase_words, spelt_out in self._squashed.get(squashed, ()):
                    if spelt_out and any(len(word) > 1 for word in words[start:end]):
                        continue
                    # one prompt word equal to a one-word phrase is the word-by-word path's business
                    if end - start > 1 or phrase_words > 1:
                        hits.setdefault((start, end, id(payload)), PhraseHit(
                            payload, phrase, " ".join(words[start:end]), start, end))
        return sorted(hits.values(), key=lambda hit: (hit.start, -(hit.end - hit.start)))


def _aligned_end(words: tuple[str, ...], start: int, phrase: tuple[str, ...], fuzzy: bool) -> int | None:
    """Where the phrase ends if it matches word by word from `start` (one stray middle initial,
    "Donald J Trump", is skipped); None if it does not. Misspelt words that are all dictionary
    words ("flying" for "flaying") do not match unless another word is spelt exactly ("Emanuel
    Macron"); one misspelling that is no word is enough ("Serina Wiliams", "dart vadr")."""
    position, skipped, exact, only_real_words, typos = start, False, False, True, 0
    for index, target in enumerate(phrase):
        if (position < len(words) and index > 0 and not skipped and len(words[position]) == 1
                and words[position].isalpha() and words[position] != target):
            position, skipped = position + 1, True
        if position >= len(words):
            return None
        word = words[position]
        if word == target:
            exact = True
        elif fuzzy and close(word, target):
            typos += 1
            only_real_words = only_real_words and word in english_words()
        else:
            return None
        position += 1
    return None if typos and only_real_words and not exact else position


def without_phrases(words: tuple[str, ...], phrases: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The tokens with every occurrence of the given phrases blanked out (exceptions such as
    "king charles spaniel" that contain a name but do not mean the person)."""
    out = list(words)
    for phrase in phrases:
        n = len(phrase)
        for start in range(len(out) - n + 1):
            if tuple(out[start:start + n]) == phrase:
                out[start:start + n] = ["_"] * n
    return tuple(out)
