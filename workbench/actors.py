"""Who is acting. Every service method takes the acting user first; authorization lives here and in
the services, so no page or script can skip it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.errors import Forbidden, NotFound
from workbench.store.models import AuditEntry, Role, User


class _Operator:
    """The person running the CLI or a seeding script on this machine: may create users of any role."""

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR = _Operator()


@dataclass(frozen=True)
class UserView:
    id: int
    handle: str
    display_name: str
    role: str
    is_teen: bool
    region: str
    suspended: bool

    @classmethod
    def of(cls, user: User) -> "UserView":
        return cls(user.id, user.handle, user.display_name, user.role.value, user.is_teen, user.region, user.suspended)


#: a handle ("ana" or "@ana"), a user id, or a UserView
ActorRef = Union[str, int, UserView]


def load_user(session: Session, ref: ActorRef) -> User:
    """The user a reference names, or NotFound with a message that says which one."""
    if isinstance(ref, UserView):
        ref = ref.id
    if isinstance(ref, bool) or not isinstance(ref, (str, int)):
        raise NotFound(f"unknown user {ref!r}")
    if isinstance(ref, int):
        user = session.get(User, ref)
    else:
        user = session.scalar(select(User).where(User.handle == ref.strip().lstrip("@").lower()))
    if user is None:
        shown = f"@{ref.strip().lstrip('@')}" if isinstance(ref, str) else f"#{ref}"
        raise NotFound(f"unknown user {shown}")
    return user


def load_actor(session: Session, ref: ActorRef) -> User:
    """Like load_user, and the user must be allowed to act at all."""
    user = load_user(session, ref)
    if user.suspended:
        raise Forbidden(f"@{user.handle} is suspended")
    return user


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles and user.role is not Role.ADMIN:
        allowed = " or ".join(r.value.replace("_", " ") for r in roles)
        raise Forbidden(f"only a {allowed} can do this (@{user.handle} is a {user.role.value.replace('_', ' ')})")


def audit(session: Session, actor: User | None, action: str, target_type: str, target_id: int | None,
          **details) -> None:
    """Append one line to the audit log, in the caller's transaction."""
    session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, target_type=target_type,
                           target_id=target_id, details=details))
