"""Peer clusters and key-people measures computed inside Neo4j by the Graph Data Science library (``--engine gds``).

The ties still come from the one evidence code (:mod:`mapping.evidence`, :class:`graph_models.network.PeerNetwork`);
what runs in the store is the graph work that grows with them: Leiden (with the same resolution, seed and
splitting rule as in this process), degree and betweenness (exact or sampled, as in this process). Each call is
a *run*:

1. the run is recorded as ``(:PeermapRun {id, host, pid, started})``;
2. its ties are written between the store's own ``Child`` nodes (so ``peermap forget`` removes a child's run ties
   with the child) and one ``PeermapRunPerson {run, i}`` node per associate, under a relationship type named for
   the run (``PEERMAP_RUN_<id>``); each tie carries only the two node numbers and its weights;
3. the ties are projected into GDS (``gds.graph.project`` over them), the algorithms stream their results back
   by node number, into the same arrays the in-process engine gives;
4. in a ``finally`` block the projections, the ties, the run's nodes and its record are removed.

A run whose client died (a killed process, a lost machine) leaves its ties behind; the next run removes every
run of this host whose process is gone, and any run older than :data:`STALE_AFTER_HOURS`, before it starts.

All Cypher is parameterised; the run's relationship type is passed as ``$($type)`` (Neo4j 5.26's dynamic types).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from peermap.graph_models.neo4j_store import StoreError

#: A run older than this is removed by the next run, whichever machine it came from.
STALE_AFTER_HOURS = 24

#: Rows per write transaction when the run's ties are written.
BATCH = 20_000

#: what GDS 2.13.9's Leiden fails with when no node moves in its first pass (see :meth:`GdsRun.leiden`)
NOTHING_MOVED = "LeidenDendrogramManager.getCurrent()"

GDS_FIX = (
    "install Neo4j's Graph Data Science plugin on the server (the local one that `make neo4j-start` runs has it; "
    "see docs/neo4j.md), or leave out --engine gds"
)


class GdsMissing(StoreError):
    """The server has no Graph Data Science library (exit 3, one line naming the fix)."""


def gds_version(driver, database: str | None = None) -> str:
    """The server's GDS version; :class:`GdsMissing` when it has none."""
    from neo4j.exceptions import ClientError

    try:
        records, _, _ = driver.execute_query("RETURN gds.version() AS version", database_=database)
    except ClientError as exc:
        if "gds.version" in (exc.message or "") or "Unknown function" in (exc.message or ""):
            raise GdsMissing(f"the Neo4j server has no Graph Data Science library: {GDS_FIX}") from None
        raise
    return str(records[0]["version"])


