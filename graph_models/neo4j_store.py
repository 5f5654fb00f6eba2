"""Neo4j as the shared store: batched idempotent ingest, reading tables back, erasure.

``ingest(driver, dataset)`` merges every validated row in batches with
``UNWIND $rows ... MERGE`` inside managed write transactions (retried by the
driver on transient errors), so loading the same folder twice changes nothing
and next month's full snapshot adds what is new and updates what changed.
``read_dataset(driver)`` gives back the same :class:`~graph_models.dataset.Dataset`
tables the folder loader gives, so every analysis runs unchanged on either store.
``forget(driver, child_id)`` removes a child and everything recorded about them.

Every query is fixed text (see :mod:`graph_models.graph_schema` for the model);
values, including every string from the data, travel only as parameters.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from graph_models import cells
from graph_models.dataset import Dataset
from graph_models.graph_schema import CONSTRAINTS
from graph_models.load import in_key_order
from graph_models.schema import SPECS

BATCH_SIZE = 5_000
LONDON = "Europe/London"


class StoreError(Exception):
    """Neo4j cannot be reached or refused us: one clear message for the user."""


@dataclass(frozen=True)
class Connection:
    """Where the Neo4j server is and who we are on it."""

    uri: str
    user: str = "neo4j"
    password: str = ""
    database: str | None = None

    @classmethod
    def from_env(cls, uri: str | None = None) -> "Connection":
        """``--neo4j URI`` or ``NEO4J_URI``, with ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``."""
        uri = uri or os.environ.get("NEO4J_URI")
        if not uri:
            raise StoreError("no Neo4j server given: pass --neo4j bolt://HOST:PORT or set NEO4J_URI "
                             "(with NEO4J_USER and NEO4J_PASSWORD); `make neo4j-start` runs a local one")
        return cls(uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""),
                   os.environ.get("NEO4J_DATABASE") or None)


def connect(connection: Connection):
    """An open, verified driver; :class:`StoreError` with a plain message when it cannot be had."""
    import neo4j
    from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

    try:
        retry = float(os.environ.get("PEERMAP_NEO4J_RETRY_SECONDS", "30"))
        driver = neo4j.GraphDatabase.driver(connection.uri, auth=(connection.user, connection.password),
                                            connection_timeout=10, max_transaction_retry_time=retry,
                                            notifications_min_severity="OFF")
    except (ValueError, ConfigurationError) as exc:
        raise StoreError(f"not a Neo4j address: {connection.uri} ({exc}); use bolt://HOST:PORT or neo4j://HOST:PORT") from None
    try:
        driver.verify_connectivity()
        driver.execute_query("RETURN 1", database_=connection.database)
    except AuthError:
        driver.close()
        raise StoreError(f"Neo4j at {connection.uri} refused user {connection.user!r} and the password given "
                         "(check NEO4J_USER and NEO4J_PASSWORD)") from None
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        raise StoreError(f"cannot reach Neo4j at {connection.uri}: is it running? ({type(exc).__name__})") from None
    return driver


# -- turning table rows into parameters -------------------------------------------------------
def _epoch_ms(values: pd.Series) -> list:
    utc = pd.to_datetime(values).dt.tz_convert("UTC")
    millis = (utc - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    return [None if pd.isna(v) else int(v) for v in millis]


def _plain(values: pd.Series) -> list:
    """Python values with ``None`` for missing; tuples become lists."""
    out = values.astype(object).where(values.notna(), None).tolist()
    return [list(v) if isinstance(v, tuple) else (bool(v) if isinstance(v, np.bool_) else v) for v in out]


def _records(frame: pd.DataFrame, *, stamps: tuple[str, ...] = (), dates: tuple[str, ...] = (),
             props: tuple[str, ...] = (), extra: dict[str, list] | None = None) -> list[dict]:
    """One parameter map per row: ``props`` go into a nested ``props`` map (SET n += row.props)."""
    columns: dict[str, list] = {}
    for name in frame.columns:
        if name in stamps:
            columns[name] = _epoch_ms(frame[name])
        elif name in dates:
            columns[name] = [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in frame[name]]
        else:
            columns[name] = _plain(frame[name])
    columns.update(extra or {})
    names = list(columns)
    rows = []
    for values in zip(*columns.values()):
        row = dict(zip(names, values))
        row["props"] = {p: row[p] for p in props}
        rows.append(row)
    return rows


# -- the fixed Cypher ------------------------------------------------------------------------
MERGE_CHILDREN = """
UNWIND $rows AS row
MERGE (c:Child {child_id: row.child_id})
SET c += row.props,
    c.birth_date = CASE WHEN row.birth_date IS NULL THEN null ELSE date(row.birth_date) END
