"""Rights holders register what they own and whether it may be generated at all."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from workbench.actors import ActorRef, audit, load_actor, require_role
from workbench.errors import InvalidInput, NotFound
from workbench.safety.policy import Decision
from workbench.safety.service import active_ip_entries
from workbench.store.db import Store
from workbench.store.models import IpOptOut, OptOutScope, PolicyHit, Role, User, utcnow


@dataclass(frozen=True)
class OptOutView:
    id: int
    holder: str
    name: str
    aliases: tuple[str, ...]
    description: str
    scope: str
    rules: str
    #: prompts this entry blocked (or sent to review, for a close resemblance)
    blocks: int = 0


class RightsService:
    def __init__(self, store: Store, models) -> None:
        """`models`: the process's shared models (workbench.core.Models), loaded on first use."""
        self._store, self._models = store, models

    def add_opt_out(self, actor: ActorRef, name: str, *, aliases: list[str] | tuple[str, ...] = (),
                    description: str = "", scope: str = "block", rules: str = "") -> OptOutView:
        fields = _validated(name, aliases, description, scope, rules)
        with self._store.transaction() as session:
            holder = load_actor(session, actor)
            require_role(holder, Role.RIGHTS_HOLDER)
            entry = IpOptOut(holder_id=holder.id, **fields)
            session.add(entry)
            session.flush()
            audit(session, holder, "rights.opt_out.add", "ip_opt_out", entry.id, name=entry.name,
                  scope=entry.scope.value)
            return _view(entry, holder.handle)

    def update_opt_out(self, actor: ActorRef, entry_id: int, *, name: str, aliases: list[str] | tuple[str, ...] = (),
                       description: str = "", scope: str = "block", rules: str = "") -> OptOutView:
        """Rewrite an entry (its past blocks stay counted against it)."""
        fields = _validated(name, aliases, description, scope, rules)
        with self._store.transaction() as session:
            holder, entry = self._own_entry(session, actor, entry_id)
            for key, value in fields.items():
                setattr(entry, key, value)
            entry.updated_at = utcnow()
            audit(session, holder, "rights.opt_out.update", "ip_opt_out", entry.id, name=entry.name,
                  scope=entry.scope.value)
            return _view(entry, entry.holder.handle, self._blocks(session, [entry.id]).get(entry.id, 0))

    def retire_opt_out(self, actor: ActorRef, entry_id: int) -> None:
        """Withdraw an entry: prompts are no longer checked against it."""
        with self._store.transaction() as session:
            holder, entry = self._own_entry(session, actor, entry_id)
            entry.retired_at = utcnow()
            audit(session, holder, "rights.opt_out.retire", "ip_opt_out", entry.id, name=entry.name)

    def opt_outs(self, actor: ActorRef) -> list[OptOutView]:
        """The holder's current entries with how often each blocked a prompt (an admin sees everyone's)."""
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            require_role(user, Role.RIGHTS_HOLDER)
            query = (select(IpOptOut, User.handle).join(User, User.id == IpOptOut.holder_id)
                     .where(IpOptOut.retired_at.is_(None)).order_by(IpOptOut.id))
            if user.role is not Role.ADMIN:
                query = query.where(IpOptOut.holder_id == user.id)
            rows = session.execute(query).all()
            blocks = self._blocks(session, [entry.id for entry, _ in rows])
            return [_view(entry, handle, blocks.get(entry.id, 0)) for entry, handle in rows]

    def test_prompt(self, actor: ActorRef, prompt: str) -> Decision:
        """How the holder's own entries judge a prompt (the rest of the policy is left out)."""
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            require_role(user, Role.RIGHTS_HOLDER)
            entries = active_ip_entries(session, None if user.role is Role.ADMIN else user.id)
        prompt = (prompt or "").strip()
        if not prompt:
            raise InvalidInput("type a prompt to test")
        return self._models.prompt_policy.with_ip_entries(entries).check_registry(prompt)

    @staticmethod
    def _own_entry(session, actor: ActorRef, entry_id: int) -> tuple[User, IpOptOut]:
        user = load_actor(session, actor)
        require_role(user, Role.RIGHTS_HOLDER)
        entry = session.get(IpOptOut, entry_id)
        if entry is None or entry.retired_at is not None or (entry.holder_id != user.id and user.role is not Role.ADMIN):
            raise NotFound(f"no registry entry #{entry_id} of yours")
        return user, entry

    @staticmethod
    def _blocks(session, entry_ids: list[int]) -> dict[int, int]:
        if not entry_ids:
            return {}
        return dict(session.execute(select(PolicyHit.ip_opt_out_id, func.count()).where(
            PolicyHit.ip_opt_out_id.in_(entry_ids)).group_by(PolicyHit.ip_opt_out_id)).all())


def _validated(name: str, aliases, description: str, scope: str, rules: str) -> dict:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput("an entry needs a name of 1-120 characters")
    try:
        scope_value = OptOutScope(scope)
    except ValueError:
        raise InvalidInput("scope is 'block' (never generate) or 'rules' (allowed within your rules)") from None
    if scope_value is OptOutScope.RULES and not (rules or "").strip():
        raise InvalidInput("an entry scoped to 'rules' needs the rules written out (themes it must never be "
                           "shown in, comma separated)")
    if len(description or "") > 2000 or len(rules or "") > 2000:
        raise InvalidInput("a description or rules are at most 2000 characters")
    clean_aliases = list(dict.fromkeys(a.strip() for a in aliases if a and a.strip()))
    if any(len(a) > 120 for a in clean_aliases) or len(clean_aliases) > 50:
        raise InvalidInput("at most 50 aliases of up to 120 characters")
    return {"name": name, "aliases": clean_aliases, "description": (description or "").strip(),
            "scope": scope_value, "rules": (rules or "").strip()}


def _view(entry: IpOptOut, holder: str, blocks: int = 0) -> OptOutView:
    return OptOutView(entry.id, holder, entry.name, tuple(entry.aliases), entry.description, entry.scope.value,
                      entry.rules, blocks)
