"""Ingest into Neo4j: the batched loader beside one MERGE per row, on the same server in one run.

Usage (needs a running server: ``eval "$(make -s neo4j-start)"``)::

    python benchmarks/bench_ingest.py            # Durham scale and 1,000,000 episodes
    python benchmarks/bench_ingest.py --quick    # Durham scale only

The per-row way sends each episode as its own auto-commit ``MERGE`` (a
10,000-row sample is enough to know its rate); the batched way is
``peermap ingest``'s ``UNWIND $rows ... MERGE`` in managed transactions.
The graph is emptied between runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DURHAM, NATIONAL, measure, row, synthetic_folder, write_result  # noqa: E402

PER_ROW_MERGE = """
MERGE (e:Episode {episode_id: $episode_id})
SET e.child_id = $child_id, e.missing_at = datetime({epochMillis: $missing_at})
WITH e
MATCH (c:Child {child_id: $child_id})
MERGE (c)-[:WENT_MISSING]->(e)
"""


def total_rows(sent: dict) -> int:
    return sum(sent.values())


def per_row_rate(driver, dataset, sample: int) -> float:
    """Episodes a second, each MERGEd in its own auto-commit transaction (children already loaded)."""
    from graph_models.neo4j_store import _records

    episodes = dataset.episodes.head(sample)
    rows = _records(episodes[["episode_id", "child_id", "missing_at"]], stamps=("missing_at",))
    with driver.session() as session, measure() as took:
        for r in rows:
            session.run(PER_ROW_MERGE, episode_id=r["episode_id"], child_id=r["child_id"],
                        missing_at=r["missing_at"]).consume()
    return len(rows) / took.seconds


def batched_episode_rate(driver, dataset) -> float:
    from graph_models.neo4j_store import MERGE_EPISODES, _batches, _episode_rows

    rows = _episode_rows(dataset.episodes)
    with driver.session() as session, measure() as took:
        for batch in _batches(rows, 5000):
            session.execute_write(lambda tx, b=batch: tx.run(MERGE_EPISODES, rows=b).consume())
    return len(rows) / took.seconds


def run_scale(driver, name: str, size: dict, sample: int) -> tuple[list[dict], dict]:
    from graph_models.load import load_folder
    from graph_models.neo4j_store import MERGE_CHILDREN, _records, clear, counts, ingest

    folder = synthetic_folder(name, **size)
    with measure() as loading:
        dataset = load_folder(folder)
    clear(driver)
    with measure() as whole:
        sent = ingest(driver, dataset)
    graph = counts(driver)
    rows = [row(f"{name}: load and validate the folder", loading.seconds, "s"),
            row(f"{name}: rows merged by peermap ingest", total_rows(sent), "rows"),
            row(f"{name}: whole ingest (children, places, associates, episodes, interviews, links)", whole.seconds, "s"),
            row(f"{name}: whole ingest rate", total_rows(sent) / whole.seconds, "rows/s"),
            row(f"{name}: nodes in the graph", sum(v for k, v in graph.items() if k[0].isupper() and not k.isupper()), ""),
            row(f"{name}: peak memory of the Python side", whole.peak_mb, "MB")]
    # side by side on the same server: episodes only, into a graph holding just the children
    clear(driver)
    with driver.session() as session:
        session.execute_write(lambda tx: tx.run(MERGE_CHILDREN, rows=_records(
            dataset.children, dates=("birth_date",), props=("child_id", "ref"))).consume())
    batched = batched_episode_rate(driver, dataset)
    clear(driver)
    with driver.session() as session:
        session.execute_write(lambda tx: tx.run(MERGE_CHILDREN, rows=_records(
            dataset.children, dates=("birth_date",), props=("child_id", "ref"))).consume())
    naive = per_row_rate(driver, dataset, sample)
    ratio = {"measure": f"{name}: episodes merged a second (per-row sample of {min(sample, len(dataset.episodes)):,})",
             "ours": f"{batched:,.0f}/s", "naive": f"{naive:,.0f}/s", "ratio": round(batched / naive, 1)}
    return rows, ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Durham scale only")
    parser.add_argument("--sample", type=int, default=10_000, help="rows for the per-row way")
    args = parser.parse_args()
    from graph_models.neo4j_store import Connection, clear, connect

    driver = connect(Connection.from_env())
    rows, ratios = [], []
    scales = [("durham", DURHAM)] + ([] if args.quick else [("national", NATIONAL)])
    for name, size in scales:
        r, ratio = run_scale(driver, name, size, args.sample)
        rows += r
        ratios.append(ratio)
        print(ratio, file=sys.stderr)
    clear(driver)
    driver.close()
    path = write_result("ingest", "Neo4j ingest",
                        "peermap ingest (batched UNWIND ... MERGE in managed transactions, 5,000 rows a batch) "
                        "beside one MERGE per row in its own transaction, on the same local Neo4j 5.26 "
                        "Community server (512 MB heap) in the same run.", rows, ratios)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
