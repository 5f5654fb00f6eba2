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
relationship whose end the batched path would not MATCH is left out. An
empty string is written quoted (``""``), which the import keeps as an empty
string (an unquoted empty field is no property); an empty list has no such
spelling, so empty lists are set afterwards by parameterised Cypher.

Made for speed at national scale: nodes are numbered (``--id-type=actual``:
the tool keeps no map from text IDs), relationships' ends are looked up in
Arrow hash tables, each file is written by Arrow in a thread while the next is
made, and only a file with a line break in a text is parsed the careful way.

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
from typing import Callable, Iterable, Iterator

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
LATER_BATCH = 20_000  # rows a transaction when setting what the import cannot write


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

    Nodes are numbered (``ids``: the import's ``--id-type=actual``, so the tool
    keeps no map from text IDs); a relationship carries the numbers of its ends
    (``ids`` = start, ``end_ids``), looked up in Arrow when the file was made.
    Its text is made one file at a time (:meth:`table`) and let go once
    written, so a national load holds a file or two at a time, not all of them.
    """

    kind: str  # "nodes" or "relationships"
    name: str  # the label or type
    frame: pd.DataFrame | None
    props: tuple[str, ...]
    ids: np.ndarray  # the nodes' numbers, or the relationships' start nodes'
    end_ids: np.ndarray | None = None  # the relationships' end nodes' numbers
    key: str | None = None  # the key property (nodes), for :attr:`later`
    path: Path | None = None  # where :func:`write_files` wrote it
    later_key: str | None = None  # what identifies a relationship for :attr:`later`
    rows: int = 0
    #: set by :meth:`table`: a text in the file holds a line break (the import parses it the slow, careful way)
    multiline: bool = False
    #: where the import cannot write the value, an empty list (property name -> the keys of the nodes or
    #: relationships that hold one): set by Cypher afterwards (a quoted "" in a list column is no property)
    later: dict[str, list] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rows = len(self.frame)

    def __len__(self) -> int:
        return self.rows

    def table(self):
        """The file as an Arrow table (header names as column names; null: no property); fills :attr:`later`
        and :attr:`multiline`. An empty text is written quoted (``""``), which the import keeps as an empty
        string; an empty list has no such spelling, so it is left for :func:`_set_later`."""
        import pyarrow as pa
        import pyarrow.compute as pc

        frame = self.frame
        header = [":ID"] if self.kind == "nodes" else [":START_ID", ":END_ID"]
        columns = [pa.array(self.ids, type=pa.int64())]
        if self.end_ids is not None:
            columns.append(pa.array(self.end_ids, type=pa.int64()))
        for prop in self.props:
            typ = _type_of(frame[prop])
            header.append(prop if typ == "string" else f"{prop}:{typ}")
            text = _arrow(frame[prop], typ)
            if typ == "string[]":
                empty = pc.fill_null(pc.equal(text, ""), False)
                where = pc.indices_nonzero(empty).to_numpy()
                if len(where):
                    keys = frame[self.later_key or self.key].to_numpy(dtype=object)[where]
                    self.later[prop] = keys.tolist()
                    text = pc.if_else(empty, pa.scalar(None, pa.string()), text)
            if typ in ("string", "string[]") and not self.multiline:
                self.multiline = _holds_line_break(text)
            columns.append(text)
        return pa.table(columns, names=header)


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
    import pyarrow.compute as pc

    missing = values.isna().to_numpy()
    if kind == "datetime":  # YYYY-MM-DDTHH:MM:SS.mmmZ (the loader keeps years 1900-2100: four digits)
        millis = values.dt.tz_convert("UTC").dt.floor("ms").dt.tz_localize(None).to_numpy().astype("datetime64[ms]")
        text = pa.array(millis, mask=missing).cast(pa.string())  # YYYY-MM-DD HH:MM:SS.mmm
        day, time_of_day = pc.utf8_slice_codeunits(text, 0, 10), pc.utf8_slice_codeunits(text, 11, 23)
        return pc.binary_join_element_wise(pc.binary_join_element_wise(day, time_of_day, "T"), "Z", "")
    if kind == "date":
        return pa.array(values.to_numpy().astype("datetime64[D]"), mask=missing).cast(pa.string())
    if kind == "boolean":
        return pa.array(values.fillna(False).to_numpy(dtype=bool), mask=missing)
    if kind == "long":
        return pa.array(values.fillna(0).to_numpy(dtype="int64"), mask=missing)
    if kind == "string[]":
        return pc.binary_join(_lists(values), ARRAY_DELIMITER)
    return _text(values)


def _text(values: pd.Series):
    """A column of texts as one Arrow string array (no copy when pandas holds it in Arrow already)."""
    import pyarrow as pa

    if (
        isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype))
        and getattr(values.array, "_pa_array", None) is not None
    ):
        chunked = values.array._pa_array
        return (
            chunked.combine_chunks().cast(pa.string())
            if chunked.num_chunks != 1
            else chunked.chunk(0).cast(pa.string())
        )
    return pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)


def _lists(values: pd.Series):
    """A column of tuples (or lists) of texts as an Arrow list array; anything else (None, NA) is null."""
    import pyarrow as pa

    return pa.array([v if isinstance(v, (tuple, list)) else None for v in values], type=pa.list_(pa.string()))


def _holds_line_break(text) -> bool:
    """Whether a text in the Arrow string array holds a line break (CR or LF), read from its bytes at once."""
    if len(text) == 0 or text.buffers()[2] is None:
        return False
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(((data == 10) | (data == 13)).any())


class _Numbering:
    """Node numbers: each label's nodes numbered on from the last label's, with their keys to look ends up in."""

    def __init__(self) -> None:
        self.next = 0
        self.keys: dict[str, tuple[object, int]] = {}

    def number(self, label: str, keys: pd.Series) -> np.ndarray:
        first = self.next
        self.keys[label] = (_text(keys), first)
        self.next += len(keys)
        return np.arange(first, self.next, dtype=np.int64)

    def find(self, label: str, values: pd.Series) -> np.ndarray:
        """The number of the ``label`` node whose key is each of ``values``; -1 where there is none (or null)."""
        import pyarrow.compute as pc

        keys, first = self.keys[label]
        found = pc.index_in(_text(values), value_set=keys)
        at = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        return np.where(at >= 0, at + first, -1)


def _distinct_last(values: pd.Series) -> np.ndarray:
    """Positions of the last row of each distinct value (nulls kept as one value), in order (``keep="last"``)."""
    import pyarrow.compute as pc

    text = _text(values)
    codes = pc.fill_null(pc.dictionary_encode(text).indices, -1).to_numpy(zero_copy_only=False)
    reverse = codes[::-1]
    _, where = np.unique(reverse, return_index=True)
    return np.sort(len(codes) - 1 - where)


def _first(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.drop_duplicates(key, keep="first")


def _last(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The last row of each ``key`` (``drop_duplicates(keep="last")``), without a copy when keys are distinct."""
    kept = _distinct_last(frame[key])
    return frame if len(kept) == len(frame) else frame.iloc[kept]


