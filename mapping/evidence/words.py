"""The words of evidence: the records it rests on, their grades, and times, distances and counts as text.

"Why are these two linked?" must have an answer a worker can read out in a
meeting and check against the case system. So each sentence (each kind's own,
named in :mod:`.kinds`; :func:`.explain.explain` puts them together) names
each record it rests on by child, date, place and source, and every figure in
it is true of what it names: a distance is between the two places the sentence
names, a date is the date of the record beside it. This module holds what all
the sentences share: :class:`EvidenceRecords` (the records the rows point at),
the words of grades and sources, times, distances and counts as text, and the
pieces sentences are joined from.

Grades are words from :data:`SOURCE_GRADE_WORDS` and :data:`INFORMATION_GRADE_WORDS`
(the legend every page shows); intelligence that is ungraded or graded 3, D
or E says "not confirmed" (SCHEMA.md). The police audience also gets the
codes (``graded 1/A``) and the raw episode and link IDs. Associates are named
by their ``A-`` reference; :func:`exports.audiences.texts_view` puts in the
name an audience may see.

Notes
-----
Everything is built in Arrow over the rows asked for, each record's words
taken from the period's tables by position: O(k) for k rows, no Python string
per row, so a national year's millions of ties are explained in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.arrow_text import arrow_text, positions_in, text_array
from peermap.mapping.evidence.episodes import NO_TIME, Coded, EpisodeTable
from peermap.mapping.evidence.rows import FOUND_AT
from peermap.mapping.periods import LONDON

#: What each source's record is called in a sentence ("C-A's return interview of 08 Mar 2023").
SOURCE_NOUNS = {
    "rthi": "return interview",
    "police": "police record",
    "school": "school record",
    "worker": "worker record",
    "partner": "partner agency record",
}
#: A record whose source is not given.
NO_SOURCE_NOUN = "record (source not given)"
#: The 3x5x2 source evaluation, in words.
SOURCE_GRADE_WORDS = {"1": "reliable source", "2": "untested source", "3": "unreliable source"}
#: The 3x5x2 intelligence assessment, in words.
INFORMATION_GRADE_WORDS = {
    "A": "known directly",
    "B": "second-hand, corroborated",
    "C": "second-hand",
    "D": "not known to be true",
    "E": "suspected false",
}
#: Said of every link that is ungraded or graded 3, D or E (SCHEMA.md: never shown as fact).
NOT_CONFIRMED = "not confirmed"

#: Nothing, as Arrow text: what a sentence's missing piece becomes.
EMPTY = pa.scalar("", pa.large_string())


def grade_words(source_grade, intel_grade, unverified: bool | None = None) -> str:
    """The grades of one link in words: ``reliable source, known directly``; ``not graded, not confirmed``.

    Examples
    --------
    >>> grade_words("1", "B")
    'reliable source, second-hand, corroborated'
    >>> grade_words("3", "B")
    'unreliable source, second-hand, corroborated, not confirmed'
    >>> grade_words(None, None)
    'not graded, not confirmed'
    """
    source = SOURCE_GRADE_WORDS.get(_text(source_grade))
    information = INFORMATION_GRADE_WORDS.get(_text(intel_grade))
    if unverified is None:
        unverified = not (_text(source_grade) in ("1", "2") and _text(intel_grade) in ("A", "B", "C"))
    if source is None and information is None:
        words = "not graded"
    else:
        words = ", ".join(w for w in (source or "source not graded", information or "information not graded"))
    return words + (f", {NOT_CONFIRMED}" if unverified else "")


def grade_code(source_grade, intel_grade) -> str:
    """``1/B``; ``?/B`` where one grade is missing; ``ungraded`` when both are."""
    source, information = _text(source_grade), _text(intel_grade)
    if not source and not information:
        return "ungraded"
    return f"{source or '?'}/{information or '?'}"


def source_noun(source) -> str:
    """What a record from ``source`` is called: ``return interview``, ``police record``..."""
    return SOURCE_NOUNS.get(_text(source), NO_SOURCE_NOUN)


#: A tie's strength in words, strongest first; the last is a tie that carries no risk weight.
STRENGTHS = ("strong", "moderate", "weak", "none (safety or context)")


def strength_codes(weight, settings) -> np.ndarray:
    """Each weight's place in :data:`STRENGTHS`, from the bands in the settings
    (``strong_tie_weight``, ``moderate_tie_weight``)."""
    w = np.asarray(weight, dtype=float)
    return np.where(
        w >= settings.strong_tie_weight, 0, np.where(w >= settings.moderate_tie_weight, 1, np.where(w > 0, 2, 3))
    )


def strength_legend(settings) -> list[tuple[str, str]]:
    """What each strength word means, for the legend beside a network (no tie's own weight is shown)."""
    strong, moderate = settings.strong_tie_weight, settings.moderate_tie_weight
    return [
        (
            "strong",
            f"at least {strong:g} on the evidence scale, where one direct, verified piece of evidence "
            "(such as being found together) is 1 to 2",
        ),
        ("moderate", f"from {moderate:g} to under {strong:g}"),
        ("weak", f"under {moderate:g}: a single unconfirmed or indirect piece of evidence, or a few"),
        ("none (safety or context)", "protective people, safe places, family and professionals: never counted as risk"),
    ]


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


# -- what the evidence rows point at -----------------------------------------------------------------------------------
@dataclass
class EvidenceRecords:
    """The records a period's evidence rows point at (``record_a``, ``record_b``), kept for their words.

    ``episodes`` is the period's episode table as the searches saw it (places
    as labelled there); ``links`` the period's links. Only the columns the
    words need are kept, so a national year keeps tens of MB, not the tables.
    """

    child: np.ndarray  # episode -> code into child_text
    child_text: pa.Array  # children's references
    episode_ids: pa.Array
    start: np.ndarray  # missing_at, seconds (UTC)
    returned: np.ndarray  # returned_at, seconds (sentinel when still missing)
    from_postcode: Coded
    found_place: Coded
    found_postcode: Coded
    district: Coded  # missing-from districts, then found-at districts (2n codes)
    links: pd.DataFrame  # link_id, child_ref, recorded_at, source, source_grade, intel_grade,
    #                              with_during_episode, unverified, role, target_ref, target_child_ref,
    #                              associate_ref, target_postcode

    @classmethod
    def of(cls, table: EpisodeTable, links: pd.DataFrame) -> "EvidenceRecords":
        """The records of a period: its episode table and its links (rows in the order the evidence saw them)."""
        wanted = [
            "link_id",
            "child_ref",
            "recorded_at",
            "source",
            "source_grade",
            "intel_grade",
            "with_during_episode",
            "unverified",
            "role",
            "target_ref",
            "target_child_ref",
            "associate_ref",
            "target_postcode",
        ]
        kept = links[[c for c in wanted if c in links]].reset_index(drop=True)
        return cls(
            table.child,
            table.child_text if table.child_text is not None else arrow_text(table.child_refs),
            table.episode_text if table.episode_text is not None else arrow_text(table.frame["episode_id"]),
            table.start,
            table.returned,
            table.from_postcode,
            table.found_place,
            table.found_postcode,
            table.district,
            kept,
        )

    # -- episodes ------------------------------------------------------------------------------------------------
    def episode_child(self, rows: np.ndarray) -> pa.Array:
        return pc.take(self.child_text, pa.array(self.child[rows], type=pa.int64()))

    def episode_id(self, rows: np.ndarray) -> pa.Array:
        return pc.take(self.episode_ids, pa.array(rows, type=pa.int64()))

    def episode_place(self, rows: np.ndarray, at: np.ndarray) -> pa.Array:
        """Where each episode started (``at`` 0) or ended (1): ``Wharton Park (DH1 3EB)``, a postcode, a name."""
        started = text_array(self.from_postcode.at(rows))
        name = text_array(self.found_place.at(rows).str.strip())
        postcode = text_array(self.found_postcode.at(rows))
        named = pc.binary_join_element_wise(
            name, pa.scalar(" (", pa.large_string()), postcode, pa.scalar(")", pa.large_string()), EMPTY
        )
        found = pc.coalesce(named, name, postcode)
        return pc.if_else(pa.array(np.asarray(at) == FOUND_AT), found, started)

    def episode_district(self, rows: np.ndarray, at: np.ndarray) -> pa.Array:
        n = len(self.start)
        return text_array(self.district.at(rows + np.where(np.asarray(at) == FOUND_AT, n, 0)))

    def episode_time(self, rows: np.ndarray, at: np.ndarray) -> pa.Array:
        """When each episode started (``at`` 0) or ended (1), local time to the minute."""
        seconds = np.where(np.asarray(at) == FOUND_AT, self.returned[rows], self.start[rows])
        return text_array(seconds_text(seconds))

    def episode_span(self, rows: np.ndarray) -> pa.Array:
        """``04 Mar 2023 20:15 to 05 Mar 2023 02:00``, or ``04 Mar 2023 20:15, still missing``."""
        start = text_array(seconds_text(self.start[rows]))
        end = text_array(seconds_text(self.returned[rows]))
        span = pc.binary_join_element_wise(start, pa.scalar(" to ", pa.large_string()), end, EMPTY)
        return pc.coalesce(
            span, pc.binary_join_element_wise(start, pa.scalar(", still missing", pa.large_string()), EMPTY)
        )

    # -- links ---------------------------------------------------------------------------------------------------
    def link_column(self, rows: np.ndarray, column: str) -> pd.Series:
        return self.links[column].iloc[rows].reset_index(drop=True)

    def link_record(self, rows: np.ndarray, police: bool = False) -> pa.Array:
        """``C-A's return interview of 08 Mar 2023 (reliable source, known directly)``."""
        links = self.links.iloc[rows]
        source = mapped(links["source"], SOURCE_NOUNS, NO_SOURCE_NOUN)
        grades = _grades(links, police)
        day = text_array(local_text(links["recorded_at"], with_time=False))
        return pc.binary_join_element_wise(
            text_array(links["child_ref"]),
            pa.scalar("'s ", pa.large_string()),
            source,
            pa.scalar(" of ", pa.large_string()),
            day,
            pa.scalar(" (", pa.large_string()),
            grades,
            pa.scalar(")", pa.large_string()),
            EMPTY,
        )

    def link_with_during(self, rows: np.ndarray) -> np.ndarray:
        return self.links["with_during_episode"].astype("boolean").fillna(False).to_numpy(dtype=bool)[rows]


def mapped(values: pd.Series, words: dict, otherwise: str) -> pa.Array:
    """Each value's words from a small table (codes looked up once each, in Arrow)."""
    keys = list(words)
    at = positions_in(values.astype("string").str.strip(), pd.Index(keys))
    table = pa.array([words[k] for k in keys] + [otherwise], pa.large_string())
    return pc.take(table, np.where(at >= 0, at, len(keys)))


def _grades(links: pd.DataFrame, police: bool) -> pa.Array:
    """Each link's grades in words (:func:`grade_words`), with the codes for the police."""
    source = links["source_grade"].astype("string").fillna("")
    information = links["intel_grade"].astype("string").fillna("")
    unverified = links["unverified"].to_numpy(dtype=bool)
    key = (source + "/" + information + np.where(unverified, "/u", "")).to_numpy(dtype=object)
    codes, distinct = pd.factorize(key)
    words = []
    for text in distinct:
        s, i = text.split("/")[:2]
        phrase = grade_words(s or None, i or None, unverified=text.endswith("/u"))
        words.append(phrase + (f"; graded {grade_code(s or None, i or None)}" if police else ""))
    return pc.take(pa.array(words, pa.large_string()), pa.array(codes, type=pa.int64()))


# -- times, distances, counts as text ----------------------------------------------------------------------------------
def local_text(times: pd.Series, day_format: str = "%d %b %Y", with_time: bool = True) -> pd.Series:
    """Local (Europe/London) dates, and times to the minute, as text: ``04 Mar 2023 20:15``.

    Notes
    -----
    strftime on a million tz-aware timestamps takes about a minute; here only
    the distinct days are formatted, and times of day come from a table of the
    1,440 minutes: O(n) array work.
    """
    values = pd.Series(times)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(LONDON).dt.tz_localize(None)
    raw = values.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(raw)
    day = raw.astype("datetime64[D]")
    codes, days = pd.factorize(day)  # NaT: code -1, left out of the days
    day_text = pa.array(np.asarray(pd.DatetimeIndex(days).strftime(day_format), dtype=object), _TEXT)
    text = pc.take(day_text, pa.array(codes, mask=missing))
    if with_time:
        minute = np.zeros(len(raw), dtype=np.int64)
        minute[~missing] = (raw[~missing] - day[~missing]) // np.timedelta64(1, "m")
        text = pc.binary_join_element_wise(text, pc.take(_CLOCK, minute), pa.scalar("", _TEXT))  # NaT stays missing
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([text], _TEXT)), index=values.index)


