"""Rights holders register what they own and whether it may be generated at all."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workbench.actors import ActorRef, audit, load_actor, require_role
from workbench.errors import InvalidInput
from workbench.store.models import IpOptOut, OptOutScope, Role, User


@dataclass(frozen=True)
class OptOutView:
    id: int
    holder: str
    name: str
    aliases: tuple[str, ...]
    description: str
    scope: str
    rules: str


class RightsService:
    def __init__(self, workbench) -> None:
        self._wb = workbench

    def add_opt_out(self, actor: ActorRef, name: str, *, aliases: list[str] | tuple[str, ...] = (),
                    description: str = "", scope: str = "block", rules: str = "") -> OptOutView:
        name = (name or "").strip()
        if not name or len(name) > 120:
            raise InvalidInput("an entry needs a name of 1-120 characters")
        try:
            scope_value = OptOutScope(scope)
        except ValueError:
            raise InvalidInput("scope is 'block' (never generate) or 'rules' (allowed within your rules)") from None
        if scope_value is OptOutScope.RULES and not rules.strip():
            raise InvalidInput("an entry scoped to 'rules' needs the rules written out")
        clean_aliases = [a.strip() for a in aliases if a and a.strip()]
        with self._wb.transaction() as session:
            holder = load_actor(session, actor)
            require_role(holder, Role.RIGHTS_HOLDER)
            entry = IpOptOut(holder_id=holder.id, name=name, aliases=clean_aliases, description=description.strip(),
                             scope=scope_value, rules=rules.strip())
            session.add(entry)
            session.flush()
            audit(session, holder, "rights.opt_out.add", "ip_opt_out", entry.id, name=name, scope=scope_value.value)
            return _view(entry, holder.handle)

    def opt_outs(self, actor: ActorRef) -> list[OptOutView]:
        """The holder's own entries (an admin sees everyone's)."""
        with self._wb.transaction() as session:
            user = load_actor(session, actor)
            require_role(user, Role.RIGHTS_HOLDER)
            query = select(IpOptOut, User.handle).join(User, User.id == IpOptOut.holder_id).order_by(IpOptOut.id)
            if user.role is not Role.ADMIN:
                query = query.where(IpOptOut.holder_id == user.id)
            return [_view(entry, handle) for entry, handle in session.execute(query)]


def _view(entry: IpOptOut, holder: str) -> OptOutView:
    return OptOutView(entry.id, holder, entry.name, tuple(entry.aliases), entry.description, entry.scope.value,
                      entry.rules)
