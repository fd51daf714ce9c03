"""Domain errors. Each carries a message meant for the person who caused it: pages show it,
the CLI prints it and exits non-zero. A service raises before it writes anything."""


class WorkbenchError(Exception):
    """Base class; ``str(error)`` is the user-facing message."""


class NotFound(WorkbenchError):
    """An unknown user, clip or case."""


class Forbidden(WorkbenchError):
    """The acting user may not do this."""


class InvalidInput(WorkbenchError):
    """The request itself is malformed (empty prompt, too long, bad value)."""


class Conflict(WorkbenchError):
    """The request clashes with current state (taken handle, already seeded world)."""


def refuse_unstorable_text(text: str, what: str) -> str:
    """`text` as given, or InvalidInput when no database can store it: a NUL character (PostgreSQL's
    text refuses it) or a lone surrogate (what invalid UTF-8 decodes to, e.g. in a command-line argument)."""
    if "\x00" in text:
        raise InvalidInput(f"the {what} contains a NUL character; remove it and try again")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"the {what} is not valid UTF-8 text") from None
    return text
