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

from peermap.graph_models import cells
from peermap.graph_models.dataset import Dataset
from peermap.graph_models.graph_schema import CONSTRAINTS
from peermap.graph_models.load import in_key_order
from peermap.graph_models.local_time import LOCAL_TIME_ZONE as LONDON
from peermap.graph_models.local_time import LOCAL_TIMES
from peermap.graph_models.schema import SPECS

BATCH_SIZE = 5_000


class StoreError(Exception):
    """Neo4j cannot be reached or refused us: one clear message for the user."""


class Neo4jAddressError(ValueError):
    """A Neo4j URI that is not a Bolt address (``http://``, a typo): the user's input, exit 2 (SCHEMA.md)."""


#: The driver's schemes for a Bolt connection (``neo4j`` routes across a cluster; ``+s`` and ``+ssc`` add TLS).
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def check_uri(uri: str) -> str:
    """``uri`` when it is a Bolt address, else :class:`Neo4jAddressError` saying what to give.

    Examples
    --------
    >>> check_uri("bolt://127.0.0.1:7687")
    'bolt://127.0.0.1:7687'
    >>> try:
    ...     check_uri("http://127.0.0.1:7474")
    ... except Neo4jAddressError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    not a Neo4j Bolt address: http://127.0.0.1:7474 (use bolt://HOST:PORT or neo4j://HOST:PORT;
    the http port is Neo4j Browser's, not peermap's)
    """
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() not in BOLT_SCHEMES or not rest.strip("/"):
        hint = "; the http port is Neo4j Browser's, not peermap's" if scheme.lower().startswith("http") else ""
        raise Neo4jAddressError(f"not a Neo4j Bolt address: {uri} (use bolt://HOST:PORT or neo4j://HOST:PORT{hint})")
    return uri


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
            raise StoreError(
                "no Neo4j server given: pass --neo4j bolt://HOST:PORT or set NEO4J_URI "
                "(with NEO4J_USER and NEO4J_PASSWORD); `make neo4j-start` runs a local one"
            )
        return cls(
            check_uri(uri),
            os.environ.get("NEO4J_USER", "neo4j"),
            os.environ.get("NEO4J_PASSWORD", ""),
            os.environ.get("NEO4J_DATABASE") or None,
        )


def connect(connection: Connection):
    """An open, verified driver; :class:`StoreError` with a plain message when it cannot be had."""
    import neo4j
    from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

    try:
        retry = float(os.environ.get("PEERMAP_NEO4J_RETRY_SECONDS", "30"))
        driver = neo4j.GraphDatabase.driver(
            connection.uri,
            auth=(connection.user, connection.password),
            connection_timeout=10,
            max_transaction_retry_time=retry,
            notifications_min_severity="OFF",
        )
    except (ValueError, ConfigurationError) as exc:
        raise Neo4jAddressError(
            f"not a Neo4j address: {connection.uri} ({exc}); use bolt://HOST:PORT or neo4j://HOST:PORT"
        ) from None
    try:
        driver.verify_connectivity()
        driver.execute_query("RETURN 1", database_=connection.database)
    except AuthError:
        driver.close()
        raise StoreError(
            f"Neo4j at {connection.uri} refused user {connection.user!r} and the password given "
            "(check NEO4J_USER and NEO4J_PASSWORD)"
        ) from None
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


