"""Reading the raw cells of a data folder: CSV files or one ``.xlsx`` workbook.

Every table comes back as text cells (IDs stay text, leading zeros kept) with
the physical line each row started on, so a problem can be reported by file
and line as SCHEMA.md asks. Header names are matched case-insensitively.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graph_models.rejects import DataFolderError, Problem, REJECTED, WARNING, row_text
from graph_models.schema import TableSpec

csv.field_size_limit(10_000_000)


@dataclass
class RawTable:
    """The text cells of one table, its source file, and the line of each row.

    ``source`` holds every column of the file as written (for the ``row`` of
    rejects.csv); ``frame`` the contract's columns, matched by name. Both are
    indexed by the physical line each row starts on.
    """

    spec: TableSpec
    file: str
    frame: pd.DataFrame
    source: pd.DataFrame
    excel: bool = False

    def row(self, line: int) -> str:
        """The original row at ``line`` as CSV text (for rejects.csv)."""
        return row_text(self.source.loc[line].tolist())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_workbook(folder: Path) -> Path | None:
    """The folder's ``.xlsx`` workbook when it holds the tables instead of CSV files."""
    if folder.is_file() and folder.suffix.lower() == ".xlsx":
        return folder
    if not folder.is_dir() or (folder / "children.csv").exists():
        return None
    books = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))
    return books[0] if len(books) == 1 else None


def _match_header(spec: TableSpec, file: str, header: list[str], problems: list[Problem]) -> dict[str, int]:
    """Map each known column to its position; warn on unknown columns; stop on missing required ones."""
    positions: dict[str, int] = {}
    wanted = {name.lower(): name for name in spec.column_names}
    for position, title in enumerate(header):
        key = (title or "").strip().lower()
        if key in wanted and wanted[key] not in positions:
            positions[wanted[key]] = position
        elif key:
            problems.append(Problem(file, 1, title.strip(), WARNING, "unknown column ignored"))
    missing = [c for c in spec.required_columns if c not in positions]
    if missing:
        raise DataFolderError(
            f"{file}: required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)} "
            f"(the header has: {', '.join(h for h in header if h) or 'nothing'})"
        )
    return positions


def _table(spec: TableSpec, file: str, positions: dict[str, int], source: pd.DataFrame, excel: bool = False) -> RawTable:
    """Pick the contract's columns out of ``source`` (all text, "" for empty); absent ones are empty."""
    source = source.fillna("")
    frame = pd.DataFrame(index=source.index)
    for name in spec.column_names:
        pos = positions.get(name)
        frame[name] = source[pos] if pos is not None else pd.Series("", index=source.index, dtype="string")
    return RawTable(spec, file, frame, source, excel)


def _drop_blank_rows(source: pd.DataFrame) -> pd.DataFrame:
    if source.empty:
        return source
    filled = source.fillna("")
    blank = pd.Series(True, index=source.index)
    for column in filled.columns:
        blank &= filled[column].str.strip() == ""
    return source[~blank.to_numpy()]


def _read_fast(path: Path, width: int) -> pd.DataFrame:
    """pandas' C reader; the index is each row's physical line. Raises ParserError on ragged rows."""
    source = pd.read_csv(path, encoding="utf-8-sig", header=None, skiprows=1, names=range(width), dtype="string",
                         keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c")
    # a quoted cell may hold line breaks: each one pushes every later row a physical line down
    breaks = np.zeros(len(source), dtype=np.int64)
    for column in source.columns:
        values = source[column]
        if values.str.contains("\n", regex=False).any():
            breaks += values.str.count("\n").fillna(0).to_numpy(dtype=np.int64)
    lines = 2 + np.arange(len(source)) + np.concatenate([[0], np.cumsum(breaks)[:-1]])
    source.index = pd.Index(lines, name="line")
    return _drop_blank_rows(source)


def _read_slow(path: Path, width: int, problems: list[Problem]) -> pd.DataFrame:
    """Python's csv reader, row by row: reports rows with more fields than the header."""
    records, lines = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if len(record) > width:
                problems.append(Problem(path.name, line, "", REJECTED,
                                        f"row has {len(record)} fields, the header has {width}", row_text(record)))
                continue
            records.append(record + [""] * (width - len(record)))
            lines.append(line)
    source = pd.DataFrame(records, columns=range(width), index=pd.Index(lines, name="line"), dtype="string")
    return _drop_blank_rows(source)


def read_csv_table(spec: TableSpec, path: Path, problems: list[Problem]) -> RawTable:
    """Read one CSV file (UTF-8, BOM or not) into text cells with their physical lines."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
        if header is None:
            raise DataFolderError(f"{path.name}: the file is empty (it needs a header row)")
        positions = _match_header(spec, path.name, header, problems)
        try:
            source = _read_fast(path, len(header))
        except (pd.errors.ParserError, ValueError):
            source = _read_slow(path, len(header), problems)
    except UnicodeDecodeError as exc:
        raise DataFolderError(f"{path.name}: cannot be read as UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise DataFolderError(f"{path.name}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise DataFolderError(f"{path.name}: cannot be read ({exc.strerror})") from None
    return _table(spec, path.name, positions, source)


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


def read_workbook(specs, path: Path, problems: list[Problem]) -> dict[str, RawTable]:
    """Read every sheet named like a table (case-insensitive) from one workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DataFolderError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    sheets = {name.strip().lower(): name for name in book.sheetnames}
    tables = {}
    try:
        for spec in specs:
            title = sheets.get(spec.name)
            if title is None:
                continue
            label = f"{path.name}[{title}]"
            rows = book[title].iter_rows(values_only=True)
            header = [_excel_text(v) for v in next(rows, [])]
            if not any(header):
                raise DataFolderError(f"{label}: the sheet is empty (it needs a header row)")
            positions = _match_header(spec, label, header, problems)
            records, lines = [], []
            for number, values in enumerate(rows, start=2):
                records.append([_excel_text(v) for v in values][:len(header)] + [""] * max(0, len(header) - len(values)))
                lines.append(number)
            source = pd.DataFrame(records, columns=range(len(header)), index=pd.Index(lines, name="line"),
                                  dtype="string")
            tables[spec.name] = _table(spec, label, positions, _drop_blank_rows(source), excel=True)
    finally:
        book.close()
    return tables
