"""Validating a table's raw cells against the contract, with pandera.

For each table a pandera ``DataFrameSchema`` is built from its
:class:`~graph_models.schema.TableSpec`: a check per column for "required
value present" and "readable as its kind", uniqueness of the ID (the first
row wins), references to rows of earlier tables, and the row rules of
SCHEMA.md. Failures become :class:`~graph_models.rejects.Problem` rows:
a failure in a required column or a row rule rejects the row; a bad value
in an optional column is blanked (or, for a column that fails closed, set
to its safe value) and reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import pandera.pandas as pa

from peermap.graph_models import cells
from peermap.graph_models.postcode_format import normalise_postcodes
from peermap.graph_models.reading import RawTable
from peermap.graph_models.rejects import REJECTED, WARNING, Problem
from peermap.graph_models.schema import ColumnSpec


def _parser(column: ColumnSpec, excel: bool) -> Callable[[pd.Series], pd.Series]:
    """The function that reads this column's text cells as typed values."""
    kind = column.kind
    if kind in ("id", "text"):
        return cells.text
    if kind == "datetime":
        return lambda s: cells.datetimes(s, excel=excel)
    if kind == "birth_date":
        return lambda s: cells.dates(s, allow_month=True, excel=excel)
    if kind == "date":
        return lambda s: cells.dates(s, excel=excel)
    if kind == "bool":
        return cells.booleans
    if kind == "choice":
        return lambda s: cells.choices(s, column.choices)
    if kind == "postcode":
        return normalise_postcodes
    if kind == "int":
        return lambda s: cells.integers(s, column.low, column.high)
    if kind == "id_list":
        return cells.id_list
    raise ValueError(f"unknown column kind {kind!r}")


_UNREADABLE = {
    "datetime": "not a readable datetime from 1900 to 2100 (ISO 8601, e.g. 2022-06-03T21:15)",
    "birth_date": "not a possible date (YYYY-MM-DD or YYYY-MM, from 1900, not in the future)",
    "date": "not a possible date (YYYY-MM-DD, from 1900 to 2100)",
    "bool": "not yes/no (also true/false, y/n, 1/0)",
    "postcode": "not a UK postcode",
}


def _unreadable_reason(column: ColumnSpec) -> str:
    if column.kind == "choice":
        return f"not one of: {', '.join(column.choices)}"
    if column.kind == "int":
        return f"not a whole number from {column.low} to {column.high}"
    return _UNREADABLE[column.kind]


@dataclass(frozen=True)
class Reference:
    """A column whose values must be IDs of rows already loaded from another table."""

    column: str
    known: pd.Index
    target_file: str


@dataclass(frozen=True)
class RowRule:
    """A rule over a whole row: ``ok(frame, typed) -> bool Series``; failing rows are rejected.

    ``frame`` holds the trimmed text cells; ``typed(name)`` is a column read as its kind (the values its
    own check parsed, not parsed again: a national year's episodes hold two million datetimes).
    """

    column: str
    reason: str
    ok: Callable[[pd.DataFrame, Callable[[str], pd.Series]], pd.Series]


