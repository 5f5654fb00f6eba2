"""The CSV files peermap writes are byte for byte what pandas' to_csv wrote before (exports/csv_text.py),
and associates' references in texts are swapped for what an audience may see whichever way they are found."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peermap.exports.audiences import _REF, texts_view
from peermap.exports.csv_text import write_frame
from peermap.exports.manifest import write_csv


def pandas_csv(frame: pd.DataFrame) -> bytes:
    text = io.StringIO()
    frame.to_csv(text, index=False, lineterminator="\n")
    return text.getvalue().encode("utf-8")


def arrow_csv(frame: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    write_frame(frame, out)
    return out.getvalue()


#: Text a spreadsheet cell may hold: separators, quotes, both line ends, accents, nothing at all.
CELLS = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("ab ,\"\n\r\t'=é✓;-0")), max_size=8))


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            CELLS,
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
            st.one_of(st.none(), st.integers(-(2**62), 2**62)),
            st.integers(-(2**62), 2**62),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_csv_is_what_pandas_writes(rows):
    """Every kind of column a peermap table has (text as pandas strings and as objects, floats with NaN and
    infinities, whole numbers with and without gaps, booleans): the same bytes as pandas."""
    text, floats, maybe, whole, flags = zip(*rows) if rows else ((),) * 5
    frame = pd.DataFrame(
        {
            "text": pd.array(list(text), dtype="string"),
            "object text": pd.Series(list(text), dtype=object),
            "arrow text": pd.array(list(text), dtype=pd.StringDtype("pyarrow", np.nan)),
            "float": np.array([np.nan if f is None else f for f in floats], dtype=float),
            "Int64": pd.array(list(maybe), dtype="Int64"),
            "Float64": pd.array([None if f is None or f != f else f for f in floats], dtype="Float64"),
            "int": np.array(list(whole), dtype=np.int64),
            "bool": np.array(list(flags), dtype=bool),
        }
    )
    assert arrow_csv(frame) == pandas_csv(frame)


def test_csv_falls_back_to_pandas_for_other_columns():
    """A lone column (pandas quotes a lone empty cell) and a column of lists are written by pandas itself."""
    lone = pd.DataFrame({"a": ["", "x"]})
    mixed = pd.DataFrame({"a": ["x", "y"], "b": [[1, 2], None], "c": [1, "two"]})
    for frame in (lone, mixed):
        assert arrow_csv(frame) == pandas_csv(frame)


def test_written_csv_is_owner_only_and_formula_safe(tmp_path):
    frame = pd.DataFrame({"why": ["=HYPERLINK(1)", "-3.5", 'fine, "quoted"'], "n": [1, 2, 3]})
    path = write_csv(frame, tmp_path / "t.csv")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text() == 'why,n\n\'=HYPERLINK(1),1\n-3.5,2\n"fine, ""quoted""",3\n'


REF = st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=10, max_size=10)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    refs=st.lists(REF, min_size=1, max_size=4, unique=True),
    pieces=st.lists(
        st.one_of(
            st.sampled_from(["A-{0}", "C-{0}", "xA-{0}", "éA-{0}", "A-{0}9", "A-{0}é", " ", "; ", "’"]),
            st.text(max_size=3),
        ),
        max_size=8,
    ),
)
def test_texts_view_swaps_what_the_regex_finds(refs, pieces):
    """Only texts that may name an associate go through Python's regex: every text still comes out as the
    regex over all of them gives it (references next to letters, accents and digits included)."""
    names = pd.Series([f"label {i}" for i in range(len(refs))], index=[f"A-{r}" for r in refs], dtype="string")
    texts = pd.Series(
        ["".join(p.format(refs[(i + j) % len(refs)]) for j, p in enumerate(pieces)) for i in range(5)] + [None, ""],
        dtype="string",
    )
    lookup = names.to_dict()
    expected = [None if pd.isna(t) else _REF.sub(lambda m: lookup.get(m.group(0), m.group(0)), t) for t in texts]
    got = texts_view(texts, names)
    assert [None if pd.isna(v) else v for v in got] == expected


def test_floats_of_every_size_are_written_as_pandas_writes_them():
    """Where numpy (pandas) and Arrow switch to an exponent differ (1e-05 against 0.00001, 1000000000000000.0
    against 1e+15, 12428327649.956394 against 1.2428327649956394e+10): every size, both signs, whole ones."""
    rng = np.random.default_rng(7)
    sizes = 10.0 ** rng.integers(-9, 23, 20_000)
    values = np.concatenate(
        [
            rng.random(20_000) * sizes * rng.choice([-1, 1], 20_000),
            np.round(rng.random(2_000) * 40, 3),
            rng.integers(-(2**62), 2**62, 2_000).astype(float),
            [0.0, -0.0, 1e-4, 9.999e-5, 1e15, 999999999999999.9, 1e16, 2.0**53, 0.1 + 0.2, 5e-324, np.inf, -np.inf],
        ]
    )
    frame = pd.DataFrame({"x": values, "y": pd.array(values, dtype="Float64")})
    assert arrow_csv(frame) == pandas_csv(frame)
