"""Regenerate the parts of the docs that come from the code and from real runs.

Blocks between ``<!-- generated: NAME -->`` and ``<!-- /generated -->`` are
rewritten from their source, never typed by hand:

- ``kpi-example`` (README.md): ``peermap kpi`` on the synthetic year;
- ``cli-reference`` (docs/cli-reference.md): every command's ``--help``;
- ``data-columns`` (docs/data-folder.md): the columns of each file, from graph_models/schema.py;
- ``evidence-kinds`` and ``evidence-sentences`` (docs/analysis.md): each kind of evidence, its meaning, default
  weight and an example of its sentence, from the registry in mapping/evidence/kinds.py;
- ``bad-input`` (docs/data-folder.md): what happens to each kind of bad input, from the cases
  tests/test_bad_input.py checks (tests/bad_input_cases.py);
- ``performance`` (docs/performance.md): the JSON results in benchmarks/results/;
- ``emerging-examples`` (docs/hotspots.md): a worked example of each emerging pattern, from geo/emerging.py;
- ``gi-bands`` (docs/hotspots.md): the words the map's side panel gives a Gi* z-score, from exports/map_page.py;
- ``area-names`` (docs/hotspots.md): the synthetic year's March 2023 areas' names, from geo/orientation.py;
- ``evidence-settings`` (docs/analysis.md), ``hotspot-settings`` (docs/hotspots.md) and
  ``load-settings`` (docs/data-folder.md): each setting, its default and its meaning, from the
  settings classes' docstrings (a setting without words there stops the script).

Usage::

    python scripts/generate_docs.py            # rewrite the blocks
    python scripts/generate_docs.py --check    # exit 1 if any block is out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.S)
WIDTH = 100


_SYNTHETIC: dict[str, Path] = {}


def synthetic_year(data: Path | None) -> Path:
    """The synthetic year (seed 7): the given folder, or one made once per run."""
    if data is not None:
        return data
    if "year" not in _SYNTHETIC:
        from peermap.synthetic import synthesise

        _SYNTHETIC["year"] = Path(tempfile.mkdtemp()) / "durham"
        synthesise(_SYNTHETIC["year"], seed=7)
    return _SYNTHETIC["year"]


def validate_example(data: Path | None) -> str:
    """What ``peermap validate`` says about the synthetic year."""
    import subprocess

    folder = synthetic_year(data)
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "peermap",
                "validate",
                str(folder),
                "--strict",
                "--rejects",
                str(Path(scratch) / "rejects.csv"),
            ],
            capture_output=True,
            text=True,
        )
    said = result.stderr.replace(str(Path(scratch) / "rejects.csv"), "rejects.csv").strip()
    return f"```\n$ peermap validate data/durham --strict\n{said}\n$ echo $?\n{result.returncode}\n```\n"


def kpi_example(data: Path | None) -> str:
    """The measures table for the synthetic year, as ``peermap kpi`` prints it."""
    from rich.console import Console

    from peermap.graph_models.load import load_folder
    from peermap.mapping.measures import compute_measures, format_frequently_missing_table, format_measures_table
    from peermap.mapping.periods import Period

    dataset = load_folder(synthetic_year(data))
    year = Period.from_dates("2022-04-01", "2023-03-31")
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, color_system=None, highlight=False)
    measures = compute_measures(dataset, year)
    console.print(format_measures_table(measures, compute_measures(dataset, year.previous())))
    console.print(format_frequently_missing_table(measures, "CiC"))
    text = "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
    return f"```\n{text}\n```\n"


def cli_reference() -> str:
    """Every command's ``--help`` text."""
    import typer

    from peermap.cli import app

    command = typer.main.get_command(app)
    parts = []
    with typer.Context(command, info_name="peermap", terminal_width=WIDTH, max_content_width=WIDTH) as ctx:
        parts.append(f"## peermap\n\n```\n{command.get_help(ctx)}\n```\n")
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            with typer.Context(
                sub, info_name=name, parent=ctx, terminal_width=WIDTH, max_content_width=WIDTH
            ) as sub_ctx:
                parts.append(f"## peermap {name}\n\n```\n{sub.get_help(sub_ctx)}\n```\n")
    return "\n".join(parts)


