"""Data folders made from the contract, and the ways of spoiling them, for the property-based tests.

:func:`folders` is a Hypothesis strategy for a valid data folder (:class:`Folder`):
its tables' rows, drawn column by column from graph_models/schema.py (IDs
with leading zeros, free text with commas, quotes, line breaks and accents,
datetimes with and without offsets, choices in any case), written with the
columns in any order, minimal or full quoting and either line ending.
:func:`spoil` applies a :class:`Recipe` to it: a field added or dropped,
a quote never closed, another encoding, a date out of range, a file replaced
by a folder or a link, a column renamed, a workbook beside the CSV files.
Each :class:`Spoiling` says what it touched, so the test can tell which rows
must still load with the same values and which must be reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from peermap.graph_models.schema import SPECS

#: Free text: letters, spaces, commas, quotes, a semicolon, accents and curly quotes (Windows-1252 has them all).
_TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ ,\"';.-é£’“”öÉ")), min_size=0, max_size=12)
_ID = st.text(alphabet=st.sampled_from(list("0123456789AZ")), min_size=1, max_size=5)
_FORMATS = ("{d}T{t}", "{d} {t}:00", "{d}T{t}Z", "{d}T{t}+01:00", "{d}")


@dataclass
class Folder:
    """A valid data folder: rows by table (cells by column name), and how it is written."""

    tables: dict[str, list[dict[str, str]]]
    orders: dict[str, list[str]]  # each file's columns, in the order written
    quote_all: bool
    newline: str

    def ids(self, table: str) -> list[str]:
        return [row[SPECS[table].id_column] for row in self.tables[table]]


@st.composite
def _free_text(draw, multi_line: bool) -> str:
    text = draw(_TEXT)
    if multi_line and draw(st.booleans()):
        # a note over lines; each line keeps under two commas, or on its own it could be a whole row, which
        # the reader takes for a stray quote (graph_models/row_shapes.py, 3)
        text = text.replace(",", "") + "\n" + draw(_TEXT).replace(",", "")
    return text


@st.composite
def _datetime(draw, low_day: int = 0) -> tuple[str, int]:
    """A datetime ``day`` days after 2020-01-01 (a later ``day`` is a later date), in one of the ISO forms."""
    day = draw(st.integers(low_day, low_day + 400))
    hour = draw(st.integers(0, 23))
    date = (dt.date(2020, 1, 1) + dt.timedelta(days=day)).isoformat()
    return draw(st.sampled_from(_FORMATS)).format(d=date, t=f"{hour:02d}:{draw(st.integers(0, 59)):02d}"), day


def _case(draw, value: str) -> str:
    return draw(st.sampled_from([value, value.upper(), value.lower(), value.title()]))


@st.composite
def folders(draw) -> Folder:
    """A valid data folder of one to six children and episodes, with some of the optional files."""
    child_ids = draw(st.lists(_ID, min_size=1, max_size=6, unique_by=str.upper))
    multi = draw(st.booleans())
    children = [
        {
            "child_id": cid,
            "display_name": draw(_free_text(multi)),
            "birth_date": draw(st.sampled_from(["", "2008-02", "2007-11-30", "2010-01-01"])),
            "sex": _case(draw, draw(st.sampled_from(SPECS["children"].column("sex").choices))),
            "legal_status": draw(st.sampled_from(["", "CiC", "cic", "CP", "none"])),
            "home_postcode": draw(st.sampled_from(["", "DH1 1AB", "dh11ab", "  DL14 6LF "])),
            "school": draw(_free_text(multi)),
        }
        for cid in child_ids
    ]
    episodes = []
    for n in range(draw(st.integers(1, 6))):
        missing, day = draw(_datetime())
        returned, _ = draw(_datetime(low_day=day + 2)) if draw(st.booleans()) else ("", 0)  # offsets differ by hours
        episodes.append(
            {
                "episode_id": f"{draw(_ID)}-{n}",
                "child_id": draw(st.sampled_from(child_ids)),
                "missing_at": missing,
                "returned_at": returned,
                "found_at_place": draw(_free_text(multi)),
            }
        )
    tables = {"children": children, "episodes": episodes}
    episode_ids = [e["episode_id"] for e in episodes]
    if draw(st.booleans()):
        tables["rthis"] = []
        for n in range(draw(st.integers(1, 4))):
            outcome = draw(st.sampled_from(SPECS["rthis"].column("outcome").choices))
            tables["rthis"].append(
                {
                    "rthi_id": f"R{n}",
                    "child_id": draw(st.sampled_from(child_ids)),
                    "episode_ids": ";".join(draw(st.lists(st.sampled_from(episode_ids), min_size=1, max_size=3))),
                    "outcome": _case(draw, outcome),
                    "completed_at": draw(_datetime())[0] if outcome == "completed" else "",
                    "worker": draw(_free_text(multi)),
                }
            )
    if draw(st.booleans()):
        associates = ["Big D", "Zed"]
        rthi_ids = [r["rthi_id"] for r in tables.get("rthis", [])]
        tables["links"] = []
        for n in range(draw(st.integers(1, 5))):
            kind = draw(st.sampled_from(["child", "associate", "place", "phone"]))
            ref = {
                "child": st.sampled_from(child_ids),
                "associate": st.sampled_from(associates + ["big  d"]),
                "place": st.sampled_from(["bus station", "DH1 1AB"]),
                "phone": st.just("07700 900123"),
            }[kind]
            tables["links"].append(
                {
                    "link_id": f"L{n}",
                    "child_id": draw(st.sampled_from(child_ids)),
                    "recorded_at": draw(_datetime())[0],
                    "target_type": _case(draw, kind),
                    "target_ref": draw(ref),
                    "episode_id": draw(st.sampled_from(["", *episode_ids])),
                    "rthi_id": draw(st.sampled_from(["", *rthi_ids])),
                    "source": draw(st.sampled_from(["", "rthi", "Police", "school", "worker"])),
                    "handling": draw(st.sampled_from(["", "P", "c"])),
                    "notes": draw(_free_text(True)),
                }
            )
        if draw(st.booleans()):
            tables["associates"] = [{"associate_id": "A1", "label": "Big D", "aliases": "BD; Dee", "approx_age": "19"}]
    if draw(st.booleans()):
        tables["places"] = [
            {"place_name": "bus station", "postcode": "DH1 1AB", "kind": "transport"},
            {
                "place_name": draw(st.sampled_from(["Wharton Park", "the shops, Front St"])),
                "postcode": "dl14 6lf",
                "kind": "",
            },
        ]
    orders = {name: draw(st.permutations(list(rows[0]))) for name, rows in tables.items()}
    return Folder(tables, orders, quote_all=draw(st.booleans()), newline=draw(st.sampled_from(["\n", "\r\n"])))


def render(cells: list[str], quote_all: bool) -> str:
    """One row as CSV text, without its line ending (a cell holding a line break is quoted)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue()[:-2]


