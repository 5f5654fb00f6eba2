"""Two children linked to the same thing: the same associate, the same place of concern.

``shared_associate``
    both linked to the same associate (not a protective, family or
    professional one).
``shared_place``
    both linked to the same place of concern (found at, frequents,
    exploitation location, or an episode that ended there; not where
    children live).

A thing linked to many children says little about any one pair: each pair
weighs less the more children the thing is linked to (divided by the natural
log of their number), and nothing at all above ``most_children_for_shared``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models import cells
from peermap.graph_models.arrow_text import arrow_text, isin, text_array, text_series
from peermap.graph_models.schema import CONCERN_ROLES
from peermap.mapping.evidence.episodes import NO_TIME, EpisodeTable, from_seconds, place_postcodes, seconds_of
from peermap.mapping.evidence.intelligence import by_key, grading
from peermap.mapping.evidence.rows import EPISODE_RECORD, FOUND_AT, LINK_RECORD, RISK, empty_rows, typed_rows
from peermap.mapping.evidence.words import EvidenceRecords, column_of, int_text, joined, mapped, or_empty, when
from peermap.mapping.settings import EvidenceSettings

#: Roles of a place, as bit flags, so each child's roles of a place combine without a Python loop.
_PLACE_ROLE_BITS = ("found there", "found at", "frequents", "exploitation location")
_ROLE_WORDS = np.array(
    [", ".join(r for i, r in enumerate(_PLACE_ROLE_BITS) if m >> i & 1) for m in range(1 << len(_PLACE_ROLE_BITS))],
    dtype=object,
)


def _objects(values) -> np.ndarray:
    out = np.array(pd.Series(values).astype(object).to_numpy(), dtype=object, copy=True)
    out[pd.isna(out)] = None
    return out


def _pair_text(left, right, sep: str) -> pd.Series:
    """``left + sep + right``; just one side where the other is missing or the same (text made in Arrow)."""
    left, right = arrow_text(left), arrow_text(right)
    both = pc.binary_join_element_wise(left, right, pa.scalar(sep, pa.large_string()))
    differ = pc.fill_null(pc.not_equal(left, right), False)
    return text_series(pc.if_else(differ, both, pc.coalesce(left, right)))


def shared_pairs(
    rows: pd.DataFrame, kind: str, base: float, settings: EvidenceSettings, cap: float | None = None
) -> pd.DataFrame:
    """Pairs of children linked to the same thing (``via_key``): one row per pair and thing.

    ``rows`` has one row per link of a child (``a``) to a thing: ``via_key``,
    ``via`` (its label), ``place`` (the role given, for places), ``unverified``,
    ``first_seen``, ``last_seen``, ``link_ids``, ``grading``, ``handling``, and
    the record it rests on (``record_a``, ``record_a_type``).
    Each child's links to a thing are reduced to the one that speaks for it
    (verified first, then earliest). A thing linked to n children (2 <= n <=
    ``most_children_for_shared``) gives each pair ``base`` x min(1, 1 / ln n),
    times the unverified factor when either side's links are all unverified;
    with ``cap``, each pair's total over all things is capped.

    Notes
    -----
    Everything is done on integer codes, and pairs are generated with
    ``numpy.repeat`` within each thing's block: O(k log k + p) for k links and
    p pairs (at most n^2 / 2 per thing).
    """
    if rows.empty:
        return empty_rows()
    a_code, a_values = pd.factorize(rows["a"], sort=True)  # code order is reference order
    k_code, k_values = pd.factorize(rows["via_key"])
    unverified = rows["unverified"].to_numpy(dtype=bool)
    first = seconds_of(rows["first_seen"])
    last = seconds_of(rows["last_seen"])
    order = np.lexsort((first, unverified, a_code, k_code))
    ks, as_ = k_code[order], a_code[order]
    head = np.concatenate([[True], (ks[1:] != ks[:-1]) | (as_[1:] != as_[:-1])])
    group = np.cumsum(head) - 1
    best = order[head]  # per (thing, child), sorted by thing then child
    n_groups = len(best)
    big = np.iinfo(np.int64).max
    g_first = np.full(n_groups, big)
    g_last = np.full(n_groups, np.iinfo(np.int64).min)
    np.minimum.at(g_first, group, np.where(first[order] == NO_TIME, big, first[order]))
    np.maximum.at(g_last, group, last[order])
    g_first = np.where(g_first == big, NO_TIME, g_first)
    g_links = np.bincount(group)
    bits = (
        pd.Series(rows["place"].to_numpy(dtype=object))
        .map({r: 1 << i for i, r in enumerate(_PLACE_ROLE_BITS)})
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    g_roles = np.zeros(n_groups, dtype=np.int64)
    np.bitwise_or.at(g_roles, group, bits[order])
    g_k, g_a = k_code[best], a_code[best]
    g_unverified = unverified[best]
    # children per thing, and the pairs within each thing
    k_head = np.concatenate([[True], g_k[1:] != g_k[:-1]])
    thing = np.cumsum(k_head) - 1
    thing_start = np.flatnonzero(k_head)
    size = np.bincount(thing)[thing]
    rank = np.arange(n_groups) - thing_start[thing]
    partners = np.where((size >= 2) & (size <= settings.most_children_for_shared), size - 1 - rank, 0)
    total = int(partners.sum())
    if total == 0:
        return empty_rows()
    left = np.repeat(np.arange(n_groups), partners)
    right = left + 1 + (np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners))
    n = size[left].astype(float)
    factor = np.where(g_unverified[left] | g_unverified[right], settings.unverified_factor, 1.0)
    weight = base * np.minimum(1.0, 1.0 / np.log(n)) * factor
    if cap is not None:
        pair = g_a[left].astype(np.int64) * np.int64(len(a_values)) + g_a[right]
        codes, _ = pd.factorize(pair)
        sums = np.bincount(codes, weights=weight)[codes]
        weight = np.where(sums > cap, weight * cap / np.maximum(sums, 1e-12), weight)

    def side(column: str) -> tuple[np.ndarray, np.ndarray]:
        values = _objects(rows[column])[best]
        return values[left], values[right]

    def record_side(column: str, dtype) -> tuple[np.ndarray, np.ndarray]:
        values = rows[column].to_numpy(dtype=dtype)[best]
        return values[left], values[right]

    record_l, record_r = record_side("record_a", np.int64)
    type_l, type_r = record_side("record_a_type", np.int32)
    links_l, links_r = side("link_ids")
    grading_l, grading_r = side("grading")
    handling_l, handling_r = side("handling")
    a_values = np.asarray(a_values, dtype=object)
    out = pd.DataFrame(
        {
            "kind": kind,
            "a": pd.Series(a_values[g_a[left]], dtype="string"),
            "b": pd.Series(a_values[g_a[right]], dtype="string"),
            "weight": weight,
            "tie_type": RISK,
            "unverified": g_unverified[left] & g_unverified[right],
            "first_seen": from_seconds(np.minimum(g_first[left], g_first[right])),
            "last_seen": from_seconds(np.maximum(g_last[left], g_last[right])),
            "via": pd.Series(_objects(rows["via"])[best][left], dtype="string"),
            "via_key": pd.Series(np.asarray(k_values, dtype=object)[g_k[left]], dtype="string"),
            "via_children": size[left],
            "place": pd.Series(_ROLE_WORDS[g_roles[left] | g_roles[right]], dtype="string").replace("", pd.NA),
            "link_ids": pd.Series(
                _pair_text(_with_more(links_l, g_links[left] - 1), _with_more(links_r, g_links[right] - 1), "; "),
                dtype="string",
            ),
            "grading": pd.Series(_pair_text(grading_l, grading_r, " and "), dtype="string"),
            "handling": pd.Series(_pair_text(handling_l, handling_r, ";"), dtype="string"),
            "record_a": record_l,
            "record_b": record_r,
            "record_a_type": type_l,
            "record_b_type": type_r,
            "more_a": g_links[left] - 1,
            "more_b": g_links[right] - 1,
        }
    )
    return typed_rows(out)


def _with_more(links: np.ndarray, more: np.ndarray) -> np.ndarray:
    out = links.copy()
    pick = pd.notna(links) & (more > 0)
    out[pick] = links[pick] + " and " + more[pick].astype(str).astype(object) + " more"
    return out


def shared_associate_evidence(
    associate_rows: pd.DataFrame, roles: pd.DataFrame, settings: EvidenceSettings
) -> pd.DataFrame:
    """One row per pair of children linked to the same (risk) associate."""
    risk = associate_rows[associate_rows["tie_type"].eq(RISK).to_numpy(dtype=bool)]
    if risk.empty:
        return empty_rows()
    rows = shared_pairs(risk.assign(place=pd.NA), "shared_associate", settings.shared_associate_weight, settings)
    rows["place"] = pd.Series(by_key(rows["via_key"], roles, "role"), index=rows.index).astype(
        "string"
    )  # the associate's role, for the words
    return rows


def concern_places(
    table: EpisodeTable, links: pd.DataFrame, places: pd.DataFrame, not_of_concern: set[str]
) -> pd.DataFrame:
    """Each child's links to places of concern: intelligence (found at, frequents, exploitation location)
    and the places episodes ended at, leaving out where children live.

    Returns one row per (child, place, source row) with ``a``, ``via_key``,
    ``via`` (label), ``place`` (roles), ``unverified``, ``first_seen``,
    ``last_seen``, ``link_ids``, ``grading``, ``handling``.
    """
    is_place = links["target_type"].eq("place").fillna(False).to_numpy(dtype=bool) & links["role"].isin(
        CONCERN_ROLES
    ).fillna(False).to_numpy(dtype=bool)
    place_links = links[is_place].reset_index(drop=True)
    postcode = (
        place_links["target_postcode"].astype("string").fillna(place_postcodes(place_links["target_ref"], places))
    )
    key = postcode.fillna("name:" + cells.name_key(place_links["target_ref"])).astype("string")
    text = place_links["target_ref"].astype("string").str.strip()
    label = (text + " (" + postcode + ")").where(postcode != text, text).fillna(text).astype("string")
    from_links = pd.DataFrame(
        {
            "a": place_links["child_ref"],
            "via_key": key,
            "via": label,
            "place": place_links["role"].astype("string").str.replace("_", " "),
            "unverified": place_links["unverified"].to_numpy(dtype=bool),
            "first_seen": place_links["recorded_at"],
            "last_seen": place_links["recorded_at"],
            "link_ids": place_links["link_id"],
            "grading": grading(place_links),
            "handling": place_links["handling"],
            "record_a": np.flatnonzero(is_place),
            "record_a_type": LINK_RECORD,
        }
    )
    found = np.flatnonzero(table.found_key.known() & (table.returned != NO_TIME))
    finds = pd.DataFrame(
        {
            "a": table.children_at(found),
            "via_key": table.found_key.at(found),
            "via": table.found_label(found),
            "place": "found there",
            "unverified": False,
            "first_seen": from_seconds(table.returned[found]),
            "last_seen": from_seconds(table.returned[found]),
            "link_ids": pd.NA,
            "grading": "episode record",
            "handling": pd.NA,
            "record_a": found,
            "record_a_type": EPISODE_RECORD,
        }
    )
    both = pd.concat([from_links, finds], ignore_index=True)
    both = both[~isin(both["via_key"], pd.Series(sorted(not_of_concern), dtype=object))].reset_index(drop=True)
    # one label per place: the places.csv name where it has one, else the first written
    named = places.dropna(subset=["postcode"]).drop_duplicates("postcode")
    canonical = pd.Series(
        (named["place_name"].astype("string") + " (" + named["postcode"] + ")").to_numpy(),
        index=named["postcode"].to_numpy(),
    )
    codes, keys = pd.factorize(both["via_key"])
    if len(codes):
        first_label = _objects(both["via"])[np.unique(codes, return_index=True)[1]]
        label = pd.Series(keys, dtype="string").map(canonical).astype(object).to_numpy()
        label = np.where(pd.isna(label), first_label, label)
        both["via"] = pd.Series(label[codes], dtype="string")
    return both


def shared_place_evidence(place_rows: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per pair of children linked to the same place of concern.

    The same place means the same postcode (given, or from places.csv). A
    place known only by free text ("the skate park", "the underpass") is not
    pooled: two children's words may name two different places, and the
    sentence "both linked to ..." would not be true of the records.
    """
    place_rows = place_rows[~place_rows["via_key"].str.startswith("name:").fillna(True).to_numpy(dtype=bool)]
    if place_rows.empty:
        return empty_rows()
    return shared_pairs(
        place_rows.reset_index(drop=True),
        "shared_place",
        settings.shared_place_weight,
        settings,
        cap=settings.shared_place_most_per_pair,
    )


