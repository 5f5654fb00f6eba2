"""The files that leave the tool, and the manifest that says what they are.

SCHEMA.md: every export carries ``manifest.json`` with ``audience``, ``from``,
``to``, ``version``, ``created_at``, ``loaded`` (input file → rows loaded of
rows read), ``inputs`` (input file → SHA-256) and ``files`` (output file →
SHA-256), so anyone holding a pack can check it is whole and see what it was
made from. CSV cells that a spreadsheet would run as
a formula (starting ``=``, ``+``, ``-`` other than a number, or ``@``) are
prefixed with ``'``; output files are readable by their owner only.

Examples
--------
>>> frame = pd.DataFrame({"text": ["=1+1", "-3.5", "@SUM(A1)", "fine"]})
>>> neutralise_frame(frame)["text"].tolist()
["'=1+1", '-3.5', "'@SUM(A1)", 'fine']
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from peermap import __version__
from peermap.exports import csv_text
from peermap.exports.csv_text import Blocks, write_frame
from peermap.graph_models.private_files import make_folder, open_private
from peermap.graph_models.reading import sha256_file
from peermap.graph_models.rejects import neutralise

MANIFEST = "manifest.json"


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell made formula-safe as :func:`graph_models.rejects.neutralise` says.

    Notes
    -----
    Vectorised: only the cells starting with ``=+-@`` are looked at one by one.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
            continue
        text = values.astype("string")
        risky = text.str.match(r"^[=+\-@]").fillna(False).to_numpy(dtype=bool)
        if risky.any():
            fixed = values.astype(object).copy()
            fixed[risky] = [neutralise(v) for v in text[risky].tolist()]
            out[column] = fixed
    return out


def _private(path: Path):
    make_folder(Path(path).parent)
    return open_private(path, "w", newline="")


def write_csv(frame: pd.DataFrame | Blocks, path: Path, texts: dict | None = None) -> Path:
    """Write a frame (or :class:`~exports.csv_text.Blocks`, made a block at a time) as CSV (owner-only,
    formulas neutralised, datetimes as ISO 8601).

    ``texts`` maps a column to a function that gives its text as written
    (e.g. an audience's names put in: :func:`exports.audiences.texts_view`);
    it and the rest are applied a block of rows at a time, so a national
    ``ties.csv``'s texts are never copied whole.
    """
    path = Path(path)
    make_folder(path.parent)
    with open_private(path, "wb") as handle:
        # what prepared(frame).to_csv(index=False, lineterminator="\n") writes, in Arrow, a block at a time
        write_frame(frame, handle, lambda rows: _prepared(rows, texts))
    return path


def _with_texts(frame: pd.DataFrame, texts: dict | None) -> pd.DataFrame:
    """``frame`` with each of ``texts``' columns replaced by its function's text (the frame itself when none)."""
    if not texts:
        return frame
    frame = frame.copy()
    for column, text_of in texts.items():
        frame[column] = text_of(frame[column].reset_index(drop=True)).set_axis(frame.index)
    return frame


def _prepared(frame: pd.DataFrame, texts: dict | None = None) -> pd.DataFrame:
    """Rows as written to CSV: ``texts``' functions applied, formulas neutralised, datetimes as ISO 8601,
    booleans as yes/no."""
    out = neutralise_frame(_with_texts(frame, texts))
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(out[column].dtype):
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%S%z").fillna("")
        elif out[column].dtype == bool:
            out[column] = np.where(out[column], "yes", "no")
    return out


#: What ``--format`` may ask for; CSV is always written (SCHEMA.md "What comes out").
FORMATS = ("csv", "parquet", "both")


def formats_written(format: str) -> list[str]:
    """The formats a ``--format`` value writes: CSV always, Parquet beside it when asked.

    >>> formats_written("csv"), formats_written("parquet"), formats_written("both")
    (['csv'], ['csv', 'parquet'], ['csv', 'parquet'])
    """
    if format not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}; got {format!r}")
    return ["csv"] if format == "csv" else ["csv", "parquet"]


def write_parquet(frame: pd.DataFrame | Blocks, path: Path, texts: dict | None = None) -> Path:
    """Write a frame as Parquet (owner-only): the raw values and their types, no formula guard (a Parquet file
    is read by code, not opened by a spreadsheet); ``texts`` as :func:`write_csv`'s. :class:`Blocks` are
    written a block at a time, each block a row group."""
    path = Path(path)
    make_folder(path.parent)
    with open_private(path, "wb") as handle:
        if not isinstance(frame, Blocks):
            _with_texts(frame, texts).to_parquet(handle, index=False, engine="pyarrow")
            return path
        writer = None
        for start in range(0, max(len(frame), 1), csv_text.BLOCK):
            block = _with_texts(frame.rows(start, min(len(frame), start + csv_text.BLOCK)), texts)
            table = pa.Table.from_pandas(block, preserve_index=False)
            writer = writer or pq.ParquetWriter(handle, table.schema)
            writer.write_table(table)
        writer.close()
    return path


def write_table(
    frame: pd.DataFrame | Blocks, path: Path, formats: list[str] | tuple[str, ...] = ("csv",), texts: dict | None = None
) -> list[Path]:
    """Write a table as ``path`` (CSV) and, when ``formats`` has ``parquet``, as the same name in Parquet;
    ``texts`` as :func:`write_csv`'s."""
    written = [write_csv(frame, path, texts)]
    if "parquet" in formats:
        written.append(write_parquet(frame, Path(path).with_suffix(".parquet"), texts))
    return written


def write_json(payload, path: Path) -> Path:
    """Write JSON (owner-only)."""
    path = Path(path)
    with _private(path) as handle:
        handle.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def build_manifest(
    audience: str,
    period,
    inputs: dict,
    files: list[Path],
    out_dir: Path,
    extra: dict | None = None,
    loaded: dict | None = None,
) -> dict:
    """The manifest of one export.

    Parameters
    ----------
    audience : who the export is for.
    period : a :class:`mapping.periods.Period` (gives ``from`` and ``to``).
    inputs : input file name → SHA-256 (``Dataset.inputs``).
    files : the files written, each hashed here.
    out_dir : the folder the file names are given relative to.
    extra : more fields (settings, methods), added after the contract's.
    loaded : input file → (rows loaded, rows read) (``Dataset.loaded``), written as
        ``{"loaded": N, "read": M}``.
    """
    out_dir = Path(out_dir)
    listed = {}
    for file in sorted(Path(f) for f in files):
        try:
            name = str(file.relative_to(out_dir))
        except ValueError:
            name = file.name
        listed[name] = sha256_file(file)
    manifest = {
        "audience": audience,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "loaded": {file: {"loaded": int(n), "read": int(m)} for file, (n, m) in (loaded or {}).items()},
        "inputs": dict(sorted(inputs.items())),
        "files": listed,
    }
    if extra:
        manifest.update({k: v for k, v in extra.items() if k not in manifest})
    return manifest


def write_manifest(
    out_dir: Path,
    audience: str,
    period,
    inputs: dict,
    files: list[Path],
    extra: dict | None = None,
    loaded: dict | None = None,
) -> Path:
    """Write ``manifest.json`` listing ``files`` (the manifest does not list itself)."""
    out_dir = Path(out_dir)
    manifest = build_manifest(audience, period, inputs, files, out_dir, extra, loaded)
    return write_json(manifest, out_dir / MANIFEST)


def check_manifest(out_dir: Path) -> list[str]:
    """Files whose SHA-256 no longer matches the manifest (empty when the export is whole)."""
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / MANIFEST).read_text())
    return [
        name
        for name, digest in manifest["files"].items()
        if not (out_dir / name).exists() or sha256_file(out_dir / name) != digest
    ]
