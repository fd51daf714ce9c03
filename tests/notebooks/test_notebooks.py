"""Every notebook in notebooks/ runs top to bottom (on a small demo world or a small simulation), shows
its figures and ends by printing its answer."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from workbench.safety.deepfake.benchmark import PACKAGED_PEOPLE

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
pytestmark = pytest.mark.xdist_group("notebooks")


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, run_shared_dir, demo_world):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(demo_world(tmp_path, clips=8)))  # its seed_demo finds it seeded
    monkeypatch.setenv("WORKBENCH_DEMO_CLIPS", "8")
    monkeypatch.setenv("WORKBENCH_SIM_USERS", "1500")
    monkeypatch.setenv("WORKBENCH_SIM_DAYS", "7")
    monkeypatch.setenv("WORKBENCH_DEEPFAKE_CLIPS", "2")
    monkeypatch.setenv("WORKBENCH_DEEPFAKE_PEOPLE", ",".join(PACKAGED_PEOPLE))
    monkeypatch.setenv("WORKBENCH_DEEPFAKE_SBI_STEPS", "120")
    # the small deepfake benchmark the unit tests build too (the same files: built once a run)
    monkeypatch.setenv("WORKBENCH_DEEPFAKE_DIR", str(run_shared_dir / "deepfake"))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs), "no plotly figure"
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Answer: " in printed  # the stated answer, drawn from the figures above it
