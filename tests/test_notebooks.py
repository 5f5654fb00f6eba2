"""Every analyst notebook in notebooks/ runs top to bottom on the synthetic year (and the local Neo4j)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# notebook 02 ingests into the shared server, so these run in the Neo4j group, one at a time
pytestmark = pytest.mark.neo4j  # run one at a time (make test runs the neo4j tests serially)

#: a notebook must finish well inside this on the Durham-sized data (the brief: under a minute)
TIMEOUT_SECONDS = 240


def test_there_are_three_notebooks():
    assert [n.name for n in NOTEBOOKS] == [
        "01-monthly-mapping-meeting.ipynb",
        "02-police-hotspot-review.ipynb",
        "03-individual-peer-map.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: clear the outputs before committing"
            assert cell.execution_count is None, f"{path.name}: clear the execution counts before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path):
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for private in ("graph_models", "geo.", "exports", "peermap.mapping", "mapping.analysis", "from mapping import"):
        assert private not in source, f"{path.name} reaches into {private}: use the peermap API"
    assert "import peermap" in source


def _kernel_manager():
    """A kernel started with this interpreter (the venv's ipykernel), whatever kernelspecs the machine has."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    return manager


def test_python3_kernel_is_this_environment():
    manager = _kernel_manager()
    assert manager.kernel_cmd[0] == sys.executable


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, synthetic_year, graph, tmp_path, monkeypatch):
    """Executes every cell in a fresh kernel; a cell error or a failed assert fails the test.

    ``graph`` gives an empty graph on the shared server (notebook 02 ingests what it needs).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        assert os.environ.get(name), f"{name} is not set"  # the neo4j_connection fixture already said how
    monkeypatch.setenv("PEERMAP_NOTEBOOK_DATA", str(synthetic_year))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook's outputs land in this test's folder
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        km=_kernel_manager(),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()  # nbclient's own per-cell timeout stops a hung cell; speed is not asserted here
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_notebook_02_fails_clearly_without_neo4j(synthetic_year, tmp_path, monkeypatch):
    """Without NEO4J_URI the Neo4j part stops with a message saying what to set, never skips silently."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("PEERMAP_NOTEBOOK_DATA", str(synthetic_year))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    nb = nbformat.read(ROOT / "notebooks" / "02-police-hotspot-review.ipynb", as_version=4)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        km=_kernel_manager(),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    with pytest.raises(CellExecutionError, match="NEO4J_URI is not set"):
        client.execute()
