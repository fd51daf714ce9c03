"""Small pieces of the English the app shows people."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """"1 like", "2 likes", "0 views": a count with its noun agreeing."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def word_forms(word: str) -> tuple[str, ...]:
    """The word in its singular and plural ("otters" -> otter, otters; "puppy" -> puppy, puppies;
    "foxes" -> fox, foxes), so a search for either form finds both. Regular English endings only;
    a short word, or one ending in "ss", "us" or "is", is kept as it is."""
    word = word.lower()
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return (word,)
    if word.endswith("ies"):
        one = word[:-3] + "y"
    elif word.endswith(("ches", "shes", "xes", "zes", "sses", "uses")):
        one = word[:-2]
    elif word.endswith("s"):
        one = word[:-1]
    else:
        one = word
    if one.endswith("y") and one[-2:-1] not in "aeiou":
        many = one[:-1] + "ies"
    elif one.endswith(("ch", "sh", "x", "z", "s")):
        many = one + "es"
    else:
        many = one + "s"
    return (one, many)
