"""Reading the raw cells of a data folder: CSV files or one ``.xlsx`` workbook.

Every table comes back as text cells (IDs stay text, leading zeros kept) with
the physical line each row started on, so a problem can be reported by file
and line as SCHEMA.md asks. Header names are matched case-insensitively.
Encodings are found by :mod:`graph_models.encodings`; rows of the wrong shape
and quotes never closed by :mod:`graph_models.row_shapes`. What a folder may
hold (its CSV files or one workbook, and nothing to guess between) is decided
by :func:`folder_files`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from peermap.graph_models.encodings import decode_to_utf8
from peermap.graph_models.rejects import REJECTED, WARNING, DataFolderError, Problem, row_text
from peermap.graph_models.row_shapes import header_fields, split_records
from peermap.graph_models.schema import TABLE_SPECS, TableSpec

#: Endings of files that hold tables: one the tool does not know is named in a warning.
_TABLE_LIKE = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
#: Files a data folder may hold beside its tables without a word (the key, and the tool's own report).
_KNOWN_OTHERS = ("peermap.key", "rejects.csv")


@dataclass
class RawTable:
    """The text cells of one table, its source file, and the line of each row.

    ``source`` holds every column of the file as written (for the ``row`` of
    rejects.csv); ``frame`` the contract's columns, matched by name. Both are
    indexed by the physical line each row starts on. ``read`` counts the rows
    read (those in ``frame`` and those rejected for their shape or quotes, in
    ``shape_problems``).
    """

    spec: TableSpec
    file: str
    frame: pd.DataFrame
    source: pd.DataFrame
    excel: bool = False
    read: int = 0
    shape_problems: list[Problem] = field(default_factory=list)
    sha256: str = ""

    def row(self, line: int) -> str:
        """The original row at ``line`` as CSV text (for rejects.csv)."""
        return row_text(self.source.loc[line].tolist())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FolderFiles:
    """What a data folder holds: its one workbook, or its CSV files by table name."""

    workbook: Path | None
    csv_files: dict[str, Path]


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx" and not path.name.startswith("~$")  # ~$ = Excel's lock file


def folder_files(folder: Path, problems: list[Problem]) -> FolderFiles:
    """The files to read from ``folder`` (or ``folder`` itself, a workbook); others named in warnings.

    Raises
    ------
    DataFolderError
        A workbook beside the tables' CSV files, two workbooks, or two files
        for one table (``children.csv`` and ``Children.CSV``): which one is
        meant is not for the tool to guess.
    """
    if not folder.exists() and not folder.is_symlink():
        raise DataFolderError(f"data folder not found: {folder}")
    if folder.is_file() and _is_workbook(folder):
        return FolderFiles(folder, {})
    if not folder.is_dir():
        raise DataFolderError(f"not a data folder (a folder of CSV files or an .xlsx workbook): {folder}")
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise DataFolderError(f"data folder {folder} cannot be read ({exc.strerror})") from None
    tables = {spec.file: spec for spec in TABLE_SPECS}
    csv_files: dict[str, list[Path]] = {}
    books, others = [], []
    for entry in entries:
        name = entry.name.lower()
        if name in tables:
            csv_files.setdefault(tables[name].name, []).append(entry)
        elif _is_workbook(entry):
            books.append(entry)
        elif name.endswith(_TABLE_LIKE) and name not in _KNOWN_OTHERS:
            others.append(entry)
    for table, paths in csv_files.items():
        if len(paths) > 1:
            raise DataFolderError(
                f"{folder} holds {' and '.join(p.name for p in paths)}: two files for one table; "
                "which one is meant is not for the tool to guess: keep one"
            )
    if len(books) > 1:
        raise DataFolderError(
            f"{folder} holds two workbooks ({', '.join(b.name for b in books)}): which one is meant "
            "is not for the tool to guess: keep one, or one folder each"
        )
    if books and csv_files:
        found = ", ".join(paths[0].name for paths in csv_files.values())
        raise DataFolderError(
            f"{folder} holds both a workbook ({books[0].name}) and CSV files ({found}): which one is "
            "meant is not for the tool to guess: move one of them out"
        )
    for other in others:
        problems.append(
            Problem(
                other.name,
                0,
                "",
                WARNING,
                "not a file peermap reads (it reads " + ", ".join(tables) + ", or one .xlsx "
                "workbook): ignored; rename it if it holds one of these tables",
            )
        )
    return FolderFiles(books[0] if books else None, {table: paths[0] for table, paths in csv_files.items()})


def _match_header(spec: TableSpec, file: str, header: list[str], problems: list[Problem]) -> dict[str, int]:
    """Map each known column to its position; warn on unknown and unnamed columns; stop on missing required ones."""
    positions: dict[str, int] = {}
    wanted = {name.lower(): name for name in spec.column_names}
    for position, title in enumerate(header):
        key = (title or "").strip().lower()
        if key in wanted and wanted[key] not in positions:
            positions[wanted[key]] = position
        elif key in wanted:
            problems.append(
                Problem(
                    file,
                    1,
                    title.strip(),
                    WARNING,
                    f"a second {wanted[key]} column (column {position + 1}): ignored, the first is read",
                )
            )
        elif key:
            problems.append(Problem(file, 1, title.strip(), WARNING, "unknown column ignored"))
        else:
            problems.append(
                Problem(file, 1, "", WARNING, f"column {position + 1} has no name in the header: its cells are ignored")
            )
    missing = [c for c in spec.required_columns if c not in positions]
    if missing:
        raise DataFolderError(
            f"{file}: required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)} "
            f"(the header has: {', '.join(h for h in header if h) or 'nothing'})"
        )
    return positions


def _table(
    spec: TableSpec,
    file: str,
    positions: dict[str, int],
    source: pd.DataFrame,
    excel: bool = False,
    read: int = 0,
    shape_problems: list[Problem] | None = None,
) -> RawTable:
    """Pick the contract's columns out of ``source`` (all text, "" for empty); absent ones are empty."""
    source = source.fillna("")
    empty = pd.Series("", index=source.index, dtype="string")
    frame = pd.DataFrame(
        {name: source[positions[name]] if name in positions else empty for name in spec.column_names},
        index=source.index,
    )
    return RawTable(spec, file, frame, source, excel, read, shape_problems or [])