def _records(
    frame: pd.DataFrame,
    *,
    keys: dict[str, str] | None = None,
    props: tuple[str, ...] = (),
    stamps: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    extra: dict[str, list] | None = None,
) -> list[dict]:
    """One parameter map per row.

    ``keys`` (row field: column; what the statements match and merge on) and
    ``extra`` are fields of the row itself, named unlike any property; ``props``
    go into a nested ``props`` map and times (``stamps`` as epoch
    milliseconds, ``dates`` as ``YYYY-MM-DD``) into ``times``. Neo4j cannot tell
    a row from a node, so a statement that read ``row.role`` and set ``r.role``
    would be planned with an Eager step.
    """
    made: dict[str, list] = {}

    def column(name: str) -> list:
        if name not in made:
            if name in stamps:
                made[name] = _epoch_ms(frame[name])
            elif name in dates:
                made[name] = [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in frame[name]]
            else:
                made[name] = _plain(frame[name])
        return made[name]

    top = {field: column(name) for field, name in (keys or {}).items()}
    top.update(extra or {})
    nested = {
        "props": {name: column(name) for name in props},
        "times": {name: column(name) for name in (*stamps, *dates)},
    }
    rows = [dict(zip(top, values)) for values in zip(*top.values())] if top else [{} for _ in range(len(frame))]
    for group, columns in nested.items():
        names = list(columns)
        for row, values in zip(rows, zip(*columns.values()) if names else ((),) * len(rows)):
            row[group] = dict(zip(names, values))
    return rows


# -- the fixed Cypher ------------------------------------------------------------------------
# Each table is loaded by a few short statements run in order inside one transaction per
# batch, every one of them ``UNWIND $rows AS row`` over the same rows: the nodes, then removal
# of what next month's folder says is no longer so, then the relationships. Written so that
# Neo4j plans none of them with an Eager operator (which holds every row of the batch before
# writing): properties are set one by one by name (``SET n += map`` could write the key the
# MERGE reads), and no statement reads ``row.x`` while it sets a property named ``x`` (Neo4j
# cannot tell the row is not a node). Removal statements keep an Eager step, holding only the
# relationships they remove.

CHILD_PROPS = (
    "child_id",
    "ref",
    "display_name",
    "sex",
    "legal_status",
    "placement_type",
    "home_postcode",
    "placement_postcode",
    "school",
    "ce_risk",
    "exploitation_type",
)
EPISODE_PROPS = ("episode_id", "child_id", "child_ref", "missing_from_postcode", "found_at_postcode", "found_at_place")
INTERVIEW_PROPS = ("rthi_id", "child_id", "child_ref", "episode_ids", "outcome", "worker")
ASSOCIATE_PROPS = ("associate_key", "associate_id", "ref", "label", "aliases", "role", "approx_age", "resolved")
PLACE_PROPS = ("place_name", "name_key", "postcode", "kind")
LINK_PROPS = (
    "link_id",
    "child_ref",
    "target_type",
    "target_ref",
    "role",
    "episode_id",
    "rthi_id",
    "with_during_episode",
    "source",
    "source_grade",
    "intel_grade",
    "handling",
    "unverified",
    "notes",
    "target_child_id",
    "target_child_ref",
    "associate_key",
    "associate_ref",
    "target_postcode",
)


def _set(variable: str, props: tuple[str, ...], key: str = "") -> str:
    """``v.p = row.props.p, ...`` for the allow-listed property names (the MERGE key left to MERGE)."""
    return ",\n    ".join(f"{variable}.{p} = row.props.{p}" for p in props if p != key)


def _stamp(field: str) -> str:
    return f"CASE WHEN row.times.{field} IS NULL THEN null ELSE datetime({{epochMillis: row.times.{field}}}) END"


def _remove_stale(match: str, where: str) -> str:
    """Delete the relationships ``old`` that ``match`` finds and ``where`` says are no longer so.

    Neo4j plans these with an Eager step just before the delete; it holds only
    the stale relationships, usually none.
    """
    return f"""UNWIND $rows AS row
MATCH {match}
WHERE {where}
DELETE old"""


def _merge_node(
    variable: str, label: str, key: str, field: str, props: tuple[str, ...], stamps: tuple[str, ...] = ()
) -> str:
    """MERGE each row's node on its key, then set its allow-listed properties and times."""
    sets = ",\n    ".join([_set(variable, props, key), *(f"{variable}.{t} = {_stamp(t)}" for t in stamps)])
    return f"""UNWIND $rows AS row
MERGE ({variable}:{label} {{{key}: row.{field}}})
SET {sets}"""


