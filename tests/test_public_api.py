"""peermap's public Python API: every exported name imports and is documented in docs/python-api.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import peermap

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "python-api.md"


@pytest.mark.parametrize("name", peermap.__all__)
def test_every_public_name_imports(name):
    assert getattr(peermap, name) is not None
    exec(f"from peermap import {name}", {})


@pytest.mark.parametrize("name", peermap.__all__)
def test_every_public_name_is_documented(name):
    headings = re.findall(r"^#{2,4} `([A-Za-z0-9_]+)", DOC.read_text(), flags=re.M)
    assert name in headings, f"document `{name}` under its own heading in docs/python-api.md"


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        peermap.not_a_thing  # noqa: B018


def test_import_is_lazy():
    """`import peermap` alone loads none of the heavy modules."""
    heavy = ("pandas", "geopandas", "neo4j", "networkx")
    code = f"import sys, peermap; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_recipe_names_match_the_cookbook():
    assert [r.name for r in peermap.cookbook.RECIPES]
    for r in peermap.cookbook.RECIPES:
        assert peermap.recipe(r.name) is r
    with pytest.raises(KeyError, match="no cookbook recipe"):
        peermap.recipe("nope")


def test_neo4j_wrappers_say_what_to_set(monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    with pytest.raises(peermap.StoreError, match="NEO4J_URI"):
        peermap.read_neo4j()


def test_cluster_of_gives_int_clusters(synthetic_dataset):
    analysis = peermap.analyse(
        synthetic_dataset, peermap.Period.from_month("2023-03"), previous=False, duplicates=False
    )
    clusters = peermap.cluster_of(analysis)
    assert clusters and all(isinstance(v, int) and v > 0 for v in clusters.values())
    assert set(clusters) <= set(analysis.people["ref"])