_TEXT = pa.large_string()
#: `` HH:MM`` of each minute of the day.
_CLOCK = pa.array([f" {m // 60:02d}:{m % 60:02d}" for m in range(1440)], _TEXT)


def seconds_text(seconds: np.ndarray) -> pd.Series:
    """Seconds since the epoch (UTC; the evidence's sentinel for unknown) as local text."""
    seconds = np.asarray(seconds, dtype=np.int64)
    times = pd.Series(pd.to_datetime(np.where(seconds == NO_TIME, 0, seconds), unit="s", utc=True))
    times[seconds == NO_TIME] = pd.NaT
    return local_text(times)


def int_text(values, unknown=None) -> pa.Array:
    """Whole numbers as text (``12``), unknown where ``unknown``."""
    return pa.array(np.asarray(values, dtype=np.int64), mask=unknown).cast(pa.large_string())


def distance_text(km: np.ndarray) -> pa.Array:
    """``78 m apart`` under a kilometre (whole metres), else ``3.5 km apart`` (tenths); unknown where NaN."""
    km = np.asarray(km, dtype=float)
    unknown = np.isnan(km)
    metres = np.rint(np.nan_to_num(km) * 1000).astype(np.int64)
    tenths = np.rint(np.round(np.nan_to_num(km), 1) * 10).astype(np.int64)
    whole, tenth = np.divmod(tenths, 10)
    km_text = pc.binary_join_element_wise(
        int_text(whole),
        pa.scalar(".", pa.large_string()),
        int_text(tenth),
        pa.scalar(" km apart", pa.large_string()),
        EMPTY,
    )
    m_text = pc.binary_join_element_wise(int_text(metres), pa.scalar(" m apart", pa.large_string()), EMPTY)
    out = pc.if_else(pa.array(metres < 1000), m_text, km_text)
    return pc.if_else(pa.array(unknown), pa.scalar(None, pa.large_string()), out)