def _owned_by_child(label: str, key: str, field: str, relationship: str) -> tuple[str, str]:
    """Take ``relationship`` away from any other child (a record corrected), then MERGE it from this one."""
    return (
        _remove_stale(
            f"(:{label} {{{key}: row.{field}}})<-[old:{relationship}]-(other:Child)", "other.child_id <> row.child"
        ),
        f"""UNWIND $rows AS row
MATCH (c:Child {{child_id: row.child}})
MATCH (n:{label} {{{key}: row.{field}}})
MERGE (c)-[:{relationship}]->(n)""",
    )


def _merge_places(keys: str, on_create: str) -> str:
    """Make the places named by ``keys`` (a list expression over ``row``) that do not exist yet."""
    return f"""UNWIND $rows AS row
UNWIND {keys} AS place
MERGE (p:Place {{key: place.key}})
ON CREATE SET {on_create}"""


def _relate(start: str, keys: str, relationship: str) -> str:
    """MERGE ``relationship`` from the node ``start`` to each Place whose key is in ``keys``."""
    return f"""UNWIND $rows AS row
MATCH {start}
UNWIND {keys} AS key
MATCH (p:Place {{key: key}})
MERGE (n)-[:{relationship}]->(p)"""


CHILD_STATEMENTS = (
    f"""UNWIND $rows AS row
MERGE (c:Child {{child_id: row.child}})
SET {_set("c", CHILD_PROPS, "child_id")},
    c.birth_date = CASE WHEN row.times.birth_date IS NULL THEN null ELSE date(row.times.birth_date) END""",
    # a child who moved: the old home or placement goes
    _remove_stale(
        "(:Child {child_id: row.child})-[old:LIVES_AT|PLACED_AT]->(p:Place)",
        "(type(old) = 'LIVES_AT' AND (row.home IS NULL OR p.key <> row.home))\n"
        "   OR (type(old) = 'PLACED_AT' AND (row.placement IS NULL OR p.key <> row.placement))",
    ),
    _merge_places("[pc IN [row.home, row.placement] WHERE pc IS NOT NULL | {key: pc}]", "p.postcode = place.key"),
    _relate("(n:Child {child_id: row.child})", "[pc IN [row.home] WHERE pc IS NOT NULL]", "LIVES_AT"),
    _relate("(n:Child {child_id: row.child})", "[pc IN [row.placement] WHERE pc IS NOT NULL]", "PLACED_AT"),
)

PLACE_STATEMENTS = (
    _merge_places("[pc IN row.postcode_keys | {key: pc}]", "p.postcode = place.key"),
    f"""UNWIND $rows AS row
MERGE (p:Place {{key: row.key}})
SET {_set("p", PLACE_PROPS)},
    p.listed = true""",
)

ASSOCIATE_STATEMENTS = (_merge_node("a", "Associate", "associate_key", "associate", ASSOCIATE_PROPS),)

EPISODE_STATEMENTS = (
    _merge_node("e", "Episode", "episode_id", "episode", EPISODE_PROPS, stamps=("missing_at", "returned_at")),
    # an episode recorded against the wrong child, or its places corrected: the old relationships go
    *_owned_by_child("Episode", "episode_id", "episode", "WENT_MISSING"),
    _remove_stale(
        "(:Episode {episode_id: row.episode})-[old:MISSING_FROM|FOUND_AT]->(p:Place)",
        "(type(old) = 'MISSING_FROM' AND NOT p.key IN row.from_keys)\n"
        "   OR (type(old) = 'FOUND_AT' AND NOT p.key IN [f IN row.found | f.key])",
    ),
    _merge_places(
        "[k IN row.from_keys | {key: k, postcode: k}] + row.found", "p.postcode = place.postcode, p.name = place.name"
    ),
    _relate("(n:Episode {episode_id: row.episode})", "row.from_keys", "MISSING_FROM"),
    _relate("(n:Episode {episode_id: row.episode})", "[f IN row.found | f.key]", "FOUND_AT"),
)

