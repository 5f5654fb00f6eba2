"""The two engines side by side: ``peermap analyse --engine python`` and ``--engine gds`` on the same store.

Usage (needs the local server, which carries GDS: ``eval "$(make -s neo4j-start)"``)::

    python benchmarks/bench_engines.py                 # Durham scale (the synthetic year, March 2023)
    python benchmarks/bench_engines.py --national --keep-store --runs 1
                                                       # the national year, from a store that holds it already
                                                       # (`peermap ingest --initial`), on a server with more memory

The data folder is merged into an emptied store once (not measured), unless ``--keep-store`` says the store holds
it already. Then, alternating, each engine's whole command runs in a fresh process (``peermap analyse --neo4j URI
--engine E --audience police``: March 2023 at Durham scale, the whole year with ``--summary-only`` at national
scale): wall time, the peak resident memory of the command's process tree and of the Neo4j server (sampled every
50 ms), medians reported, and the GDS command's own account of the time it spent writing its ties into the store
and removing them. At Durham scale, in this process, the year's network is measured both ways the GDS engine
can hold its ties: written once for the clusters and the key-people measures together (as ``analyse`` does), and
written by each of them for itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
#: what the GDS command says about its ties on stderr (peermap/cli/source.py)
TIES_LINE = re.compile(r"([\d,]+) ties written into the store in ([\d.]+)s and removed in ([\d.]+)s")


def server_process() -> psutil.Process:
    """The local server's process (scripts/neo4j_server.py's folder, ``PEERMAP_NEO4J_DIR`` when set)."""
    home = Path(os.environ.get("PEERMAP_NEO4J_DIR") or ROOT / ".neo4j")
    return psutil.Process(int((home / "neo4j.pid").read_text()))


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


def run_command(engine: str, period: list[str], extra: list[str], out: Path, server: psutil.Process) -> dict:
    """One whole command in a fresh process: seconds, its tree's peak MB, the server's peak MB (and, for GDS,
    the seconds it says it spent writing and removing its ties)."""
    command = [sys.executable, "-m", "peermap", "analyse", "--neo4j", os.environ["NEO4J_URI"], "--engine", engine]
    command += [*period, "--audience", "police", *extra, "--out", str(out)]
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
        raise RuntimeError(f"peermap analyse --engine {engine} failed (exit {process.returncode}):\n{errors}")
    result = {"seconds": seconds, "client_mb": peaks["client"] / 2**20, "server_mb": peaks["server"] / 2**20}
    if engine == "gds":
        ties, writing, removing = TIES_LINE.search(errors).groups()
        result |= {"ties": int(ties.replace(",", "")), "writing": float(writing), "removing": float(removing)}
    return result


def shared_against_separate(dataset, year: dict) -> dict:
    """The year's network measured by the GDS engine both ways, in this process: its ties written once for the
    clusters and the key-people measures (engines.ties_in_store, as analyse does), and by each for itself."""
    from peermap.exports.audience_view import analyse_for_audience
    from peermap.graph_models.gds_engine import GdsEngine
    from peermap.graph_models.neo4j_store import Connection, connect
    from peermap.mapping import engines
    from peermap.mapping.clusters import find_clusters
    from peermap.mapping.key_people import betweenness
    from peermap.mapping.periods import Period
    from peermap.mapping.settings import EvidenceSettings

    network = analyse_for_audience(dataset, Period.from_dates(year["from"], year["to"]), "police").network
    settings = EvidenceSettings()
    driver = connect(Connection.from_env())
    out = {}
    try:
        for way in ("separate", "shared", "separate", "shared"):  # the second of each counted: the first warms up
            engine = GdsEngine(driver, dict(zip(dataset.children["ref"], dataset.children["child_id"])))
            engine.check()
            started = time.perf_counter()
            with engines.using(engine):
                if way == "shared":
                    with engines.ties_in_store(network):
                        betweenness(network, settings)
                        find_clusters(network, settings)
                else:
                    betweenness(network, settings)
                    find_clusters(network, settings)
            out[way] = dict(engine.seconds) | {"seconds": time.perf_counter() - started}
    finally:
        driver.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="1,000,000 episodes instead of Durham's year")
    parser.add_argument("--keep-store", action="store_true", help="the store holds the folder already: not loaded")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from peermap.graph_models.load import load_folder
    from peermap.graph_models.neo4j_store import Connection, clear, connect, ingest, read_dataset

    name, size = ("national", NATIONAL) if args.national else ("durham", DURHAM)
    folder = synthetic_folder(name, **size)
    year = json.loads((folder / "truth.json").read_text())["period"]
    if args.national:
        period, extra = ["--from", year["from"], "--to", year["to"]], ["--summary-only"]
        label, when = "national year", f"{year['from']} to {year['to']}"
    else:
        period, extra, label, when = ["--period", PERIOD], [], "Durham year", "March 2023"
    dataset = None
    if not args.keep_store or not args.national:
        driver = connect(Connection.from_env())
        try:
            if not args.keep_store:
                clear(driver)
                ingest(driver, load_folder(folder))
            if not args.national:
                dataset = read_dataset(driver)
        finally:
            driver.close()
    server = server_process()
    load_before = os.getloadavg()[0]
    results: dict[str, list[dict]] = {"python": [], "gds": []}
    with tempfile.TemporaryDirectory() as scratch:
        for k in range(args.runs):
            for engine in ("python", "gds") if k % 2 == 0 else ("gds", "python"):
                result = run_command(engine, period, extra, Path(scratch) / f"{engine}-{k}", server)
                results[engine].append(result)
                print(engine, result, flush=True)
    median = {e: {m: statistics.median(r[m] for r in runs) for m in runs[0]} for e, runs in results.items()}
    rows = []
    for engine in ("python", "gds"):
        rows += [
            row(f"{label}, {when}: whole `peermap analyse --engine {engine}`", median[engine]["seconds"], "s"),
            row(f"  peak memory of the command (process tree), --engine {engine}", median[engine]["client_mb"], "MB"),
            row(f"  peak memory of the Neo4j server, --engine {engine}", median[engine]["server_mb"], "MB"),
        ]
    rows += [
        row(f"{label}: ties written into the store by the --engine gds command", int(median["gds"]["ties"]), "ties"),
        row("  seconds writing them (within the command's time)", median["gds"]["writing"], "s"),
        row("  seconds removing them afterwards (within the command's time)", median["gds"]["removing"], "s"),
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
    if dataset is not None:
        ways = shared_against_separate(dataset, year)
        shared, separate = ways["shared"], ways["separate"]
        rows += [
            row(
                "the year's network, GDS engine: ties written, once for clusters and key people",
                int(shared["ties written"]),
                "ties",
            ),
            row(
                "  ties written, by the clusters and the key-people measures each for itself",
                int(separate["ties written"]),
                "ties",
            ),
            row("  seconds writing and removing them, once", shared["writing ties"] + shared["removing ties"], "s"),
            row(
                "  seconds writing and removing them, each for itself",
                separate["writing ties"] + separate["removing ties"],
                "s",
            ),
        ]
        ratios.append(
            {
                "measure": "the year's network: clusters, degree and betweenness by the GDS engine, ties written "
                "once against each measure writing its own",
                "ours": round(shared["seconds"], 2),
                "naive": round(separate["seconds"], 2),
                "ratio": round(shared["seconds"] / separate["seconds"], 2),
                "headers": ["ties written once (s)", "each its own (s)", "once takes this many times as long"],
            }
        )
    rows += [
        row("load average (1 min) at the start", load_before, ""),
        row("load average (1 min) at the end", os.getloadavg()[0], ""),
    ]
    scope = (
        f"the whole `peermap analyse` of the national year ({when}) for the police with `--summary-only`, reading "
        "the synthetic national folder from a local Neo4j store loaded by `peermap ingest --initial`"
        if args.national
        else "the whole `peermap analyse` of March 2023 for the police, reading the synthetic year from the local "
        "Neo4j store"
    )
    path = write_result(
        f"engines-{name}",
        f"Engines: in this process and inside Neo4j ({label})",
        f"{scope[0].upper()}{scope[1:]}, with each engine in a fresh process, alternating, {args.runs} run(s) each "
        "(medians). Memory is the peak resident set, sampled every 50 ms, of the command's process tree and, "
        "separately, of the server. The GDS engine writes each network's ties into the store once, for the "
        "clusters and the key-people measures together, for this period and the earlier ones whose cluster "
        "numbers carry on; the command says how long writing and removing them took.",
        rows,
        ratios,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