# -- in words ----------------------------------------------------------------------------------------------------------
#: How a place link's role reads after "names it as".
PLACE_ROLE_WORDS = {
    "found_at": "where they were found",
    "frequents": "a place they go",
    "exploitation_location": "a place they were exploited",
}


def _side(rows: pd.DataFrame, records: EvidenceRecords, side: str, police: bool, place: bool) -> pa.Array:
    """One child's record of a shared associate or place, and how many more there are."""
    record = column_of(rows, f"record_{side}", np.int64)
    kind = column_of(rows, f"record_{side}_type", np.int32)
    ref = text_array(rows[side])
    out = pa.nulls(len(rows), pa.large_string())
    links = np.flatnonzero(kind == LINK_RECORD)
    if len(links):
        words = records.link_record(record[links], police)
        if place:
            role = mapped(records.link_column(record[links], "role"), PLACE_ROLE_WORDS, "a place of concern")
            words = joined(words, " names it as ", role)
        out = _put(out, links, words)
    episodes = np.flatnonzero(kind == EPISODE_RECORD)
    if len(episodes):
        at = np.full(len(episodes), FOUND_AT, dtype=np.int32)
        words = joined(pc.take(ref, episodes), " was found there on ", records.episode_time(record[episodes], at))
        out = _put(out, episodes, words)
    more = column_of(rows, f"more_{side}", np.int64)
    extra = when(
        more > 0,
        joined(
            " and ",
            int_text(more),
            pc.if_else(
                pa.array(more == 1),
                pa.scalar(" more record", pa.large_string()),
                pa.scalar(" more records", pa.large_string()),
            ),
        ),
    )
    return joined(or_empty(out), extra)