INTERVIEW_STATEMENTS = (
    _merge_node("i", "Interview", "rthi_id", "interview", INTERVIEW_PROPS, stamps=("offered_at", "completed_at")),
    *_owned_by_child("Interview", "rthi_id", "interview", "INTERVIEWED_IN"),
    _remove_stale("(:Interview {rthi_id: row.interview})-[old:COVERS]->(e:Episode)", "NOT e.episode_id IN row.covers"),
    """UNWIND $rows AS row
MATCH (i:Interview {rthi_id: row.interview})
UNWIND row.covers AS episode_id
MATCH (e:Episode {episode_id: episode_id})
MERGE (i)-[:COVERS]->(e)""",
)

# A link is one LINKED_TO relationship keyed by link_id. If next month's folder points the
# same link_id at another child or target, the old relationship is removed first.
#: Per kind of target: its label, its key property, the row field holding the key, and how a
#: new one is made (``None``: a child target must already be in children.csv).
_LINK_TARGETS = {
    "child": ("Child", "child_id", "target_child", None),
    "associate": ("Associate", "associate_key", "associate", ""),
    "place": ("Place", "key", "target_key", "ON CREATE SET t.postcode = row.new_postcode, t.name = row.new_name"),
    "identifier": ("Identifier", "key", "target_key", "ON CREATE SET t.kind = row.new_kind, t.value = row.new_value"),
}


def _link_statements(label: str, key: str, field: str, on_create: str | None) -> tuple[str, ...]:
    target = f"(t:{label} {{{key}: row.{field}}})"
    made = () if on_create is None else (f"UNWIND $rows AS row\nMERGE {target}\n{on_create}".rstrip(),)
    return made + (
        _remove_stale(
            "(s)-[old:LINKED_TO {link_id: row.link}]->(x)",
            f"NOT (s.child_id = row.child AND x:{label} AND x.{key} = row.{field})",
        ),
        f"""UNWIND $rows AS row
MATCH (c:Child {{child_id: row.child}})
MATCH {target}
MERGE (c)-[r:LINKED_TO {{link_id: row.link}}]->(t)
SET {_set("r", LINK_PROPS, "link_id")},
    r.recorded_at = {_stamp("recorded_at")}""",
    )


LINK_STATEMENTS = {kind: _link_statements(*target) for kind, target in _LINK_TARGETS.items()}


def _child_rows(children: pd.DataFrame) -> list[dict]:
    return _records(
        children,
        keys={"child": "child_id", "home": "home_postcode", "placement": "placement_postcode"},
        props=CHILD_PROPS,
        dates=("birth_date",),
    )


def _place_rows(places: pd.DataFrame) -> list[dict]:
    postcode_keys = [[p] if isinstance(p, str) else [] for p in _plain(places["postcode"])]
    return _records(
        places.assign(key="name:" + places["name_key"]),
        keys={"key": "key"},
        props=PLACE_PROPS,
        extra={"postcode_keys": postcode_keys},
    )


def _associate_rows(associates: pd.DataFrame) -> list[dict]:
    return _records(associates, keys={"associate": "associate_key"}, props=ASSOCIATE_PROPS)


def _interview_rows(rthis: pd.DataFrame) -> list[dict]:
    return _records(
        rthis,
        keys={"interview": "rthi_id", "child": "child_id", "covers": "episode_ids"},
        props=INTERVIEW_PROPS,
        stamps=("offered_at", "completed_at"),
    )


def _episode_rows(episodes: pd.DataFrame) -> list[dict]:
    from_keys = [[p] if isinstance(p, str) else [] for p in _plain(episodes["missing_from_postcode"])]
    found = []
    named = cells.name_key(episodes["found_at_place"])
    for postcode, name, key in zip(
        _plain(episodes["found_at_postcode"]), _plain(episodes["found_at_place"]), _plain(named)
    ):
        places = []
        if postcode:
            places.append({"key": postcode, "postcode": postcode, "name": None})
        if name:
            places.append({"key": "name:" + key, "postcode": None, "name": name})
        found.append(places)
    return _records(
        episodes,
        keys={"episode": "episode_id", "child": "child_id"},
        props=EPISODE_PROPS,
        stamps=("missing_at", "returned_at"),
        extra={"from_keys": from_keys, "found": found},
    )


