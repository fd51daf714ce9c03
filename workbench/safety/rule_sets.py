"""Versioned rule sets of the prompt policy, tested before they act (shadow mode).

An admin drafts a change to the policy's editable parts (workbench.safety.policy.RuleChanges: themes
that block or send to review, thresholds, registry entries, public figures), written over the active
rule set's changes so that each version is whole. Then:

    draft --backtest--> draft  (every logged prompt and the labelled prompt sets, decided by the
                                active set and by the draft: what would change, by category)
    draft --shadow--> shadow   (live prompts are decided by both; the draft's decision is logged beside
                                the active one and acts on nothing)
    draft | shadow --activate--> active  (the active one retires)
    draft | shadow --discard--> discarded (the active set is untouched)

A rule set is backtested before it may shadow or act. At most one is active and one in shadow (a
partial unique index: of two admins activating at once, one wins). Every step is audited, in the
transaction of the change it records. Policies are built and run outside transactions (their first
use loads the sentence model).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workbench.actors import ActorRef, audit, load_actor, require_role
from workbench.errors import Conflict, InvalidInput, NotFound
from workbench.safety.evaluation import (
    PROMPT_SET_DIR,
    block_recall,
    exact_accuracy,
    false_block_rate,
    load_cases,
    load_registry,
    run_cases,
)
from workbench.safety.policy import SEVERITY, CameoTerms, Decision, Reason, RuleChanges
from workbench.safety.service import (
    SHIPPED,
    LiveRules,
    PolicyService,
    PromptFacts,
    active_ip_entries,
    granted_figures,
    live_rules,
    profile_of,
)
from workbench.store.db import Store
from workbench.store.models import (
    Cameo,
    PolicyHit,
    PolicyRuleSet,
    PromptCheck,
    Role,
    RuleSetStatus,
    User,
    as_utc,
    utcnow,
)

DRAFT, SHADOW, ACTIVE = RuleSetStatus.DRAFT, RuleSetStatus.SHADOW, RuleSetStatus.ACTIVE
RETIRED, DISCARDED = RuleSetStatus.RETIRED, RuleSetStatus.DISCARDED
#: the labelled prompt sets a backtest runs by default (data/policy_prompts/<name>.jsonl)
BACKTEST_SETS = ("dev",)
#: examples kept per category of change
EXAMPLES = 5
MAX_NOTE_CHARS = 1000


@dataclass(frozen=True)
class RuleSetView:
    id: int
    status: str
    changes: dict
    note: str
    created_by: str
    created_at: datetime
    backtest: dict | None
    shadow_since: datetime | None
    activated_at: datetime | None
    ended_at: datetime | None


def compare(pairs: list[tuple[dict, Decision, Decision]], examples: int = EXAMPLES) -> dict:
    """What a second policy changes: `pairs` of (what was checked, the active decision, the draft's).
    Counts of changed decisions by transition ("allow→block") and by category (the reason code that
    made the stricter decision), with up to `examples` examples per category."""
    by_transition: Counter = Counter()
    by_category: Counter = Counter()
    shown: dict[str, list] = {}
    for item, before, after in pairs:
        if before.decision == after.decision:
            continue
        by_transition[f"{before.decision}→{after.decision}"] += 1
        stricter = after if SEVERITY[after.decision] > SEVERITY[before.decision] else before
        category = stricter.reasons[0].code if stricter.reasons else "none"
        by_category[category] += 1
        if len(shown.setdefault(category, [])) < examples:
            shown[category].append({**item, "active": before.decision, "draft": after.decision,
                                    "reason": stricter.reasons[0].as_dict() if stricter.reasons else None})
    return {"checked": len(pairs), "changed": sum(by_transition.values()), "by_transition": dict(by_transition),
            "by_category": dict(by_category), "examples": shown}



class RuleSetService:
    def __init__(self, store: Store, policy: PolicyService) -> None:
        self._store, self._policy = store, policy

    def rule_sets(self, actor: ActorRef) -> list[RuleSetView]:
        """Every rule set, newest first (admins)."""
        with self._store.transaction() as session:
            _admin(session, actor)
            return _views(session, list(session.scalars(select(PolicyRuleSet).order_by(PolicyRuleSet.id.desc()))))

    def get(self, actor: ActorRef, rule_set_id: int) -> RuleSetView:
        with self._store.transaction() as session:
            _admin(session, actor)
            return _views(session, [_load(session, rule_set_id)])[0]

    def draft(self, actor: ActorRef, changes: dict, note: str = "") -> RuleSetView:
        """A new draft: `changes` (RuleChanges JSON) over the active rule set's, with why (`note`: kept
        with it and in the audit log)."""
        note = (note or "").strip()
        try:
            parsed = RuleChanges.from_json(changes)
        except ValueError as error:
            raise InvalidInput(f"the rule set is not valid: {error}") from None
        with self._store.transaction() as session:
            me = _admin(session, actor)
            if not note or len(note) > MAX_NOTE_CHARS:
                raise InvalidInput(f"say why in a note of at most {MAX_NOTE_CHARS} characters")
            active = live_rules(session, ACTIVE)
            whole = parsed.merged_over(active.changes) if active else parsed
            row = PolicyRuleSet(changes=whole.to_json(), note=note, created_by_id=me.id, status=DRAFT)
            session.add(row)
            session.flush()
            audit(session, me, "rule_set.draft", "rule_set", row.id, changes=parsed.to_json(),
                  over=active.id if active else None, note=note)
            return _views(session, [row])[0]

    def backtest(self, actor: ActorRef, rule_set_id: int, *, labelled: tuple[str, ...] = BACKTEST_SETS,
                 examples: int = EXAMPLES) -> dict:
        """Decide every logged prompt (the prompt log and the prompts blocked or sent to review before
        it) and the labelled prompt sets with the active rule set and with this one; store and return
        what would change. Each logged prompt is decided once per author, prompt and cameos, against
        today's facts (the author's profile and grants, the cameos' restrictions, the registry)."""
        for name in labelled:
            if name not in _known_sets():
                raise InvalidInput(f"no labelled prompt set {name!r}")
        with self._store.transaction() as session:
            _admin(session, actor)
            row = _load(session, rule_set_id)
            if row.status not in (DRAFT, SHADOW):
                raise Conflict(f"rule set #{row.id} is {row.status.value}: only a draft or a shadow is backtested")
            candidate = LiveRules(row.id, RuleChanges.from_json(row.changes))
            active = live_rules(session, ACTIVE) or SHIPPED
            logged = _logged_prompts(session)
        active_policy, draft_policy = self._policy.policy_for(active), self._policy.policy_for(candidate)
        pairs = []
        for item, facts in logged:
            before = self._policy.decide(item["prompt"], facts, active)
            after = self._policy.decide(item["prompt"], facts, candidate)
            pairs.append((item, before, after))
        result = {"active": active.id, "logged": compare(pairs, examples), "labelled": {}}
        registry = load_registry()
        for name in labelled:
            cases = load_cases(name)
            before = run_cases(active_policy.with_ip_entries(registry), cases)
            after = run_cases(draft_policy.with_ip_entries(registry), cases)
            summary = compare([({"id": b.case.id, "prompt": b.case.prompt, "expected": b.case.expected},
                                _decision_of(b.decision, b.codes), _decision_of(a.decision, a.codes))
                               for b, a in zip(before, after)], examples)
            summary["active_scores"], summary["draft_scores"] = _scores(before), _scores(after)
            result["labelled"][name] = summary
        with self._store.transaction() as session:
            me = _admin(session, actor)
            changed = session.execute(update(PolicyRuleSet).where(
                PolicyRuleSet.id == rule_set_id, PolicyRuleSet.status.in_((DRAFT, SHADOW)))
                .values(backtest=result).execution_options(synchronize_session=False)).rowcount
            if changed != 1:
                raise Conflict(f"rule set #{rule_set_id} was activated or discarded while it was backtested")
            audit(session, me, "rule_set.backtest", "rule_set", rule_set_id, checked=result["logged"]["checked"],
                  changed=result["logged"]["changed"], by_category=result["logged"]["by_category"])
        return result

    def shadow(self, actor: ActorRef, rule_set_id: int) -> RuleSetView:
        """Run a backtested draft in shadow: live prompts are decided by it too, logged, never acted on."""
        return self._move(actor, rule_set_id, (DRAFT,), SHADOW, "rule_set.shadow", shadow_since=utcnow())

    def activate(self, actor: ActorRef, rule_set_id: int) -> RuleSetView:
        """Make a backtested draft or shadow the rule set that decides; the active one retires."""
        return self._move(actor, rule_set_id, (DRAFT, SHADOW), ACTIVE, "rule_set.activate", activated_at=utcnow())

    def discard(self, actor: ActorRef, rule_set_id: int) -> RuleSetView:
        """Drop a draft or a shadow; the active rule set is untouched."""
        return self._move(actor, rule_set_id, (DRAFT, SHADOW), DISCARDED, "rule_set.discard", ended_at=utcnow())

    def shadow_report(self, actor: ActorRef, rule_set_id: int, *, examples: int = EXAMPLES) -> dict:
        """The live prompts decided while the rule set was in shadow: how many, and where its decision
        differed from the one that acted."""
        with self._store.transaction() as session:
            _admin(session, actor)
            _load(session, rule_set_id)
            rows = session.execute(select(PromptCheck, User.handle).outerjoin(User, User.id == PromptCheck.user_id)
                                   .where(PromptCheck.shadow_rule_set_id == rule_set_id).order_by(PromptCheck.id)).all()
        pairs = [({"prompt": row.prompt, "user": handle}, _decision_of(row.decision, row.codes),
                  _decision_of(row.shadow_decision, row.shadow_codes or [])) for row, handle in rows]
        return compare(pairs, examples)

    def _move(self, actor: ActorRef, rule_set_id: int, expected: tuple[RuleSetStatus, ...], to: RuleSetStatus,
              action: str, **stamps) -> RuleSetView:
        try:
            with self._store.transaction() as session:
                me = _admin(session, actor)
                row = _load(session, rule_set_id)
                if row.status not in expected:
                    raise Conflict(f"rule set #{row.id} is {row.status.value}: it cannot be moved to {to.value}")
                if to in (SHADOW, ACTIVE) and row.backtest is None:
                    raise Conflict(f"backtest rule set #{row.id} before it runs in shadow or acts")
                retired = None
                if to is ACTIVE:
                    retired = session.scalar(select(PolicyRuleSet.id).where(PolicyRuleSet.status == ACTIVE))
                    session.execute(update(PolicyRuleSet).where(PolicyRuleSet.status == ACTIVE)
                                    .values(status=RETIRED, ended_at=utcnow()).execution_options(synchronize_session=False))
                changed = session.execute(update(PolicyRuleSet).where(
                    PolicyRuleSet.id == row.id, PolicyRuleSet.status == row.status)
                    .values(status=to, **stamps).execution_options(synchronize_session=False)).rowcount
                if changed != 1:
                    raise Conflict(f"rule set #{row.id} changed meanwhile; look again")
                audit(session, me, action, "rule_set", row.id, was=row.status.value,
                      **({"retired": retired} if retired else {}))
                session.flush()
                session.refresh(row)
                return _views(session, [row])[0]
        except IntegrityError:
            raise Conflict(f"another rule set was put in {to.value} at the same moment; look again") from None