def _put(out: pa.Array, at: np.ndarray, values: pa.Array) -> pa.Array:
    mask = np.zeros(len(out), dtype=bool)
    mask[at] = True
    return pc.replace_with_mask(out, pa.array(mask), values)


def _children_reached(rows: pd.DataFrame, before: str) -> pa.Array:
    count = rows["via_children"]
    n = count.fillna(0).to_numpy(dtype=np.int64)
    text = joined(
        before,
        int_text(n),
        pc.if_else(pa.array(n == 1), pa.scalar(" child", pa.large_string()), pa.scalar(" children", pa.large_string())),
        " in this period",
    )
    return when(count.notna().to_numpy(dtype=bool), text)


def shared_associate_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``both linked to A-XXXXXXXXXX (adult of concern), who is linked to 4 children in this period: C-A's return
    interview of ... and C-B's ...``."""
    role = or_empty(joined(" (", pc.replace_substring(text_array(rows["place"]), "_", " "), ")"))
    return joined(
        "both linked to ",
        text_array(rows["via"]),
        role,
        _children_reached(rows, ", who is linked to "),
        ": ",
        _side(rows, records, "a", police, False),
        " and ",
        _side(rows, records, "b", police, False),
    )


def shared_place_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``both linked to Wharton Park (DH1 3EB), a place linked to 3 children in this period: C-A was found there
    on ... and C-B's worker record of ... (...) names it as a place they go``."""
    return joined(
        "both linked to ",
        text_array(rows["via"]),
        _children_reached(rows, ", a place linked to "),
        ": ",
        _side(rows, records, "a", police, True),
        " and ",
        _side(rows, records, "b", police, True),
    )
