"""Evidence in words: one sentence per piece of evidence, naming the records it rests on.

"Why are these two linked?" must have an answer a worker can read out in a
meeting and check against the case system. So each sentence names each record
it rests on by child, date, place and source, and every figure in it is true
of what it names: a distance is between the two places the sentence names, a
date is the date of the record beside it.

======================  ===========================================================================
kind                    sentence
======================  ===========================================================================
``overlapping``         missing at the same time: C-A missing 04 Mar 2023 20:15 to 05 Mar 2023
                        02:00 and C-B missing 04 Mar 2023 22:00 to 05 Mar 2023 01:00 (60% of
                        their time missing shared), C-A went missing from DH1 1AB and C-B was
                        found at DH1 3EB, 3.5 km apart
``missing_together``    went missing 45 minutes apart: C-A from DH1 1AB on 04 Mar 2023 20:15 and
                        C-B from DH1 1AD on 04 Mar 2023 21:00, 78 m apart
``found_together``      found 10 minutes apart: C-A at Wharton Park (DH1 3EB) on ... and C-B at ...
``named_together``      C-A's return interview of 08 Mar 2023 (reliable source, known directly)
                        names C-B as with them while missing
``linked_associate``    C-A's police record of 08 Mar 2023 (...) names A-XXXXXXXXXX
``shared_associate``    both linked to A-XXXXXXXXXX (adult of concern), who is linked to 4
                        children in this period: C-A's return interview of ... and C-B's ...
``shared_place``        both linked to Wharton Park (DH1 3EB), a place linked to 3 children in
                        this period: C-A was found there on ... and C-B's worker record of ...
                        (...) names it as a place they go
======================  ===========================================================================

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

from peermap.graph_models.arrow_text import arrow_text, positions_in
from peermap.mapping.evidence import (EPISODE_RECORD, FOUND_AT, LINK_RECORD, WHERE_BOTH_LIVE, Coded, EpisodeTable,
                              _arrow, _NO_TIME, _series)
from peermap.mapping.periods import LONDON

#: What each source's record is called in a sentence ("C-A's return interview of 08 Mar 2023").
SOURCE_NOUNS = {"rthi": "return interview", "police": "police record", "school": "school record",
                "worker": "worker record", "partner": "partner agency record"}
#: A record whose source is not given.
NO_SOURCE_NOUN = "record (source not given)"
#: The 3x5x2 source evaluation, in words.
SOURCE_GRADE_WORDS = {"1": "reliable source", "2": "untested source", "3": "unreliable source"}
#: The 3x5x2 intelligence assessment, in words.
INFORMATION_GRADE_WORDS = {"A": "known directly", "B": "second-hand, corroborated", "C": "second-hand",
                           "D": "not known to be true", "E": "suspected false"}
#: Said of every link that is ungraded or graded 3, D or E (SCHEMA.md: never shown as fact).
NOT_CONFIRMED = "not confirmed"
#: How a place link's role reads after "names it as".
PLACE_ROLE_WORDS = {"found_at": "where they were found", "frequents": "a place they go",
                    "exploitation_location": "a place they were exploited"}

_EMPTY = pa.scalar("", pa.large_string())


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


def grade_legend() -> list[tuple[str, str]]:
    """The code of every grade and its words, for the legend a page shows beside the sentences."""
    return ([(code, words) for code, words in SOURCE_GRADE_WORDS.items()]
            + [(code, words) for code, words in INFORMATION_GRADE_WORDS.items()])


#: A tie's strength in words, strongest first; the last is a tie that carries no risk weight.
STRENGTHS = ("strong", "moderate", "weak", "none (safety or context)")


def strength_codes(weight, settings) -> np.ndarray:
    """Each weight's place in :data:`STRENGTHS`, from the bands in the settings
    (``strong_tie_weight``, ``moderate_tie_weight``)."""
    w = np.asarray(weight, dtype=float)
    return np.where(w >= settings.strong_tie_weight, 0,
                    np.where(w >= settings.moderate_tie_weight, 1, np.where(w > 0, 2, 3)))


def strength_legend(settings) -> list[tuple[str, str]]:
    """What each strength word means, for the legend beside a network (no tie's own weight is shown)."""
    strong, moderate = settings.strong_tie_weight, settings.moderate_tie_weight
    return [("strong", f"at least {strong:g} on the evidence scale, where one direct, verified piece of evidence "
                       "(such as being found together) is 1 to 2"),
            ("moderate", f"from {moderate:g} to under {strong:g}"),
            ("weak", f"under {moderate:g}: a single unconfirmed or indirect piece of evidence, or a few"),
            ("none (safety or context)", "protective people, safe places, family and professionals: never "
                                         "counted as risk")]


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


# -- what the evidence rows point at ----------------------------------------------------------------------------
@dataclass
class EvidenceRecords:
    """The records a period's evidence rows point at (``record_a``, ``record_b``), kept for their words.

    ``episodes`` is the period's episode table as the searches saw it (places
    as labelled there); ``links`` the period's links. Only the columns the
    words need are kept, so a national year keeps tens of MB, not the tables.
    """

    child: np.ndarray            # episode -> code into child_text
    child_text: pa.Array         # children's references
    episode_ids: pa.Array
    start: np.ndarray            # missing_at, seconds (UTC)
    returned: np.ndarray         # returned_at, seconds (sentinel when still missing)
    from_postcode: Coded
    found_place: Coded
    found_postcode: Coded
    district: Coded              # missing-from districts, then found-at districts (2n codes)
    links: pd.DataFrame          # link_id, child_ref, recorded_at, source, source_grade, intel_grade,
    #                              with_during_episode, unverified, role, target_ref, target_child_ref,
    #                              associate_ref, target_postcode

    @classmethod
    def of(cls, table: EpisodeTable, links: pd.DataFrame) -> "EvidenceRecords":
        """The records of a period: its episode table and its links (rows in the order the evidence saw them)."""
        wanted = ["link_id", "child_ref", "recorded_at", "source", "source_grade", "intel_grade",
                  "with_during_episode", "unverified", "role", "target_ref", "target_child_ref", "associate_ref",
                  "target_postcode"]
        kept = links[[c for c in wanted if c in links]].reset_index(drop=True)
        return cls(table.child, table.child_text if table.child_text is not None else arrow_text(table.child_refs),
                   table.episode_text if table.episode_text is not None else arrow_text(table.frame["episode_id"]),
                   table.start, table.returned, table.from_postcode, table.found_place, table.found_postcode,
                   table.district, kept)

    # -- episodes ------------------------------------------------------------------------------------------------
    def episode_child(self, rows: np.ndarray) -> pa.Array:
        return pc.take(self.child_text, pa.array(self.child[rows], type=pa.int64()))

    def episode_id(self, rows: np.ndarray) -> pa.Array:
        return pc.take(self.episode_ids, pa.array(rows, type=pa.int64()))

    def episode_place(self, rows: np.ndarray, at: np.ndarray) -> pa.Array:
        """Where each episode started (``at`` 0) or ended (1): ``Wharton Park (DH1 3EB)``, a postcode, a name."""
        started = _arrow(self.from_postcode.at(rows))
        name = _arrow(self.found_place.at(rows).str.strip())
        postcode = _arrow(self.found_postcode.at(rows))
        named = pc.binary_join_element_wise(name, pa.scalar(" (", pa.large_string()), postcode,
                                            pa.scalar(")", pa.large_string()), _EMPTY)
        found = pc.coalesce(named, name, postcode)
        return pc.if_else(pa.array(np.asarray(at) == FOUND_AT), found, started)

    def episode_district(self, rows: np.ndarray, at: np.ndarray) -> pa.Array:
        n = len(self.start)
        return _arrow(self.district.at(rows + np.where(np.asarray(at) == FOUND_AT, n, 0)))

    def episode_time(self, rows: np.ndarray, at: np.ndarray) -> pa.Array:
        """When each episode started (``at`` 0) or ended (1), local time to the minute."""
        seconds = np.where(np.asarray(at) == FOUND_AT, self.returned[rows], self.start[rows])
        return _arrow(seconds_text(seconds))

    def episode_span(self, rows: np.ndarray) -> pa.Array:
        """``04 Mar 2023 20:15 to 05 Mar 2023 02:00``, or ``04 Mar 2023 20:15, still missing``."""
        start = _arrow(seconds_text(self.start[rows]))
        end = _arrow(seconds_text(self.returned[rows]))
        span = pc.binary_join_element_wise(start, pa.scalar(" to ", pa.large_string()), end, _EMPTY)
        return pc.coalesce(span, pc.binary_join_element_wise(start, pa.scalar(", still missing", pa.large_string()),
                                                             _EMPTY))

    # -- links ---------------------------------------------------------------------------------------------------
    def link_column(self, rows: np.ndarray, column: str) -> pd.Series:
        return self.links[column].iloc[rows].reset_index(drop=True)

    def link_record(self, rows: np.ndarray, police: bool = False) -> pa.Array:
        """``C-A's return interview of 08 Mar 2023 (reliable source, known directly)``."""
        links = self.links.iloc[rows]
        source = _mapped(links["source"], SOURCE_NOUNS, NO_SOURCE_NOUN)
        grades = _grades(links, police)
        day = _arrow(local_text(links["recorded_at"], with_time=False))
        return pc.binary_join_element_wise(_arrow(links["child_ref"]), pa.scalar("'s ", pa.large_string()), source,
                                           pa.scalar(" of ", pa.large_string()), day,
                                           pa.scalar(" (", pa.large_string()), grades,
                                           pa.scalar(")", pa.large_string()), _EMPTY)

    def link_with_during(self, rows: np.ndarray) -> np.ndarray:
        return self.links["with_during_episode"].astype("boolean").fillna(False).to_numpy(dtype=bool)[rows]


def _mapped(values: pd.Series, words: dict, otherwise: str) -> pa.Array:
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


# -- times, distances, counts as text ------------------------------------------------------------------------------
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
    codes, days = pd.factorize(day[~missing])
    day_text = np.asarray(pd.DatetimeIndex(days).strftime(day_format), dtype=object)
    out = np.full(len(raw), None, dtype=object)
    text = day_text[codes] if len(codes) else np.empty(0, dtype=object)
    if with_time:
        minute = ((raw[~missing] - day[~missing]) // np.timedelta64(1, "m")).astype(np.int64)
        clock = np.array([f" {m // 60:02d}:{m % 60:02d}" for m in range(1440)], dtype=object)
        text = text + clock[minute]
    out[~missing] = text
    return pd.Series(out, index=values.index, dtype="string")


def seconds_text(seconds: np.ndarray) -> pd.Series:
    """Seconds since the epoch (UTC; the evidence's sentinel for unknown) as local text."""
    seconds = np.asarray(seconds, dtype=np.int64)
    times = pd.Series(pd.to_datetime(np.where(seconds == _NO_TIME, 0, seconds), unit="s", utc=True))
    times[seconds == _NO_TIME] = pd.NaT
    return local_text(times)


def _int_text(values, unknown=None) -> pa.Array:
    """Whole numbers as text (``12``), unknown where ``unknown``."""
    return pa.array(np.asarray(values, dtype=np.int64), mask=unknown).cast(pa.large_string())


def distance_text(km: np.ndarray) -> pa.Array:
    """``78 m apart`` under a kilometre (whole metres), else ``3.5 km apart`` (tenths); unknown where NaN."""
    km = np.asarray(km, dtype=float)
    unknown = np.isnan(km)
    metres = np.rint(np.nan_to_num(km) * 1000).astype(np.int64)
    tenths = np.rint(np.round(np.nan_to_num(km), 1) * 10).astype(np.int64)
    whole, tenth = np.divmod(tenths, 10)
    km_text = pc.binary_join_element_wise(_int_text(whole), pa.scalar(".", pa.large_string()), _int_text(tenth),
                                          pa.scalar(" km apart", pa.large_string()), _EMPTY)
    m_text = pc.binary_join_element_wise(_int_text(metres), pa.scalar(" m apart", pa.large_string()), _EMPTY)
    out = pc.if_else(pa.array(metres < 1000), m_text, km_text)
    return pc.if_else(pa.array(unknown), pa.scalar(None, pa.large_string()), out)


def minutes_text(minutes: np.ndarray) -> pa.Array:
    """``at the same minute``, ``1 minute apart``, ``45 minutes apart``, ``2.5 hours apart`` (2 hours or more)."""
    minutes = np.asarray(minutes, dtype=float)
    whole = np.rint(minutes).astype(np.int64)
    hours = np.rint(minutes / 6).astype(np.int64)  # tenths of an hour
    h_whole, h_tenth = np.divmod(hours, 10)
    hour_text = pc.binary_join_element_wise(_int_text(h_whole), pa.scalar(".", pa.large_string()),
                                            _int_text(h_tenth), pa.scalar(" hours apart", pa.large_string()), _EMPTY)
    minute_text = pc.binary_join_element_wise(_int_text(whole), pa.scalar(" minutes apart", pa.large_string()),
                                              _EMPTY)
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


# -- the sentences ---------------------------------------------------------------------------------------------------
def _cat(*parts) -> pa.Array:
    """The pieces joined end to end (unknown where any piece is unknown)."""
    pieces = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*pieces, _EMPTY)


def _or_empty(text) -> pa.Array:
    return pc.fill_null(text, _EMPTY)


def _when_mask(mask, words) -> pa.Array:
    """``words`` (text or an array) where ``mask``, else empty."""
    words = pa.scalar(words, pa.large_string()) if isinstance(words, str) else words
    return _or_empty(pc.if_else(pa.array(np.asarray(mask, dtype=bool)), words, _EMPTY))


def _rows(rows: pd.DataFrame, column: str, dtype) -> np.ndarray:
    return rows[column].to_numpy(dtype=dtype)


def _overlapping(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    ea, eb = _rows(rows, "record_a", np.int64), _rows(rows, "record_b", np.int64)
    at_a, at_b = _rows(rows, "place_a", np.int32), _rows(rows, "place_b", np.int32)
    a, b = records.episode_child(ea), records.episode_child(eb)
    times = _rows(rows, "occasions", np.int64)
    occasions = _when_mask(times > 1, _cat(" on ", _int_text(times), " occasions (the closest shown)"))
    shared = _shared_text(records, ea, eb)
    verb = pa.array(["went missing from", "was found at"], pa.large_string())
    verb_a, verb_b = pc.take(verb, np.maximum(at_a, 0)), pc.take(verb, np.maximum(at_b, 0))
    km = _rows(rows, "distance_km", float)
    district = records.episode_district(ea, at_a)
    apart = pc.coalesce(distance_text(km), _cat("both in postcode district ", district),
                        pa.scalar("in the same postcode district", pa.large_string()))
    place_a, place_b = _or_empty(records.episode_place(ea, at_a)), _or_empty(records.episode_place(eb, at_b))
    same_place = np.asarray(pc.fill_null(pc.equal(place_a, place_b), False).to_numpy(zero_copy_only=False), bool)
    same_place &= np.asarray(pc.not_equal(place_a, _EMPTY).to_numpy(zero_copy_only=False), bool)
    both = pc.take(pa.array(["went missing from", "were found at"], pa.large_string()), np.maximum(at_a, 0))
    where = pc.if_else(pa.array(same_place & (at_a == at_b)), _cat("both ", both, " ", place_a),
                       pc.if_else(pa.array(same_place), _cat(a, " ", verb_a, " ", place_a, " and ", b, " ", verb_b,
                                                             " the same place"),
                                  _cat(a, " ", verb_a, " ", place_a, " and ", b, " ", verb_b, " ", place_b, ", ",
                                       apart)))
    return _cat("missing at the same time", occasions, ": ", a, " missing ", records.episode_span(ea), " and ", b,
                " missing ", records.episode_span(eb), " (", shared, "), ", where, _both_live(rows))


def _shared_text(records: EvidenceRecords, ea: np.ndarray, eb: np.ndarray) -> pa.Array:
    """``40% of their time missing shared``, worked out from the times the sentence shows (not the capped
    times the weight uses), or ``one of them still missing`` when a share cannot be worked out from them."""
    start_a, start_b = records.start[ea], records.start[eb]
    end_a, end_b = records.returned[ea], records.returned[eb]
    open_ = (end_a == _NO_TIME) | (end_b == _NO_TIME)
    overlap = np.minimum(end_a, end_b) - np.maximum(start_a, start_b)
    union = np.maximum(end_a, end_b) - np.minimum(start_a, start_b)
    share = np.where(open_, 0.0, np.clip(overlap, 0, None) / np.maximum(union, 1))
    percent = _cat(_int_text(np.floor(share * 100 + 0.5)), "% of their time missing shared")  # half up, as SCHEMA.md
    return pc.if_else(pa.array(open_), pa.scalar("one of them still missing", pa.large_string()), percent)


def _both_live(rows: pd.DataFrame) -> pa.Array:
    return _when_mask(rows["place"].eq(WHERE_BOTH_LIVE).fillna(False).to_numpy(dtype=bool), ", where both live")


def _together(rows: pd.DataFrame, records: EvidenceRecords, verb: str, at: int) -> pa.Array:
    ea, eb = _rows(rows, "record_a", np.int64), _rows(rows, "record_b", np.int64)
    where = np.full(len(rows), at, dtype=np.int32)
    a, b = records.episode_child(ea), records.episode_child(eb)
    place_a, place_b = records.episode_place(ea, where), records.episode_place(eb, where)
    km = _rows(rows, "distance_km", float)
    same = np.asarray(pc.fill_null(pc.equal(place_a, place_b), False).to_numpy(zero_copy_only=False), dtype=bool)
    apart = _when_mask(~same & ~np.isnan(km), _cat(", ", _or_empty(distance_text(km))))
    preposition = " from " if at != FOUND_AT else " at "
    other_place = pc.if_else(pa.array(same), pa.scalar("the same place", pa.large_string()), _or_empty(place_b))
    return _cat(verb, " ", minutes_text(_rows(rows, "minutes_apart", float)), ": ", a, preposition,
                _or_empty(place_a), " on ", _or_empty(records.episode_time(ea, where)), " and ", b, preposition,
                other_place, " on ", _or_empty(records.episode_time(eb, where)), apart, _both_live(rows))


def _missing_together(rows, records, police):
    return _together(rows, records, "went missing", 0)


def _found_together(rows, records, police):
    return _together(rows, records, "found", FOUND_AT)


def _tie_type_words(rows: pd.DataFrame, safety: str, context: str) -> pa.Array:
    kind = rows["tie_type"].to_numpy(dtype=object)
    return pc.take(pa.array([safety, context, ""], pa.large_string()),
                   np.where(kind == "safety", 0, np.where(kind == "context", 1, 2)))


def _named(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    link = _rows(rows, "record_a", np.int64)
    target = _arrow(records.link_column(link, "target_child_ref"))
    during = _when_mask(records.link_with_during(link), " as with them while missing")
    role = _tie_type_words(rows, " as a protective friend", " as family")
    return _cat(records.link_record(link, police), " names ", target, role, during)


def _linked(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    link = _rows(rows, "record_a", np.int64)
    during = _when_mask(records.link_with_during(link), " as with them while missing")
    role = _tie_type_words(rows, " as someone who helps keep them safe", " as family or a professional")
    return _cat(records.link_record(link, police), " names ", _arrow(rows["b"]), role, during)


def _side(rows: pd.DataFrame, records: EvidenceRecords, side: str, police: bool, place: bool) -> pa.Array:
    """One child's record of a shared associate or place, and how many more there are."""
    record = _rows(rows, f"record_{side}", np.int64)
    kind = _rows(rows, f"record_{side}_type", np.int32)
    ref = _arrow(rows[side])
    out = pa.nulls(len(rows), pa.large_string())
    links = np.flatnonzero(kind == LINK_RECORD)
    if len(links):
        words = records.link_record(record[links], police)
        if place:
            role = _mapped(records.link_column(record[links], "role"), PLACE_ROLE_WORDS, "a place of concern")
            words = _cat(words, " names it as ", role)
        out = _put(out, links, words)
    episodes = np.flatnonzero(kind == EPISODE_RECORD)
    if len(episodes):
        at = np.full(len(episodes), FOUND_AT, dtype=np.int32)
        words = _cat(pc.take(ref, episodes), " was found there on ", records.episode_time(record[episodes], at))
        out = _put(out, episodes, words)
    more = _rows(rows, f"more_{side}", np.int64)
    extra = _when_mask(more > 0, _cat(" and ", _int_text(more), pc.if_else(pa.array(more == 1),
                                                                          pa.scalar(" more record", pa.large_string()),
                                                                          pa.scalar(" more records", pa.large_string()))))
    return _cat(_or_empty(out), extra)


def _put(out: pa.Array, at: np.ndarray, values: pa.Array) -> pa.Array:
    mask = np.zeros(len(out), dtype=bool)
    mask[at] = True
    return pc.replace_with_mask(out, pa.array(mask), values)


def _children_reached(rows: pd.DataFrame, before: str) -> pa.Array:
    count = rows["via_children"]
    n = count.fillna(0).to_numpy(dtype=np.int64)
    text = _cat(before, _int_text(n), pc.if_else(pa.array(n == 1), pa.scalar(" child", pa.large_string()),
                                                 pa.scalar(" children", pa.large_string())), " in this period")
    return _when_mask(count.notna().to_numpy(dtype=bool), text)


def _shared_associate(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    role = _or_empty(_cat(" (", pc.replace_substring(_arrow(rows["place"]), "_", " "), ")"))
    return _cat("both linked to ", _arrow(rows["via"]), role, _children_reached(rows, ", who is linked to "), ": ",
                _side(rows, records, "a", police, False), " and ", _side(rows, records, "b", police, False))


def _shared_place(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    return _cat("both linked to ", _arrow(rows["via"]), _children_reached(rows, ", a place linked to "), ": ",
                _side(rows, records, "a", police, True), " and ", _side(rows, records, "b", police, True))


#: The sentence of each kind.
SENTENCES = {
    "overlapping": _overlapping, "missing_together": _missing_together, "found_together": _found_together,
    "named_together": _named, "shared_associate": _shared_associate, "shared_place": _shared_place,
    "linked_associate": _linked,
}


def explain(rows: pd.DataFrame, records: EvidenceRecords, positions: np.ndarray | None = None,
            police: bool = False) -> pd.Series:
    """The sentence of each evidence row (see the module docstring).

    Parameters
    ----------
    rows : evidence rows (:data:`mapping.evidence.EVIDENCE_COLUMNS`).
    records : what the rows point at (:attr:`mapping.evidence.Evidence.records`).
    positions : explain only these rows (by position), in this order.
    police : add the grade codes and the raw episode and link IDs (the police audience only).

    Notes
    -----
    Each kind's sentences are made from its own rows in one pass: O(k) for k rows.
    """
    positions = np.arange(len(rows)) if positions is None else np.asarray(positions, dtype=np.int64)
    if len(positions) == 0:
        return pd.Series([], dtype="string")
    kinds = list(SENTENCES)
    kind_code = positions_in(rows["kind"].iloc[positions], kinds)
    pieces, where = [], []
    for code, (kind, words) in enumerate(SENTENCES.items()):
        mask = np.flatnonzero(kind_code == code)
        if len(mask):
            part = rows.iloc[positions[mask]].reset_index(drop=True)
            pieces.append(words(part, records, police))
            where.append(mask)
    done = np.concatenate(where) if where else np.empty(0, np.int64)
    words_all = pa.concat_arrays(pieces) if pieces else pa.array([], pa.large_string())
    slot = np.full(len(positions), -1, dtype=np.int64)
    slot[done] = np.arange(len(done))
    out = pc.take(words_all, pa.array(slot, mask=slot < 0))
    if police:
        out = _cat(_or_empty(out), _ids(rows.iloc[positions].reset_index(drop=True)))
    return _series(out).set_axis(rows.index[positions]).astype("string")


def _ids(rows: pd.DataFrame) -> pa.Array:
    """`` (episodes E1 and E2)``, `` (links L1; L7 and 2 more)``: the raw IDs, for the police."""
    episodes = pc.coalesce(_cat(_arrow(rows["episode_a"]), " and ", _arrow(rows["episode_b"])),
                           _arrow(rows["episode_a"]), _arrow(rows["episode_b"]))
    is_episode = rows["kind"].isin(["overlapping", "missing_together", "found_together"]).to_numpy(dtype=bool)
    episode_ids = _when_mask(is_episode, _or_empty(_cat(" (episodes ", episodes, ")")))
    link_ids = _or_empty(_cat(" (links ", _arrow(rows["link_ids"]), ")"))
    return _cat(episode_ids, link_ids)
