"""The `workbench` command line as ops use it: one JSON object per report, status 1 with the
reason when a request is refused."""
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.xdist_group("cli")


def run_cli(tmp_path, *args):
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(tmp_path)}
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