def _free_text(spec: TableSpec, positions: dict[str, int], width: int) -> list[bool]:
    """For each column of the file: may it hold line breaks (free text, or a column peermap ignores)?"""
    free = [True] * width
    for name, position in positions.items():
        free[position] = spec.column(name).kind == "text"
    return free


def read_csv_table(spec: TableSpec, path: Path, problems: list[Problem], *, careful: bool = False) -> RawTable:
    """Read one CSV file into text cells with their physical lines (see :mod:`graph_models.row_shapes`).

    Rows of the wrong shape and quotes never closed are added to ``problems``
    and to the table's ``shape_problems``; ``careful=True`` skips the fast path.
    """
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise DataFolderError(f"{path.name} is a folder, not a file: put the {spec.file} file there") from None
    except OSError as exc:
        raise DataFolderError(f"{path.name}: cannot be read ({exc.strerror})") from None
    text = decode_to_utf8(raw, path.name, problems)
    header, body_starts = header_fields(text.data, path.name)
    if not any(name.strip() for name in header):
        raise DataFolderError(f"{path.name}: the file is empty (it needs a header row)")
    positions = _match_header(spec, path.name, header, problems)
    records = split_records(
        text.data[body_starts:], path.name, len(header), _free_text(spec, positions, len(header)), careful=careful
    )
    problems.extend(records.problems)
    table = _table(spec, path.name, positions, records.frame, read=records.read, shape_problems=records.problems)
    table.sha256 = hashlib.sha256(raw).hexdigest()
    return table


def _excel_text(value) -> str:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_rows(label: str, rows, width: int, problems: list[Problem]) -> tuple[pd.DataFrame, list[Problem]]:
    """A sheet's rows of ``width`` cells by row number; a row with a value beyond the header is rejected whole."""
    records, lines, rejected = [], [], []
    for number, values in enumerate(rows, start=2):
        cells = [_excel_text(v) for v in values]
        if not any(cell.strip() for cell in cells):
            continue
        beyond = [cell for cell in cells[width:] if cell.strip()]
        if beyond:
            used = max(i for i, cell in enumerate(cells) if cell.strip()) + 1
            rejected.append(
                Problem(
                    label,
                    number,
                    "",
                    REJECTED,
                    f"row has {used} cells, the header has {width}: the whole row is left out",
                    row_text(cells[:used]),
                )
            )
            continue
        records.append(cells[:width] + [""] * (width - len(cells)))
        lines.append(number)
    source = pd.DataFrame(
        records, columns=range(width), index=pd.Index(lines, dtype="int64", name="line"), dtype="string"
    )
    problems.extend(rejected)
    return source, rejected


def read_workbook(specs, path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    """Read every sheet named like a table (case-insensitive) from one workbook; other sheets are named in warnings."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DataFolderError(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    sheets = {name.strip().lower(): name for name in book.sheetnames}
    known = {spec.name for spec in specs}
    for name, title in sheets.items():
        if name not in known:
            problems.append(
                Problem(
                    f"{path.name}[{title}]",
                    0,
                    "",
                    WARNING,
                    "not a sheet peermap reads (it reads " + ", ".join(sorted(known)) + "): ignored",
                )
            )
    tables = {}
    try:
        for spec in specs:
            title = sheets.get(spec.name)
            if title is None:
                continue
            label = f"{path.name}[{title}]"
            rows = book[title].iter_rows(values_only=True)
            header = [_excel_text(v) for v in next(rows, [])]
            while header and not header[-1].strip():
                header.pop()
            if not header:
                raise DataFolderError(f"{label}: the sheet is empty (it needs a header row)")
            positions = _match_header(spec, label, header, problems)
            try:
                source, rejected = _sheet_rows(label, rows, len(header), problems)
            except DataFolderError:
                raise
            except Exception as exc:  # a cell openpyxl cannot turn into a value (a date past year 9999)
                raise DataFolderError(f"{label}: a row cannot be read ({type(exc).__name__}: {exc})") from None
            tables[spec.name] = _table(
                spec, label, positions, source, excel=True, read=len(source) + len(rejected), shape_problems=rejected
            )
    finally:
        book.close()
    return tables
