"""The whole default ``peermap analyse`` as a user runs it: the national synthetic year and the Durham year.

Usage::

    python benchmarks/bench_national.py                 # Durham and national, 3 runs each
    python benchmarks/bench_national.py --quick         # Durham only
    python benchmarks/bench_national.py --before /work/main/.venv/bin/peermap   # and one run of another version

Each run is ``peermap analyse FOLDER --from 2022-04-01 --to 2023-03-31 --out OUT``
(the meeting audience, CSV, every file) in a fresh process of its own, into a
new folder, exactly as a user types it. For each run: the wall time of the
whole command, the peak of the summed resident memory of the process and its
children (the second process that finds a national network's clusters), sampled
every 50 ms, the machine's load average before and after, and the time of each
stage as the command reports it on stderr (loading, the analysis' own stages,
hot spots and places, writing the files, moving them into place). The median
of three runs is given, with every run's figures beside it. Then the written
GeoJSON is opened with GeoPandas (pyogrio), as an analyst would, and timed.

``--before PEERMAP`` also runs another version's ``peermap`` once on the same
folder (the release before, for the comparison side by side in one run).

The national folder is made once and kept under ``.cache/benchmarks/`` (its
making is not what is measured). Heavy: wrap in ``flock /work/.heavy.lock``
on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, ROOT, row, run_measured, synthetic_folder, write_result  # noqa: E402

RUNS = 3
YEAR = ["--from", "2022-04-01", "--to", "2023-03-31"]
STAGE_LINE = re.compile(r"^(?P<stage>[^:\n]+): done in (?P<seconds>[0-9.]+)s$", re.MULTILINE)
PEERMAP = Path(sys.executable).with_name("peermap")


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run_analyse(peermap: Path, folder: Path, out: Path) -> dict:
    """One whole ``peermap analyse`` in a fresh process: seconds, peak MB, load, stage times, file sizes."""
    if out.exists():
        shutil.rmtree(out)
    before = load_average()
    took, done = run_measured(
        [str(peermap), "analyse", str(folder), *YEAR, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if done.returncode != 0:
        raise SystemExit(f"peermap analyse failed ({done.returncode}):\n{done.stderr}")
    stages = {m["stage"]: float(m["seconds"]) for m in STAGE_LINE.finditer(done.stderr)}
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    return {
        "seconds": took.seconds,
        "peak_mb": took.peak_mb,
        "load": (before, load_average()),
        "stages": stages,
        "sizes": sizes,
    }


def scale_rows(name: str, runs: list[dict]) -> list[dict]:
    """The median run's figures, every run's beside them, and the median time of each stage."""
    rows = [
        row(
            f"{name}: whole peermap analyse, median of {len(runs)} runs",
            statistics.median(r["seconds"] for r in runs),
            "s",
        ),
        row(
            f"{name}: whole peermap analyse, peak summed resident memory of the process tree, median",
            statistics.median(r["peak_mb"] for r in runs),
            "MB",
        ),
        row(f"{name}: every run's seconds", ", ".join(f"{r['seconds']:.1f}" for r in runs), "s"),
        row(f"{name}: every run's peak memory", ", ".join(f"{r['peak_mb']:.0f}" for r in runs), "MB"),
        row(
            f"{name}: load average (1, 5, 15 min) before and after each run",
            "; ".join(f"{a} -> {b}" for a, b in (r["load"] for r in runs)),
            "",
        ),
    ]
    for stage in runs[0]["stages"]:
        times = [r["stages"].get(stage) for r in runs if stage in r["stages"]]
        rows.append(row(f"{name}: stage '{stage}', median", statistics.median(times), "s"))
    for file, size in sorted(runs[-1]["sizes"].items()):
        rows.append(row(f"{name}: {file}", size / 2**20, "MB"))
    return rows


def open_in_geopandas(out: Path, name: str) -> list[dict]:
    import geopandas as gpd

    rows = []
    for file in ("hotspots.geojson", "places.geojson"):
        started = time.perf_counter()
        frame = gpd.read_file(out / file)
        seconds = time.perf_counter() - started
        rows.append(row(f"{name}: {file} opened with geopandas.read_file ({len(frame):,} features)", seconds, "s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Durham only")
    parser.add_argument("--before", type=Path, help="another version's peermap, run once beside ours")
    parser.add_argument("--label", default="the version before", help="what --before is, in the results")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    scales = [("durham", DURHAM)] + ([] if args.quick else [("national", NATIONAL)])
    rows, ratios = [], []
    with tempfile.TemporaryDirectory(dir=ROOT / ".cache") as scratch:
        for name, size in scales:
            folder = synthetic_folder(name, **size)
            out = Path(scratch) / name
            runs = []
            for k in range(args.runs):
                runs.append(run_analyse(PEERMAP, folder, out))
                print(
                    f"{name} run {k + 1}: {runs[-1]['seconds']:.1f} s, {runs[-1]['peak_mb']:.0f} MB, "
                    f"load {runs[-1]['load']}",
                    flush=True,
                )
            rows += scale_rows(name, runs)
            rows += open_in_geopandas(out, name)
            if args.before:
                old = run_analyse(args.before, folder, Path(scratch) / f"{name}-before")
                print(f"{name} before: {old['seconds']:.1f} s, {old['peak_mb']:.0f} MB", flush=True)
                ours = statistics.median(r["seconds"] for r in runs)
                ratios.append(
                    {
                        "measure": f"{name}: whole peermap analyse (seconds; before: one run of {args.label}, "
                        f"load {old['load'][0]} -> {old['load'][1]})",
                        "ours": round(ours, 1),
                        "naive": round(old["seconds"], 1),
                        "ratio": round(old["seconds"] / ours, 2),
                        "headers": ["now (median of runs)", "before", "now is faster by"],
                    }
                )
                ratios.append(
                    {
                        "measure": f"{name}: peak summed resident memory (MB)",
                        "ours": round(statistics.median(r["peak_mb"] for r in runs)),
                        "naive": round(old["peak_mb"]),
                        "ratio": round(old["peak_mb"] / statistics.median(r["peak_mb"] for r in runs), 2),
                        "headers": ["now (median of runs)", "before", "now holds less by"],
                    }
                )
                for stage, seconds in old["stages"].items():
                    rows.append(row(f"{name}: before, stage '{stage}'", seconds, "s"))
    path = write_result(
        "national",
        "The whole peermap analyse, national and Durham",
        "The whole default `peermap analyse FOLDER --from 2022-04-01 --to 2023-03-31 --out OUT` (meeting audience, "
        "CSV, every file) as a user runs it, in a fresh process each time, on the synthetic Durham year (356 "
        "children, 1,535 episodes) and the national one (200,000 children, 1,000,000 episodes, 933,783 "
        "interviews, 2,000,000 links): wall time, the peak of the summed resident memory of the process and its "
        "children sampled every 50 ms, the load average, and each stage's time as the command reports it on "
        "stderr; median of 3 runs. The written GeoJSON opened with GeoPandas. The machine (2 cores) is shared "
        "with other work, whose load is recorded: times are wall-clock. Where the time went before and after, "
        "profiled, is in the section 'Where the whole command's time goes' below.",
        rows,
        ratios,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
