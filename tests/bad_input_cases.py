"""Kinds of bad input, each with what peermap does about it: the tests run them, the docs list them.

Each :class:`Case` spoils a small valid data folder (:func:`base_folder`) in one
way an export goes wrong, and says what must happen: the run stops (exit 2),
the row is rejected, a warning is given, or it all loads as if nothing were
wrong. ``tests/test_bad_input.py`` checks every case against the loader;
``scripts/generate_docs.py`` writes the table in docs/data-folder.md from the
same list, so the page says what the code does.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: What must happen: the run stops, the row is rejected, a warning, or the folder loads as if nothing were wrong.
STOPS, REJECTED, WARNING, LOADS = "stops the run (exit 2)", "row rejected", "warning", "loads"

CHILDREN = 40


def _rows() -> dict[str, list[dict]]:
    """A valid month of 40 children: names with commas, a note over two lines, every table."""
    names = {3: "Zoë 3", 5: "O'Neil 5"}
    children = [
        {
            "child_id": f"C{i:02d}",
            "display_name": names.get(i, f"Child {i}" if i % 7 else f"Smith, Child {i}"),
            "birth_date": f"2008-{1 + i % 12:02d}-{1 + i % 27:02d}",
            "sex": ("female", "male")[i % 2],
            "legal_status": ("CiC", "CP", "CIN", "none")[i % 4],
        }
        for i in range(1, CHILDREN + 1)
    ]
    episodes = [
        {
            "episode_id": f"E{i:02d}",
            "child_id": f"C{i:02d}",
            "missing_at": f"2023-03-{1 + i % 27:02d}T21:00",
            "returned_at": f"2023-03-{2 + i % 27:02d}T09:30",
            "found_at_place": "bus station" if i % 3 else "",
        }
        for i in range(1, CHILDREN + 1)
    ]
    rthis = [
        {"rthi_id": f"R{i:02d}", "child_id": f"C{i:02d}", "episode_ids": f"E{i:02d}", "outcome": "declined"}
        for i in range(1, 11)
    ]
    links = [
        {
            "link_id": f"L{i:02d}",
            "child_id": f"C{i:02d}",
            "recorded_at": "2023-03-20",
            "target_type": "associate",
            "target_ref": "Big D",
            "role": "adult_of_concern",
            "source": ("rthi", "police")[i % 2],
            "handling": ("P", "C", "")[i % 3],
            "notes": "seen at the park, twice" if i != 4 else "first line\nsecond",
        }
        for i in range(1, 21)
    ]
    places = [{"place_name": "bus station", "postcode": "DH1 1AB", "kind": "transport"}]
    associates = [{"associate_id": "A1", "label": "Big D", "aliases": "BD; Dee", "role": "adult_of_concern"}]
    return {
        "children": children,
        "episodes": episodes,
        "rthis": rthis,
        "links": links,
        "places": places,
        "associates": associates,
    }


def base_folder(folder: Path) -> Path:
    """Write the valid month's CSV files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in _rows().items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def line_of(path: Path, start: str) -> int:
    """The physical line of ``path`` that starts with ``start``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(start):
            return number
    raise LookupError(start)


def _edit_line(path: Path, number: int, change: Callable[[str], str]) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = change(lines[number - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def _every_line(path: Path, change: Callable[[str], str], header: bool) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text(
        "\n".join(change(line) if line and (header or n) else line for n, line in enumerate(lines)), encoding="utf-8"
    )


def _set_cell(path: Path, row_id: str, column: str, value: str) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        if next(iter(row.values())) == row_id:
            row[column] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _workbook(folder: Path, name: str, values: dict[str, list[list]] | None = None) -> None:
    """A workbook of the folder's tables (or of ``values``, sheet → rows) saved as ``name``."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    tables = values or {p.stem: list(csv.reader(p.open(encoding="utf-8"))) for p in sorted(folder.glob("*.csv"))}
    for sheet, rows in tables.items():
        page = book.create_sheet(sheet)
        for row in rows:
            page.append(row)
    book.save(folder / name)


