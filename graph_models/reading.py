"""Reading the raw cells of a data folder: CSV files or one ``.xlsx`` workbook.

Every table comes back as text cells (IDs stay text, leading zeros kept) with
the physical line each row started on, so a problem can be reported by file
and line as SCHEMA.md asks. Header names are matched case-insensitively.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph_models.rejects import DataFolderError, Problem, REJECTED, WARNING, row_text
from graph_models.schema import TableSpec

csv.field_size_limit(10_000_000)


@dataclass
class RawTable:
    """The text cells of one table, its source file, and the line of each row."""

    spec: TableSpec
    file: str
    frame: pd.DataFrame  # the spec's columns as text ("" = empty); index = physical line
    records: list = field(default_factory=list)  # the original cells, aligned with frame
    excel: bool = False

    def row(self, line: int) -> str:
        """The original row at ``line`` as CSV text (for rejects.csv)."""
        return row_text(self.records[self.frame.index.get_loc(line)])


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


def _frame(spec: TableSpec, positions: dict[str, int], records: list[list[str]], lines: list[int]) -> pd.DataFrame:
    columns = {}
    for name in spec.column_names:
        pos = positions.get(name)
        columns[name] = [r[pos] if pos is not None and pos < len(r) else "" for r in records]
    frame = pd.DataFrame(columns, index=pd.Index(lines, name="line"), dtype="string")
    return frame.fillna("")


def read_csv_table(spec: TableSpec, path: Path, problems: list[Problem]) -> RawTable:
    """Read one CSV file (UTF-8, BOM or not) into text cells with their physical lines."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise DataFolderError(f"{path.name}: the file is empty (it needs a header row)") from None
            positions = _match_header(spec, path.name, header, problems)
            records, lines = [], []
            start = reader.line_num + 1
            for record in reader:
                line, start = start, reader.line_num + 1
                if not any(cell.strip() for cell in record):
                    continue  # a blank line is not a row
                if len(record) > len(header):
                    problems.append(Problem(path.name, line, "", REJECTED,
                                            f"row has {len(record)} fields, the header has {len(header)}",
                                            row_text(record)))
                    continue
                records.append(record)
                lines.append(line)
    except UnicodeDecodeError as exc:
        raise DataFolderError(f"{path.name}: cannot be read as UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise DataFolderError(f"{path.name}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise DataFolderError(f"{path.name}: cannot be read ({exc.strerror})") from None
    return RawTable(spec, path.name, _frame(spec, positions, records, lines), records)


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
                record = [_excel_text(v) for v in values]
                if not any(cell.strip() for cell in record):
                    continue
                records.append(record)
                lines.append(number)
            tables[spec.name] = RawTable(spec, label, _frame(spec, positions, records, lines), records, excel=True)
    finally:
        book.close()
    return tables
