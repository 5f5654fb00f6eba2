"""The two engines side by side: ``peermap analyse --engine python`` and ``--engine gds`` on the same store.

Usage (needs the local server, which carries GDS: ``eval "$(make -s neo4j-start)"``)::

    python benchmarks/bench_engines.py                 # Durham scale (the synthetic year, March 2023)
    python benchmarks/bench_engines.py --national      # 1,000,000 episodes (a long batched load first)

The synthetic year is merged into an emptied store once (not measured). Then, alternating, each engine's
whole command runs in a fresh process three times (``peermap analyse --neo4j URI --engine E --period
2023-03 --audience police``): wall time, the peak resident memory of the command's process tree and of the
Neo4j server (sampled every 50 ms), medians reported. In this process, the same analysis with the GDS engine
says how long writing its ties into the store and removing them took.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, ROOT, row, synthetic_folder, write_result  # noqa: E402

PERIOD = "2023-03"


def server_process() -> psutil.Process:
    pid = int((ROOT / ".neo4j" / "neo4j.pid").read_text())
    return psutil.Process(pid)


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and its children (0 once it has ended)."""
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for one in family:
        try:
            total += one.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_command(engine: str, out: Path, server: psutil.Process) -> dict:
    """One whole command in a fresh process: seconds, its tree's peak MB, the server's peak MB."""
    command = [sys.executable, "-m", "peermap", "analyse", "--neo4j", os.environ["NEO4J_URI"], "--engine", engine]
    command += ["--period", PERIOD, "--audience", "police", "--out", str(out)]
    peaks = {"client": 0, "server": tree_rss(server)}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(process.pid)  # it cannot have been reaped yet: communicate() below does that
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peaks["client"] = max(peaks["client"], tree_rss(watched))
            peaks["server"] = max(peaks["server"], tree_rss(server))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"peermap analyse --engine {engine} failed:\n{errors}")
    return {"seconds": seconds, "client_mb": peaks["client"] / 2**20, "server_mb": peaks["server"] / 2**20}


def ties_in_store(dataset) -> dict:
    """The GDS engine's own accounting of one analysis: seconds writing and removing ties, ties written."""
    from peermap.exports.audience_view import analyse_for_audience
    from peermap.graph_models.gds_engine import GdsEngine
    from peermap.graph_models.neo4j_store import Connection, connect
    from peermap.mapping import engines
    from peermap.mapping.periods import Period

    driver = connect(Connection.from_env())
    try:
        engine = GdsEngine(driver, dict(zip(dataset.children["ref"], dataset.children["child_id"])))
        engine.check()
        with engines.using(engine):
            analyse_for_audience(dataset, Period.from_month(PERIOD), "police")
        return dict(engine.seconds)
    finally:
        driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="1,000,000 episodes instead of Durham's year")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from peermap.graph_models.load import load_folder
    from peermap.graph_models.neo4j_store import Connection, clear, connect, ingest, read_dataset

    name, size = ("national", NATIONAL) if args.national else ("durham", DURHAM)
    folder = synthetic_folder(name, **size)
    driver = connect(Connection.from_env())
    try:
        clear(driver)
        ingest(driver, load_folder(folder))
        dataset = read_dataset(driver)
    finally:
        driver.close()
    server = server_process()
    results: dict[str, list[dict]] = {"python": [], "gds": []}
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(args.runs):
            for engine in ("python", "gds") if k % 2 == 0 else ("gds", "python"):
                results[engine].append(run_command(engine, Path(scratch) / f"{engine}-{k}", server))
                print(engine, results[engine][-1], flush=True)
    writes = ties_in_store(dataset)
    median = {e: {m: statistics.median(r[m] for r in runs) for m in runs[0]} for e, runs in results.items()}
    label = "Durham year" if not args.national else "national year"
    rows = []
    for engine in ("python", "gds"):
        rows += [
            row(f"{label}, March 2023: whole `peermap analyse --engine {engine}`", median[engine]["seconds"], "s"),
            row(f"  peak memory of the command (process tree), --engine {engine}", median[engine]["client_mb"], "MB"),
            row(f"  peak memory of the Neo4j server, --engine {engine}", median[engine]["server_mb"], "MB"),
        ]
    rows += [
        row(f"{label}: ties written into the store by one --engine gds analysis", int(writes["ties written"]), "ties"),
        row("  seconds writing them", writes["writing ties"], "s"),
        row("  seconds removing them afterwards", writes["removing ties"], "s"),
        row("load average (1 min) at the end", os.getloadavg()[0], ""),
    ]
    ratios = [
        {
            "measure": f"{label}: whole command, --engine gds against --engine python (median of {args.runs})",
            "ours": round(median["gds"]["seconds"], 2),
            "naive": round(median["python"]["seconds"], 2),
            "ratio": round(median["gds"]["seconds"] / median["python"]["seconds"], 2),
            "headers": ["--engine gds (s)", "--engine python (s)", "gds takes this many times as long"],
        }
    ]
    path = write_result(
        f"engines-{name}",
        f"Engines: in this process and inside Neo4j ({label})",
        "The whole `peermap analyse` of March 2023 for the police, reading the synthetic year from the local Neo4j "
        f"store, with each engine in a fresh process, alternating, {args.runs} runs each (medians). Memory is the "
        "peak resident set, sampled every 50 ms, of the command's process tree and, separately, of the server. "
        "The GDS engine writes each network's ties into the store for the length of one computation: once for "
        "the clusters and once for degree and betweenness, for this period and the earlier ones whose cluster "
        "numbers carry on.",
        rows,
        ratios,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