WITH c, row
OPTIONAL MATCH (c)-[old:LIVES_AT|PLACED_AT]->(p:Place)
WHERE (type(old) = 'LIVES_AT' AND (row.home_postcode IS NULL OR p.key <> row.home_postcode))
   OR (type(old) = 'PLACED_AT' AND (row.placement_postcode IS NULL OR p.key <> row.placement_postcode))
DELETE old
WITH DISTINCT c, row
FOREACH (pc IN CASE WHEN row.home_postcode IS NULL THEN [] ELSE [row.home_postcode] END |
  MERGE (p:Place {key: pc}) ON CREATE SET p.postcode = pc
  MERGE (c)-[:LIVES_AT]->(p))
FOREACH (pc IN CASE WHEN row.placement_postcode IS NULL THEN [] ELSE [row.placement_postcode] END |
  MERGE (p:Place {key: pc}) ON CREATE SET p.postcode = pc
  MERGE (c)-[:PLACED_AT]->(p))
"""

MERGE_PLACES = """
UNWIND $rows AS row
MERGE (p:Place {key: row.key})
SET p += row.props, p.listed = true
FOREACH (pc IN CASE WHEN row.postcode IS NULL THEN [] ELSE [row.postcode] END |
  MERGE (q:Place {key: pc}) ON CREATE SET q.postcode = pc)
"""

MERGE_ASSOCIATES = """
UNWIND $rows AS row
MERGE (a:Associate {associate_key: row.associate_key})
SET a += row.props
"""

MERGE_EPISODES = """
UNWIND $rows AS row
MATCH (c:Child {child_id: row.child_id})
MERGE (e:Episode {episode_id: row.episode_id})
SET e += row.props,
    e.missing_at = datetime({epochMillis: row.missing_at}),
    e.returned_at = CASE WHEN row.returned_at IS NULL THEN null ELSE datetime({epochMillis: row.returned_at}) END
WITH c, e, row
OPTIONAL MATCH (e)<-[w:WENT_MISSING]-(other:Child) WHERE other <> c
DELETE w
WITH DISTINCT c, e, row
MERGE (c)-[:WENT_MISSING]->(e)
WITH e, row
OPTIONAL MATCH (e)-[old:MISSING_FROM|FOUND_AT]->(p:Place)
WHERE (type(old) = 'MISSING_FROM' AND NOT p.key IN row.from_keys)
   OR (type(old) = 'FOUND_AT' AND NOT p.key IN [f IN row.found IN | f.key])
DELETE old
WITH DISTINCT e, row
FOREACH (k IN row.from_keys |
  MERGE (p:Place {key: k}) ON CREATE SET p.postcode = k
  MERGE (e)-[:MISSING_FROM]->(p))
FOREACH (f IN row.found |
  MERGE (p:Place {key: f.key}) ON CREATE SET p.postcode = f.postcode, p.name = f.name
  MERGE (e)-[:FOUND_AT]->(p))
""".replace("[f IN row.found IN | f.key]", "[f IN row.found | f.key]")

MERGE_INTERVIEWS = """
UNWIND $rows AS row
MATCH (c:Child {child_id: row.child_id})
MERGE (i:Interview {rthi_id: row.rthi_id})
SET i += row.props,
    i.offered_at = CASE WHEN row.offered_at IS NULL THEN null ELSE datetime({epochMillis: row.offered_at}) END,
    i.completed_at = CASE WHEN row.completed_at IS NULL THEN null ELSE datetime({epochMillis: row.completed_at}) END
