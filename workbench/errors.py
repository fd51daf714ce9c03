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
