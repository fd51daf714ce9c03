"""A rule set's changes as the pure policy applies them, and the costs a rule set must not add."""
import pytest

from workbench.safety.policy import PromptPolicy, RuleChanges


@pytest.fixture(scope="module")
def policy():
    return PromptPolicy()


def test_a_rule_set_blocks_reviews_adds_and_removes(policy):
    rules = RuleChanges.from_json({
        "themes": {"gambling": "block", "pirates": "review"},
        "theme_words": {"pirates": ["pirate ship", "buccaneer"]},
        "public_figures": {"add": [{"name": "Zorblax Quim"}], "remove": ["Taylor Swift"]},
        "registry": [{"name": "Glimmerbot"}], "thresholds": {"ip_threshold": 0.8}})
    changed = policy.with_rules(rules)
    for prompt, before, after in (("a casino night with poker chips", "allow", "block"),
                                  ("a buccaneer on deck", "allow", "review"),
                                  ("Zorblax Quim dancing", "allow", "block"),
                                  ("Taylor Swift singing", "block", "allow"),
                                  ("Glimmerbot flying over a city", "allow", "block"),
                                  ("a cat asleep on a sofa", "allow", "allow")):
        assert (policy.check(prompt).decision, changed.check(prompt).decision) == (before, after), prompt
    assert changed.ip_threshold == 0.8 and policy.ip_threshold != 0.8
    assert "touches gambling, which the platform does not allow" in changed.check("a casino").message()
    # a registry added per check keeps the rule set's entries
    assert changed.with_ip_entries([]).check("Glimmerbot flying over a city").decision == "block"


@pytest.mark.parametrize("bad, words", [({"themes": {"x": "ban"}}, "action is one of"),
                                        ({"thresholds": {"ip_threshold": 5}}, "from 0.3 to 0.95"),
                                        ({"thresholds": {"speed": 0.5}}, "unknown threshold"),
                                        ({"colour": {}}, "unknown parts"),
                                        ({"theme_words": {"x": "casino"}}, "list of words"),
                                        ({"registry": [{"aliases": ["x"]}]}, "has a name"),
                                        ([], "JSON object")])
def test_a_rule_set_that_is_not_valid_says_what_is_wrong(bad, words):
    with pytest.raises(ValueError, match=words):
        RuleChanges.from_json(bad)


def test_a_draft_is_written_over_the_active_set():
    active = RuleChanges.from_json({"themes": {"gambling": "block"}, "thresholds": {"ip_threshold": 0.7}})
    draft = RuleChanges.from_json({"themes": {"gambling": "allow", "pirates": "block"}}).merged_over(active)
    assert draft.to_json()["themes"] == {"gambling": "allow", "pirates": "block"}
    assert draft.to_json()["thresholds"] == {"ip_threshold": 0.7}


def test_the_described_people_index_is_built_once_for_every_copy(policy):
    """Each check copies the policy (with_ip_entries); a copy made before the index existed built its
    own, 0.7 s a check, which made a rule set's every screen 250 ms (benchmarks/bench_rule_sets.py)."""
    rules = policy.with_rules(RuleChanges.from_json({"themes": {"gambling": "block"}}))
    first = rules.with_ip_entries([]).described_people
    assert rules.with_ip_entries([]).described_people is first
    assert policy.with_ip_entries([]).described_people is first