def _schema(
    raw: RawTable,
    references: tuple[Reference, ...],
    rules: tuple[RowRule, ...],
    unique_key: Callable[[pd.Series], pd.Series] | None,
    parsed: dict[str, pd.Series],
) -> pa.DataFrameSchema:
    """The pandera schema of one table's (trimmed) text cells. Checks store what they parse in ``parsed``."""
    columns = {}
    refs = {r.column: r for r in references}
    for column in raw.spec.columns:
        checks = []
        if column.required:
            checks.append(pa.Check(lambda s: s != "", error="required value is missing"))
        if column.kind not in ("id", "text", "id_list"):

            def readable(s, parse=_parser(column, raw.excel), name=column.name):
                parsed[name] = parse(cells.blank_as_missing(s))
                return (s == "") | parsed[name].notna()

            checks.append(pa.Check(readable, error=_unreadable_reason(column)))
        if column.name == raw.spec.id_column:
            key = unique_key or (lambda s: s)
            checks.append(
                pa.Check(
                    lambda s, key=key: (s == "") | ~key(s).duplicated(keep="first"),
                    error=f"duplicate {column.name}: an earlier row has it (the first row wins)",
                )
            )
        if column.name in refs:
            ref = refs[column.name]
            checks.append(
                pa.Check(
                    lambda s, ref=ref: (s == "") | cells.isin(s, ref.known),
                    error=f"{column.name} not found in {ref.target_file}",
                )
            )
        columns[column.name] = pa.Column(nullable=True, checks=checks)

    def typed(frame: pd.DataFrame, name: str) -> pd.Series:
        if name in parsed and parsed[name].index.equals(frame.index):
            return parsed[name]
        return _parser(raw.spec.column(name), raw.excel)(cells.blank_as_missing(frame[name]))

    frame_checks = [
        pa.Check(lambda frame, rule=rule: rule.ok(frame, lambda name: typed(frame, name)), error=f"rule:{i}")
        for i, rule in enumerate(rules)
    ]
    return pa.DataFrameSchema(columns, checks=frame_checks, name=raw.file)


def validate(
    raw: RawTable,
    problems: list[Problem],
    *,
    references: tuple[Reference, ...] = (),
    rules: tuple[RowRule, ...] = (),
    unique_key=None,
) -> pd.DataFrame:
    """Check ``raw`` against its contract; report problems; return the typed rows that load.

    Cells are trimmed once, checked by pandera (each value parsed once, the
    result kept for the typed table), and the returned frame keeps the
    physical line as its index.
    """
    frame = pd.DataFrame(
        {name: raw.frame[name].astype("string").str.strip().fillna("") for name in raw.spec.column_names},
        index=raw.frame.index,
    )
    parsed: dict[str, pd.Series] = {}
    failures = pd.DataFrame(columns=["column", "check", "index"])
    try:
        if len(frame):  # an absent or empty file has nothing to check (and pandera costs a tenth of a second)
            _schema(raw, references, rules, unique_key, parsed).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases[["column", "check", "index"]].dropna(subset=["index"])
    required = set(raw.spec.required_columns)
    rejected: set[int] = set()
    blanked: dict[str, list[int]] = {}
    seen = set()
    for column, check, line in failures.itertuples(index=False):  # one per failing cell: few
        line = int(line)
        if str(check).startswith("rule:"):
            rule = rules[int(str(check)[5:])]
            column, reason, severity = rule.column, rule.reason, REJECTED
        else:
            reason = str(check)
            severity = REJECTED if (column in required or column == raw.spec.id_column) else WARNING
        if (line, column, reason) in seen:
            continue  # a frame-level rule fails once per column of the row
        seen.add((line, column, reason))
        if severity == WARNING:
            instead = raw.spec.column(column).fail_closed
            reason = (
                f"{reason}: {frame.at[line, column]!r} treated as {instead} (an unknown code fails closed)"
                if instead
                else f"{reason}: {frame.at[line, column]!r} left blank"
            )
            blanked.setdefault(column, []).append(line)
        else:
            rejected.add(line)
        problems.append(Problem(raw.file, line, column, severity, reason, raw.row(line)))
    kept = frame.index.difference(sorted(rejected), sort=False) if rejected else frame.index

    def loaded(values: pd.Series) -> pd.Series:
        return values.loc[kept] if rejected else values  # a national file rejects none: no copy of every column

    typed = pd.DataFrame(index=kept)
    for column in raw.spec.columns:
        if column.name in parsed:
            values = loaded(parsed[column.name])
        elif column.kind in ("id", "text"):
            values = cells.blank_as_missing(loaded(frame[column.name]))  # trimmed already: cells.text less the trim
        else:
            values = _parser(column, raw.excel)(cells.blank_as_missing(loaded(frame[column.name])))
        if column.name in blanked:
            values = values.copy()
            values.loc[values.index.intersection(blanked[column.name])] = column.fail_closed or pd.NA
        typed[column.name] = values
    return typed
