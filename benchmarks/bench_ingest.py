"""Ingest into Neo4j: the batched loader beside one row per transaction, on the same server in one run.

Usage (needs a running server: ``eval "$(make -s neo4j-start)"``)::

    python benchmarks/bench_ingest.py            # Durham scale and 1,000,000 episodes
    python benchmarks/bench_ingest.py --quick    # Durham scale only
    python benchmarks/bench_ingest.py --initial  # the first load by import beside the batched load, Durham
    python benchmarks/bench_ingest.py --initial --national   # and the national year by import alone

With ``--initial`` (results in ``benchmarks/results/ingest-initial.json``) the
whole ``peermap ingest`` command is timed as a user runs it, in a process of
its own, folder reading included: the batched load into an empty graph, then
``peermap ingest --initial --replace`` (CSV files written, the local server
stopped, neo4j-admin database import, the server restarted, constraints and
indexes created), each giving rows a second over the whole command, with the
seconds of each step of ``--initial`` as the command says them on stderr and
the machine's load average just before and after it. At national
scale only the import is run: the batched load takes about 16 minutes there,
so its recorded rate (``benchmarks/results/ingest.json``, ingest alone, folder
reading not counted) is cited beside it, which only flatters the batched load.

For each scale: the whole ``peermap ingest`` of the synthetic year into an
empty graph (time and rows a second per table). Then, side by side on the same
server and the same graph (everything else loaded, the episodes removed before
each way): the episodes merged by the batched loader (``UNWIND $rows ...
MERGE``, 5,000 rows a transaction) and by the per-row way, the same statements
sent for one row in its own transaction (a sample of 10,000 rows is enough to
know its rate). Both ways' statements are compiled once before timing, so
neither pays for query planning.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, measure, row, synthetic_folder, write_result  # noqa: E402

BATCH = 5_000


def remove_episodes(driver) -> None:
    with driver.session() as session:
        session.run("MATCH (e:Episode) CALL (e) { DETACH DELETE e } IN TRANSACTIONS OF 5000 ROWS").consume()


def warm_up(driver, statements) -> None:
    """Compile every statement once (an empty batch), so neither way is timed planning queries."""
    from peermap.graph_models.neo4j_store import write_batch

    with driver.session() as session:
        write_batch(session, statements, [])


def per_row_rate(driver, episodes, sample: int) -> tuple[float, int]:
    """Episodes a second, each row's statements in a transaction of its own."""
    from peermap.graph_models.neo4j_store import EPISODE_STATEMENTS, _episode_rows, write_batch

    rows = _episode_rows(episodes.head(sample))
    with driver.session() as session, measure() as took:
        for one in rows:
            write_batch(session, EPISODE_STATEMENTS, [one])
    return len(rows) / took.seconds, len(rows)


def batched_rate(driver, episodes) -> float:
    """Episodes a second through the loader's batches (parameters built inside the timing, as ingest does)."""
    from peermap.graph_models.neo4j_store import EPISODE_STATEMENTS, LoadStep, _episode_rows, write_batch

    step = LoadStep("episodes", episodes, _episode_rows, EPISODE_STATEMENTS)
    with driver.session() as session, measure() as took:
        for rows in step.batches(BATCH):
            write_batch(session, step.statements, rows)
    return len(episodes) / took.seconds


