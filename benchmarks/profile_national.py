"""Where the whole national ``peermap analyse`` spends its time: a sampling profile (py-spy), by part.

Usage (py-spy is not a dependency of peermap: ``pip install py-spy==0.4.3``)::

    python benchmarks/profile_national.py --label now
    python benchmarks/profile_national.py --label before --peermap /work/main/.venv/bin/peermap
    python benchmarks/profile_national.py --label before --raw saved-profile.txt   # a profile recorded earlier

The command is the benchmark's (``peermap analyse FOLDER --from 2022-04-01
--to 2023-03-31 --out OUT`` on the national synthetic year), run under
``py-spy record --subprocesses --nonblocking -r 25 -f raw`` so the second
process that finds the clusters is sampled too. Each sample is a thread busy
on the CPU at that moment (waiting on the disk is not sampled); a sample is
counted towards the first of the parts below found on its stack, outermost
first, so each part's CPU seconds are its own and the parts add up to the
whole. Results go to ``benchmarks/results/profile-national-LABEL.json`` and so
into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import NATIONAL, ROOT, row, synthetic_folder, write_result  # noqa: E402

RATE = 25
#: (part, the function on the stack that marks it, as py-spy names it: a method with its class), outermost
#: first: a sample goes to the first part found.
PARTS = [
    ("second process: peer clusters (Leiden, splitting)", "_serve"),
    ("loading the data folder: reading the CSV files", "_read_tables"),
    ("loading the data folder: validating (pandera)", "validate"),
    ("loading the data folder: the rest", "load_folder"),
    ("hot spots and places (analyse_places)", "places_of"),
    ("restricting the dataset for the audience", "restrict_dataset"),
    ("analysis: evidence", "collect_evidence"),
    ("analysis: evidence (threads)", "collect_evidence.<locals>.timed"),
    ("analysis: bridging (betweenness)", "betweenness"),
    ("analysis: the previous period", "numbers_before"),
    ("writing: ties.csv while the clusters are found (TiesFirst; its blocks' threads below)", "TiesFirst.__call__"),
    ("analysis: the rest", "analyse_for_audience"),
    ("writing: ties.csv's explanations (TieTexts, a block at a time, in threads)", "TieTexts._block"),
    ("writing: ties.csv's other columns (tie_rows, a block at a time, in threads)", "_write_ties.<locals>.rows"),
    ("writing: the audience's names put into the texts (TextsView)", "TextsView.__call__"),
    ("writing: CSV blocks made ready in threads (formula guard, quoting)", "_prepared_blocks.<locals>.make"),
    ("writing: CSV files", "write_table"),
    ("writing: hotspots.geojson", "write_hotspots_geojson"),
    ("writing: places.geojson", "write_places_geojson"),
    ("writing: the rest (people, clusters, measures, manifest)", "write_analysis"),
    ("moving into place (fsync, exchange)", "OutputFolder.commit"),
    ("starting Python, importing", "<module>"),
]


def parts(raw: Path) -> tuple[Counter, int]:
    """CPU samples per part of a py-spy raw (collapsed stacks) profile, and all samples."""
    found, total = Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        names = [frame.split(" (")[0] for frame in stack.split(";")]
        part = next((label for label, marker in PARTS if marker in names), "other")
        found[part] += int(count)
    return found, total


def record(peermap: Path, folder: Path, raw: Path, keep: Path | None = None) -> tuple[float, str]:
    """Run the whole command under py-spy; its wall seconds and the load average before and after."""
    out = keep or Path(tempfile.mkdtemp(dir=ROOT / ".cache")) / "national"
    before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-r", str(RATE), "--subprocesses", "--nonblocking", "-f", "raw", "-o", str(raw), "--"]
    command += [str(peermap), "analyse", str(folder), "--from", "2022-04-01", "--to", "2023-03-31", "--out", str(out)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if keep is None:
        shutil.rmtree(out.parent)
    return seconds, f"{before} -> {', '.join(f'{x:.1f}' for x in os.getloadavg())}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="what is profiled: now, before, ...")
    parser.add_argument("--peermap", type=Path, default=Path(sys.executable).with_name("peermap"))
    parser.add_argument("--raw", type=Path, help="a py-spy raw profile recorded earlier, instead of recording one")
    parser.add_argument("--out", type=Path, help="keep the command's output folder here (a new folder)")
    args = parser.parse_args()
    rows = []
    if args.raw:
        raw = args.raw
    else:
        raw = Path(tempfile.mkstemp(suffix=".txt")[1])
        seconds, load = record(args.peermap, synthetic_folder("national", **NATIONAL), raw, args.out)
        rows += [
            row(f"{args.label}: whole command under the profiler (wall)", seconds, "s"),
            row(f"{args.label}: load average (1, 5, 15 min) before and after", load),
        ]
    found, total = parts(raw)
    rows.append(row(f"{args.label}: CPU time sampled, all threads and both processes", total / RATE, "s"))
    for label, _ in [*PARTS, ("other", "")]:
        if found[label]:
            share = f" ({100 * found[label] / total:.0f} %)"
            rows.append(row(f"{args.label}: {label}{share}", found[label] / RATE, "s CPU"))
    path = write_result(
        f"profile-national-{args.label}",
        f"Where the whole command's time goes ({args.label})",
        "A sampling profile (py-spy, 25 samples a second, every thread of the command and of its second "
        "process) of the whole default `peermap analyse` on the national synthetic year, as in 'The whole "
        "peermap analyse' above. CPU seconds by part: each sample counts toward the first part found on its "
        "stack, so the parts add up to the whole; waiting for the disk is not sampled, and the clusters' second "
        "process runs beside the main one, so CPU seconds add up to more than the wall time on 2 cores. "
        "Profiled on the shared machine, whose load is recorded.",
        rows,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