def _pairs(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (start, end) node-number pairs with both ends there (MERGE makes one relationship)."""
    both = (start >= 0) & (end >= 0)
    size = max(int(start.max(initial=0)), int(end.max(initial=0))) + 1
    pairs = pd.unique(start[both] * size + end[both])
    return pairs // size, pairs % size


def import_files(dataset: Dataset) -> Iterator[ImportFile]:
    """Every node and relationship the batched load makes from ``dataset``, as import files (see module notes),
    one at a time: the nodes first, then the relationships between them."""
    import pyarrow.compute as pc

    numbers = _Numbering()
    children = _last(dataset.children, "child_id")
    places = dataset.places.assign(key="name:" + dataset.places["name_key"])
    listed = _last(places, "key").assign(listed=True)
    associates = _last(dataset.associates, "associate_key")
    episodes = _last(dataset.episodes, "episode_id")
    rthis = _last(dataset.rthis, "rthi_id")
    links = dataset.links
    kind = _link_kind(links)
    is_place, is_identifier = (kind == "place").to_numpy(), (kind == "identifier").to_numpy()
    link_name_key = pd.Series(pd.NA, index=links.index, dtype="string")
    named_or_identified = is_place | is_identifier
    link_name_key[named_or_identified] = cells.name_key(links["target_ref"][named_or_identified])

    def nodes(label: str, frame: pd.DataFrame, props: tuple[str, ...], key: str) -> ImportFile:
        return ImportFile("nodes", label, frame, props, numbers.number(label, frame[key]), key=key)

    child_nodes = nodes("Child", children, (*CHILD_PROPS, "birth_date"), "child_id")
    yield child_nodes

    # Places: postcode keys always carry postcode = key; named ones take their first creator's name.
    found_name = episodes["found_at_place"].where(episodes["found_at_place"].fillna("") != "")
    found_key = ("name:" + cells.name_key(episodes["found_at_place"])).where(found_name.notna())
    place_links = links[is_place]
    link_named = place_links["target_postcode"].isna()
    link_key = ("name:" + link_name_key[is_place]).where(link_named, place_links["target_postcode"])
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
    yield nodes("Place", all_places, ("key", *PLACE_PROPS, "listed", "name"), "key")
    del postcodes, postcode_places, named, named_places, made

    # Associates named only by a link: a node with its key alone.
    link_associates = links.loc[(kind == "associate").to_numpy(), "associate_key"].dropna()
    bare = pd.DataFrame({"associate_key": sorted(set(link_associates) - set(associates["associate_key"]))})
    all_associates = pd.concat([associates, bare.astype("string")], ignore_index=True)
    all_associates["aliases"] = [v if isinstance(v, (tuple, list)) else None for v in all_associates["aliases"]]
    all_associates = all_associates.astype({"resolved": "boolean", "approx_age": "Int64"})
    yield nodes("Associate", all_associates, ASSOCIATE_PROPS, "associate_key")
    episode_nodes = nodes("Episode", episodes, (*EPISODE_PROPS, "missing_at", "returned_at"), "episode_id")
    yield episode_nodes
    interview_nodes = nodes("Interview", rthis, (*INTERVIEW_PROPS, "offered_at", "completed_at"), "rthi_id")
    yield interview_nodes

    identifier_links = links[is_identifier]
    identifier_key = links["target_type"] + ":" + link_name_key
    identifiers = _first(
        pd.DataFrame(
            {
                "key": identifier_key[is_identifier],
                "kind": identifier_links["target_type"],
                "value": identifier_links["target_ref"],
            }
        ),
        "key",
    )
    yield nodes("Identifier", identifiers, ("key", "kind", "value"), "key")

    def relate(name: str, start: np.ndarray, end: np.ndarray) -> ImportFile:
        start, end = _pairs(start, end)
        return ImportFile("relationships", name, pd.DataFrame(index=range(len(start))), (), start, end)

    child_of_child = child_nodes.ids  # each node table's own rows: their numbers, in order
    yield relate("LIVES_AT", child_of_child, numbers.find("Place", children["home_postcode"]))
    yield relate("PLACED_AT", child_of_child, numbers.find("Place", children["placement_postcode"]))
    episode_of_episode = episode_nodes.ids
    yield relate("WENT_MISSING", numbers.find("Child", episodes["child_id"]), episode_of_episode)
    yield relate("MISSING_FROM", episode_of_episode, numbers.find("Place", episodes["missing_from_postcode"]))
    found_postcode = episodes["found_at_postcode"].where(episodes["found_at_postcode"] != "")
    yield relate(
        "FOUND_AT",
        np.concatenate([episode_of_episode, episode_of_episode]),
        np.concatenate([numbers.find("Place", found_postcode), numbers.find("Place", found_key)]),
    )
    interview_of_interview = interview_nodes.ids
    yield relate("INTERVIEWED_IN", numbers.find("Child", rthis["child_id"]), interview_of_interview)
    covers = _lists(rthis["episode_ids"])
    covered = pd.Series(pd.arrays.ArrowStringArray(pc.list_flatten(covers)))
    parents = pc.list_parent_indices(covers).to_numpy(zero_copy_only=False)
    yield relate("COVERS", interview_of_interview[parents], numbers.find("Episode", covered))

    # LINKED_TO: one per link_id (the last row in load order: steps by kind, rows in order), both ends there.
    targets = {
        "child": ("Child", links["target_child_id"]),
        "associate": ("Associate", links["associate_key"]),
        "place": ("Place", link_key.reindex(links.index)),
        "identifier": ("Identifier", identifier_key),
    }
    kinds = kind.to_numpy(dtype=object)
    in_order = np.concatenate([np.flatnonzero(kinds == name) for name in targets])
    kept = in_order[_distinct_last(links["link_id"].iloc[in_order])]  # positions in links
    start = numbers.find("Child", links["child_id"].iloc[kept])
    for name, (label, ends) in targets.items():
        these = kept[kinds[kept] == name]
        end = numbers.find(label, ends.iloc[these])
        there = (start[kinds[kept] == name] >= 0) & (end >= 0)
        yield ImportFile(
            "relationships",
            "LINKED_TO",
            links.iloc[these[there]],
            (*LINK_PROPS, "recorded_at"),
            start[kinds[kept] == name][there],
            end[there],
            later_key="link_id",
        )


def write_files(files: Iterable[ImportFile], folder: Path, progress: Callable | None = None) -> list[ImportFile]:
    """Each file as ``folder/NN-KIND-NAME.csv`` (0600; ``folder`` is made 0700 by the caller), its ``path`` set.

    A file's table is made here while a thread writes the one before it
    (Arrow writes CSV without Python's lock), so making and writing overlap.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.csv as pacsv

    from peermap.graph_models.private_files import open_private

    def write(path: Path, table) -> None:
        with open_private(path, "wb") as handle:
            handle.write((",".join(table.column_names) + "\n").encode())  # the fixed lists' names: nothing to quote
            pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=False, batch_size=65536))

    written: list[ImportFile] = []
    pending = None
    with ThreadPoolExecutor(max_workers=1) as writer:
        for number, item in enumerate(files):
            item.path = folder / f"{number:02d}-{item.kind}-{item.name}.csv"
            table = item.table()
            item.frame = None  # made: its rows are no longer needed here
            if pending is not None:
                pending.result()
            pending = writer.submit(write, item.path, table)
            del table
            written.append(item)
            if progress:  # how many files there are is known at the end
                progress("writing import files", number + 1, number + 2)
        if pending is not None:
            pending.result()
    if progress:
        progress("writing import files", len(written), len(written))
    return written