def run_scale(driver, name: str, size: dict, sample: int) -> tuple[list[dict], dict]:
    from peermap.graph_models.load import load_folder
    from peermap.graph_models.neo4j_store import EPISODE_STATEMENTS, clear, counts, ingest

    folder = synthetic_folder(name, **size)
    with measure() as loading:
        dataset = load_folder(folder)
    print(f"{name}: loaded the folder in {loading.seconds:.1f} s", file=sys.stderr, flush=True)
    clear(driver)
    step_started: dict[str, float] = {}
    step_took: dict[str, tuple[float, int]] = {}

    def progress(step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        step_started.setdefault(step, now)
        if done == total:
            step_took[step] = (now - step_started[step], total)
            print(f"{name}: {step}: {total:,} rows in {now - step_started[step]:.1f} s", file=sys.stderr, flush=True)

    with measure() as whole:
        sent = ingest(driver, dataset, progress=progress)
    graph = counts(driver)
    rows_sent = sum(sent.values())
    rows = [
        row(f"{name}: load and validate the folder (not part of the ingest)", loading.seconds, "s"),
        row(f"{name}: rows merged by peermap ingest", rows_sent, "rows"),
        row(f"{name}: whole ingest into an empty graph", whole.seconds, "s"),
        row(f"{name}: whole ingest rate", rows_sent / whole.seconds, "rows/s"),
    ]
    for step, (seconds, total) in step_took.items():
        rows.append(row(f"{name}: {step}, rows a second", total / seconds if seconds else 0, "rows/s"))
    rows += [
        row(f"{name}: nodes in the graph", sum(v for k, v in graph.items() if not k.isupper()), ""),
        row(f"{name}: relationships in the graph", sum(v for k, v in graph.items() if k.isupper()), ""),
        row(f"{name}: peak memory of the Python side", whole.peak_mb, "MB"),
    ]

    # side by side: the episodes again, into the same graph, each way starting with none of them
    warm_up(driver, EPISODE_STATEMENTS)
    remove_episodes(driver)
    batched = batched_rate(driver, dataset.episodes)
    remove_episodes(driver)
    naive, sampled = per_row_rate(driver, dataset.episodes, sample)
    print(f"{name}: episodes batched {batched:,.0f}/s, per row {naive:,.0f}/s", file=sys.stderr, flush=True)
    ratio = {
        "measure": f"{name}: episodes merged a second ({len(dataset.episodes):,} batched; per row: "
        f"a sample of {sampled:,})",
        "ours": f"{batched:,.0f}/s",
        "naive": f"{naive:,.0f}/s",
        "ratio": round(batched / naive, 1),
    }
    return rows, ratio


#: A step's time as ``peermap ingest --initial`` says it on stderr (``import tool: 26.7s``).
STEP_LINE = re.compile(r"^([a-z][a-z ]*): ([0-9]+\.[0-9])s$")


def whole_command(folder: Path, *extra: str) -> tuple[float, float, dict[str, float]]:
    """Seconds, peak memory (MB, this process tree) and the seconds of each step the command names on stderr
    of ``peermap ingest FOLDER --neo4j URI EXTRA``."""
    import subprocess
    import tempfile

    peermap = Path(sys.executable).parent / "peermap"
    command = [str(peermap), "ingest", str(folder), "--neo4j", os.environ["NEO4J_URI"], *extra]
    # its rejects.csv into a folder of its own (the command's default is the working folder: the repository)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch, measure() as took:
        command += ["--rejects", str(Path(scratch) / "rejects.csv")]
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[1:3])} failed: {done.stderr.decode()[-2000:]}")
    said = [line for line in done.stderr.decode().splitlines() if line.strip()]
    print(f"  {said[-1]}", file=sys.stderr, flush=True)
    steps = {m.group(1): float(m.group(2)) for m in map(STEP_LINE.match, said) if m}
    return took.seconds, took.peak_mb, steps


def recorded_batched(name: str) -> float | None:
    """The batched load's rate at ``name`` scale as benchmarks/results/ingest.json recorded it."""
    import json

    from harness import RESULTS

    try:
        rows = json.loads((RESULTS / "ingest.json").read_text())["rows"]
    except (OSError, ValueError, KeyError):
        return None
    return next((r["value"] for r in rows if r["measure"] == f"{name}: whole ingest rate"), None)


