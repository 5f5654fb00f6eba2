"""A first load in minutes: the local server's database replaced by ``neo4j-admin database import``.

``peermap ingest DATA_DIR --neo4j URI --initial`` writes the graph the batched
MERGE loader (:mod:`graph_models.neo4j_store`) would make from the same
Dataset as CSV files in Neo4j's bulk-import format, stops the local server
(the one ``make neo4j-start`` runs), imports them into a database directory of
its own, swaps that in for the old one only when the import succeeded,
restarts the server and creates the constraints and indexes.

Why the graph is the same: every node and relationship below comes from the
same tables, with the same property lists (``CHILD_PROPS`` ...), the same
keys and the same rules the statements follow. A property set by ``SET`` is
the last row's, one set by ``ON CREATE SET`` the first row's in load order
(``load_steps``): a Place's ``postcode``/``name`` belong to whichever statement
made it first (children, places.csv, episodes, then place links), a place
listed in places.csv takes that row's properties whatever came first, an
associate named only by a link is a node with its key alone, and a
relationship whose end the batched path would not MATCH is left out. Values
Neo4j's import cannot express (an empty list or an empty string: an empty
field is no property) are set afterwards by parameterised Cypher.

Only the local server: the tool writes the store files, so it must run where
they are, with the server stopped. Any other server takes the batched load.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from peermap.graph_models import cells
from peermap.graph_models.dataset import Dataset
from peermap.graph_models.graph_schema import NODE_KEYS, RELATIONSHIPS
from peermap.graph_models.neo4j_store import (
    ASSOCIATE_PROPS,
    CHILD_PROPS,
    EPISODE_PROPS,
    INTERVIEW_PROPS,
    LINK_PROPS,
    PLACE_PROPS,
    Connection,
    Neo4jAddressError,
    StoreError,
    _link_kind,
    connect,
    create_schema,
    load_steps,
)

#: The repository (``graph_models/`` sits at its top), where ``scripts/neo4j_server.py`` and ``.neo4j/`` are.
ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = ROOT / "scripts" / "neo4j_server.py"
ADMIN_COMMAND = "org.neo4j.server.startup.Neo4jAdminCommand"
DATABASE = "neo4j"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
ARRAY_DELIMITER = ";"  # list items come from ";"-separated cells, so none holds one


class NotLocalServer(Neo4jAddressError):
    """``--initial`` given a server other than the local one: the user's input, exit 2."""


class StoreNotEmpty(Neo4jAddressError):
    """The store holds data and ``--replace`` was not given: exit 2, nothing touched."""


# -- the local server ----------------------------------------------------------------------------------------------
def local_home() -> Path:
    """The local server's folder, found as scripts/neo4j_server.py finds it."""
    return Path(os.environ.get("PEERMAP_NEO4J_DIR") or ROOT / ".neo4j").resolve()


def local_port(home: Path) -> int | None:
    try:
        return int((home / "port").read_text().strip())
    except (OSError, ValueError):
        return None


def check_local(uri: str) -> Path:
    """The local server's folder when ``uri`` is its Bolt address, else :class:`NotLocalServer`."""
    home = local_home()
    port = local_port(home)
    scheme, _, rest = uri.partition("://")
    host, _, given = rest.split("/")[0].rpartition(":")
    here = f"bolt://127.0.0.1:{port}" if port else "none found: `make neo4j-start` runs it"
    if (
        port is None
        or not SERVER_SCRIPT.is_file()
        or scheme.lower() not in ("bolt", "neo4j")
        or host.lower() not in LOCAL_HOSTS
        or given != str(port)
    ):
        raise NotLocalServer(
            f"--initial works only with the local server that `make neo4j-start` runs ({here}), not {uri}; "
            f"to load into that server use the batched `peermap ingest DATA_DIR --neo4j {uri}` without --initial"
        )
    return home


def _server_settings(home: Path) -> dict[str, str]:
    settings = {}
    try:
        for line in (home / "conf" / "neo4j.conf").read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not line.startswith("#"):
                settings[name.strip()] = value.strip()
    except OSError:
        pass
    return settings


