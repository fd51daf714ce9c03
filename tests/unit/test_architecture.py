"""The layer map holds: import-linter's contracts (pyproject.toml), no cycle between modules, and no
workbench import hidden inside a function except where it keeps a heavy library off the start-up path."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parents[2]

#: (module, function) pairs allowed to import workbench modules late, and why
LATE_IMPORTS = {
    # the command line answers --help and small commands without loading the whole app
    ("workbench.cli", "*"): "start-up time",
    # scikit-learn and the detectors' weights, needed only when a clip is scanned
    ("workbench.core", "deepfake_detectors"): "scikit-learn",
    # torch, needed only when a self-blended deepfake detector is made, trained or loaded
    ("workbench.safety.deepfake.detectors", "frame_features"): "torch",
    ("workbench.safety.deepfake.detectors", "fit"): "torch",
    ("workbench.safety.deepfake.detectors", "predict_frame_proba"): "torch",
    ("workbench.safety.deepfake.detectors", "_load_model"): "torch",
    # the metrics are pandas functions, needed only when a creator's report is asked for
    ("workbench.social.analytics", "creator_report"): "pandas",
    ("workbench.social.analytics", "platform_report"): "pandas",
    # torch and diffusers, needed only when that backend is chosen
    ("workbench.generation.service", "_backend"): "torch",
    # Alembic runs env.py itself, after the settings are known
    ("workbench.store.migrations.env", "run_migrations_online"): "alembic",
}


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("workbench", cache_dir=None)
    edges = nx.DiGraph((module, imported) for module in graph.modules
                       for imported in graph.find_modules_directly_imported_by(module))
    assert list(nx.simple_cycles(edges)) == []


def late_workbench_imports(source: str) -> list[tuple[str, str]]:
    """(function, imported module) for each workbench import inside a function body."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("workbench")):
                    found.append((node.name, inner.module or "."))
                elif isinstance(inner, ast.Import):
                    found += [(node.name, alias.name) for alias in inner.names if alias.name.startswith("workbench")]
    return found


def test_late_imports_only_where_they_keep_a_heavy_library_off_start_up() -> None:
    hidden = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for function, imported in late_workbench_imports(path.read_text()):
            if (module, "*") not in LATE_IMPORTS and (module, function) not in LATE_IMPORTS:
                hidden.append(f"{module}.{function} imports {imported}")
    assert hidden == []


def test_the_checks_can_fail() -> None:
    """A late import like the ones this issue removed is caught."""
    source = "def case():\n    from workbench.media.provenance import verify\n"
    assert late_workbench_imports(source) == [("case", "workbench.media.provenance")]