def minutes_text(minutes: np.ndarray) -> pa.Array:
    """``at the same minute``, ``1 minute apart``, ``45 minutes apart``, ``2.5 hours apart`` (2 hours or more)."""
    minutes = np.asarray(minutes, dtype=float)
    whole = np.rint(minutes).astype(np.int64)
    hours = np.rint(minutes / 6).astype(np.int64)  # tenths of an hour
    h_whole, h_tenth = np.divmod(hours, 10)
    hour_text = pc.binary_join_element_wise(
        int_text(h_whole),
        pa.scalar(".", pa.large_string()),
        int_text(h_tenth),
        pa.scalar(" hours apart", pa.large_string()),
        EMPTY,
    )
    minute_text = pc.binary_join_element_wise(int_text(whole), pa.scalar(" minutes apart", pa.large_string()), EMPTY)
    out = pc.if_else(pa.array(whole >= 120), hour_text, minute_text)
    out = pc.if_else(pa.array(whole == 1), pa.scalar("1 minute apart", pa.large_string()), out)
    return pc.if_else(pa.array(whole == 0), pa.scalar("in the same minute", pa.large_string()), out)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 child``, ``2 children``: a count with the right word.

    Examples
    --------
    >>> plural(1, "child", "children"), plural(3, "minute")
    ('1 child', '3 minutes')
    """
    return f"{n} {one if n == 1 else (many or one + 's')}"


# -- the pieces of sentences -------------------------------------------------------------------------------------------
def joined(*parts) -> pa.Array:
    """The pieces joined end to end (unknown where any piece is unknown)."""
    pieces = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*pieces, EMPTY)


def or_empty(text) -> pa.Array:
    """Unknown pieces as empty text."""
    return pc.fill_null(text, EMPTY)


def when(mask, words) -> pa.Array:
    """``words`` (text or an array) where ``mask``, else empty."""
    words = pa.scalar(words, pa.large_string()) if isinstance(words, str) else words
    return or_empty(pc.if_else(pa.array(np.asarray(mask, dtype=bool)), words, EMPTY))


def column_of(rows: pd.DataFrame, column: str, dtype) -> np.ndarray:
    """A column of evidence rows as a numpy array of ``dtype``."""
    return rows[column].to_numpy(dtype=dtype)