def _server(home: Path, *args: str) -> None:
    """Run scripts/neo4j_server.py (stop or start) on ``home``; its progress lines go to our stderr."""
    settings = _server_settings(home)
    env = dict(os.environ, PEERMAP_NEO4J_DIR=str(home))
    if "dbms.security.procedures.unrestricted" not in settings:
        env["PEERMAP_NEO4J_GDS"] = "0"  # started without Graph Data Science: restart it the same way
    extra: list[str] = []
    if args[0] == "start":
        memory = (("--heap", "server.memory.heap.max_size"), ("--pagecache", "server.memory.pagecache.size"))
        for option, name in memory:
            if settings.get(name):
                extra += [option, settings[name]]
    proc = subprocess.run(
        [sys.executable, str(SERVER_SCRIPT), *args, *extra],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # the export lines: the password is unchanged
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        last = [line for line in proc.stderr.splitlines() if line.strip()]
        raise StoreError(f"the local Neo4j server did not {args[0]}: {last[-1] if last else 'no message'}")


def node_count(driver, database: str | None = None) -> int:
    records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=database)
    return records[0]["n"]


# -- the graph as import files ---------------------------------------------------------------------------------------
@dataclass
class ImportFile:
    """One CSV for the import tool: nodes of a label or relationships of a type, made from ``frame`` when written.

    Its text is made one file at a time (:meth:`text`) and let go once written,
    so a national load holds one file's strings at a time, not all of them.
    """

    kind: str  # "nodes" or "relationships"
    name: str  # the label or type
    frame: pd.DataFrame | None
    props: tuple[str, ...]
    key: str | None = None  # the ID column (nodes)
    start: tuple[str, str] | None = None  # (column, label) of a relationship's ends
    end: tuple[str, str] | None = None
    later_key: str | None = None  # what identifies a relationship for :attr:`later`
    rows: int = 0
    #: values the import cannot express (property name -> [(key, value)]): set by Cypher afterwards
    later: dict[str, list] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rows = len(self.frame)

    def __len__(self) -> int:
        return self.rows

    def text(self) -> tuple[list[str], list]:
        """The header and the columns as Arrow text (null: no property); fills :attr:`later`."""
        import pyarrow as pa
        import pyarrow.compute as pc

        frame, key = self.frame, self.key
        header, columns = [], []
        if key:
            header.append(f"{key}:ID({self.name})")
            columns.append(_arrow(frame[key], "string"))
        for prefix, ends in ((":START_ID", self.start), (":END_ID", self.end)):
            if ends:
                header.append(f"{prefix}({ends[1]})")
                columns.append(_arrow(frame[ends[0]], "string"))
        for prop in self.props:
            if prop == key:
                continue
            typ = _type_of(frame[prop])
            header.append(prop if typ == "string" else f"{prop}:{typ}")
            text = _arrow(frame[prop], typ)
            if typ in ("string", "string[]"):
                empty = pc.fill_null(pc.equal(text, ""), False)
                where = pc.indices_nonzero(empty).to_numpy()
                if len(where):
                    keys = frame[self.later_key or key].to_numpy(dtype=object)[where]
                    self.later[prop] = [(k, [] if typ == "string[]" else "") for k in keys]
                    text = pc.if_else(empty, pa.scalar(None, pa.string()), text)
            columns.append(text)
        return header, columns


def _type_of(values: pd.Series) -> str:
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "datetime"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "date"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "long"
    if pd.api.types.is_object_dtype(dtype) and any(isinstance(v, (tuple, list)) for v in values.head(1000)):
        return "string[]"
    return "string"


