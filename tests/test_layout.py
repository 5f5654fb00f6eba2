"""The code's shape (DESIGN.md "The layout"): one installed package, and imports that flow one way.

graph_models (loading, the Dataset, the stores) <- geo and mapping (analysis) <- exports (views and writers);
the command line and the public API sit above them all.
"""

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import peermap

ROOT = Path(__file__).resolve().parent.parent
#: each folder and the sub-packages it must never import
FORBIDDEN = {
    "graph_models": ("geo", "mapping", "exports", "cli", "synthetic"),
    "geo": ("exports", "cli"),
    "mapping": ("exports", "cli"),
    "exports": ("cli",),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, wherever the import sits (inside functions too), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def folder_of(name: str) -> Path:
    """Where the installed sub-package ``peermap.<name>`` lives (its top-level folder in the checkout)."""
    module = __import__(f"peermap.{name}", fromlist=["_"])
    return Path(module.__path__[0])


def violations(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted(folder.rglob("*.py")):
        for line, module in imported_modules(path):
            parts = module.split(".")
            below = parts[1] if parts[0] == "peermap" and len(parts) > 1 else None
            if below in forbidden or parts[0] in ("geo", "mapping", "exports", "graph_models"):
                out.append(f"{path.relative_to(folder.parent)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_imports_flow_one_way(name):
    """Nothing in graph_models/ imports geo/, mapping/ or exports/; nothing in geo/ or mapping/ imports exports/."""
    assert violations(folder_of(name), FORBIDDEN[name]) == []


def test_the_direction_check_sees_an_import_hidden_in_a_function(tmp_path):
    """The check can fail: an import of exports inside a function of a mapping module is found."""
    (tmp_path / "mapping").mkdir()
    (tmp_path / "mapping" / "sneaky.py").write_text(
        "def f():\n    from peermap.exports.pack import write_pack\n    return write_pack\n"
    )
    assert violations(tmp_path / "mapping", FORBIDDEN["mapping"]) == [
        "mapping/sneaky.py:2 imports peermap.exports.pack",
        "mapping/sneaky.py:2 imports peermap.exports.pack.write_pack",
    ]


def test_the_tests_use_the_installed_package():
    """pytest runs with --import-mode=importlib: peermap comes from the install, and no folder name is importable."""
    assert Path(peermap.__file__).resolve() == ROOT / "peermap" / "__init__.py"
    for name in ("geo", "mapping", "exports", "graph_models"):
        assert name not in sys.modules


@pytest.mark.slow
def test_pip_install_puts_one_top_level_package_in_a_fresh_environment(tmp_path):
    """`pip install .` into a fresh venv: only `peermap` (and its dist-info) lands; `import geo` fails there."""
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("peermap", "graph_models", "geo", "mapping", "exports"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("peermap-*.whl"))
    assert {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()} == {
        "peermap",
        wheel.name.split("-py3")[0] + ".dist-info",
    }

    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    assert {p.name for p in site.iterdir() if not p.name.startswith(("_", "."))} == {
        "peermap",
        wheel.name.split("-py3")[0] + ".dist-info",
    }

    # the dependencies from this environment (a plain path: its .pth files, the editable finder, are not read)
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    for name in ("geo", "mapping", "exports", "graph_models"):
        result = subprocess.run(
            [str(python), "-c", f"import {name}"], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode != 0 and f"No module named '{name}'" in result.stderr
    where = subprocess.run(
        [str(python), "-c", "import peermap.exports.pack as p, peermap.mapping.analysis; print(p.__file__)"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site)