def data_columns() -> str:
    """A table per file of the data folder, from the contract in graph_models/schema.py."""
    from peermap.graph_models.schema import TABLE_SPECS

    parts = []
    for spec in TABLE_SPECS:
        parts.append(f"### {spec.file} ({'required' if spec.required else 'optional'})\n")
        parts.append("| column | required | read as | allowed values |\n|---|---|---|---|")
        for column in spec.columns:
            allowed = ", ".join(f"`{c}`" for c in column.choices)
            if column.kind == "int":
                allowed = f"{column.low} to {column.high}"
            required = "yes" if column.required else ""
            parts.append(f"| `{column.name}` | {required} | {column.kind.replace('_', ' ')} | {allowed} |")
        parts.append("")
    return "\n".join(parts)


def evidence_kinds() -> str:
    """The kinds of evidence, strongest first, as the registry (mapping/evidence/kinds.py) declares them."""
    from peermap.mapping.evidence.kinds import in_reading_order
    from peermap.mapping.settings import EvidenceSettings

    settings = EvidenceSettings()
    lines = [
        "| kind (column in ties.csv) | in words | what it means | default weight | weight setting |",
        "|---|---|---|---|---|",
    ]
    for kind in in_reading_order():
        meaning, weight = kind.doc_row(settings)
        lines.append(f"| `{kind.name}` | {kind.words} | {meaning} | {weight} | `{kind.weight_setting}` |")
    return "\n".join(lines) + "\n"


def evidence_sentences() -> str:
    """An example of each kind's sentence, strongest first, from the registry."""
    from peermap.mapping.evidence.kinds import in_reading_order

    lines = ["| kind | example |", "|---|---|"]
    lines += [f"| `{kind.name}` | {kind.example} |" for kind in in_reading_order()]
    return "\n".join(lines) + "\n"


def bad_input() -> str:
    """What peermap does with each kind of bad input: the cases tests/test_bad_input.py runs."""
    sys.path.insert(0, str(ROOT / "tests"))
    from bad_input_cases import CASES

    lines = ["| the file holds | what peermap does | reported as |", "|---|---|---|"]
    for case in CASES:
        lines.append(f"| {case.problem} | {case.happens} | {case.outcome} |")
    return "\n".join(lines) + "\n"


def cypher_cookbook() -> str:
    """The recipes of graph_models/cookbook.py."""
    from peermap.graph_models.cookbook import markdown

    return markdown()


def performance() -> str:
    """Each benchmark's results, as the benchmark wrote them."""
    results = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    if not results:
        return "No benchmark results yet: run `make benchmarks`.\n"
    parts = []
    for path in results:
        result = json.loads(path.read_text())
        parts.append(f"### {result['title']}\n\n{result.get('description', '')}\n")
        machine = result.get("machine")
        if machine:
            parts.append("Measured on: " + ", ".join(f"{k} {v}" for k, v in machine.items()) + "\n")
        if result.get("ratios"):
            headers = None  # a ratio may name its own columns ("headers"): a new table starts where they change
            for r in result["ratios"]:
                these = r.get("headers", ["ours", "naive way", "ours is faster by"])
                if these != headers:
                    if headers is not None:
                        parts.append("")
                    parts.append(f"| compared | {' | '.join(these)} |\n|---|---|---|---|")
                    headers = these
                parts.append(f"| {r['measure']} | {r['ours']} | {r['naive']} | {r['ratio']}× |")
            parts.append("")
        if result.get("rows"):
            parts.append("| measure | value | unit |\n|---|---|---|")
            for r in result["rows"]:
                parts.append(f"| {r['measure']} | {r['value']} | {r.get('unit', '')} |")
            parts.append("")
        parts.append(f"Source: `benchmarks/results/{path.name}`\n")
    return "\n".join(parts)


def cluster_methods() -> str:
    """Leiden (igraph's and leidenalg's) beside Louvain, from the analysis benchmark's results."""
    path = ROOT / "benchmarks" / "results" / "analysis.json"
    if not path.exists():
        return "No analysis benchmark results yet: run `make benchmarks`.\n"
    found = {r["measure"]: r["value"] for r in json.loads(path.read_text())["rows"]}
    names = {"leiden": "Leiden (igraph)", "leidenalg": "Leiden (leidenalg)", "louvain": "Louvain"}
    scales = {"durham": "synthetic Durham year", "national": "synthetic national year (1,000,000 episodes)"}
    lines = [
        "| network | method | modularity | seconds (with splitting) | clusters | adjusted Rand index "
        "against the planted groups |",
        "|---|---|---|---|---|---|",
    ]
    for scale, scale_name in scales.items():
        for method, method_name in names.items():
            key = f"{scale}: {method}"
            if f"{key} modularity" not in found:
                continue
            lines.append(
                f"| {scale_name} | {method_name} | {found[f'{key} modularity']} | "
                f"{found.get(f'{key} seconds (with splitting)', '')} | {found.get(f'{key} clusters', '')} | "
                f"{found.get(f'{key} ARI against planted groups', '')} |"
            )
    return "\n".join(lines) + "\n\nSource: `benchmarks/results/analysis.json` (`make benchmarks`).\n"


