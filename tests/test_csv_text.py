"""The CSV files peermap writes are byte for byte what pandas' to_csv wrote before (exports/csv_text.py),
and associates' references in texts are swapped for what an audience may see whichever way they are found."""

from __future__ import annotations

import io
import re
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peermap.exports import audiences
from peermap.exports.audiences import texts_view
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
#: What the references in running text were swapped by before Arrow did it: Python's regex over every text.
OLD_REF = re.compile(r"\b[AC]-[0-9A-HJKMNP-TV-Z]{10}\b")
#: Characters that may stand next to a reference: letters and digits of other scripts (word characters to
#: Python's ``\b``), a combining mark, an underscore, separators, emoji, the delimiter texts_view uses, and
#: U+11F04, a letter since Unicode 15: RE2's ``\pL`` has it, Python 3.11's ``\b`` does not.
NEIGHBOURS = ["x", "Z", "7", "_", "é", "ß", "ب", "中", "\u0301", "٣", "Ⅻ", "²", "-", ";", "’", "✓", "\x00"]
NEIGHBOURS.append("\U00011f04")


def old_texts_view(texts: list, names: pd.Series) -> list:
    """Every reference the regex finds whose text ``names`` calls by another name, swapped for that name."""
    lookup = names[names.index.to_series().ne(names).to_numpy()].to_dict()
    return [None if t is None else OLD_REF.sub(lambda m: lookup.get(m.group(0), m.group(0)), t) for t in texts]


@st.composite
def texts_and_names(draw):
    """Texts made of references (``A-`` and ``C-``, some 11 or more characters long) packed against letters,
    digits, marks and separators of several scripts, random Unicode and the delimiter; names that call some of
    those references by a label (another reference, an empty string, or themselves)."""
    refs = draw(st.lists(st.tuples(st.sampled_from("AAC"), REF), min_size=1, max_size=4, unique=True))
    refs = [f"{kind}-{body}" for kind, body in refs]
    ref = st.sampled_from(refs)
    shape = st.sampled_from(["{0}", "{0}", "{0}", "{0}X", "{0}{1}", "A{0}"])  # some 11 or more long
    word = st.tuples(shape, ref).map(lambda s: s[0].format(s[1], s[1][2:]))
    side = st.one_of(st.sampled_from(["", " ", ", ", "(", "\n"]), st.sampled_from(NEIGHBOURS), st.characters())
    piece = st.one_of(st.tuples(side, word, side).map("".join), word, st.text(max_size=3))
    text = st.lists(piece, min_size=1, max_size=6).map("".join)
    texts = draw(st.lists(st.one_of(text, st.sampled_from([None, ""])), min_size=1, max_size=9))
    label = st.one_of(st.sampled_from(["Big Kev", "Tall Sam", "", "ب中"]), ref)
    named = [(r, draw(label)) for r in refs if draw(st.integers(0, 3))]  # most called by a label
    named += draw(st.lists(st.tuples(ref, label), max_size=2))  # a reference given two labels: the last counts
    names = pd.Series([shown for _, shown in named], index=[r for r, _ in named], dtype="string")
    if draw(st.booleans()):  # every associate by reference first, then the labelled ones (as associate_names)
        names = pd.concat([pd.Series(refs, index=refs, dtype="string"), names])
    return texts, names


TEXT = pa.large_string()


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=texts_and_names(), chunk=st.integers(1, 4), pieces=st.integers(1, 3))
def test_texts_view_swaps_what_the_regex_finds(case, chunk, pieces):
    """texts_view swaps in Arrow what Python's regex swapped over every text: references next to letters,
    digits, marks or ``_`` of any script are not words and stay; two references apart by one character, at
    either end, or in a text holding the delimiter are each swapped; nulls and empty texts stay; and so over
    several chunks, whichever way the column is cut."""
    texts, names = case
    cut = np.array_split(np.arange(len(texts)), pieces)
    column = pa.chunked_array([pa.array([texts[i] for i in part], pa.large_string()) for part in cut])
    series = pd.Series(pd.arrays.ArrowStringArray(column), index=pd.RangeIndex(len(texts)) * 3, name="why")
    with mock.patch.object(audiences, "TEXTS_CHUNK", chunk):
        got = texts_view(series, names)
    assert [None if pd.isna(v) else v for v in got] == old_texts_view(texts, names)
    if (names.index.to_series() != names).any():
        assert str(got.dtype) == "string" and got.name == "why" and got.index.equals(series.index)
    # ties.csv views its blocks with one TextsView: each block as texts_view would, nothing carried between them
    view = audiences.TextsView(names)
    for part in cut:
        block = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array([texts[i] for i in part], TEXT)])))
        with mock.patch.object(audiences, "TEXTS_CHUNK", chunk):
            viewed, alone = view(block), texts_view(block, names)
        assert [None if pd.isna(v) else v for v in viewed] == old_texts_view([texts[i] for i in part], names)
        pd.testing.assert_series_equal(viewed, alone)


def test_texts_view_passes_untouched_chunks_on_without_a_copy():
    """A chunk in which nothing is swapped comes back as the very same memory (a national column is 1.4 GB)."""
    quiet = ["C-0123456789 with A-ABCDEFGHJK"] * 3
    loud = ["C-0123456789 with A-0123456789"] * 3
    column = pa.chunked_array([pa.array(quiet, pa.large_string()), pa.array(loud, pa.large_string())])
    names = pd.Series(["Big Kev"], index=["A-0123456789"], dtype="string")
    got = texts_view(pd.Series(pd.arrays.ArrowStringArray(column)), names).array.__arrow_array__()
    assert got.to_pylist() == quiet + ["C-0123456789 with Big Kev"] * 3
    assert got.chunk(0).buffers()[2].address == column.chunk(0).buffers()[2].address
    assert got.chunk(1).buffers()[2].address != column.chunk(1).buffers()[2].address


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


def test_texts_view_takes_memory_a_chunk_at_a_time():
    """Swapping one reference in a column held as one Arrow array takes memory for the chunk it is in, not for
    the column: Arrow's replace_with_mask on a slice reserves as much as the whole array (4 GB on a national
    ties.csv). A hundred chunks here: the work on one, every text naming an associate, stays under a tenth."""
    column = pa.chunked_array(
        [pa.array([f"C-0123456789 and A-{i:010d} met" for i in range(100_000)], pa.large_string())]
    )
    names = pd.Series(["Big Kev"], index=["A-0000000007"], dtype="string")
    texts = pd.Series(pd.arrays.ArrowStringArray(column))
    default, counted = pa.default_memory_pool(), pa.proxy_memory_pool(pa.default_memory_pool())
    pa.set_memory_pool(counted)
    try:
        with mock.patch.object(audiences, "TEXTS_CHUNK", 1_000):
            got = texts_view(texts, names)
        peak = counted.max_memory()
        assert got[7] == "C-0123456789 and Big Kev met" and got[8] == texts[8]
        del got
    finally:
        pa.set_memory_pool(default)
    assert peak < column.nbytes / 10