def _arrow(values: pd.Series, kind: str):
    """The column as the import reads it, as Arrow text or numbers (null: no property), stored as the batched
    path stores it: datetimes from epoch milliseconds in UTC, dates as dates, lists joined by ``;``."""
    import pyarrow as pa

    missing = values.isna().to_numpy()
    if kind == "datetime":
        millis = values.dt.tz_convert("UTC").dt.floor("ms").dt.tz_localize(None).to_numpy().astype("datetime64[ms]")
        return pa.array(np.char.add(np.datetime_as_string(millis, unit="ms"), "Z"), mask=missing)
    if kind == "date":
        return pa.array(np.datetime_as_string(values.to_numpy().astype("datetime64[D]"), unit="D"), mask=missing)
    if kind == "boolean":
        return pa.array(values.fillna(False).to_numpy(dtype=bool), mask=missing)
    if kind == "long":
        return pa.array(values.fillna(0).to_numpy(dtype="int64"), mask=missing)
    if kind == "string[]":
        joined = [ARRAY_DELIMITER.join(v) if isinstance(v, (tuple, list)) else None for v in values]
        return pa.array(joined, type=pa.string())
    return pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)


def _table(kind: str, name: str, frame: pd.DataFrame, props: tuple[str, ...], **ends) -> ImportFile:
    """An import file over ``frame``: the ID column ``key`` (nodes) or ``start``/``end`` (column, label), then props."""
    return ImportFile(kind, name, frame, props, **ends)