#: The worked examples of docs/hotspots.md's emerging patterns: children per month, April 2022 to March 2023.
EMERGING_EXAMPLES = {
    "active only this month": (0,) * 11 + (3,),
    "growing all year (March equals February)": (1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6),
    "shrinking all year, still busy": (8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3),
    "steady all year": (2,) * 12,
    "every month since January": (0,) * 9 + (1, 2, 1),
    "on and off": (1, 0, 2, 0, 1, 0, 0, 2, 0, 1, 0, 2),
    "busy all year, none this month": (2,) * 11 + (0,),
    "in July, and again this month": (0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1),
    "once, in July (not listed: nothing now)": (0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0),
    "data only from November": (None,) * 7 + (2, 2, 3, 2, 2),
}


def emerging_examples() -> str:
    """docs/hotspots.md's worked example of each pattern, worked out by geo/emerging.py itself."""
    import numpy as np

    from peermap.geo.emerging import emerging, sentence
    from peermap.mapping.periods import Period, time_bins

    bins = time_bins(Period.from_month("2023-03"), 12)
    words = [b.words for b in bins]
    names = list(EMERGING_EXAMPLES)
    covered_from = {name: sum(v is None for v in series) for name, series in EMERGING_EXAMPLES.items()}
    rows = ["| area | children per month, Apr 2022 to Mar 2023 | pattern | tau | adjusted p | sentence |"]
    rows.append("|---|---|---|---|---|---|")
    # areas with the same coverage are tested together, as in one data folder
    for start in sorted(set(covered_from.values())):
        group = [n for n in names if covered_from[n] == start]
        series = np.array([[0 if v is None else v for v in EMERGING_EXAMPLES[n]] for n in group])
        covered = np.arange(12) >= start
        found = emerging(series, covered)
        for k, name in enumerate(group):
            values = list(EMERGING_EXAMPLES[name])
            tau, p = found["mk_tau"][k], found["mk_p_adjusted"][k]
            shown = " ".join("·" if v is None else str(v) for v in values)
            rows.append(
                f"| {name} | {shown} | `{found['pattern'][k]}` | "
                f"{'' if np.isnan(tau) else f'{tau:.2f}'} | {'' if np.isnan(p) else f'{p:.2g}'} | "
                f"{sentence(found['pattern'][k], values, words, 'month')} |"
            )
    return (
        "\n".join(rows)
        + "\n\n`·`: before the data's coverage (unknown). The adjusted p-values are over the areas above "
        "tested together, as in one data folder; the last has too few known months to test. Made by "
        "`geo/emerging.py` (`make docs`).\n"
    )


def gi_bands() -> str:
    """The side panel's words for Gi* z-scores, from ``GI_BANDS`` in exports/map_page.py."""
    from peermap.exports.map_page import GI_BANDS, GI_UNTESTED

    rows = ["| Gi\\* z-score | the panel says |", "|---|---|"]
    upper = None
    for edge, words in GI_BANDS:
        if upper is None:
            span = f"{edge:g} or more"
        elif edge == float("-inf"):
            span = f"below {upper:g}"
        else:
            span = f"{edge:g} to {upper:g}"
        rows.append(f"| {span} | {words} |")
        upper = edge
    rows.append(f"| none (`null`) | {GI_UNTESTED} |")
    return "\n".join(rows) + "\n\nFrom `GI_BANDS` in `exports/map_page.py` (`make docs`).\n"