def _link_kind(links: pd.DataFrame) -> pd.Series:
    return links["target_type"].where(links["target_type"].isin(["child", "associate", "place"]), "identifier")


def _link_rows(links: pd.DataFrame) -> list[dict]:
    kind = _link_kind(links)
    named = "name:" + cells.name_key(links["target_ref"])
    ident = links["target_type"] + ":" + cells.name_key(links["target_ref"])
    target_key = links["target_postcode"].fillna(named).where(kind == "place", ident)
    target_name = links["target_ref"].where(links["target_postcode"].isna())
    return _records(
        links,
        keys={
            "link": "link_id",
            "child": "child_id",
            "associate": "associate_key",
            "new_postcode": "target_postcode",
            "new_kind": "target_type",
            "new_value": "target_ref",
        },
        props=LINK_PROPS,
        stamps=("recorded_at",),
        extra={
            "target_child": _plain(links["target_child_id"]),
            "target_key": _plain(target_key),
            "new_name": _plain(target_name),
        },
    )


@dataclass(frozen=True)
class LoadStep:
    """One table (or one kind of link): its rows, how they become parameters, the statements that merge them."""

    name: str
    frame: pd.DataFrame
    to_rows: Callable[[pd.DataFrame], list[dict]]
    statements: tuple[str, ...]

    def batches(self, size: int) -> Iterable[list[dict]]:
        """Parameter rows a batch at a time (never the whole table as Python dicts at once)."""
        for start in range(0, len(self.frame), size):
            yield self.to_rows(self.frame.iloc[start : start + size])


def load_steps(dataset: Dataset) -> list[LoadStep]:
    """The tables in the order they must be merged (nodes before what links to them)."""
    steps = [
        LoadStep("children", dataset.children, _child_rows, CHILD_STATEMENTS),
        LoadStep("places", dataset.places, _place_rows, PLACE_STATEMENTS),
        LoadStep("associates", dataset.associates, _associate_rows, ASSOCIATE_STATEMENTS),
        LoadStep("episodes", dataset.episodes, _episode_rows, EPISODE_STATEMENTS),
        LoadStep("interviews", dataset.rthis, _interview_rows, INTERVIEW_STATEMENTS),
    ]
    kind = _link_kind(dataset.links).to_numpy(dtype=object)
    for name, statements in LINK_STATEMENTS.items():
        these = dataset.links[kind == name]
        if len(these):
            steps.append(LoadStep(f"links ({name})", these, _link_rows, statements))
    return steps


def write_batch(session, statements: tuple[str, ...], rows: list[dict]) -> None:
    """Run a step's statements over one batch in one managed write transaction (retried when transient)."""

    def work(tx):
        for statement in statements:
            tx.run(statement, rows=rows).consume()

    session.execute_write(work)


def create_schema(driver, *, database: str | None = None, meanwhile: Callable[[], None] | None = None) -> None:
    """Uniqueness constraints and indexes, created if missing, and waited for.

    The plain indexes are asked for first (the server fills them in the
    background), then the uniqueness constraints (each waits for its own
    index); ``meanwhile`` runs while the plain indexes may still be filling,
    before the wait for all of them (the bulk load sets its empty lists then).
    """
    constraints = [s for s in CONSTRAINTS if s.startswith("CREATE CONSTRAINT")]
    with driver.session(database=database) as session:
        for statement in [s for s in CONSTRAINTS if s not in constraints] + constraints:
            session.run(statement).consume()
    if meanwhile is not None:
        meanwhile()
    with driver.session(database=database) as session:
        session.run("CALL db.awaitIndexes(300)").consume()


