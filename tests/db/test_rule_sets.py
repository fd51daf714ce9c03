"""Versioned prompt-policy rule sets on SQLite and PostgreSQL: a draft that blocks a new theme is
backtested over the logged prompts (exact counts), shadowed (logged beside the active decision, acting
on nothing), activated (now refused); a discarded draft leaves the active set as it was; two admins
activating at once leave one active set."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from workbench import Conflict, Forbidden, InvalidInput
from workbench.store.models import PromptCheck

pytestmark = pytest.mark.db

FIREWORKS = {"themes": {"fireworks": "block"}, "theme_words": {"fireworks": ["firework", "fireworks", "firecracker",
                                                                            "sparkler", "sparklers"]}}
ABOUT_FIREWORKS = ["a dog watching fireworks over the bay", "kids waving sparklers in a garden",
                   "a firecracker popping on a snowy street"]
OTHER = ["a cat juggling oranges", "a quiet lake at dawn", "an otter surfing a wave"]


def screened(wb, handle, prompt):
    """The decision screen() acted on: allow or review, or 'block' when it refused."""
    try:
        return wb.prompt_policy.screen(handle, prompt).decision
    except Forbidden:
        return "block"


def test_a_rule_set_is_backtested_shadowed_then_activated_and_a_discard_changes_nothing(people):
    wb = people
    for prompt in ABOUT_FIREWORKS + OTHER:
        assert screened(wb, "ana", prompt) == "allow"
    assert screened(wb, "ana", OTHER[0]) == "allow"  # the same prompt twice is decided once in a backtest

    with pytest.raises(Forbidden):
        wb.rule_sets.draft("rita", FIREWORKS, note="no fireworks")
    with pytest.raises(InvalidInput, match="action is one of"):
        wb.rule_sets.draft("ada", {"themes": {"fireworks": "ban"}}, note="no fireworks")
    with pytest.raises(InvalidInput, match="say why"):
        wb.rule_sets.draft("ada", FIREWORKS)
    draft = wb.rule_sets.draft("ada", FIREWORKS, note="no fireworks")
    assert draft.status == "draft"
    with pytest.raises(Conflict, match="backtest"):
        wb.rule_sets.shadow("ada", draft.id)

    result = wb.rule_sets.backtest("ada", draft.id, labelled=())
    logged = result["logged"]
    assert logged["checked"] == len(ABOUT_FIREWORKS + OTHER)
    assert logged["changed"] == len(ABOUT_FIREWORKS)
    assert logged["by_transition"] == {"allow→block": 3} and logged["by_category"] == {"theme_rule": 3}
    assert {e["prompt"] for e in logged["examples"]["theme_rule"]} == set(ABOUT_FIREWORKS)

    wb.rule_sets.shadow("ada", draft.id)
    assert screened(wb, "ben", "fireworks above the old harbour") == "allow"  # shadow acts on nothing
    assert screened(wb, "ben", "a heron in the reeds") == "allow"
    with wb.transaction() as session:
        rows = session.scalars(select(PromptCheck).where(PromptCheck.shadow_rule_set_id == draft.id)).all()
        assert [(r.decision, r.shadow_decision) for r in rows] == [("allow", "block"), ("allow", "allow")]
    report = wb.rule_sets.shadow_report("ada", draft.id)
    assert (report["checked"], report["changed"]) == (2, 1)

    active = wb.rule_sets.activate("ada", draft.id)
    assert active.status == "active"
    with pytest.raises(Forbidden, match="fireworks"):
        wb.prompt_policy.screen("ben", "fireworks above the old harbour")

    pirates = wb.rule_sets.draft("ada", {"themes": {"pirates": "block"}, "theme_words": {"pirates": ["pirate"]}},
                                 note="no pirates")
    assert pirates.changes["themes"] == {"fireworks": "block", "pirates": "block"}  # written over the active set
    wb.rule_sets.backtest("ada", pirates.id, labelled=())
    wb.rule_sets.discard("ada", pirates.id)
    assert wb.rule_sets.get("ada", draft.id).status == "active"
    assert screened(wb, "ben", "a pirate ship at sea") == "allow"
    assert screened(wb, "ben", "a sparkler at a wedding") == "block"
    with pytest.raises(Conflict, match="discarded"):
        wb.rule_sets.activate("ada", pirates.id)
    steps = [e.action for e in wb.moderation.audit_log("ada", target_type="rule_set")]
    assert steps[::-1] == ["rule_set.draft", "rule_set.backtest", "rule_set.shadow", "rule_set.activate",
                           "rule_set.draft", "rule_set.backtest", "rule_set.discard"]


def test_a_backtest_scores_both_rule_sets_on_a_labelled_prompt_set(people):
    wb = people
    draft = wb.rule_sets.draft("ada", {"public_figures": {"remove": ["Taylor Swift"]}}, note="she enrolled")
    labelled = wb.rule_sets.backtest("ada", draft.id, labelled=("dev",))["labelled"]["dev"]
    assert labelled["by_transition"]["block→allow"] >= 5  # the dev set names her, spelled many ways
    assert labelled["changed"] == sum(labelled["by_transition"].values())
    assert labelled["draft_scores"]["block_recall"] < labelled["active_scores"]["block_recall"]
    with pytest.raises(InvalidInput, match="no labelled prompt set"):
        wb.rule_sets.backtest("ada", draft.id, labelled=("nonesuch",))


def test_two_admins_activating_at_once_leave_one_active_rule_set(people):
    wb = people
    wb.users.create("ada", "adam", role="admin")
    drafts = [wb.rule_sets.draft(admin, {"themes": {theme: "block"}}, note=f"no {theme}") for admin, theme in
              (("ada", "fireworks"), ("adam", "pirates"))]
    for draft in drafts:
        wb.rule_sets.backtest("ada", draft.id, labelled=())

    def activate(args):
        admin, rule_set_id = args
        try:
            return wb.rule_sets.activate(admin, rule_set_id).status
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(activate, [("ada", drafts[0].id), ("adam", drafts[1].id)]))
    statuses = sorted(view.status for view in wb.rule_sets.rule_sets("ada"))
    assert statuses.count("active") == 1
    assert "active" in outcomes