def initial(driver, national: bool, memory: dict) -> Path:
    """The first load by import beside the batched load (see the module's notes)."""
    from peermap.graph_models.load import load_folder
    from peermap.graph_models.neo4j_store import clear, counts, load_steps

    rows, ratios = [], []
    scales = [("durham", DURHAM)] + ([("national", NATIONAL)] if national else [])
    for name, size in scales:
        folder = synthetic_folder(name, **size)
        total = sum(len(step.frame) for step in load_steps(load_folder(folder)))
        batched = None
        if name == "durham":
            clear(driver)
            print(f"{name}: peermap ingest (batched) ...", file=sys.stderr, flush=True)
            seconds, peak, _ = whole_command(folder)
            batched = total / seconds
            rows += [
                row(f"{name}: peermap ingest, batched, into an empty graph: whole command", seconds, "s"),
                row(f"{name}: peermap ingest, batched: rows a second over the whole command", batched, "rows/s"),
                row(f"{name}: peermap ingest, batched: peak memory of the command", peak, "MB"),
            ]
        print(f"{name}: peermap ingest --initial --replace ...", file=sys.stderr, flush=True)
        driver.close()
        load_before = os.getloadavg()
        seconds, peak, steps = whole_command(folder, "--initial", "--replace")
        load_after = os.getloadavg()
        driver = connect_again()
        graph = counts(driver)
        rate = total / seconds
        rows += [
            row(f"{name}: rows in the folder (as the batched load counts them)", total, "rows"),
            row(f"{name}: peermap ingest --initial --replace: whole command", seconds, "s"),
            row(f"{name}: peermap ingest --initial: rows a second over the whole command", rate, "rows/s"),
            row(
                f"{name}: peermap ingest --initial: peak memory of the command's process tree "
                "(the import tool, and the server while it restarts, included)",
                peak,
                "MB",
            ),
            row(f"{name}: nodes in the graph", sum(v for k, v in graph.items() if not k.isupper()), ""),
            row(f"{name}: relationships in the graph", sum(v for k, v in graph.items() if k.isupper()), ""),
            row(f"{name}: load average (1 minute) just before the --initial command", load_before[0], ""),
            row(f"{name}: load average (1 minute) just after the --initial command", load_after[0], ""),
        ]
        rows += [
            row(f"{name}: peermap ingest --initial, step: {step} (as the command says it)", took, "s")
            for step, took in steps.items()
        ]
        if batched is not None:
            ratios.append(
                {
                    "measure": f"{name}: rows a second, the whole peermap ingest command (both measured in this run)",
                    "ours": f"{rate:,.0f}/s (--initial)",
                    "naive": f"{batched:,.0f}/s (batched)",
                    "ratio": round(rate / batched, 1),
                }
            )
        else:
            recorded = recorded_batched(name)
            if recorded:
                ratios.append(
                    {
                        "measure": f"{name}: rows a second; --initial over the whole command (this run), batched "
                        "as recorded in ingest.json (ingest alone, reading the folder not counted)",
                        "ours": f"{rate:,.0f}/s (--initial)",
                        "naive": f"{recorded:,.0f}/s (batched, recorded)",
                        "ratio": round(rate / recorded, 1),
                    }
                )
    path = write_result(
        "ingest-initial",
        "Neo4j first load: --initial beside the batched load",
        "The whole `peermap ingest` command in a process of its own (reading and validating the folder "
        "included): the batched load (UNWIND ... MERGE) into an empty graph, and `peermap ingest --initial "
        "--replace` (CSV files in Neo4j's import format with numbered nodes, the local server stopped, "
        "neo4j-admin database import --id-type=actual into a database directory of its own and swapped in, the "
        "server restarted, constraints and indexes created and populated, empty lists set), on the same local "
        "Neo4j 5.26 Community server in the same run "
        f"(heap {memory.get('server.memory.heap.max_size', '?')}, page cache "
        f"{memory.get('server.memory.pagecache.size', '?')}; the import tool's own JVM takes the heap the "
        "server's settings give). Per-step seconds are the command's own, as it says them on stderr. At national "
        "scale the batched load (about 16 minutes) is not run again: its rate recorded in ingest.json is cited. "
        "The machine is shared: times are wall-clock.",
        rows,
        ratios,
    )
    clear(driver)  # minutes after the national year: the results are written first
    driver.close()
    return path


def connect_again():
    """A driver on the server again after ``--initial`` restarted it (same port, same password)."""
    from peermap.graph_models.neo4j_store import Connection, connect

    return connect(Connection.from_env())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Durham scale only")
    parser.add_argument("--sample", type=int, default=10_000, help="rows for the per-row way")
    parser.add_argument("--initial", action="store_true", help="the first load by import beside the batched load")
    parser.add_argument("--national", action="store_true", help="with --initial: the national year too")
    args = parser.parse_args()
    from peermap.graph_models.neo4j_store import Connection, clear, connect

    driver = connect(Connection.from_env())
    with driver.session() as session:
        memory = {
            r["name"]: r["value"]
            for r in session.run(
                "SHOW SETTINGS YIELD name, value WHERE name IN ['server.memory.heap.max_size', "
                "'server.memory.pagecache.size'] RETURN name, value"
            )
        }
    if args.initial:
        print(initial(driver, args.national, memory))
        return 0
    rows, ratios = [], []
    scales = [("durham", DURHAM)] + ([] if args.quick else [("national", NATIONAL)])
    for name, size in scales:
        r, ratio = run_scale(driver, name, size, args.sample)
        rows += r
        ratios.append(ratio)
    clear(driver)
    driver.close()
    path = write_result(
        "ingest",
        "Neo4j ingest",
        "peermap ingest (UNWIND $rows ... MERGE, a few simple statements per table in one managed transaction "
        f"per batch of {BATCH:,} rows) beside the per-row way (the same statements, one row per transaction), "
        "on the same local Neo4j 5.26 Community server in the same run "
        f"(heap {memory.get('server.memory.heap.max_size', '?')}, page cache "
        f"{memory.get('server.memory.pagecache.size', '?')}). The machine is shared: times are wall-clock.",
        rows,
        ratios,
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