# -- running the import ----------------------------------------------------------------------------------------------
def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java") or "java"


def run_import(home: Path, work: Path, files: list[ImportFile], paths: list[Path]) -> Path:
    """``neo4j-admin database import full`` into ``work/data`` (not the server's own); its databases folder.

    What the tool says goes to ``logs/import.log`` under the server's folder (owner-only, as every log there).
    """
    from peermap.graph_models.private_files import open_private

    data = work / "data"
    conf = work / "conf"
    conf.mkdir(mode=0o700)
    lines = (home / "conf" / "neo4j.conf").read_text().splitlines()
    lines = [line for line in lines if not line.startswith("server.directories.data=")]
    with open_private(conf / "neo4j.conf", encoding="utf-8") as handle:
        handle.write("\n".join([*lines, f"server.directories.data={data}"]) + "\n")
    multiline = [str(path) for item, path in zip(files, paths) if item.multiline]
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
        "--id-type=actual",  # the files number the nodes themselves: no map from text IDs to build
        # only the files with a line break in a text are parsed the slow way that allows one
        *(["--multiline-fields-format=v2", f"--multiline-fields={','.join(multiline)}"] if multiline else []),
        f"--array-delimiter={ARRAY_DELIMITER}",
        f"--report-file={work / 'import.report'}",
        *(f"--{item.kind}={item.name}={path}" for item, path in zip(files, paths)),
    ]
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(conf))
    log = home / "logs" / "import.log"
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open_private(log, "w", encoding="utf-8") as handle:
        proc = subprocess.run(
            args, env=env, cwd=work, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, umask=0o077
        )
    if proc.returncode != 0 or not (data / "databases" / DATABASE).is_dir():
        said = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
        errors = [line for line in said if "error" in line.lower() or "exception" in line.lower()]
        raise StoreError(
            f"neo4j-admin database import failed (exit {proc.returncode}; its log: {log}): "
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
    """The empty lists the import cannot write, by parameterised Cypher.

    The nodes (or relationships) the import left without the property are
    those of :attr:`ImportFile.later`, and perhaps others whose value was
    missing. When there are exactly as many without it as ``later`` names, they
    are the same ones, and one pass over the label sets them (a national
    year's four hundred thousand associates without aliases: a second or two);
    otherwise each is found by its key.
    """
    allowed = {*CHILD_PROPS, *EPISODE_PROPS, *INTERVIEW_PROPS, *ASSOCIATE_PROPS, *PLACE_PROPS, *LINK_PROPS}
    allowed |= {"listed", "name", "recorded_at"}
    for item in files:
        for prop, rows in item.later.items():
            # labels, types and property names go into the text: only the fixed schema's own, never data
            if item.name not in (NODE_KEYS if item.kind == "nodes" else RELATIONSHIPS) or prop not in allowed:
                raise ValueError(f"not in the graph schema: {item.name}.{prop}")
            if item.kind == "nodes":
                every = f"MATCH (n:{item.name})"
                match = f"MATCH (n:{item.name} {{{NODE_KEYS[item.name]}: key}})"
            else:
                every = f"MATCH ()-[n:{item.name}]->()"
                match = f"MATCH ()-[n:{item.name} {{link_id: key}}]->()"
            records, _, _ = driver.execute_query(
                f"{every} WHERE n.{prop} IS NULL RETURN count(n) AS without", database_=database
            )
            if records[0]["without"] == len(rows):
                with driver.session(database=database) as session:
                    session.run(
                        f"{every} WHERE n.{prop} IS NULL "
                        f"CALL (n) {{ SET n.{prop} = $empty }} IN TRANSACTIONS OF {LATER_BATCH} ROWS",
                        empty=[],
                    ).consume()
                continue
            for start in range(0, len(rows), LATER_BATCH):
                driver.execute_query(
                    f"UNWIND $keys AS key {match} SET n.{prop} = $empty",
                    keys=rows[start : start + LATER_BATCH],
                    empty=[],
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
    the CSV files are removed whatever happens. Each step's seconds are said
    as it ends (``InitialLoad.seconds`` keeps them).
    """
    home = check_local(connection.uri)
    if (connection.database or DATABASE) != DATABASE:
        raise NotLocalServer(f"--initial replaces the database {DATABASE!r}, not {connection.database!r}")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def done(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = now - clock
        clock = now
        say(f"{step}: {seconds[step]:.1f}s")

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
        files = write_files(import_files(dataset), work, progress)
        paths = [item.path for item in files]
        done("build and write import files")
        say(
            f"replacing the whole database {DATABASE!r} of the local server at {connection.uri} "
            f"({held:,} nodes now) with {rows:,} rows: stopping it, importing, restarting"
        )
        _server(home, "stop")
        done("stop server")
        previous = work / "previous"
        try:
            data = run_import(home, work, files, paths)
            done("import tool")
            for path in paths:
                path.unlink()
            _swap(home, data, previous)
        except BaseException:
            _unswap(home, previous)
            _server(home, "start")
            say("the server was restarted with the previous database unchanged")
            raise
        try:
            _server(home, "start")
        except StoreError:
            _unswap(home, previous)
            _server(home, "start")
            raise StoreError("the imported database did not start; the previous database is back") from None
        done("restart server")
        driver = connect(connection)
        try:

            def empty_lists() -> None:  # while the plain indexes fill
                done("constraints")
                _set_later(driver, files, connection.database)
                done("empty lists")

            create_schema(driver, database=connection.database, meanwhile=empty_lists)
            done("indexes")
        finally:
            driver.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    nodes = sum(len(f) for f in files if f.kind == "nodes")
    return InitialLoad(rows, nodes, sum(len(f) for f in files) - nodes, seconds)
