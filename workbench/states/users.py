"""The one owner of an account's suspension (suspend and reinstate) and of its feed version (raised
by every change that must reorder its For You), each one conditional UPDATE."""
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


def feed_changed(session: Session, user_id: int) -> None:
    """Raise the person's feed version, in the transaction of the change (a follow, an unfollow, a
    "Not interested", a ranking choice): rankings kept under the old version are no longer served."""
    session.execute(update(User).where(User.id == user_id).values(feed_version=User.feed_version + 1)
                    .execution_options(synchronize_session=False))