def _alive(pid: int) -> bool:
    """Whether a process of this machine still runs (a zombie no longer counts)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True


def remove_stale_runs(driver, database: str | None = None) -> list[str]:
    """Remove what dead runs left (their projections, ties, nodes and records); the ids removed."""
    records, _, _ = driver.execute_query(
        "MATCH (r:PeermapRun) RETURN r.id AS id, r.host AS host, r.pid AS pid, r.started AS started",
        database_=database,
    )
    host, now = socket.gethostname(), time.time()
    stale = [
        r["id"]
        for r in records
        if (r["host"] == host and not _alive(int(r["pid"])))
        or now - float(r["started"] or 0) > STALE_AFTER_HOURS * 3600
    ]
    for run_id in stale:
        _remove(driver, database, run_id)
    return stale


def _remove(driver, database: str | None, run_id: str) -> None:
    """Everything of one run: its projections, ties (in batches), nodes and record."""
    driver.execute_query(
        "CALL gds.graph.list() YIELD graphName WHERE graphName STARTS WITH $prefix "
        "CALL gds.graph.drop(graphName, false) YIELD graphName AS dropped RETURN count(dropped) AS n",
        prefix=f"peermap-{run_id}-",
        database_=database,
    )
    with driver.session(database=database) as session:  # batched deletes run in an auto-commit transaction
        session.run(
            "MATCH ()-[t:$($type)]->() CALL (t) { DELETE t } IN TRANSACTIONS OF 10000 ROWS", type=_type(run_id)
        ).consume()
        session.run(
            "MATCH (p:PeermapRunPerson {run: $run}) CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 10000 ROWS",
            run=run_id,
        ).consume()
    driver.execute_query("MATCH (r:PeermapRun {id: $run}) DELETE r", run=run_id, database_=database)


def _type(run_id: str) -> str:
    return f"PEERMAP_RUN_{run_id.upper()}"


@dataclass
class GdsEngine:
    """A connection to a store with GDS, used by :func:`mapping.clusters.find_clusters` and
    :func:`mapping.key_people.betweenness` while it is the current engine (:func:`mapping.engine.using`)."""

    driver: object
    child_ids: dict[str, str]
    database: str | None = None
    name: str = "gds"
    #: each network's degree, measured in the store beside its betweenness, for :func:`mapping.key_people.key_people`
    degrees: dict = field(default_factory=dict)
    #: seconds spent writing runs' ties and removing them again (for benchmarks/bench_engines.py)
    seconds: dict = field(default_factory=lambda: {"writing ties": 0.0, "removing ties": 0.0, "ties written": 0})

    def check(self) -> str:
        """GDS's version, after removing what dead runs left; :class:`GdsMissing` without GDS."""
        version = gds_version(self.driver, self.database)
        remove_stale_runs(self.driver, self.database)
        return version

    @contextmanager
    def run(self, refs: np.ndarray, kinds: np.ndarray, ties: dict[str, np.ndarray]):
        """Write one network's ties into the store for the life of the ``with`` block, then remove them.

        ``ties`` holds arrays ``a``, ``b`` (node numbers) and any float properties (e.g. ``w``, ``cost``) and
        boolean ones (which projection each tie belongs to). Children are the store's ``Child`` nodes, found by
        the ``child_id`` of their reference (:attr:`child_ids`).
        """
        run_id = uuid.uuid4().hex[:16]
        self.driver.execute_query(
            "CREATE (:PeermapRun {id: $run, host: $host, pid: $pid, started: $started})",
            run=run_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            started=time.time(),
            database_=self.database,
        )
        try:
            started = time.perf_counter()
            nodes = self._write(run_id, refs, kinds, ties)
            self.seconds["writing ties"] += time.perf_counter() - started
            self.seconds["ties written"] += len(ties["a"])
            yield GdsRun(self, run_id, nodes)
        finally:
            started = time.perf_counter()
            _remove(self.driver, self.database, run_id)
            self.seconds["removing ties"] += time.perf_counter() - started

    def _write(self, run_id, refs, kinds, ties) -> dict[int, str]:
        """Write the ties; the store's element id of each node number that has one."""
        child_ids = self.child_ids
        is_child = np.asarray(kinds) == "child"
        numbers = np.arange(len(refs))
        missing = [refs[i] for i in numbers[is_child] if refs[i] not in child_ids]
        if missing:
            raise StoreError(f"{len(missing):,} children of the network are not in the store (e.g. {missing[0]})")
        children = [{"i": int(i), "child_id": child_ids[refs[i]]} for i in numbers[is_child]]
        found, _, _ = self.driver.execute_query(
            "UNWIND $rows AS row MATCH (c:Child {child_id: row.child_id}) RETURN row.i AS i, elementId(c) AS node",
            rows=children,
            database_=self.database,
        )
        node = {r["i"]: r["node"] for r in found}
        if len(node) < len(children):
            raise StoreError(f"{len(children) - len(node):,} children of the network are not in the store")
        for start in range(0, int((~is_child).sum()), BATCH):
            batch = [int(i) for i in numbers[~is_child][start : start + BATCH]]
            made, _, _ = self.driver.execute_query(
                "UNWIND $numbers AS i CREATE (p:PeermapRunPerson {run: $run, i: i}) RETURN i, elementId(p) AS node",
                numbers=batch,
                run=run_id,
                database_=self.database,
            )
            node.update({r["i"]: r["node"] for r in made})
        a, b = np.asarray(ties["a"], dtype=np.int64), np.asarray(ties["b"], dtype=np.int64)
        properties = {k: np.asarray(v) for k, v in ties.items() if k not in ("a", "b")}
        for start in range(0, len(a), BATCH):
            stop = start + BATCH
            rows = [
                {
                    "a": node[int(x)],
                    "b": node[int(y)],
                    "tie": {"ai": int(x), "bi": int(y)} | {k: v[at].item() for k, v in properties.items()},
                }
                for at, x, y in zip(range(start, stop), a[start:stop], b[start:stop])
            ]
            self.driver.execute_query(
                "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a MATCH (b) WHERE elementId(b) = row.b "
                "CREATE (a)-[t:$($type)]->(b) SET t = row.tie",
                rows=rows,
                type=_type(run_id),
                database_=self.database,
            )
        return node