def ingest(
    driver,
    dataset: Dataset,
    *,
    database: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Merge a validated dataset into Neo4j in batches; returns rows sent per table.

    Idempotent: every node is MERGEd on its key and every relationship on its
    endpoints (links on ``link_id``), so a second load, or a re-run after an
    interrupted one, ends with exactly the same graph.
    """
    create_schema(driver, database=database)
    sent = {}
    with driver.session(database=database) as session:
        for step in load_steps(dataset):
            done, total = 0, len(step.frame)
            if progress:
                progress(step.name, 0, total)
            for rows in step.batches(batch_size):
                write_batch(session, step.statements, rows)
                done += len(rows)
                if progress:
                    progress(step.name, done, total)
            sent[step.name] = total
    return sent


# -- reading back ------------------------------------------------------------------------------
READ = {
    "children": "MATCH (c:Child) RETURN c{.*, birth_date: toString(c.birth_date)} AS row",
    "episodes": "MATCH (e:Episode) RETURN e{.*, missing_at: e.missing_at.epochMillis, "
    "returned_at: e.returned_at.epochMillis} AS row",
    "rthis": "MATCH (i:Interview) RETURN i{.*, offered_at: i.offered_at.epochMillis, "
    "completed_at: i.completed_at.epochMillis} AS row",
    "rthi_episodes": "MATCH (i:Interview)-[:COVERS]->(e:Episode) "
    "RETURN {rthi_id: i.rthi_id, episode_id: e.episode_id} AS row",
    "links": "MATCH (c:Child)-[r:LINKED_TO]->() RETURN r{.*, child_id: c.child_id, "
    "recorded_at: r.recorded_at.epochMillis} AS row",
    "places": "MATCH (p:Place) WHERE p.listed RETURN p{.place_name, .name_key, .postcode, .kind} AS row",
    "associates": "MATCH (a:Associate) RETURN a{.*} AS row",
}

#: Column order of each table, as the folder loader gives it.
ORDER = {
    "children": (
        "child_id",
        "ref",
        "display_name",
        "birth_date",
        "sex",
        "legal_status",
        "placement_type",
        "home_postcode",
        "placement_postcode",
        "school",
        "ce_risk",
        "exploitation_type",
    ),
    "episodes": (
        "episode_id",
        "child_id",
        "child_ref",
        "missing_at",
        "returned_at",
        "missing_from_postcode",
        "found_at_postcode",
        "found_at_place",
    ),
    "rthis": ("rthi_id", "child_id", "child_ref", "episode_ids", "offered_at", "outcome", "completed_at", "worker"),
    "rthi_episodes": ("rthi_id", "episode_id"),
    "links": (
        "link_id",
        "child_id",
        "child_ref",
        "recorded_at",
        "target_type",
        "target_ref",
        "role",
        "episode_id",
        "rthi_id",
        "with_during_episode",
        "source",
        "source_grade",
        "intel_grade",
        "handling",
        "notes",
        "unverified",
        "target_child_id",
        "target_child_ref",
        "associate_key",
        "associate_ref",
        "target_postcode",
    ),
    "places": ("place_name", "name_key", "postcode", "kind"),
    "associates": ("associate_key", "associate_id", "ref", "label", "aliases", "role", "approx_age", "resolved"),
}
KEYS = {
    "children": ("child_id",),
    "episodes": ("episode_id",),
    "rthis": ("rthi_id",),
    "rthi_episodes": ("rthi_id", "episode_id"),
    "links": ("link_id",),
    "places": ("name_key",),
    "associates": ("associate_key",),
}


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
            frame[column] = stamps.astype(LOCAL_TIMES)
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
        removed = {
            "links": one("links"),
            "episodes": one("episodes"),
            "interviews": one("interviews"),
            "children": one("children"),
        }
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
    nodes, _, _ = driver.execute_query(
        "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n", database_=database
    )
    rels, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS label, count(*) AS n", database_=database)
    return {**{r["label"]: r["n"] for r in nodes}, **{r["label"]: r["n"] for r in rels}}
