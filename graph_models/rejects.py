"""Rejected rows and warnings, and the ``rejects.csv`` file that reports them.

SCHEMA.md: every rejection and warning goes to ``rejects.csv`` with columns
``file``, ``line``, ``column``, ``severity`` (``rejected`` or ``warning``),
``reason``, ``row`` (the original row), readable by its owner only because it
holds raw data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from peermap.graph_models.private_files import make_folder, open_private

REJECTED = "rejected"
WARNING = "warning"
COLUMNS = ("file", "line", "column", "severity", "reason", "row")


@dataclass(frozen=True)
class Problem:
    """One rejected row or one warning about a value."""

    file: str
    line: int
    column: str
    severity: str
    reason: str
    row: str = ""


class DataFolderError(Exception):
    """A problem that stops the run (exit 2): SCHEMA.md "Bad input" says which.

    ``problems`` holds the rejections and warnings found before it stopped, so
    that the rows the run could not use can still be reported.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


def row_text(cells) -> str:
    """The original row's cells as one CSV line, for the ``row`` column."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if c is None else c for c in cells])
    return buffer.getvalue()


def neutralise(value: object) -> object:
    """Prefix a cell a spreadsheet would run as a formula with ``'`` (SCHEMA.md).

    Cells starting with ``=``, ``+``, ``-`` (other than a number) or ``@`` are
    neutralised; numbers such as ``-3.5`` are left as they are.

    Examples
    --------
    >>> neutralise("=HYPERLINK(1)"), neutralise("-3.5"), neutralise("@SUM")
    ("'=HYPERLINK(1)", '-3.5', "'@SUM")
    """
    if not isinstance(value, str) or not value or value[0] not in "=+-@":
        return value
    if value[0] in "+-":
        try:
            float(value)
            return value
        except ValueError:
            pass
    return "'" + value


def write_private_csv(path: Path, header, rows) -> Path:
    """Write a CSV readable by its owner only (mode 600), formulas neutralised."""
    path = Path(path)
    make_folder(path.parent)
    with open_private(path, "w", newline="") as handle:  # 0600 also when it was there before, never via a link
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
    return path


def write_rejects(problems: list[Problem], path: Path) -> Path:
    """Write ``rejects.csv`` (always, with its header, even when nothing was wrong)."""
    ordered = sorted(problems, key=lambda p: (p.file, p.line, p.severity, p.column))
    return write_private_csv(path, COLUMNS, ((p.file, p.line, p.column, p.severity, p.reason, p.row) for p in ordered))


def summarise(problems: list[Problem]) -> dict[str, int]:
    """Counts of rejected rows (distinct file and line) and of warnings."""
    rejected = {(p.file, p.line) for p in problems if p.severity == REJECTED}
    warnings = sum(1 for p in problems if p.severity == WARNING)
    return {"rejected": len(rejected), "warnings": warnings}