@dataclass
class Written:
    """A file as written: its text, and the physical line each generated row starts on (by row ID)."""

    text: str
    lines: dict[str, int]


def write_table(
    folder: Folder, table: str, override: dict[int, str] | None = None, header: list[str] | None = None
) -> Written:
    """One table's CSV text; ``override`` replaces a row's text (by its position) with the text given."""
    order = folder.orders[table]
    parts = [render(header or order, folder.quote_all)]
    lines, line = {}, 2
    for position, row in enumerate(folder.tables[table]):
        text = (override or {}).get(position, render([row[c] for c in order], folder.quote_all))
        lines[row[SPECS[table].id_column]] = line
        parts.append(text)
        line += text.count("\n") + 1
    return Written(folder.newline.join(parts) + folder.newline, lines)


def write_folder(folder: Folder, path: Path) -> dict[str, Written]:
    path.mkdir(parents=True)
    written = {}
    for table in folder.tables:
        written[table] = write_table(folder, table)
        (path / f"{table}.csv").write_bytes(written[table].text.encode("utf-8"))
    return written


@dataclass
class Spoiling:
    """One way of spoiling a folder, and what it touched.

    ``stops`` is True when SCHEMA.md says the run must stop (exit 2);
    ``rejected`` the rows (table, ID) that must not load; ``changed`` the rows
    that must load but whose values may differ, ``changed_columns`` the
    columns ((table, column), ``*`` for all); ``badly_shaped`` the table whose
    rejected rows count toward the 5% share; ``file`` the file named.
    """

    kind: str
    file: str
    stops: bool = False
    rejected: set[tuple[str, str]] = field(default_factory=set)
    changed: set[tuple[str, str]] = field(default_factory=set)
    changed_columns: set[tuple[str, str]] = field(default_factory=set)
    badly_shaped: str = ""
    warns: bool = False
    lines: dict[str, int] = field(default_factory=dict)  # the spoiled file's rows' lines, by ID, after spoiling


