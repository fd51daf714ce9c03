"""People: sign-up, roles, the follow graph."""
from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workbench.actors import OPERATOR, ActorRef, UserView, audit, load_actor, load_user
from workbench.errors import Conflict, Forbidden, InvalidInput
from workbench.states.users import feed_changed
from workbench.store.db import Store, insert_once
from workbench.store.models import Follow, Role, User

HANDLE_PATTERN = re.compile(r"^[a-z0-9_]{2,32}$")
REGION_PATTERN = re.compile(r"^[A-Z]{2}$")


def normalize_handle(handle: str) -> str:
    cleaned = (handle or "").strip().lstrip("@").lower()
    if not HANDLE_PATTERN.match(cleaned):
        raise InvalidInput("a handle is 2-32 characters of a-z, 0-9 and _")
    return cleaned


class UserService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, actor, handle: str, *, display_name: str | None = None, role: str | Role = Role.USER,
               is_teen: bool = False, region: str = "US", bio: str = "") -> UserView:
        """Create an account. Anyone may sign up as a plain user (actor=None); other roles need
        an admin or the local OPERATOR."""
        handle = normalize_handle(handle)
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}") from None
        region = (region or "").strip().upper()
        if not REGION_PATTERN.match(region):
            raise InvalidInput("a region is a two-letter country code such as US or DE")
        with self._store.transaction() as session:
            creator = None
            if actor is not None and actor is not OPERATOR:
                creator = load_actor(session, actor)
            if role is not Role.USER and actor is not OPERATOR and (creator is None or creator.role is not Role.ADMIN):
                raise Forbidden(f"only an admin can create a {role.value.replace('_', ' ')} account")
            if session.scalar(select(User.id).where(User.handle == handle)) is not None:
                raise Conflict(f"the handle @{handle} is taken")
            user = User(handle=handle, display_name=(display_name or handle).strip()[:80], role=role,
                        is_teen=is_teen, region=region, bio=bio)
            session.add(user)
            session.flush()
            audit(session, creator, "user.create", "user", user.id, handle=handle, role=role.value)
            return UserView.of(user)

    def get(self, ref: ActorRef) -> UserView:
        with self._store.transaction() as session:
            return UserView.of(load_user(session, ref))

    def list(self, *, limit: int | None = None) -> list[UserView]:
        """Users by handle (the first `limit` of them when given)."""
        with self._store.transaction() as session:
            return [UserView.of(u) for u in session.scalars(select(User).order_by(User.handle).limit(limit))]

    def follow(self, actor: ActorRef, target: ActorRef) -> bool:
        """Follow someone; following twice is harmless. Returns True if a new follow was made."""
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            other = load_user(session, target)
            if other.id == me.id:
                raise InvalidInput("you cannot follow yourself")
            made = insert_once(session, Follow(follower_id=me.id, followee_id=other.id))
            if made:
                feed_changed(session, me.id)
            return made

    def unfollow(self, actor: ActorRef, target: ActorRef) -> bool:
        with self._store.transaction() as session:
            me = load_actor(session, actor)
            other = load_user(session, target)
            result = session.execute(delete(Follow).where(Follow.follower_id == me.id, Follow.followee_id == other.id))
            if result.rowcount > 0:
                feed_changed(session, me.id)
            return result.rowcount > 0

    def following(self, ref: ActorRef) -> list[str]:
        with self._store.transaction() as session:
            me = load_user(session, ref)
            return list(session.scalars(select(User.handle).join(Follow, Follow.followee_id == User.id)
                                        .where(Follow.follower_id == me.id).order_by(User.handle)))

    def followers(self, ref: ActorRef) -> list[str]:
        with self._store.transaction() as session:
            me = load_user(session, ref)
            return list(session.scalars(select(User.handle).join(Follow, Follow.follower_id == User.id)
                                        .where(Follow.followee_id == me.id).order_by(User.handle)))


def follows_of(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id)))