WITH c, i, row
OPTIONAL MATCH (i)<-[w:INTERVIEWED_IN]-(other:Child) WHERE other <> c
DELETE w
WITH DISTINCT c, i, row
MERGE (c)-[:INTERVIEWED_IN]->(i)
WITH i, row
OPTIONAL MATCH (i)-[old:COVERS]->(e:Episode) WHERE NOT e.episode_id IN row.episode_ids
DELETE old
WITH DISTINCT i, row
UNWIND row.episode_ids AS episode_id
MATCH (e:Episode {episode_id: episode_id})
MERGE (i)-[:COVERS]->(e)
"""

# A link is one LINKED_TO relationship keyed by link_id. If next month's folder points the
# same link_id at another target, the old relationship is removed first.
_LINK_START = """
UNWIND $rows AS row
MATCH (c:Child {child_id: row.child_id})
"""
_LINK_END = """
WITH c, t, row
OPTIONAL MATCH ()-[old:LINKED_TO {link_id: row.link_id}]->(x)
WHERE NOT (startNode(old) = c AND x = t)
DELETE old
WITH DISTINCT c, t, row
MERGE (c)-[r:LINKED_TO {link_id: row.link_id}]->(t)
SET r += row.props, r.recorded_at = datetime({epochMillis: row.recorded_at})
"""
MERGE_LINKS = {
    "child": _LINK_START + "MATCH (t:Child {child_id: row.target_child_id})" + _LINK_END,
    "associate": _LINK_START + "MERGE (t:Associate {associate_key: row.associate_key})" + _LINK_END,
    "place": _LINK_START + "MERGE (t:Place {key: row.target_key})\n"
                           "ON CREATE SET t.postcode = row.target_postcode, t.name = row.target_name" + _LINK_END,
    "identifier": _LINK_START + "MERGE (t:Identifier {key: row.target_key})\n"
                                "ON CREATE SET t.kind = row.target_type, t.value = row.target_ref" + _LINK_END,
}

CHILD_PROPS = ("child_id", "ref", "display_name", "sex", "legal_status", "placement_type", "home_postcode",
               "placement_postcode", "school", "ce_risk", "exploitation_type")
EPISODE_PROPS = ("episode_id", "child_id", "child_ref", "missing_from_postcode", "found_at_postcode", "found_at_place")
INTERVIEW_PROPS = ("rthi_id", "child_id", "child_ref", "episode_ids", "outcome", "worker")
ASSOCIATE_PROPS = ("associate_key", "associate_id", "ref", "label", "aliases", "role", "approx_age", "resolved")
PLACE_PROPS = ("place_name", "name_key", "postcode", "kind")
LINK_PROPS = ("link_id", "child_id", "child_ref", "target_type", "target_ref", "role", "episode_id", "rthi_id",
              "with_during_episode", "source", "source_grade", "intel_grade", "handling", "unverified", "notes",
              "target_child_id", "target_child_ref", "associate_key", "associate_ref", "target_postcode")


def _place_key(postcode, name) -> str | None:
    if isinstance(postcode, str):
        return postcode
    if isinstance(name, str):
        return "name:" + cells.name_key(pd.Series([name])).iloc[0]
    return None


def _episode_rows(episodes: pd.DataFrame) -> list[dict]:
    from_keys = [[p] if isinstance(p, str) else [] for p in _plain(episodes["missing_from_postcode"])]
    found = []
    named = cells.name_key(episodes["found_at_place"])
    for postcode, name, key in zip(_plain(episodes["found_at_postcode"]), _plain(episodes["found_at_place"]),
                                   _plain(named)):
        places = []
        if postcode:
            places.append({"key": postcode, "postcode": postcode, "name": None})
        if name:
            places.append({"key": "name:" + key, "postcode": None, "name": name})
        found.append(places)
    return _records(episodes, stamps=("missing_at", "returned_at"), props=EPISODE_PROPS,
                    extra={"from_keys": from_keys, "found": found})


def _link_rows(links: pd.DataFrame) -> dict[str, list[dict]]:
    kind = links["target_type"].where(links["target_type"].isin(["child", "associate", "place"]), "identifier")
    named = "name:" + cells.name_key(links["target_ref"])
    ident = links["target_type"] + ":" + cells.name_key(links["target_ref"])
    target_key = links["target_postcode"].fillna(named).where(kind == "place", ident)
    target_name = links["target_ref"].where(links["target_postcode"].isna())
    rows = _records(links, stamps=("recorded_at",), props=LINK_PROPS,
                    extra={"target_key": _plain(target_key), "target_name": _plain(target_name)})
    grouped: dict[str, list[dict]] = {k: [] for k in MERGE_LINKS}
    for row, k in zip(rows, kind):
        grouped[k].append(row)
    return grouped


def _batches(rows: list[dict], size: int) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def ingest(driver, dataset: Dataset, *, database: str | None = None, batch_size: int = BATCH_SIZE,
           progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Merge a validated dataset into Neo4j in batches; returns rows sent per table.

    Idempotent: every node is MERGEd on its key and every relationship on its
    endpoints (links on ``link_id``), so a second load, or a re-run after an
    interrupted one, ends with exactly the same graph.
    """
    with driver.session(database=database) as session:
        for statement in CONSTRAINTS:
            session.run(statement).consume()
        session.run("CALL db.awaitIndexes(300)").consume()
    places = dataset.places.assign(key="name:" + dataset.places["name_key"])
    steps = [
        ("children", MERGE_CHILDREN, _records(dataset.children, dates=("birth_date",), props=CHILD_PROPS)),
        ("places", MERGE_PLACES, _records(places, props=PLACE_PROPS)),
        ("associates", MERGE_ASSOCIATES, _records(dataset.associates, props=ASSOCIATE_PROPS)),
        ("episodes", MERGE_EPISODES, _episode_rows(dataset.episodes)),
        ("interviews", MERGE_INTERVIEWS, _records(dataset.rthis, stamps=("offered_at", "completed_at"),
                                                  props=INTERVIEW_PROPS)),
    ]
    steps += [(f"links ({kind})", MERGE_LINKS[kind], rows) for kind, rows in _link_rows(dataset.links).items() if rows]
    sent = {}
    with driver.session(database=database) as session:
        for name, query, rows in steps:
            done = 0
            if progress:
                progress(name, 0, len(rows))
            for batch in _batches(rows, batch_size):
                session.execute_write(lambda tx, b=batch, q=query: tx.run(q, rows=b).consume())
                done += len(batch)
                if progress:
                    progress(name, done, len(rows))
            sent[name] = len(rows)
    return sent


