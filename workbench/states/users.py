"""The one owner of an account's suspension: suspend and reinstate, each one conditional UPDATE."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.store.models import User


def _set(session: Session, user_id: int, suspended: bool) -> bool:
    return session.execute(update(User).where(User.id == user_id, User.suspended.is_not(suspended))
                           .values(suspended=suspended)).rowcount == 1


def suspend(session: Session, user_id: int) -> bool:
    """True if this call suspended the account, False if it already was."""
    return _set(session, user_id, True)


def reinstate(session: Session, user_id: int) -> bool:
    """True if this call lifted the suspension, False if there was none."""
    return _set(session, user_id, False)