@dataclass
class GdsRun:
    """One run's ties in the store: projections and algorithms over them, by node number."""

    engine: GdsEngine
    run_id: str
    #: the store's element id of each node number (where a community's ties are found from)
    nodes: dict = field(default_factory=dict)
    projections: int = 0

    def _query(self, cypher: str, **parameters) -> list:
        records, _, _ = self.engine.driver.execute_query(cypher, database_=self.engine.database, **parameters)
        return records

    @contextmanager
    def projection(self, among: str, weight: str | None = None, vertices: np.ndarray | None = None):
        """The run's ties whose boolean property ``among`` is true (only those between ``vertices`` when
        given), projected undirected with ``weight`` as property ``w``; dropped when the block ends."""
        self.projections += 1
        name = f"peermap-{self.run_id}-{self.projections}"
        if vertices is None:
            ties = "MATCH ()-[t:$($type)]->() WHERE t[$among] "
            starts, within = None, None
        else:  # from the vertices' own nodes: the ties of a community without reading every tie of the run
            ties = (
                "UNWIND $starts AS start MATCH (x) WHERE elementId(x) = start "
                "MATCH (x)-[t:$($type)]->() WHERE t[$among] AND $within[toString(t.bi)] "
            )
            starts = [self.nodes[int(v)] for v in vertices if int(v) in self.nodes]
            within = {str(int(v)): True for v in vertices}  # a map: looked up in O(1)
        self._query(
            ties
            # in node-number order: GDS numbers nodes as it meets them, and Leiden's seeded search follows that
            # numbering, so the store's own order (which changes as relationships are deleted and made) must not
            + "WITH t ORDER BY t.ai, t.bi "
            "WITH gds.graph.project($name, t.ai, t.bi, "
            "CASE WHEN $weight IS NULL THEN {} ELSE {relationshipProperties: {w: t[$weight]}} END, "
            "{undirectedRelationshipTypes: ['*']}) AS g RETURN g.graphName",
            type=_type(self.run_id),
            among=among,
            starts=starts,
            within=within,
            name=name,
            weight=weight,
        )
        try:
            yield name
        finally:
            self._query("CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName", name=name)

    def leiden(self, name: str, n: int, resolution: float, seed: int) -> np.ndarray:
        """Community of each of ``n`` node numbers; a node with no tie in the projection is on its own.

        When no node moves at all in Leiden's first pass (a resolution so high that every node is best on its
        own), GDS 2.13.9 fails on its own result (a NullPointerException in ``LeidenDendrogramManager``)
        instead of returning the starting communities: that result, every node on its own, is given here.
        """
        from neo4j.exceptions import ClientError

        try:
            records = self._query(
                "CALL gds.leiden.stream($name, {relationshipWeightProperty: 'w', gamma: $gamma, randomSeed: $seed, "
                "concurrency: 1}) YIELD nodeId, communityId RETURN nodeId, communityId",
                name=name,
                gamma=float(resolution),
                seed=int(seed),
            )
        except ClientError as exc:
            if NOTHING_MOVED not in (exc.message or ""):
                raise
            records = []
        return _by_number(records, "communityId", n, alone=True)

    def degree(self, name: str, n: int) -> np.ndarray:
        records = self._query(
            "CALL gds.degree.stream($name, {concurrency: 1}) YIELD nodeId, score RETURN nodeId, score", name=name
        )
        return _by_number(records, "score", n).astype(np.int64)

    def betweenness(self, name: str, n: int, sources: int | None, seed: int) -> np.ndarray:
        """Unnormalised betweenness over ``w`` as a distance: exact, or from ``sources`` seeded sampled sources."""
        sampling = {} if sources is None else {"samplingSize": int(sources), "samplingSeed": int(seed)}
        records = self._query(
            "CALL gds.betweenness.stream($name, $config) YIELD nodeId, score RETURN nodeId, score",
            name=name,
            config={"relationshipWeightProperty": "w", "concurrency": 1, **sampling},
        )
        return _by_number(records, "score", n)


def _by_number(records: list, field: str, n: int, alone: bool = False) -> np.ndarray:
    """Values streamed by node number into an array of ``n``; numbers not streamed get 0, or (``alone``) a
    community of their own numbered after every streamed one."""
    values = np.zeros(n, dtype=np.float64)
    seen = np.zeros(n, dtype=bool)
    for record in records:
        values[int(record["nodeId"])] = record[field]
        seen[int(record["nodeId"])] = True
    if alone:
        top = int(values[seen].max()) + 1 if seen.any() else 0
        values[~seen] = top + np.arange(int((~seen).sum()))
        return values.astype(np.int64)
    return values