def _admin(session: Session, actor: ActorRef) -> User:
    me = load_actor(session, actor)
    require_role(me, Role.ADMIN)
    return me


def _load(session: Session, rule_set_id: int) -> PolicyRuleSet:
    row = (session.get(PolicyRuleSet, rule_set_id)
           if isinstance(rule_set_id, int) and not isinstance(rule_set_id, bool) else None)
    if row is None:
        raise NotFound(f"no rule set #{rule_set_id}")
    return row


def _views(session: Session, rows: list[PolicyRuleSet]) -> list[RuleSetView]:
    handles = dict(session.execute(select(User.id, User.handle)
                                   .where(User.id.in_({r.created_by_id for r in rows} - {None}))).all())
    stamp = lambda value: as_utc(value) if value is not None else None  # noqa: E731
    return [RuleSetView(r.id, r.status.value, dict(r.changes), r.note, handles.get(r.created_by_id, "operator"),
                        as_utc(r.created_at), r.backtest, stamp(r.shadow_since), stamp(r.activated_at),
                        stamp(r.ended_at)) for r in rows]


def _logged_prompts(session: Session) -> list[tuple[dict, PromptFacts]]:
    """Each distinct (author, prompt, cameos) of the prompt log and of the older record of blocks and
    reviews, with today's facts about it."""
    seen: dict[tuple, None] = {}
    for user_id, prompt, cameos in session.execute(select(PromptCheck.user_id, PromptCheck.prompt, PromptCheck.cameos)
                                                   .order_by(PromptCheck.id)):
        seen.setdefault((user_id, prompt, tuple(cameos)), None)
    logged = {key[:2] for key in seen}
    for user_id, prompt in session.execute(select(PolicyHit.user_id, PolicyHit.prompt).where(PolicyHit.prompt != "")
                                           .order_by(PolicyHit.id)):
        if (user_id, prompt) not in logged:
            seen.setdefault((user_id, prompt, ()), None)
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_({k[0] for k in seen} - {None})))}
    restrictions = dict(session.execute(select(Cameo.handle, Cameo.restrictions)).all())
    ip_entries = tuple(active_ip_entries(session))
    grants = {user_id: tuple(granted_figures(session, user)) for user_id, user in users.items()}
    out = []
    for user_id, prompt, cameos in seen:
        user = users.get(user_id)
        facts = PromptFacts(profile_of(user), tuple(CameoTerms(h, restrictions[h]) for h in cameos if h in restrictions),
                            grants.get(user_id, ()), ip_entries)
        out.append(({"prompt": prompt, "user": user.handle if user else None, "cameos": list(cameos)}, facts))
    return out


def _decision_of(decision: str, codes) -> Decision:
    """A decision recorded as its outcome and reason codes (a labelled set's outcome, a logged check),
    as `compare` reads it."""
    return Decision(decision, tuple(Reason(code, "") for code in codes), "recorded")


def _scores(outcomes) -> dict:
    return {"block_recall": round(block_recall(outcomes), 4), "false_block_rate": round(false_block_rate(outcomes), 4),
            "exact_accuracy": round(exact_accuracy(outcomes), 4)}


def _known_sets() -> set[str]:
    return {path.name.removesuffix(".jsonl") for path in PROMPT_SET_DIR.iterdir() if path.name.endswith(".jsonl")}
