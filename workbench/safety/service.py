"""The prompt policy against the live database: the acting user's profile, the cameos a prompt
uses, the public figures who granted the user their cameo, the registry's current entries; and a
record of every block or review, so rights holders see what their entries stopped."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor, require_role
from workbench.errors import Forbidden, InvalidInput, NotFound, refuse_unstorable_text
from workbench.safety.policy import (
    ALLOW,
    CameoTerms,
    Decision,
    IpEntry,
    Profile,
    PromptPolicy,
    RuleChanges,
    load_gazetteer,
)
from workbench.social.consent import load_cameo, refusal
from workbench.store.db import Store
from workbench.store.models import (
    Cameo,
    IpOptOut,
    PolicyHit,
    PolicyRuleSet,
    PromptCheck,
    PublicFigure,
    Role,
    RuleSetStatus,
    User,
)


def active_ip_entries(session: Session, holder_id: int | None = None) -> list[IpEntry]:
    query = select(IpOptOut).where(IpOptOut.retired_at.is_(None)).order_by(IpOptOut.id)
    if holder_id is not None:
        query = query.where(IpOptOut.holder_id == holder_id)
    return [IpEntry(e.id, e.name, tuple(e.aliases), e.description, e.scope.value, e.rules)
            for e in session.scalars(query)]


def profile_of(user: User | None, region: str | None = None) -> Profile:
    user_region = user.region if user is not None else None
    return Profile(teen=bool(user and user.is_teen), region=(region or user_region or "US").strip().upper())


def granted_figures(session: Session, user: User) -> list[str]:
    """Public figures who enrolled their own cameo and let this user use it."""
    rows = session.execute(select(PublicFigure.name, Cameo).join(Cameo, Cameo.id == PublicFigure.cameo_id))
    return [name for name, cameo in rows if refusal(session, user, cameo) is None]


@dataclass(frozen=True)
class LiveRules:
    """A rule set in force or in shadow: its id and changes (None: the shipped policy)."""
    id: int | None
    changes: RuleChanges | None


SHIPPED = LiveRules(None, None)


def live_rules(session: Session, status: RuleSetStatus) -> LiveRules | None:
    row = session.scalar(select(PolicyRuleSet).where(PolicyRuleSet.status == status))
    return LiveRules(row.id, RuleChanges.from_json(row.changes)) if row is not None else None


@dataclass(frozen=True)
class PromptFacts:
    """What the policy needs from the database about one prompt's author and cameos, and the rule
    sets that decide it (active) and watch it (shadow)."""
    profile: Profile
    cameos: tuple[CameoTerms, ...]
    granted_figures: tuple[str, ...]
    ip_entries: tuple[IpEntry, ...]
    active: LiveRules = SHIPPED
    shadow: LiveRules | None = None


#: the longest prompt or caption the policy reads (a 100,000-character one took 16 s to check)
MAX_PROMPT_CHARS = 2000


def refuse_overlong_text(text: str, what: str = "prompt") -> str:
    """The text, unless it is longer than any prompt or caption may be."""
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"a {what} is at most {MAX_PROMPT_CHARS} characters (this one has {len(text)})")
    return text


def _valid_prompt(prompt: str, region: str | None) -> str:
    prompt = refuse_unstorable_text((prompt or "").strip(), "prompt")  # before the tokenizer sees it
    if not prompt:
        raise InvalidInput("the prompt is empty")
    refuse_overlong_text(prompt)
    if region is not None and not re.fullmatch(r"[A-Za-z]{2}", region.strip()):
        raise InvalidInput("a region is a two-letter code such as US, DE or EU")
    return prompt


def _facts(session: Session, user: User | None, region: str | None, handles) -> PromptFacts:
    cameos = [load_cameo(session, handle) for handle in dict.fromkeys(handles)]
    return PromptFacts(profile_of(user, region), tuple(CameoTerms(c.handle, c.restrictions) for c in cameos),
                       tuple(granted_figures(session, user)) if user is not None else (),
                       tuple(active_ip_entries(session)),
                       live_rules(session, RuleSetStatus.ACTIVE) or SHIPPED, live_rules(session, RuleSetStatus.SHADOW))


class PolicyService:
    def __init__(self, store: Store, models) -> None:
        """`models`: the process's shared models (workbench.core.Models), loaded on first use."""
        self._store, self._models = store, models
        #: rule set id -> the policy with its changes (a rule set's changes never change once drafted)
        self._rule_policies: dict[int, PromptPolicy] = {}
        self._rule_lock = threading.Lock()

    def policy_for(self, rules: LiveRules) -> PromptPolicy:
        """The shipped policy with a rule set's changes, built once per rule set and process."""
        if rules.id is None:
            return self._models.prompt_policy
        with self._rule_lock:
            if rules.id not in self._rule_policies:
                self._rule_policies[rules.id] = self._models.prompt_policy.with_rules(rules.changes)
            return self._rule_policies[rules.id]

    def check(self, actor: ActorRef | None, prompt: str, *, region: str | None = None,
              cameos: tuple[str, ...] | list[str] = ()) -> Decision:
        """What the policy decides for this user's prompt (nothing is recorded: a dry run). Without
        a user: an adult with no grants, in `region` (default US)."""
        prompt = _valid_prompt(prompt, region)
        with self._store.transaction() as session:
            user = load_actor(session, actor) if actor is not None else None
            facts = _facts(session, user, region, cameos)
        return self.decide(prompt, facts)

    def screen(self, actor: ActorRef, prompt: str, *, cameos: tuple[str, ...] | list[str] = (),
               record: bool = True) -> Decision:
        """Check a prompt that is about to be generated: a block raises Forbidden with the reason;
        a block or review is recorded first (in its own transaction, so the refusal keeps it)."""
        prompt = _valid_prompt(prompt, None)
        with self._store.transaction() as session:
            user = load_actor(session, actor)
            facts = _facts(session, user, None, cameos)
            user_id = user.id
        decision = self.decide(prompt, facts)
        shadow = self.decide(prompt, facts, facts.shadow) if facts.shadow is not None else None
        if record:
            with self._store.transaction() as session:
                session.add(PromptCheck(
                    user_id=user_id, prompt=prompt, cameos=[c.handle for c in facts.cameos],
                    decision=decision.decision, codes=[r.code for r in decision.reasons], rule_set_id=facts.active.id,
                    shadow_rule_set_id=facts.shadow.id if shadow else None,
                    shadow_decision=shadow.decision if shadow else None,
                    shadow_codes=[r.code for r in shadow.reasons] if shadow else None))
                if decision.decision != ALLOW:
                    record_hits(session, user_id, prompt, decision)
        if decision.blocked:
            raise Forbidden(decision.message())
        return decision

    def decide(self, prompt: str, facts: "PromptFacts", rules: LiveRules | None = None) -> Decision:
        """The policy itself (with the active rule set, or `rules`), run after the transaction that read
        the facts has ended: its first use in a process loads the sentence model, which must never
        happen while a database lock is held."""
        policy = self.policy_for(rules or facts.active).with_ip_entries(facts.ip_entries)
        return policy.check(prompt, profile=facts.profile, cameos=facts.cameos, granted_figures=facts.granted_figures)

    def confirm_public_figure(self, actor: ActorRef, name: str, cameo_handle: str) -> None:
        """Record that a gazetteer figure enrolled this cameo themselves (an admin's decision after
        review): prompts naming them are then allowed for whoever their cameo is granted to."""
        with self._store.transaction() as session:
            admin = load_actor(session, actor)
            require_role(admin, Role.ADMIN)
            known = {f["name"].casefold(): f for f in load_gazetteer()["figures"]}
            figure = known.get((name or "").strip().casefold())
            if figure is None:
                raise NotFound(f"{name!r} is not in the public-figure gazetteer")
            cameo = load_cameo(session, cameo_handle)
            row = session.scalar(select(PublicFigure).where(PublicFigure.name == figure["name"]))
            if row is None:
                row = PublicFigure(name=figure["name"], aliases=figure.get("aliases", []),
                                   category=figure.get("category", ""))
                session.add(row)
            row.cameo_id = cameo.id
            session.flush()
            audit(session, admin, "public_figure.confirm", "cameo", cameo.id, figure=figure["name"])


def record_hits(session: Session, user_id: int | None, prompt: str, decision: Decision) -> None:
    """One row per reason, linked to the registry entry it names where there is one."""
    for reason in decision.reasons:
        session.add(PolicyHit(user_id=user_id, decision=decision.decision, code=reason.code,
                              target=reason.target[:120], matched=reason.matched[:200], prompt=prompt,
                              ip_opt_out_id=reason.entry_id))