# -- reading back ------------------------------------------------------------------------------
READ = {
    "children": "MATCH (c:Child) RETURN c{.*, birth_date: toString(c.birth_date)} AS row",
    "episodes": "MATCH (e:Episode) RETURN e{.*, missing_at: e.missing_at.epochMillis, "
                "returned_at: e.returned_at.epochMillis} AS row",
    "rthis": "MATCH (i:Interview) RETURN i{.*, offered_at: i.offered_at.epochMillis, "
             "completed_at: i.completed_at.epochMillis} AS row",
    "rthi_episodes": "MATCH (i:Interview)-[:COVERS]->(e:Episode) RETURN {rthi_id: i.rthi_id, episode_id: e.episode_id} AS row",
    "links": "MATCH (:Child)-[r:LINKED_TO]->() RETURN r{.*, recorded_at: r.recorded_at.epochMillis} AS row",
    "places": "MATCH (p:Place) WHERE p.listed RETURN p{.place_name, .name_key, .postcode, .kind} AS row",
    "associates": "MATCH (a:Associate) RETURN a{.*} AS row",
}

#: Column order of each table, as the folder loader gives it.
ORDER = {
    "children": ("child_id", "ref", "display_name", "birth_date", "sex", "legal_status", "placement_type",
                 "home_postcode", "placement_postcode", "school", "ce_risk", "exploitation_type"),
    "episodes": ("episode_id", "child_id", "child_ref", "missing_at", "returned_at", "missing_from_postcode",
                 "found_at_postcode", "found_at_place"),
    "rthis": ("rthi_id", "child_id", "child_ref", "episode_ids", "offered_at", "outcome", "completed_at", "worker"),
    "rthi_episodes": ("rthi_id", "episode_id"),
    "links": ("link_id", "child_id", "child_ref", "recorded_at", "target_type", "target_ref", "role", "episode_id",
              "rthi_id", "with_during_episode", "source", "source_grade", "intel_grade", "handling", "notes",
              "unverified", "target_child_id", "target_child_ref", "associate_key", "associate_ref", "target_postcode"),
    "places": ("place_name", "name_key", "postcode", "kind"),
    "associates": ("associate_key", "associate_id", "ref", "label", "aliases", "role", "approx_age", "resolved"),
}
KEYS = {"children": ("child_id",), "episodes": ("episode_id",), "rthis": ("rthi_id",),
        "rthi_episodes": ("rthi_id", "episode_id"), "links": ("link_id",), "places": ("name_key",),
        "associates": ("associate_key",)}


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give read-back columns the dtypes the folder loader gives them."""
    frame = frame.reindex(columns=ORDER[name])
    spec = SPECS.get(name)
    kinds = {c.name: c.kind for c in spec.columns} if spec else {}
    kinds.update({"aliases": "id_list", "approx_age": "int", "resolved": "flag", "unverified": "flag"})
    for column in frame.columns:
        kind = kinds.get(column, "text")
        values = frame[column]
        if kind == "datetime":
            millis = pd.to_numeric(values, errors="coerce")
            stamps = pd.to_datetime(millis, unit="ms", utc=True).dt.tz_convert(LONDON)
            frame[column] = stamps.astype(f"datetime64[ns, {LONDON}]")
        elif kind in ("birth_date", "date"):
            frame[column] = pd.to_datetime(values, format="%Y-%m-%d").astype("datetime64[ns]")
        elif kind == "bool":
            frame[column] = values.astype("boolean")
        elif kind == "flag":
            frame[column] = values.astype(bool)
        elif kind == "int":
            frame[column] = pd.to_numeric(values).astype("Int64")
        elif kind == "id_list":
            frame[column] = [tuple(v) if isinstance(v, list) else () for v in values]
        else:
            frame[column] = values.astype("string")
    return in_key_order(frame, *KEYS[name])


def read_dataset(driver, *, database: str | None = None, uri: str = "") -> Dataset:
    """Every table from the graph, typed and ordered exactly as the folder loader gives them."""
    tables = {}
    for name, query in READ.items():
        records, _, _ = driver.execute_query(query, database_=database)
        tables[name] = _typed(name, pd.DataFrame([r["row"] for r in records]))
    read_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return Dataset(**tables, rejects=[], inputs={uri or "neo4j": f"read {read_at}"})


# -- erasure -----------------------------------------------------------------------------------
FORGET_STEPS = {
    "found": "MATCH (c:Child {child_id: $child_id}) RETURN count(c) AS n",
    "touched": """
        MATCH (c:Child {child_id: $child_id})
        OPTIONAL MATCH (c)--(n) WHERE n:Associate OR n:Place OR n:Identifier
        WITH c, collect(DISTINCT elementId(n)) AS linked
        OPTIONAL MATCH (c)-[:WENT_MISSING]->(:Episode)-[:MISSING_FROM|FOUND_AT]->(p:Place)
        WITH linked, collect(DISTINCT elementId(p)) AS visited
        RETURN linked + visited AS n""",
    "links": "MATCH (:Child {child_id: $child_id})-[l:LINKED_TO]-() RETURN count(DISTINCT l) AS n",
    "episodes": """
        MATCH (:Child {child_id: $child_id})-[:WENT_MISSING]->(e:Episode)
        DETACH DELETE e RETURN count(e) AS n""",
    "interviews": """
        MATCH (i:Interview)
        WHERE i.child_id = $child_id OR EXISTS { (:Child {child_id: $child_id})-[:INTERVIEWED_IN]->(i) }
        DETACH DELETE i RETURN count(i) AS n""",
    "children": "MATCH (c:Child {child_id: $child_id}) DETACH DELETE c RETURN count(c) AS n",
    "orphans": """
        MATCH (n) WHERE elementId(n) IN $touched AND NOT (n)--()
        WITH n, CASE WHEN n:Associate THEN 'associates' WHEN n:Place THEN 'places' ELSE 'identifiers' END AS kind
        DELETE n
        RETURN kind, count(*) AS n""",
}


def forget(driver, child_id: str, *, database: str | None = None) -> dict[str, int] | None:
    """Remove a child, their episodes, interviews and links, and whatever that leaves unlinked.

    Associates, places and identifiers that no longer link to anything are
    removed too; those still linked to other children stay. All in one
    transaction. Returns counts of what was removed, or ``None`` when there is
    no such child.
    """
    def work(tx):
        def one(step, **extra):
            return tx.run(FORGET_STEPS[step], child_id=child_id, **extra).single()["n"]

        if not one("found"):
            return None
        touched = [t for t in one("touched") if t]
        removed = {"links": one("links"), "episodes": one("episodes"), "interviews": one("interviews"),
                   "children": one("children")}
        removed.update({"associates": 0, "places": 0, "identifiers": 0})
        for record in tx.run(FORGET_STEPS["orphans"], touched=touched):
            removed[record["kind"]] = record["n"]
        return removed

    with driver.session(database=database) as session:
        return session.execute_write(work)


def clear(driver, *, database: str | None = None) -> None:
    """Delete every relationship and node, in small transactions (tests and benchmarks start from empty)."""
    with driver.session(database=database) as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


def counts(driver, *, database: str | None = None) -> dict[str, int]:
    """Nodes by label and relationships by type: what a load changed, for tests and reports."""
    nodes, _, _ = driver.execute_query("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n",
                                       database_=database)
    rels, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS label, count(*) AS n", database_=database)
    return {**{r["label"]: r["n"] for r in nodes}, **{r["label"]: r["n"] for r in rels}}