def _row_cells(folder: Folder, table: str, position: int) -> list[str]:
    row = folder.tables[table][position]
    return [row[c] for c in folder.orders[table]]


KINDS = (
    "field added",
    "field dropped",
    "quote never closed",
    "encoding",
    "date out of range",
    "folder",
    "link",
    "dangling link",
    "column renamed",
    "workbook beside",
    "unknown file",
    "comma after every row",
    "comma after every data row",
    "blank lines",
    "header only",
)
_ENCODINGS = ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252")
_FAR_DATES = (
    "2300-01-01",
    "1677-09-21T00:12",
    "9999-12-31T23:59:59",
    "1899-12-31",
    "2101-01-01T00:00Z",
    "0001-01-01",
    "2958465.5",
)


@dataclass(frozen=True)
class Recipe:
    """Which spoiling, of which table, row and column: numbers taken modulo what the folder has.

    Plain data, so that a folder and its recipes found failing can be kept as an explicit ``@example``.
    """

    kind: str
    table: int = 0
    row: int = 0
    column: int = 0
    pick: int = 0
    text: str = "x"


def recipes():
    return st.builds(
        Recipe,
        kind=st.sampled_from(KINDS),
        table=st.integers(0, 5),
        row=st.integers(0, 5),
        column=st.integers(0, 15),
        pick=st.integers(0, 6),
        text=_TEXT,
    )