def _into_workbook(folder: Path, serial_for: str) -> None:
    """Every table moved into one workbook, with ``missing_at`` of episode ``serial_for`` an Excel serial past 9999."""
    tables = {p.stem: list(csv.reader(p.open(encoding="utf-8"))) for p in sorted(folder.glob("*.csv"))}
    for row in tables["episodes"][1:]:
        if row[0] == serial_for:
            row[2] = 2958465.5
    for path in folder.glob("*.csv"):
        path.unlink()
    _workbook(folder, "export.xlsx", tables)


@dataclass(frozen=True)
class Case:
    """One way an export goes wrong, and what peermap does about it."""

    problem: str  # what the analyst's file holds, in their words
    happens: str  # what peermap does
    outcome: str  # STOPS, REJECTED, WARNING or LOADS
    file: str  # the file named in the message or rejects.csv ("" when nothing is reported)
    spoil: Callable[[Path], None]  # spoils a base folder in place
    line: Callable[[Path], int] | None = None  # the line named (after spoiling), when one is
    holds: Callable[[object], bool] | None = None  # what else must be true of the loaded Dataset


def _children(folder: Path) -> Path:
    return folder / "children.csv"


CASES = (
    Case(
        "one field too many on the first data row (a comma added after it)",
        "that row is rejected whole, with its text; no column moves and no other row changes (when more than 5% "
        "of a file's rows are the wrong shape, the run stops: see below)",
        REJECTED,
        "children.csv",
        lambda f: _edit_line(_children(f), 2, lambda s: s + ",extra"),
        lambda f: 2,
    ),
    Case(
        "one field too few on a row",
        "that row is rejected whole; the rows around it load",
        REJECTED,
        "episodes.csv",
        lambda f: _edit_line(f / "episodes.csv", 11, lambda s: s.rsplit(",", 1)[0]),
        lambda f: 11,
    ),
    Case(
        "a comma at the end of every row, the header's too",
        "the header's last column has no name: it is ignored with a warning, and every row loads",
        WARNING,
        "children.csv",
        lambda f: _every_line(_children(f), lambda s: s + ",", header=True),
        lambda f: 1,
    ),
    Case(
        "a comma at the end of every data row, but not the header's",
        "every row has a field more than the header: more than 5% of the file is the wrong shape, so the run "
        "stops, naming the file and its first bad line",
        STOPS,
        "children.csv",
        lambda f: _every_line(_children(f), lambda s: s + ",", header=False),
        lambda f: 2,
    ),
    Case(
        'a quote that is never closed (a cell starting with ")',
        "only the line where it opens is rejected; the lines after it are read on their own and load",
        REJECTED,
        "episodes.csv",
        lambda f: _edit_line(f / "episodes.csv", 20, lambda s: '"' + s),
        lambda f: 20,
    ),
    Case(
        "a quote never closed on the last line",
        "that line is rejected; the file is not cut short anywhere else",
        REJECTED,
        "children.csv",
        lambda f: _edit_line(_children(f), CHILDREN + 1, lambda s: s.replace(",", ',"', 1)),
        lambda f: CHILDREN + 1,
    ),
    Case(
        "a quote never closed in the header",
        "the run stops: the header cannot be read",
        STOPS,
        "links.csv",
        lambda f: _edit_line(f / "links.csv", 1, lambda s: s.replace("notes", '"notes')),
        lambda f: 1,
    ),
    Case(
        'a quoted cell closed badly ("Child" 12: a quote followed by a space, not a comma)',
        "that row is rejected whole: where its cells begin and end cannot be told",
        REJECTED,
        "children.csv",
        lambda f: _edit_line(_children(f), 13, lambda s: s.replace("Child 12", '"Child" 12')),
        lambda f: 13,
    ),
    Case(
        "a blank line, or a line of only commas",
        "skipped: it holds no row",
        LOADS,
        "",
        lambda f: _edit_line(f / "episodes.csv", 5, lambda s: s + "\n\n,,,,,,"),
    ),
    Case(
        "lines ending in a carriage return only (an old Mac export)",
        "read as lines like any other",
        LOADS,
        "",
        lambda f: (_children(f)).write_bytes(_children(f).read_bytes().replace(b"\n", b"\r")),
    ),
    Case(
        'saved as UTF-8 with a byte-order mark (Excel\'s "CSV UTF-8")',
        "read as UTF-8",
        LOADS,
        "",
        lambda f: _children(f).write_bytes(b"\xef\xbb\xbf" + _children(f).read_bytes()),
    ),
    Case(
        'saved as UTF-16 (Excel\'s "Unicode Text" with commas)',
        "read as UTF-16",
        LOADS,
        "",
        lambda f: _children(f).write_bytes(_children(f).read_text(encoding="utf-8").encode("utf-16")),
    ),
    Case(
        'saved as Windows-1252 (Excel\'s plain "CSV") with an accented name',
        "read as Windows-1252, with a warning naming the file and the first line that is not UTF-8",
        WARNING,
        "children.csv",
        lambda f: _children(f).write_bytes(_children(f).read_text(encoding="utf-8").encode("cp1252")),
        lambda f: 4,
    ),
    Case(
        "a workbook beside the CSV files",
        "the run stops: which one is meant is not for the tool to guess",
        STOPS,
        "export.xlsx",
        lambda f: _workbook(f, "export.xlsx"),
    ),
    Case(
        "two workbooks and no CSV files",
        "the run stops: which one is meant is not for the tool to guess",
        STOPS,
        "march.xlsx",
        lambda f: (_workbook(f, "april.xlsx"), _workbook(f, "march.xlsx"), [p.unlink() for p in f.glob("*.csv")]),
    ),
    Case(
        "a file peermap does not know (interviews.csv)",
        "named in a warning (line 0: the whole file) and not read; rename it if it holds a table",
        WARNING,
        "interviews.csv",
        lambda f: (f / "interviews.csv").write_text("id\n1\n"),
        lambda f: 0,
    ),
    Case(
        "links.csv is a folder",
        "the run stops, saying so",
        STOPS,
        "links.csv",
        lambda f: ((f / "links.csv").unlink(), (f / "links.csv").mkdir()),
    ),
    Case(
        "links.csv is a link to a file that is not there",
        "the run stops: the file cannot be read",
        STOPS,
        "links.csv",
        lambda f: ((f / "links.csv").unlink(), os.symlink(f / "gone.csv", f / "links.csv")),
    ),
    Case(
        "children.csv holds only its header",
        "the run stops: no child loads, so there is nothing to report on",
        STOPS,
        "children.csv",
        lambda f: _children(f).write_text(_children(f).read_text().split("\n")[0] + "\n"),
    ),
    Case(
        "a required column renamed (missing_at written missing_date)",
        "the run stops, naming the column",
        STOPS,
        "episodes.csv",
        lambda f: _edit_line(f / "episodes.csv", 1, lambda s: s.replace("missing_at", "missing_date")),
    ),
    Case(
        "a birth_date in 2300 (an optional date outside 1900-2100)",
        "the date is blanked with a warning; the row loads",
        WARNING,
        "children.csv",
        lambda f: _set_cell(_children(f), "C07", "birth_date", "2300-01-01"),
        lambda f: line_of(_children(f), "C07,"),
        holds=lambda ds: ds.children.set_index("child_id")["birth_date"].isna().sum() == 1,
    ),
    Case(
        "a missing_at in 1677 (a required date outside 1900-2100)",
        "the row is rejected",
        REJECTED,
        "episodes.csv",
        lambda f: _set_cell(f / "episodes.csv", "E08", "missing_at", "1677-09-21T00:00"),
        lambda f: line_of(f / "episodes.csv", "E08,"),
    ),
    Case(
        "an Excel date serial of 2958465.5 (31 December 9999) in a workbook's missing_at",
        "the row is rejected",
        REJECTED,
        "export.xlsx[episodes]",
        lambda f: _into_workbook(f, "E09"),
        lambda f: 10,
    ),
    Case(
        "a handling code that is neither P nor C (C2, Confidential, police only)",
        "treated as C (police only) with a warning: it fails closed, never open",
        WARNING,
        "links.csv",
        lambda f: _set_cell(f / "links.csv", "L06", "handling", "Confidential"),
        lambda f: line_of(f / "links.csv", "L06,"),
        holds=lambda ds: ds.links.set_index("link_id").at["L06", "handling"] == "C",
    ),
)
