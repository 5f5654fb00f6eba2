"""The whole default ``peermap analyse`` as a user runs it: the national
synthetic year and the Durham year.

Usage::

    python benchmarks/bench_national.py                 # Durham and national, 3 runs each
    python benchmarks/bench_national.py --quick         # Durham only
    python benchmarks/bench_national.py --before /work/main/.venv/bin/peermap   # and one run of another version

Each run is ``peermap analyse FOLDER --from 2022-04-01 --to 2023-03-31 --out
OUT`` (the meeting audience, CSV, every file) in a fresh process of its own,
into a new folder, exactly as a user types it. For each run: the wall time of
the whole command, the peak of the summed resident memory of the process and
its children (the second process that finds a national network's clusters),
sampled every 50 ms by a thread of this otherwise idle process (whole, and
within each stage), the machine's load average before and after, and the time
of each stage as the command reports it on stderr (loading, the analysis' own
stages, writing the tables, hot spots and places, writing the maps, measures and
manifest, moving them into place). The
median of three runs is given (seven at Durham), with every run's figures beside it. Then the
written GeoJSON is opened with GeoPandas (pyogrio), as an analyst would, and
timed.

``--before PEERMAP`` also runs another version's ``peermap`` on the same folder (the release
before, for the comparison side by side in one run): each of its runs beside one of ours, since
the shared machine's load comes and goes over minutes; it gives that version's stage times too, and
says whether the two wrote the same files byte for byte (the
manifest, which holds the time it was made, aside).

The national folder is made once and kept under ``.cache/benchmarks/`` (its
making is not what is measured). Heavy: wrap in ``flock /work/.heavy.lock`` on
a shared machine."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
from harness import DURHAM, NATIONAL, ROOT, row, synthetic_folder, write_result  # noqa: E402

RUNS = 3
#: Durham's runs take seconds and the machine is noisy: more of them.
DURHAM_RUNS = 7
YEAR = ["--from", "2022-04-01", "--to", "2023-03-31"]
STAGE_LINE = re.compile(r"^(?P<stage>[^:\n]+): done in (?P<seconds>[0-9.]+)s$", re.MULTILINE)
PEERMAP = Path(sys.executable).with_name("peermap")
#: The command's own stages; the others are the analysis' (inside 'analysing').
OUTER = (
    "loading",
    "analysing",
    "writing tables",
    "hot spots and places",
    "writing maps, measures and manifest",
    "moving into place",
)


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


class TreeMemory:
    """The summed resident memory of a process and its children, sampled every 50 ms by a thread of this
    (otherwise idle) process: ``samples`` of (seconds since start, bytes)."""

    def __init__(self, pid: int, started: float):
        self.watched, self.started, self.samples = psutil.Process(pid), started, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            try:
                tree = [self.watched, *self.watched.children(recursive=True)]
            except psutil.Error:  # it has ended
                return
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.Error:  # ended between the listing and the reading
                    pass
            self.samples.append((time.perf_counter() - self.started, total))

    def finish(self) -> None:
        self.stop.set()
        self.thread.join()

    def peak_mb(self, start: float = 0.0, end: float = float("inf")) -> float:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside, default=0) / 2**20


def run_analyse(peermap: Path, folder: Path, out: Path) -> dict:
    """One whole ``peermap analyse`` in a fresh process: seconds, peak MB (whole and per stage), load, stage
    times (as the command reports them on stderr, each line timestamped as it comes), file sizes."""
    if out.exists():
        shutil.rmtree(out)
    before = load_average()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(peermap), "analyse", str(folder), *YEAR, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = TreeMemory(process.pid, started)
    stages, lines = {}, []
    for line in process.stderr:
        lines.append(line)
        found = STAGE_LINE.match(line.rstrip("\n"))
        if found:
            end = time.perf_counter() - started
            seconds = float(found["seconds"])
            stages[found["stage"]] = (seconds, memory.peak_mb(end - seconds - 0.1, end))
    process.wait()
    seconds = time.perf_counter() - started
    memory.finish()
    if process.returncode != 0:
        raise SystemExit(f"peermap analyse failed ({process.returncode}):\n{''.join(lines)}")
    sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    return {
        "seconds": seconds,
        "peak_mb": memory.peak_mb(),
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
    # the command's own stages in order; the analysis' stages (reported as they end, before 'analysing') after it
    order = [s for s in runs[0]["stages"] if s in OUTER]
    order[order.index("analysing") + 1 : order.index("analysing") + 1] = [
        s for s in runs[0]["stages"] if s not in OUTER
    ]
    for stage in order:
        label = stage if stage in OUTER else f"analysing: {stage}"
        found = [r["stages"][stage] for r in runs if stage in r["stages"]]
        rows.append(row(f"{name}: stage '{label}', median", statistics.median(t for t, _ in found), "s"))
        rows.append(row(f"{name}: stage '{label}', peak memory, median", statistics.median(m for _, m in found), "MB"))
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


def same_files(ours: Path, before: Path) -> str:
    """Whether two output folders hold the same files byte for byte (manifest.json, which holds the time it was
    made, aside): ``yes``, or ``no: `` and the files that differ or are in one folder only."""
    names = {p.name for p in ours.iterdir()} | {p.name for p in before.iterdir()}
    differ = [
        name
        for name in sorted(names - {"manifest.json"})
        if not (ours / name).is_file()
        or not (before / name).is_file()
        or (ours / name).read_bytes() != (before / name).read_bytes()
    ]
    return "no: " + ", ".join(differ) if differ else "yes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Durham only")
    parser.add_argument("--before", type=Path, help="another version's peermap, run beside ours")
    parser.add_argument("--label", default="the version before", help="what --before is, in the results")
    parser.add_argument("--runs", type=int, default=RUNS, help="national runs")
    parser.add_argument(
        "--durham-runs", type=int, default=DURHAM_RUNS, help="Durham runs (each beside one of --before)"
    )
    args = parser.parse_args()
    scales = [("durham", DURHAM)] + ([] if args.quick else [("national", NATIONAL)])
    rows, ratios = [], []
    with tempfile.TemporaryDirectory(dir=ROOT / ".cache") as scratch:
        for name, size in scales:
            folder = synthetic_folder(name, **size)
            out, out_before = Path(scratch) / name, Path(scratch) / f"{name}-before"
            n_runs = args.durham_runs if name == "durham" else args.runs
            # the machine is shared and its load comes and goes: each of ours beside one of the version before's
            n_before = n_runs if args.before else 0
            runs, old_runs = [], []
            for k in range(n_runs):
                runs.append(run_analyse(PEERMAP, folder, out))
                print(
                    f"{name} run {k + 1}: {runs[-1]['seconds']:.1f} s, {runs[-1]['peak_mb']:.0f} MB, "
                    f"load {runs[-1]['load']}",
                    flush=True,
                )
                if k < n_before:
                    old_runs.append(run_analyse(args.before, folder, out_before))
                    print(
                        f"{name} before {k + 1}: {old_runs[-1]['seconds']:.1f} s, {old_runs[-1]['peak_mb']:.0f} MB",
                        flush=True,
                    )
            rows += scale_rows(name, runs)
            rows += open_in_geopandas(out, name)
            if args.before:
                old_seconds = statistics.median(r["seconds"] for r in old_runs)
                old_mb = statistics.median(r["peak_mb"] for r in old_runs)
                ours = statistics.median(r["seconds"] for r in runs)
                ours_mb = statistics.median(r["peak_mb"] for r in runs)
                said = f"median of {len(old_runs)} runs of {args.label}, each beside one of ours"
                ratios.append(
                    {
                        "measure": f"{name}: whole peermap analyse (seconds; before: {said})",
                        "ours": round(ours, 1),
                        "naive": round(old_seconds, 1),
                        "ratio": round(old_seconds / ours, 2),
                        "headers": ["now (median of runs)", "before", "now is faster by"],
                    }
                )
                ratios.append(
                    {
                        "measure": f"{name}: peak summed resident memory (MB)",
                        "ours": round(ours_mb),
                        "naive": round(old_mb),
                        "ratio": round(old_mb / ours_mb, 2),
                        "headers": ["now (median of runs)", "before", "now holds less by"],
                    }
                )
                rows.append(
                    row(
                        f"{name}: every run's seconds, {args.label}",
                        ", ".join(f"{r['seconds']:.1f}" for r in old_runs),
                        "s",
                    )
                )
                for stage in OUTER:
                    found = [r["stages"][stage][0] for r in old_runs if stage in r["stages"]]
                    if found:
                        rows.append(
                            row(f"{name}: stage '{stage}', median, {args.label}", statistics.median(found), "s")
                        )
                rows.append(
                    row(
                        f"{name}: files the same byte for byte as {args.label}'s (manifest.json, which holds the "
                        "time it was made, aside)",
                        same_files(out, out_before),
                        "",
                    )
                )
    path = write_result(
        "national",
        "The whole peermap analyse, national and Durham",
        "The whole default `peermap analyse FOLDER --from 2022-04-01 --to 2023-03-31 --out OUT` (meeting audience, "
        "CSV, every file) as a user runs it, in a fresh process each time, on the synthetic Durham year (356 "
        "children, 1,535 episodes) and the national one (200,000 children, 1,000,000 episodes, 933,783 "
        "interviews, 2,000,000 links): wall time, the peak of the summed resident memory of the process and its "
        "children sampled every 50 ms, the load average, and each stage's time as the command reports it on "
        "stderr; median of 3 runs (7 at Durham), each beside a run of the version before when one is compared, "
        "with that version's stage times, and whether the two wrote the same files. "
        "The written GeoJSON opened with GeoPandas. The machine (2 cores) is shared with other work, whose load "
        "is recorded: times are wall-clock. Where the time went before and after, "
        "profiled, is in the section 'Where the whole command's time goes' below.",
        rows,
        ratios,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