def spoil(folder: Folder, path: Path, recipe: Recipe) -> Spoiling:
    """Spoil the folder written at ``path`` as ``recipe`` says; say what must happen.

    A recipe that does not fit the table it lands on (no date column, a row over
    several lines for a stray quote) spoils it by adding a blank line instead.
    """
    names = sorted(folder.tables)
    table = names[recipe.table % len(names)]
    file = f"{table}.csv"
    rows, order = folder.tables[table], folder.orders[table]
    target = path / file
    position = recipe.row % len(rows)
    row_id = rows[position][SPECS[table].id_column]
    cells = _row_cells(folder, table, position)
    kind = recipe.kind
    spoiled = Spoiling(kind, file, lines=write_table(folder, table).lines)

    def rewrite(override=None, header=None):
        written = write_table(folder, table, override, header)
        target.write_bytes(written.text.encode("utf-8"))
        spoiled.lines = written.lines

    dates = [
        c.name
        for c in SPECS[table].columns
        if c.kind in ("datetime", "birth_date") and c.name in order and c.name != "completed_at"
    ]
    quotable = [i for i, c in enumerate(cells) if c and not set(c) & set(',"\r\n')]
    if (
        (kind == "date out of range" and not dates)
        or (kind == "header only" and table not in ("children", "episodes"))
        or (kind == "quote never closed" and (any("\n" in c for c in cells) or not quotable))
    ):
        # no date to spoil; an optional file with no rows is not an error; the lines of a row over several lines
        # would be read again on their own after a stray quote, and might load as a row
        kind = spoiled.kind = "blank lines"

    if kind in ("field added", "field dropped"):
        changed = cells + [recipe.text] if kind == "field added" else cells[:-1]
        if not any(c.strip() for c in changed):
            changed = ["x"]  # a row left with nothing in it is a blank line, not a row
        rewrite({position: render(changed, folder.quote_all)})
        spoiled.rejected.add((table, row_id))
        spoiled.badly_shaped = table
    elif kind == "quote never closed":
        column = quotable[recipe.column % len(quotable)]
        rewrite(
            {
                position: ",".join(
                    ('"' + c) if i == column else render([c], folder.quote_all) for i, c in enumerate(cells)
                )
            }
        )
        spoiled.rejected.add((table, row_id))
        spoiled.badly_shaped = table
    elif kind == "encoding":
        text = target.read_bytes().decode("utf-8")
        encoding = _ENCODINGS[recipe.pick % len(_ENCODINGS)]
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
        target.write_bytes(bom + text.encode(encoding))
        spoiled.warns = encoding == "cp1252" and not text.isascii()
    elif kind == "date out of range":
        column = dates[recipe.column % len(dates)]
        cells[order.index(column)] = _FAR_DATES[recipe.pick % len(_FAR_DATES)]
        rewrite({position: render(cells, folder.quote_all)})
        if SPECS[table].column(column).required:
            spoiled.rejected.add((table, row_id))
        elif rows[position][column]:
            spoiled.changed.add((table, row_id))
            spoiled.warns = True
    elif kind in ("folder", "dangling link"):
        target.unlink()
        if kind == "folder":
            target.mkdir()
        else:
            os.symlink(path / "nowhere" / file, target)
        spoiled.stops = True
    elif kind == "link":
        elsewhere = path.parent / f"{path.name}-elsewhere-{file}"
        target.rename(elsewhere)
        os.symlink(elsewhere, target)
    elif kind == "column renamed":
        safe = [c for c in order if c not in ("source", "completed_at")]
        column = safe[recipe.column % len(safe)]
        rewrite(header=[("renamed_" + c) if c == column else c for c in order])
        if SPECS[table].column(column).required:
            spoiled.stops = True
        else:
            spoiled.warns = True
            spoiled.changed_columns.add((table, column))
            if table == "associates":
                spoiled.changed_columns.add(("links", "*"))
    elif kind == "workbook beside":
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(["child_id"])
        book.save(path / ("export.xlsx", "Children.XLSX")[recipe.pick % 2])
        spoiled.stops, spoiled.file = True, ".xlsx"
    elif kind == "unknown file":
        name = ("interviews.csv", "old.xlsx.csv", "notes.txt")[recipe.pick % 3]
        (path / name).write_text("id\n1\n")
        spoiled.warns, spoiled.file = True, name
    elif kind in ("comma after every row", "comma after every data row"):
        every = {p: render(_row_cells(folder, table, p), folder.quote_all) + "," for p in range(len(rows))}
        if kind == "comma after every row":
            rewrite(every, header=[*order, ""])  # the header's last name is empty: a column ignored, with a warning
            spoiled.warns = True
        else:
            rewrite(every)
            spoiled.stops = True
    elif kind == "blank lines":
        text = target.read_bytes().decode("utf-8")
        target.write_bytes((text + folder.newline + "," * (len(order) - 1) + folder.newline + "  ").encode("utf-8"))
    elif kind == "header only":
        target.write_bytes((render(order, folder.quote_all) + folder.newline).encode("utf-8"))
        spoiled.stops = True
    return spoiled


def cascade(folder: Folder, rejected: set[tuple[str, str]]) -> tuple[set, set]:
    """The rows that must not load once ``rejected`` do not, and the rows whose values may change."""
    gone = set(rejected)
    changed: set[tuple[str, str]] = set()
    tables = folder.tables
    children = {cid for t, cid in gone if t == "children"}
    episodes = {eid for t, eid in gone if t == "episodes"}
    for e in tables["episodes"]:
        if e["child_id"] in children:
            gone.add(("episodes", e["episode_id"]))
            episodes.add(e["episode_id"])
    interviews = set()
    for r in tables.get("rthis", []):
        listed = {i.strip() for i in r["episode_ids"].split(";")}
        if r["child_id"] in children or listed <= episodes or ("rthis", r["rthi_id"]) in gone:
            gone.add(("rthis", r["rthi_id"]))
            interviews.add(r["rthi_id"])
        elif listed & episodes:
            changed.add(("rthis", r["rthi_id"]))
    for link in tables.get("links", []):
        key = ("links", link["link_id"])
        to_child = link["target_type"].lower() == "child" and link["target_ref"] in children
        if link["child_id"] in children or to_child:
            gone.add(key)
        elif link["episode_id"] in episodes or link["rthi_id"] in interviews:
            changed.add(key)
    if any(t == "associates" for t, _ in gone):
        changed |= {("links", link["link_id"]) for link in tables.get("links", [])}
    return gone, changed
