"""The `workbench` command line as ops use it: one JSON object per report, status 1 with the
reason when a request is refused."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("cli")


def run_cli(tmp_path, *args):
    # no decision is drawn for a blind quality review (a 10 % draw by default): a review case would
    # join the queue the moderation test reads at random
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(tmp_path), "WORKBENCH_REVIEW_QA_SHARE": "0"}
    env.pop("WORKBENCH_DATABASE_URL", None)
    env.pop("WORKBENCH_MEDIA_DIR", None)
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_seed_demo_prints_counts_and_is_idempotent(tmp_path):
    first = run_cli(tmp_path, "seed", "--demo", "--clips", "6", "--json")
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert counts["created"] is True and counts["clips"] == 6 and counts["users"] == 30
    assert counts["max_remix_depth"] >= 3
    again = run_cli(tmp_path, "seed", "--demo", "--clips", "6", "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout) == {**counts, "created": False}


def test_seed_refuses_a_database_with_other_data(tmp_path):
    added = run_cli(tmp_path, "users", "add", "--handle", "opsbot", "--role", "admin", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["role"] == "admin"
    refused = run_cli(tmp_path, "seed", "--demo", "--clips", "6", "--json")
    assert refused.returncode == 1
    assert "empty database" in json.loads(refused.stdout)["error"]
    assert not list((tmp_path / "media").rglob("*.mp4"))


def test_users_add_reports_refusals(tmp_path):
    assert run_cli(tmp_path, "users", "add", "--handle", "ana").returncode == 0
    taken = run_cli(tmp_path, "users", "add", "--handle", "ana")
    assert taken.returncode == 1 and "taken" in taken.stderr
    bad_role = run_cli(tmp_path, "users", "add", "--handle", "bob", "--role", "overlord", "--json")
    assert bad_role.returncode == 1 and "unknown role" in json.loads(bad_role.stdout)["error"]


def test_seed_without_demo_is_a_usage_error(tmp_path):
    result = run_cli(tmp_path, "seed")
    assert result.returncode == 2 and "--demo" in result.stderr


def test_generate_then_verify_provenance(tmp_path):
    assert run_cli(tmp_path, "users", "add", "--handle", "ana").returncode == 0
    made = run_cli(tmp_path, "generate", "--prompt", "a cat on the moon | the cat waves", "--as", "ana",
                   "--seed", "5", "--duration", "2", "--json")
    assert made.returncode == 0, made.stderr
    clip = json.loads(made.stdout)
    assert (clip["width"], clip["height"], clip["backend"], clip["status"]) == (360, 640, "procedural", "draft")
    assert clip["duration_s"] == 2.0 and Path(clip["path"]).exists()

    checked = run_cli(tmp_path, "provenance", "verify", clip["path"], "--json")
    report = json.loads(checked.stdout)
    assert checked.returncode == 0
    assert (report["manifest"], report["state"], report["ai_generated"], report["author"]) == (True, "Trusted", True, "@ana")

    tampered = tmp_path / "tampered.mp4"
    data = bytearray(Path(clip["path"]).read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    broken = run_cli(tmp_path, "provenance", "verify", str(tampered), "--json")
    assert broken.returncode == 1 and json.loads(broken.stdout)["state"] == "Invalid"

    # another installation (its own signing root) claims the same author: intact, but not accepted
    elsewhere = tmp_path / "elsewhere"
    assert run_cli(elsewhere, "users", "add", "--handle", "ana").returncode == 0
    forged = json.loads(run_cli(elsewhere, "generate", "--prompt", "a cat on the moon", "--as", "ana",
                                "--seed", "5", "--duration", "1", "--json").stdout)
    claimed = run_cli(tmp_path, "provenance", "verify", forged["path"], "--json")
    report = json.loads(claimed.stdout)
    assert claimed.returncode == 1 and (report["state"], report["trusted"], report["author"]) == ("Valid", False, "@ana")
    assert "not trusted" in claimed.stderr and "a claim" in claimed.stderr

    remixed = run_cli(tmp_path, "generate", "--prompt", "now in space", "--as", "ana", "--remix-of",
                      str(clip["video_id"]), "--json")
    assert remixed.returncode == 1 and "draft" in json.loads(remixed.stdout)["error"]  # drafts cannot be remixed


def test_generate_refuses_bad_input(tmp_path):
    assert run_cli(tmp_path, "users", "add", "--handle", "ana").returncode == 0
    empty = run_cli(tmp_path, "generate", "--prompt", " ", "--as", "ana", "--json")
    assert empty.returncode == 1 and "empty" in json.loads(empty.stdout)["error"]
    ghost = run_cli(tmp_path, "generate", "--prompt", "a cat", "--as", "ghost", "--json")
    assert ghost.returncode == 1 and "@ghost" in json.loads(ghost.stdout)["error"]
    assert not list((tmp_path / "media").rglob("*.mp4"))


def test_rights_and_policy_commands_keep_their_json_contract(tmp_path):
    holder = run_cli(tmp_path, "users", "add", "--handle", "studio", "--role", "rights_holder", "--json")
    assert holder.returncode == 0, holder.stderr
    added = run_cli(tmp_path, "rights", "opt-out", "add", "--as", "studio", "--name", "Pikachu", "--alias", "Pika Pika",
                    "--description", "a small yellow electric mouse with red cheeks", "--scope", "block", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["aliases"] == ["Pika Pika"]
    checked = run_cli(tmp_path, "policy", "check", "--json", "p i k a c h u surfing")
    assert checked.returncode == 0, checked.stderr
    decision = json.loads(checked.stdout)
    assert decision["decision"] == "block" and decision["reasons"][0]["code"] == "ip"
    assert {"code", "matched"} <= set(decision["reasons"][0])
    assert json.loads(run_cli(tmp_path, "policy", "check", "--json", "a cat surfing").stdout) == {
        "decision": "allow", "reasons": [], "notes": [], "profile": "default"}
    eu = json.loads(run_cli(tmp_path, "policy", "check", "--region", "EU", "--json",
                            "a deepfake of my neighbour").stdout)
    assert eu["decision"] == "block" and eu["profile"] == "eu"
    unknown = run_cli(tmp_path, "policy", "check", "--as", "nobody", "--json", "a cat")
    assert unknown.returncode == 1 and "nobody" in json.loads(unknown.stdout)["error"]
    refused = run_cli(tmp_path, "rights", "opt-out", "add", "--as", "studio", "--name", "X", "--scope", "maybe",
                      "--json")
    assert refused.returncode == 1 and "scope" in json.loads(refused.stdout)["error"]
    not_admin = run_cli(tmp_path, "policy", "confirm-figure", "--as", "studio", "--name", "Taylor Swift",
                        "--cameo", "nobody", "--json")
    assert not_admin.returncode == 1 and "error" in json.loads(not_admin.stdout)


def test_moderation_commands_report_claim_decide_and_appeal(tmp_path):
    for handle, role in (("ana", "user"), ("ben", "user"), ("rita", "reviewer"), ("rex", "reviewer"), ("ada", "admin")):
        assert run_cli(tmp_path, "users", "add", "--handle", handle, "--role", role).returncode == 0
    made = run_cli(tmp_path, "generate", "--prompt", "a cat juggling", "--as", "ana", "--duration", "1",
                   "--publish", "--json")
    video_id = json.loads(made.stdout)["video_id"]
    report = run_cli(tmp_path, "moderation", "report", str(video_id), "--as", "ben", "--reason", "spam",
                     "--details", "posted ten times", "--json")
    assert report.returncode == 0, report.stderr
    case_id = json.loads(report.stdout)["case"]["id"]

    refused = run_cli(tmp_path, "moderation", "queue", "--as", "ana", "--json")
    assert refused.returncode == 1 and json.loads(refused.stdout)["kind"] == "Forbidden"
    queue = json.loads(run_cli(tmp_path, "moderation", "queue", "--as", "rita", "--json").stdout)["cases"]
    assert [(c["id"], c["video_id"], c["status"]) for c in queue] == [(case_id, video_id, "open")]

    claimed = json.loads(run_cli(tmp_path, "moderation", "claim", "--as", "rita", "--json").stdout)["case"]
    assert claimed["id"] == case_id and claimed["claimed_by"] == "rita"
    assert json.loads(run_cli(tmp_path, "moderation", "claim", "--as", "rex", "--json").stdout) == {"case": None}
    stolen = run_cli(tmp_path, "moderation", "decide", str(case_id), "--as", "rex", "--action", "keep",
                     "--reason", "fine", "--json")
    assert stolen.returncode == 1 and "held by @rita" in json.loads(stolen.stdout)["error"]
    decided = run_cli(tmp_path, "moderation", "decide", str(case_id), "--as", "rita", "--action", "remove",
                      "--reason", "repeated spam", "--json")
    assert decided.returncode == 0, decided.stderr
    assert json.loads(decided.stdout)["case"]["decision"] == "remove"
    again = run_cli(tmp_path, "moderation", "decide", str(case_id), "--as", "rita", "--action", "keep",
                    "--reason", "oops", "--json")
    assert again.returncode == 1 and "already decided" in json.loads(again.stdout)["error"]

    appeal = run_cli(tmp_path, "moderation", "appeal", str(case_id), "--as", "ana", "--statement", "posted once",
                     "--json")
    appeal_id = json.loads(appeal.stdout)["case"]["id"]
    assert json.loads(run_cli(tmp_path, "moderation", "claim", "--as", "rita", "--json").stdout) == {"case": None}
    assert json.loads(run_cli(tmp_path, "moderation", "claim", "--as", "rex", "--json").stdout)["case"]["id"] == appeal_id
    audit = json.loads(run_cli(tmp_path, "moderation", "audit", "--as", "ada", "--case", str(case_id), "--json").stdout)
    assert [(e["action"], e["actor"]) for e in audit["entries"]] == [("case.decide", "rita"), ("case.claim", "rita")]
    assert run_cli(tmp_path, "moderation", "audit", "--as", "rita", "--json").returncode == 1


def test_feed_prints_ranked_items_with_reasons(tmp_path, demo_world):
    demo_world(tmp_path, clips=8)
    shown = run_cli(tmp_path, "feed", "--as", "ana", "--limit", "5", "--json")
    assert shown.returncode == 0, shown.stderr
    items = json.loads(shown.stdout)["items"]
    assert [item["rank"] for item in items] == list(range(1, len(items) + 1)) and items
    assert all(item["reason"] and item["policy"] == "connection_first" for item in items)
    animals = json.loads(run_cli(tmp_path, "feed", "--as", "ana", "--mood", "animals", "--json").stdout)["items"]
    assert all("animals" in item["moods"] for item in animals)
    teen = json.loads(run_cli(tmp_path, "feed", "--as", "uma", "--policy", "popularity", "--json").stdout)["items"]
    assert {item["policy"] for item in teen} == {"non_personalised"}
    steered = json.loads(run_cli(tmp_path, "feed", "--as", "ana", "--steer", "no animals", "--json").stdout)["items"]
    assert steered and not any("animals" in item["moods"] for item in steered)
    bad = run_cli(tmp_path, "feed", "--as", "ana", "--tab", "trending", "--json")
    assert bad.returncode == 1 and "unknown feed tab" in json.loads(bad.stdout)["error"]


def test_simulate_then_metrics_is_reproducible_to_the_byte(tmp_path):
    outputs = []
    for name in ("a", "b"):
        made = run_cli(tmp_path, "simulate", "--users", "300", "--days", "3", "--seed", "9", "--out",
                       str(tmp_path / name), "--json")
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["views"] > 0
        measured = run_cli(tmp_path, "metrics", str(tmp_path / name), "--json")
        assert measured.returncode == 0, measured.stderr
        outputs.append(measured.stdout)
    assert outputs[0] == outputs[1]
    summary = json.loads(outputs[0])
    assert 0 < summary["completion_rate"] < 1 and summary["remix_trees"]["max_depth"] >= 1
    assert set(summary["completion_by_duration"]) == {"0-3 s", "3-6 s", "6-10 s", "10 s+"}
    bad = run_cli(tmp_path, "simulate", "--users", "50", "--days", "1", "--policy", "random", "--out",
                  str(tmp_path / "c"), "--json")
    assert bad.returncode == 1 and "unknown ranking policy" in json.loads(bad.stdout)["error"]


def test_policy_rules_draft_backtest_shadow_activate_and_discard(tmp_path):
    for handle, role in (("ada", "admin"), ("ana", "user")):
        assert run_cli(tmp_path, "users", "add", "--handle", handle, "--role", role).returncode == 0

    def rules(*args):
        result = run_cli(tmp_path, "policy", "rules", *args, "--json")
        return result.returncode, json.loads(result.stdout)

    changes = tmp_path / "fireworks.json"
    changes.write_text(json.dumps({"themes": {"fireworks": "block"}, "theme_words": {"fireworks": ["sparkler"]}}))
    code, refused = rules("draft", f"@{changes}", "--as", "ana", "--note", "mine")
    assert code == 1 and refused["kind"] == "Forbidden"
    code, draft = rules("draft", f"@{changes}", "--as", "ada", "--note", "no fireworks")
    assert code == 0 and draft["status"] == "draft" and draft["changes"]["themes"] == {"fireworks": "block"}
    code, early = rules("activate", str(draft["id"]), "--as", "ada")
    assert code == 1 and "backtest" in early["error"]
    code, result = rules("backtest", str(draft["id"]), "--as", "ada", "--logged-only")
    assert code == 0 and result["logged"]["checked"] == 0 and result["labelled"] == {}
    assert rules("shadow", str(draft["id"]), "--as", "ada")[1]["status"] == "shadow"
    assert rules("activate", str(draft["id"]), "--as", "ada")[1]["status"] == "active"
    checked = run_cli(tmp_path, "policy", "check", "kids with a sparkler", "--json")
    assert json.loads(checked.stdout)["decision"] == "block"
    code, other = rules("draft", '{"themes": {"pirates": "review"}}', "--as", "ada", "--note", "pirates")
    assert rules("discard", str(other["id"]), "--as", "ada")[1]["status"] == "discarded"
    listed = rules("list", "--as", "ada")[1]["rule_sets"]
    assert [(r["id"], r["status"]) for r in listed] == [(other["id"], "discarded"), (draft["id"], "active")]
    code, bad = rules("draft", "{not json", "--as", "ada", "--note", "oops")
    assert code == 1 and "not JSON" in bad["error"]
