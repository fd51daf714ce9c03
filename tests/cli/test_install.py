"""Installed as a normal package (a wheel, not `pip install -e`) into a fresh virtual environment, the
workbench finds its data and seeds the demo world from a folder that is not the repository."""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("cli")

ROOT = Path(__file__).resolve().parents[2]


def run(*command, **kwargs):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_a_wheel_installed_into_a_fresh_venv_seeds_the_demo_from_another_folder(tmp_path):
    # nothing of the test environment's own workbench: no settings, no PYTHONPATH pointing into a checkout
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_") and key != "PYTHONPATH"}
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    shutil.copytree(ROOT / "workbench", source / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist", source)
    wheel = next((tmp_path / "dist").glob("workbench-*.whl"))
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, env=env)
    python = venv / "bin" / "python"
    # The dependencies are the test environment's (lines of a .pth file go on sys.path as they are, so
    # its editable workbench, hooked in by its own .pth files, is not); the workbench is the wheel's.
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", env=env).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel, env=env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env["WORKBENCH_DATA_DIR"] = str(tmp_path / "data")
    located = run(python, "-c", "import workbench, workbench.files as f; print(workbench.__file__); "
                  "print(f.packaged_data('moods.json'))", cwd=elsewhere, env=env).stdout.split()
    assert all(path.startswith(str(site)) for path in located), located

    seeded = run(venv / "bin" / "workbench", "seed", "--demo", "--clips", "4", "--json", cwd=elsewhere, env=env)
    counts = json.loads(seeded.stdout)
    assert counts["created"] is True and counts["clips"] == 4 and counts["users"] == 30
    assert len(list((tmp_path / "data" / "media").rglob("*.mp4"))) == 4

    served = subprocess.run([str(venv / "bin" / "workbench"), "serve", "--no-demo", "--no-worker"], cwd=elsewhere,
                            env=env, capture_output=True, text=True, timeout=60)
    assert served.returncode == 1 and "source checkout" in served.stderr and "Traceback" not in served.stderr