def _first(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.drop_duplicates(key, keep="first")


def _last(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.drop_duplicates(key, keep="last")


def _pairs(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """Distinct (start, end) pairs with both ends known, in first-seen order (MERGE makes one relationship)."""
    frame = pd.DataFrame({"start": start.astype(object).to_numpy(), "end": end.astype(object).to_numpy()})
    return frame.dropna().drop_duplicates()


def import_files(dataset: Dataset) -> list[ImportFile]:
    """Every node and relationship the batched load makes from ``dataset``, as import files (see module notes)."""
    children = _last(dataset.children, "child_id")
    places = dataset.places.assign(key="name:" + dataset.places["name_key"])
    listed = _last(places, "key").assign(listed=True)
    associates = _last(dataset.associates, "associate_key")
    episodes = _last(dataset.episodes, "episode_id")
    rthis = _last(dataset.rthis, "rthi_id")
    links = dataset.links
    kind = _link_kind(links)
    child_ids = set(children["child_id"].dropna())
    episode_ids = set(episodes["episode_id"].dropna())

    # Places: postcode keys always carry postcode = key; named ones take their first creator's name.
    found_name = episodes["found_at_place"].where(episodes["found_at_place"].fillna("") != "")
    found_key = ("name:" + cells.name_key(episodes["found_at_place"])).where(found_name.notna())
    place_links = links[kind == "place"]
    link_named = place_links["target_postcode"].isna()
    link_key = ("name:" + cells.name_key(place_links["target_ref"])).where(link_named, place_links["target_postcode"])
    postcodes = pd.concat(
        [
            children["home_postcode"],
            children["placement_postcode"],
            dataset.places["postcode"],
            episodes["missing_from_postcode"],
            episodes["found_at_postcode"].where(episodes["found_at_postcode"].fillna("") != ""),
            place_links["target_postcode"],
        ]
    ).dropna()
    postcode_places = pd.DataFrame({"key": postcodes.astype(object).to_numpy()}).drop_duplicates()
    postcode_places["postcode"] = postcode_places["key"]
    named = pd.DataFrame(
        {
            "key": pd.concat([found_key, link_key[link_named]]).astype(object).to_numpy(),
            "name": pd.concat([found_name, place_links["target_ref"][link_named]]).astype(object).to_numpy(),
        }
    ).dropna(subset=["key"])
    named_places = _first(named, "key")
    made = pd.concat([postcode_places, named_places], ignore_index=True)
    made = made[~made["key"].isin(set(listed["key"]))]
    all_places = pd.concat([listed, made], ignore_index=True).astype(
        {"postcode": "string", "name": "string", "place_name": "string", "name_key": "string", "kind": "string"}
    )
    all_places["listed"] = all_places["listed"].astype("boolean")

    # Associates named only by a link: a node with its key alone.
    link_associates = links.loc[kind == "associate", "associate_key"].dropna()
    bare = pd.DataFrame({"associate_key": sorted(set(link_associates) - set(associates["associate_key"]))})
    all_associates = pd.concat([associates, bare.astype("string")], ignore_index=True)
    all_associates["aliases"] = [v if isinstance(v, (tuple, list)) else None for v in all_associates["aliases"]]
    all_associates = all_associates.astype({"resolved": "boolean", "approx_age": "Int64"})

    identifier_links = links[kind == "identifier"]
    identifiers = _first(
        pd.DataFrame(
            {
                "key": (identifier_links["target_type"] + ":" + cells.name_key(identifier_links["target_ref"])),
                "kind": identifier_links["target_type"],
                "value": identifier_links["target_ref"],
            }
        ),
        "key",
    )

    files = [
        _table("nodes", "Child", children, ("child_id", *CHILD_PROPS, "birth_date"), key="child_id"),
        _table("nodes", "Place", all_places, ("key", *PLACE_PROPS, "listed", "name"), key="key"),
        _table("nodes", "Associate", all_associates, ASSOCIATE_PROPS, key="associate_key"),
        _table("nodes", "Episode", episodes, (*EPISODE_PROPS, "missing_at", "returned_at"), key="episode_id"),
        _table("nodes", "Interview", rthis, (*INTERVIEW_PROPS, "offered_at", "completed_at"), key="rthi_id"),
        _table("nodes", "Identifier", identifiers, ("key", "kind", "value"), key="key"),
    ]

    def relate(name: str, start_label: str, end_label: str, pairs: pd.DataFrame) -> None:
        files.append(_table("relationships", name, pairs, (), start=("start", start_label), end=("end", end_label)))

    relate("LIVES_AT", "Child", "Place", _pairs(children["child_id"], children["home_postcode"]))
    relate("PLACED_AT", "Child", "Place", _pairs(children["child_id"], children["placement_postcode"]))
    owned = episodes[episodes["child_id"].isin(child_ids)]
    relate("WENT_MISSING", "Child", "Episode", _pairs(owned["child_id"], owned["episode_id"]))
    relate("MISSING_FROM", "Episode", "Place", _pairs(episodes["episode_id"], episodes["missing_from_postcode"]))
    found = pd.concat(
        [
            _pairs(episodes["episode_id"], episodes["found_at_postcode"].where(episodes["found_at_postcode"] != "")),
            _pairs(episodes["episode_id"], found_key),
        ]
    ).drop_duplicates()
    relate("FOUND_AT", "Episode", "Place", found)
    interviewed = rthis[rthis["child_id"].isin(child_ids)]
    relate("INTERVIEWED_IN", "Child", "Interview", _pairs(interviewed["child_id"], interviewed["rthi_id"]))
    covers = rthis[["rthi_id", "episode_ids"]].explode("episode_ids")
    covers = covers[covers["episode_ids"].isin(episode_ids)]
    relate("COVERS", "Interview", "Episode", _pairs(covers["rthi_id"], covers["episode_ids"]))

    # LINKED_TO: one per link_id (the last row in load order: steps by kind, rows in order), both ends there.
    targets = {
        "child": ("Child", links["target_child_id"]),
        "associate": ("Associate", links["associate_key"]),
        "place": ("Place", link_key.reindex(links.index)),
        "identifier": ("Identifier", links["target_type"] + ":" + cells.name_key(links["target_ref"])),
    }
    ordered = pd.concat([links[kind == name].assign(_end=targets[name][1], _kind=name) for name in targets])
    ordered = _last(ordered, "link_id")
    ordered = ordered[ordered["child_id"].isin(child_ids) & ordered["_end"].notna()]
    for name, (label, _) in targets.items():
        these = ordered[ordered["_kind"] == name]
        if name == "child":
            these = these[these["_end"].isin(child_ids)]
        files.append(
            _table(
                "relationships",
                "LINKED_TO",
                these,
                (*LINK_PROPS, "recorded_at"),
                start=("child_id", "Child"),
                end=("_end", label),
                later_key="link_id",
            )
        )
    return files


def write_files(files: list[ImportFile], folder: Path, progress: Callable | None = None) -> list[Path]:
    """Each file as ``folder/NN-NAME.csv`` (0600; ``folder`` is made 0700 by the caller)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from peermap.graph_models.private_files import open_private

    paths = []
    if progress:
        progress("writing import files", 0, len(files))
    for number, item in enumerate(files):
        path = folder / f"{number:02d}-{item.kind}-{item.name}.csv"
        header, columns = item.text()
        with open_private(path, "wb") as handle:
            handle.write((",".join(header) + "\n").encode())  # names from the fixed lists: nothing to quote
            table = pa.table({f"c{i}": column for i, column in enumerate(columns)})
            pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=False, batch_size=65536))
        del header, columns, table
        item.frame = None  # written: its rows are no longer needed here
        paths.append(path)
        if progress:
            progress("writing import files", number + 1, len(files))
    return paths


# -- running the import ----------------------------------------------------------------------------------------------
def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java") or "java"


def run_import(home: Path, work: Path, files: list[ImportFile], paths: list[Path]) -> Path:
    """``neo4j-admin database import full`` into ``work/data`` (not the server's own); its databases folder."""
    from peermap.graph_models.private_files import open_private

    data = work / "data"
    conf = work / "conf"
    conf.mkdir(mode=0o700)
    lines = (home / "conf" / "neo4j.conf").read_text().splitlines()
    lines = [line for line in lines if not line.startswith("server.directories.data=")]
    with open_private(conf / "neo4j.conf", encoding="utf-8") as handle:
        handle.write("\n".join([*lines, f"server.directories.data={data}"]) + "\n")
    args = [
        _java(),
        "-Xmx1g",
        "-cp",
        f"{home / 'lib'}/*",
        ADMIN_COMMAND,
        "database",
        "import",
        "full",
        DATABASE,  # before the options: --nodes and --relationships take every value after them
        "--overwrite-destination=true",
        "--multiline-fields=true",
        f"--array-delimiter={ARRAY_DELIMITER}",
        f"--report-file={work / 'import.report'}",
        *(f"--{item.kind}={item.name}={path}" for item, path in zip(files, paths)),
    ]
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(conf))
    proc = subprocess.run(
        args, env=env, cwd=work, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", umask=0o077
    )
    if proc.returncode != 0 or not (data / "databases" / DATABASE).is_dir():
        said = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        errors = [line for line in said if "error" in line.lower() or "exception" in line.lower()]
        raise StoreError(
            f"neo4j-admin database import failed (exit {proc.returncode}): "
            f"{(errors or said or ['no message'])[-1][:300]}"
        )
    return data


def _swap(home: Path, data: Path, previous: Path) -> None:
    """Move the imported database and its transaction logs into the server's data folder, the old ones to
    ``previous`` (renames on one disk: nothing is copied, and :func:`_unswap` undoes it)."""
    for part in ("databases", "transactions"):
        old, new = home / "data" / part / DATABASE, data / part / DATABASE
        (previous / part).mkdir(parents=True, exist_ok=True)
        if old.exists():
            old.rename(previous / part / DATABASE)
        (home / "data" / part).mkdir(parents=True, exist_ok=True)
        new.rename(old)


def _unswap(home: Path, previous: Path) -> None:
    """Put the old database back (the new one failed to start)."""
    for part in ("databases", "transactions"):
        old = previous / part / DATABASE
        if old.exists():
            shutil.rmtree(home / "data" / part / DATABASE, ignore_errors=True)
            old.rename(home / "data" / part / DATABASE)


def _set_later(driver, files: list[ImportFile], database: str | None) -> None:
    """Values the import cannot write (empty lists and strings), by parameterised Cypher on each key."""
    allowed = {*CHILD_PROPS, *EPISODE_PROPS, *INTERVIEW_PROPS, *ASSOCIATE_PROPS, *PLACE_PROPS, *LINK_PROPS}
    allowed |= {"listed", "name", "recorded_at"}
    for item in files:
        for prop, rows in item.later.items():
            # labels, types and property names go into the text: only the fixed schema's own, never data
            if (item.name not in NODE_KEYS and item.name not in RELATIONSHIPS) or prop not in allowed:
                raise ValueError(f"not in the graph schema: {item.name}.{prop}")
            if item.kind == "nodes":
                match = f"MATCH (n:{item.name} {{{NODE_KEYS[item.name]}: row.key}})"
            else:
                match = f"MATCH ()-[n:{item.name} {{link_id: row.key}}]->()"
            params = [{"key": k, "value": v} for k, v in rows]
            for start in range(0, len(params), 5000):
                driver.execute_query(
                    f"UNWIND $rows AS row {match} SET n.{prop} = row.value",
                    rows=params[start : start + 5000],
                    database_=database,
                )


@dataclass
class InitialLoad:
    """What ``initial_load`` did: rows (as the batched load counts them), nodes and relationships, seconds."""

    rows: int
    nodes: int
    relationships: int
    seconds: dict[str, float]


def initial_load(
    connection: Connection,
    dataset: Dataset,
    *,
    replace: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> InitialLoad:
    """Replace the local server's database with ``dataset``'s graph by ``neo4j-admin database import``.

    Refuses another server (:class:`NotLocalServer`) and, without ``replace``,
    a store that holds data (:class:`StoreNotEmpty`). On any failure after the
    server was stopped, it is started again on the old database, untouched;
    the CSV files are removed whatever happens.
    """
    home = check_local(connection.uri)
    if (connection.database or DATABASE) != DATABASE:
        raise NotLocalServer(f"--initial replaces the database {DATABASE!r}, not {connection.database!r}")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    driver = connect(connection)
    try:
        held = node_count(driver, connection.database)
    finally:
        driver.close()
    if held and not replace:
        raise StoreNotEmpty(
            f"the store at {connection.uri} holds {held:,} nodes and --initial replaces the whole database: "
            "add --replace to do that, or leave out --initial to merge this folder into it"
        )
    rows = sum(len(step.frame) for step in load_steps(dataset))
    work = Path(tempfile.mkdtemp(prefix="bulk-import-", dir=home))  # 0700, beside the store: same disk
    try:
        files = import_files(dataset)
        paths = write_files(files, work, progress)
        seconds["write import files"] = time.perf_counter() - clock
        say(
            f"replacing the whole database {DATABASE!r} of the local server at {connection.uri} "
            f"({held:,} nodes now) with {rows:,} rows: stopping it, importing, restarting"
        )
        clock = time.perf_counter()
        _server(home, "stop")
        stopped = time.perf_counter()
        seconds["stop"] = stopped - clock
        previous = work / "previous"
        try:
            data = run_import(home, work, files, paths)
            seconds["import"] = time.perf_counter() - stopped
            for path in paths:
                path.unlink()
            _swap(home, data, previous)
        except BaseException:
            _unswap(home, previous)
            _server(home, "start")
            say("the server was restarted with the previous database unchanged")
            raise
        clock = time.perf_counter()
        try:
            _server(home, "start")
        except StoreError:
            _unswap(home, previous)
            _server(home, "start")
            raise StoreError("the imported database did not start; the previous database is back") from None
        seconds["restart"] = time.perf_counter() - clock
        clock = time.perf_counter()
        driver = connect(connection)
        try:
            create_schema(driver, database=connection.database)
            _set_later(driver, files, connection.database)
        finally:
            driver.close()
        seconds["constraints and indexes"] = time.perf_counter() - clock
    finally:
        shutil.rmtree(work, ignore_errors=True)
    nodes = sum(len(f) for f in files if f.kind == "nodes")
    return InitialLoad(rows, nodes, sum(len(f) for f in files) - nodes, seconds)
