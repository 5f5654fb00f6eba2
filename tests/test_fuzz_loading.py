"""The loader under fire: generated data folders, each spoiled in one way, and what must always hold (issue 14).

Hypothesis makes valid data folders from the contract (tests/fuzz_folders.py)
and spoils copies of each in one way: a field added or dropped, a quote never
closed, another encoding, a date out of range, a file replaced by a folder or
a link, a column renamed, a workbook beside the CSV files, an unknown file.
Calling the loader in-process, whatever it made:

- no traceback: a folder loads, or :class:`DataFolderError` (exit 2) says why in one line;
- exit 2 exactly where SCHEMA.md says: a fatal folder problem, a required file
  of which no row loads, or more than 5% of a file's rows badly shaped;
- every valid row the spoiling did not touch still loads with the same values;
- every row that did not load is in the rejects with its own physical line;
- loading twice gives the same result (the first spoiled copy of every other folder is loaded
  twice: a load of a small folder costs about half a second, most of it pandera's).

``make test`` runs it derandomised (:data:`FOLDERS_IN_MAKE_TEST` spoiled folders);
``make fuzz`` (``PEERMAP_FUZZ=SECONDS``) runs it at random for that long and
writes its counts to docs/fuzzing.md. A failure it finds is kept below as an
explicit ``@example``.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
from conftest import TEST_KEY
from fuzz_folders import Folder, Recipe, cascade, folders, recipes, spoil, write_folder, write_table
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from peermap.graph_models.load import load_folder
from peermap.graph_models.load_settings import LoadSettings
from peermap.graph_models.rejects import DataFolderError
from peermap.graph_models.schema import SPECS

#: Spoiled copies made of each generated folder (they share its unspoiled load).
SPOILINGS_PER_FOLDER = 10
#: At least this many spoiled folders in `make test`.
FOLDERS_IN_MAKE_TEST = int(os.environ.get("PEERMAP_FUZZ_FOLDERS", 300))
FUZZ_SECONDS = float(os.environ.get("PEERMAP_FUZZ", "0") or 0)
ROOT = Path(__file__).resolve().parent.parent

COUNTS: collections.Counter = collections.Counter()
LENIENT = LoadSettings(most_badly_shaped_share=1.0)


def _plain(value):
    if isinstance(value, tuple):
        return value
    return None if pd.isna(value) else value


def _rows(dataset, table: str) -> dict[str, dict]:
    frame = getattr(dataset, table)
    key = SPECS[table].id_column
    return {row[key]: {k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")}


def _same(first, second) -> None:
    for name, table in first.tables().items():
        pd.testing.assert_frame_equal(table, second.tables()[name])
    assert first.rejects == second.rejects and first.loaded == second.loaded


def check(folder: Folder, base, path: Path, recipe: Recipe, twice: bool) -> str:
    """Spoil a copy of the folder, load it, and hold the invariants; return what happened.

    With ``twice`` the folder is loaded a second time and must give the same result.
    """
    spoiled = spoil(folder, path, recipe)
    COUNTS[f"spoiled: {spoiled.kind}"] += 1
    share = 0.0
    if spoiled.badly_shaped:
        share = len(spoiled.rejected) / len(folder.tables[spoiled.badly_shaped])
    gone, changed = cascade(folder, spoiled.rejected)
    changed |= spoiled.changed
    nothing_required = all(("children", i) in gone for i in folder.ids("children")) or all(
        ("episodes", i) in gone for i in folder.ids("episodes")
    )
    used = LoadSettings()
    try:
        try:
            dataset = load_folder(path, key=TEST_KEY)
        except DataFolderError as exc:
            message = str(exc)
            assert "\n" not in message
            if spoiled.stops:
                assert spoiled.file.lower() in message.lower(), message
                return "stopped, as it must"
            if share <= 0.05:
                raise  # only "no row of a required file loads" may stop it now
            line = min(spoiled.lines[i] for _, i in spoiled.rejected)
            assert spoiled.file in message and f"line {line}" in message, message
            used = LENIENT
            dataset = load_folder(path, key=TEST_KEY, settings=used)
        else:
            assert not spoiled.stops, f"{spoiled.kind} of {spoiled.file} loaded"
            assert share <= 0.05
    except DataFolderError as exc:
        assert nothing_required and "none of its" in str(exc), str(exc)
        return "stopped: no row of a required file loads"
    assert not nothing_required
    if twice:
        _same(dataset, load_folder(path, key=TEST_KEY, settings=used))
    rejected = {(p.file, p.line) for p in dataset.rejects if p.severity == "rejected"}
    for table in folder.tables:
        if (table, "*") in spoiled.changed_columns:
            continue
        now, before = _rows(dataset, table), _rows(base, table)
        lines = spoiled.lines if f"{table}.csv" == spoiled.file else base_lines(folder, table)
        skip = {c for t, c in spoiled.changed_columns if t == table}
        if table == "links" and skip:
            skip.add("handling")  # its default follows the source
        for row_id in folder.ids(table):
            if (table, row_id) in gone:
                assert row_id not in now, (table, row_id)
                assert (f"{table}.csv", lines[row_id]) in rejected, (table, row_id, lines[row_id])
                continue
            assert row_id in now, (table, row_id)
            if (table, row_id) not in changed:
                assert {k: v for k, v in now[row_id].items() if k not in skip} == {
                    k: v for k, v in before[row_id].items() if k not in skip
                }, (table, row_id)
    if spoiled.warns:
        assert any(p.severity == "warning" and p.file == spoiled.file for p in dataset.rejects)
    return "loaded" if used is not LENIENT else "stopped: more than 5% badly shaped (rows checked with no limit)"


def base_lines(folder: Folder, table: str) -> dict[str, int]:
    return write_table(folder, table).lines


#: A failure the property ever found, kept as an explicit example (see tests/fuzz_folders.py's Recipe).
FOUND = [
    # a note over two lines in the first column, closed on a line that alone has the header's fields
    (
        Folder(
            tables={
                "children": [
                    {
                        "child_id": "007",
                        "display_name": 'Amy "A", Jr',
                        "birth_date": "",
                        "sex": "FEMALE",
                        "legal_status": "cic",
                        "home_postcode": "dh11ab",
                        "school": "",
                    }
                ],
                "episodes": [
                    {
                        "episode_id": "E-0",
                        "child_id": "007",
                        "missing_at": "2022-01-01T10:00Z",
                        "returned_at": "",
                        "found_at_place": "park\nby the shops",
                    }
                ],
            },
            orders={
                "children": [
                    "child_id",
                    "display_name",
                    "birth_date",
                    "sex",
                    "legal_status",
                    "home_postcode",
                    "school",
                ],
                "episodes": ["found_at_place", "episode_id", "child_id", "missing_at", "returned_at"],
            },
            quote_all=False,
            newline="\r\n",
        ),
        [
            Recipe("field added", table=1),
            Recipe("encoding", pick=4),
            Recipe("comma after every row", table=1),
            Recipe("quote never closed", table=0, column=1),
            Recipe("date out of range", table=1, pick=6),
        ],
    ),
    # `make fuzz`: a stray quote before an ID, "closed" by a quote inside the next cell ('"04AZ0,"É-é“  Y,a"";b"'),
    # gave a row of the header's shape with its cells run together, which loaded as if it were whole
    (
        Folder(
            tables={
                "children": [
                    {
                        "child_id": c,
                        "display_name": "",
                        "birth_date": "",
                        "sex": "male",
                        "legal_status": "",
                        "home_postcode": "",
                        "school": "",
                    }
                    for c in ("1", "04AZ0")
                ],
                "episodes": [
                    {
                        "episode_id": f"{n}-{n}",
                        "child_id": "1",
                        "missing_at": "2020-01-05T21:27",
                        "returned_at": "",
                        "found_at_place": "",
                    }
                    for n in range(3)
                ]
                + [
                    {
                        "episode_id": "4-3",
                        "child_id": "04AZ0",
                        "missing_at": "2021-01-06T20:04",
                        "returned_at": "2021-12-27",
                        "found_at_place": 'É-é“  Y,a";b',
                    }
                ],
            },
            orders={
                "children": [
                    "school",
                    "child_id",
                    "display_name",
                    "birth_date",
                    "sex",
                    "legal_status",
                    "home_postcode",
                ],
                "episodes": ["returned_at", "missing_at", "child_id", "found_at_place", "episode_id"],
            },
            quote_all=False,
            newline="\r\n",
        ),
        [Recipe("quote never closed", table=1, row=3, column=2)],
    ),
]


def _property(max_examples: int, derandomize: bool):
    """The property, run on ``max_examples`` generated folders (and every example in FOUND)."""

    @settings(
        max_examples=max_examples,
        derandomize=derandomize,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(
        folder=folders(), spoilings=st.lists(recipes(), min_size=SPOILINGS_PER_FOLDER, max_size=SPOILINGS_PER_FOLDER)
    )
    def spoiled_folders_lose_nothing(folder: Folder, spoilings: list[Recipe]) -> None:
        if FUZZ_SECONDS and time.monotonic() > _FUZZ_UNTIL[0]:
            return  # `make fuzz`: the time is up; let this batch's remaining examples pass unrun
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            write_folder(folder, root / "base")
            base = load_folder(root / "base", key=TEST_KEY)
            assert base.rejects == [], base.rejects  # a folder made from the contract loads whole
            COUNTS["valid folders made"] += 1
            for n, recipe in enumerate(spoilings):
                path = root / f"spoiled-{n}"
                shutil.copytree(root / "base", path, symlinks=True)
                twice = n == 0 and COUNTS["valid folders made"] % 2 == 1  # every other folder's first copy
                COUNTS[f"outcome: {check(folder, base, path, recipe, twice)}"] += 1
                COUNTS["spoiled folders loaded"] += 1

    for folder, spoilings in FOUND:
        spoiled_folders_lose_nothing = example(folder=folder, spoilings=spoilings)(spoiled_folders_lose_nothing)
    return spoiled_folders_lose_nothing


_FUZZ_UNTIL = [0.0]


def test_spoiled_folders_lose_nothing():
    COUNTS.clear()
    started = time.monotonic()
    _FUZZ_UNTIL[0] = started + FUZZ_SECONDS
    if not FUZZ_SECONDS:
        _property(-(-FOLDERS_IN_MAKE_TEST // SPOILINGS_PER_FOLDER), derandomize=True)()
        assert COUNTS["spoiled folders loaded"] >= FOLDERS_IN_MAKE_TEST
        return
    while time.monotonic() - started < FUZZ_SECONDS:  # `make fuzz`: fresh random runs until the time is up
        _property(100, derandomize=False)()  # each run starts from small examples: runs of 100 waste fewer
    _write_counts(time.monotonic() - started)


def _write_counts(seconds: float) -> None:
    """docs/fuzzing.md: what the last `make fuzz` ran, and that nothing failed."""
    lines = [
        "# Fuzzing the loader",
        "",
        "`make fuzz` runs the property-based tests of tests/test_fuzz_loading.py at random (`make test` runs "
        f"them derandomised, {FOLDERS_IN_MAKE_TEST} spoiled folders) and writes this page. Each valid folder "
        "made from the contract is spoiled in one way, and the loader must: raise no traceback, stop (exit 2) "
        "exactly where SCHEMA.md says, load every untouched row with the same values, report every row it "
        "did not load with its own line, and give the same result twice. A failure found is kept in the "
        "tests as an explicit `@example`.",
        "",
        f"Last run: {dt.date.today().isoformat()}, {seconds / 60:.0f} minutes, "
        f"{COUNTS['valid folders made']:,} valid folders, {COUNTS['spoiled folders loaded']:,} spoiled folders, "
        "no failure.",
        "",
        "| what | folders |",
        "|---|---|",
    ]
    for key in sorted(k for k in COUNTS if ":" in k):
        lines.append(f"| {key} | {COUNTS[key]:,} |")
    (ROOT / "docs" / "fuzzing.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