def area_names_example(data: Path | None) -> str:
    """docs/hotspots.md's "Finding your way": the synthetic year's March 2023 as the meeting and the board see it."""
    from peermap.geo.hotspots import analyse_places
    from peermap.graph_models.load import load_folder
    from peermap.mapping.periods import Period

    dataset = load_folder(synthetic_year(data))
    month = Period.from_month("2023-03")
    result = analyse_places(dataset, month, include_handling_c=False)
    public = set(dataset.places["place_name"])
    sector = r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]"
    rows = ["| rank | name | district | named by |", "|---|---|---|---|"]
    for row in result.areas.head(12).itertuples():
        if row.name in public:
            how = "the public place in it with most children (`places.csv`)"
        elif any(re.fullmatch(re.escape(p) + " " + sector, row.name) for p in public):
            how = "a public place, told apart from another of that name by its sector"
        elif re.fullmatch(r".+ " + sector, row.name):
            how = "the nearest town or village and the postcode sector"
        else:
            how = "the nearest town or village and the sector, told apart by direction from the town"
        rows.append(f"| {row.rank} | {row.name} | {row.district} | {how} |")
    orientation = result.orientation
    districts = orientation.districts
    named = districts[districts["has_data"]]
    board = ", ".join(f"{d} {n}" for d, n in zip(named["district"], named["name"]))
    return (
        "\n".join(rows)
        + f"\n\nThe meeting's map of March 2023 draws {len(districts)} postcode districts: {len(named)} with data and "
        f"{len(districts) - len(named)} neighbours, among {len(orientation.towns)} towns and villages of 1,000 people "
        f"or more. Its districts with data, by code and name (as the board's ranked districts read): {board}. Made by "
        "`geo/orientation.py` (`make docs`).\n"
    )


def settings_table(settings_class) -> str:
    """A settings class as a table: each field, its default, and the words its docstring gives it.

    The words come from the class docstring's numpydoc ``Parameters`` (an entry
    ``name : type, default X`` and its indented text); the default from the
    dataclass itself, so the table cannot disagree with the code.
    """
    import dataclasses
    import inspect

    doc = inspect.getdoc(settings_class)
    section = doc.split("Parameters\n----------\n", 1)[1]
    words: dict[str, list[str]] = {}
    name = None
    for line in section.splitlines():
        if line and not line.startswith(" "):
            if " : " not in line:
                break
            name = line.split(" : ")[0].strip()
            words[name] = []
        elif name and line.strip():
            words[name].append(line.strip())
    rows = ["| setting | default | what it means |", "|---|---|---|"]
    for field in dataclasses.fields(settings_class):
        if field.name not in words:
            raise SystemExit(f"{settings_class.__name__}.{field.name} has no words in its docstring")
        default = field.default
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        text = re.sub(r"``([^`]+)``", r"`\1`", " ".join(words[field.name]))
        rows.append(f"| `{field.name}` | {shown} | {text} |")
    module = settings_class.__module__.removeprefix("peermap.").replace(".", "/")
    return "\n".join(rows) + f"\n\nFrom `{settings_class.__name__}` in `{module}.py`.\n"


def sources(data: Path | None) -> dict[str, callable]:
    return {
        "kpi-example": lambda: kpi_example(data),
        "validate-example": lambda: validate_example(data),
        "cli-reference": cli_reference,
        "data-columns": data_columns,
        "evidence-kinds": evidence_kinds,
        "evidence-sentences": evidence_sentences,
        "bad-input": bad_input,
        "cypher-cookbook": cypher_cookbook,
        "performance": performance,
        "cluster-methods": cluster_methods,
        "evidence-settings": lambda: settings_table(_settings("peermap.mapping.settings", "EvidenceSettings")),
        "hotspot-settings": lambda: settings_table(_settings("peermap.geo.hotspots", "HotspotSettings")),
        "emerging-examples": emerging_examples,
        "gi-bands": gi_bands,
        "area-names": lambda: area_names_example(data),
        "load-settings": lambda: settings_table(_settings("peermap.graph_models.load_settings", "LoadSettings")),
    }


def _settings(module: str, name: str):
    import importlib

    return getattr(importlib.import_module(module), name)


FILES = (
    "README.md",
    "docs/cli-reference.md",
    "docs/data-folder.md",
    "docs/performance.md",
    "docs/neo4j.md",
    "docs/analysis.md",
    "docs/hotspots.md",
)


def regenerate(check: bool, data: Path | None = None) -> list[str]:
    """Rewrite (or, with ``check``, compare) every generated block; return the files that differ."""
    makers = sources(data)
    stale = []
    for name in FILES:
        path = ROOT / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        new = BLOCK.sub(lambda m: m.group(1) + makers[m.group("name")]() + m.group(4), text)
        if new != text:
            stale.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any generated block is out of date")
    parser.add_argument("--data", type=Path, help="an existing synthetic folder (seed 7) instead of making one")
    args = parser.parse_args()
    stale = regenerate(args.check, args.data)
    for name in stale:
        print(f"{'out of date' if args.check else 'rewrote'}: {name}", file=sys.stderr)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
