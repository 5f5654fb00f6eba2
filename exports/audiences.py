"""What each audience may see: the rules of DESIGN.md's audience table, as small reusable functions.

==========  ============================================================================
audience    sees
==========  ============================================================================
meeting     references (never raw case IDs); associates by their associates.csv label,
            or by reference when unresolved; places; intelligence with handling ``P``
            only; no notes, phones, vehicles or handles; no names unless ``--names``
police      everything: raw IDs, names, notes, handling ``C``, vehicles, phones, handles
board       measures and counts by postcode district, suppressed so that no count
            from 1 to 4 can be worked out (:mod:`exports.board`),
            ``frequently_missing`` by rank only; no people, ties or network
worker      one child's peer map with names and notes (``peermap child``)
==========  ============================================================================

Two steps keep an export inside its audience:

1. :func:`restrict_dataset` before any analysis: what an audience may not see
   must not shape what it is shown either (a handling-``C`` link must not make
   a tie, even one explained in other words).
2. :func:`people_view`, :func:`children_view`, :func:`texts_view` and friends
   when writing: which columns leave, and how people are called.

Examples
--------
>>> policy = audience_policy("meeting")
>>> policy.handling, policy.raw_ids, policy.names
(('P',), False, False)
>>> audience_policy("meeting", names=True).names
True
>>> audience_policy("board").people
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.arrow_text import isin
from peermap.graph_models.dataset import Dataset
from peermap.mapping.periods import ages_on

AUDIENCES = ("meeting", "police", "board", "worker")
#: The audiences a folder (a pack, or ``peermap analyse``) is written for; the worker gets one child's page.
FOLDER_AUDIENCES = AUDIENCES[:3]
#: Link target types that identify things (not people or places): police and worker only.
IDENTIFIER_TYPES = ("vehicle", "phone", "online")
_REF = re.compile(r"\b[AC]-[0-9A-HJKMNP-TV-Z]{10}\b")
#: What ``\b`` in ``_REF`` counts as a word character (letters and digits of any script, and ``_``).
_WORD = re.compile(r"\w")
#: How many texts :func:`texts_view` swaps references in at a time (its memory is a few times one chunk's).
TEXTS_CHUNK = 250_000


@dataclass(frozen=True)
class AudiencePolicy:
    """What one audience may see.

    Attributes
    ----------
    name : the audience.
    people : people, ties and the network may leave (not for ``board``).
    raw_ids : raw case IDs (child_id, episode_id, link_id, associate_id).
    names : children's display names and unresolved associates' raw names.
    associate_labels : resolved associates by their associates.csv label.
    handling : the handling codes of intelligence it may see.
    notes : free-text notes.
    identifiers : phones, vehicles, online handles.
    small_counts : counts from 1 to 4 shown as they are (else suppressed: :mod:`exports.board`).
    """

    name: str
    people: bool
    raw_ids: bool
    names: bool
    associate_labels: bool
    handling: tuple[str, ...]
    notes: bool
    identifiers: bool
    small_counts: bool
    unresolved_names: bool


_POLICIES = {
    "meeting": AudiencePolicy(
        "meeting",
        people=True,
        raw_ids=False,
        names=False,
        associate_labels=True,
        handling=("P",),
        notes=False,
        identifiers=False,
        small_counts=True,
        unresolved_names=False,
    ),
    "police": AudiencePolicy(
        "police",
        people=True,
        raw_ids=True,
        names=True,
        associate_labels=True,
        handling=("P", "C"),
        notes=True,
        identifiers=True,
        small_counts=True,
        unresolved_names=True,
    ),
    "board": AudiencePolicy(
        "board",
        people=False,
        raw_ids=False,
        names=False,
        associate_labels=False,
        handling=("P",),
        notes=False,
        identifiers=False,
        small_counts=False,
        unresolved_names=False,
    ),
    "worker": AudiencePolicy(
        "worker",
        people=True,
        raw_ids=False,
        names=True,
        associate_labels=True,
        handling=("P",),
        notes=True,
        identifiers=False,
        small_counts=True,
        unresolved_names=True,
    ),
}


def audience_policy(audience: str, names: bool = False) -> AudiencePolicy:
    """The policy of an audience; ``names=True`` (``--names``) lets a meeting see children's names."""
    if audience not in _POLICIES:
        raise ValueError(f"unknown audience {audience!r}: one of {', '.join(AUDIENCES)}")
    policy = _POLICIES[audience]
    if names and audience == "meeting":
        policy = replace(policy, names=True)
    return policy


# -- before the analysis -----------------------------------------------------------------------------------------
def restrict_dataset(dataset: Dataset, audience: str | AudiencePolicy) -> Dataset:
    """The dataset an audience's analysis may be built from.

    Drops links whose handling code the audience may not see, and, unless it
    may see identifiers, vehicle, phone and online links; blanks notes unless
    it may see them. Episodes, children and places are kept (the measures
    need them); what leaves is decided again when writing.

    A dataset with nothing to leave out is given back as it is, so restricting
    twice for the same audience copies nothing the second time (``peermap
    analyse`` restricts once as it loads, and lets go of the rest).

    Notes
    -----
    Boolean masks over the links: O(n).
    """
    policy = audience if isinstance(audience, AudiencePolicy) else audience_policy(audience)
    links = dataset.links
    keep = isin(links["handling"], list(policy.handling))  # hashed in Arrow: millions of links on a national year
    if not policy.identifiers:
        keep &= ~isin(links["target_type"], list(IDENTIFIER_TYPES))
    if not keep.all():
        links = links[keep].reset_index(drop=True)
    if not policy.notes and "notes" in links and links["notes"].notna().any():
        links = links.assign(notes=pd.Series(pd.NA, index=links.index, dtype="string"))
    associates = dataset.associates
    if len(associates):
        linked = isin(associates["associate_key"], links["associate_key"].dropna())
        kept = linked | associates["resolved"].to_numpy(dtype=bool)
        if not kept.all():
            associates = associates[kept].reset_index(drop=True)
    if links is dataset.links and associates is dataset.associates:
        return dataset
    return replace(dataset, links=links, associates=associates)


# -- when writing ----------------------------------------------------------------------------------------------------
def associate_names(associates: pd.DataFrame, policy: AudiencePolicy) -> pd.Series:
    """How the audience calls each associate, by reference: label when resolved (or when raw names may be
    seen), else the reference itself."""
    refs = associates["ref"].astype("string")
    label = associates["label"].astype("string")
    resolved = associates["resolved"].to_numpy(dtype=bool)
    allowed = (resolved & policy.associate_labels) | (~resolved & policy.unresolved_names)
    shown = label.where(allowed & label.notna().to_numpy(), refs)
    return pd.Series(shown.to_numpy(), index=refs.to_numpy(), dtype="string")


def texts_view(texts: pd.Series, names: pd.Series) -> pd.Series:
    """Texts with each associate reference replaced by how the audience calls that associate.

    Children stay as references in running text (meetings follow a child by
    reference); the ``name`` column carries names where allowed. A reference is
    what ``_REF`` finds (whole words only), replaced where ``names`` calls it
    otherwise. Viewing many texts with the same names (ties.csv, a block at a
    time): make one :class:`TextsView` and call it on each.
    """
    return TextsView(names)(texts)


class TextsView:
    """:func:`texts_view` for one audience's ``names``: the references to swap are picked out once (hundreds of
    thousands of associates on a national year), then any number of texts are viewed with them.

    Notes
    -----
    Done in Arrow, :data:`TEXTS_CHUNK` texts at a time, with no Python string
    per text (a national ties.csv has 5 million): a chunk with nothing to swap
    is passed on without a copy, one with something is rebuilt, and the work
    takes a few chunks' worth of memory beyond that, whatever the column's
    length. Time is linear in the text (a national ties.csv's why column,
    1.4 GB, takes 1.3 to 2.3 s); the few texts that hold the delimiter
    ``"\\x00"`` go through ``_REF`` itself.
    """

    def __init__(self, names: pd.Series):
        swap = names[names.index.to_series().ne(names).to_numpy()]
        self.renames = not swap.empty  # some associate is called other than by reference
        swap = swap[~swap.index.duplicated(keep="last")]  # as a dict of them would hold it
        swap = swap[[_REF.fullmatch(str(ref)) is not None for ref in swap.index]]
        self.swap = None
        if not swap.empty:
            kinds = "".join(sorted({ref[0] for ref in swap.index}))
            self.swap = (
                f"[{kinds}]-[0-9A-HJKMNP-TV-Z]{{10}}",  # a candidate reference
                pa.array(swap.index.to_numpy(dtype=object), pa.large_string()),
                pa.array(swap.to_numpy(dtype=object), pa.large_string()),
                swap.to_dict(),
            )

    def __call__(self, texts: pd.Series) -> pd.Series:
        """``texts`` as the audience sees them."""
        if texts.empty or not self.renames:
            return texts
        texts = texts.astype("string")
        column = texts.array.__arrow_array__()
        if not isinstance(column, pa.ChunkedArray):
            column = pa.chunked_array([column])
        column = column.cast(pa.large_string())
        if self.swap is not None:
            column = pa.chunked_array(
                [
                    _swap_references(piece, *self.swap)
                    for chunk in column.chunks
                    for piece in (chunk.slice(at, TEXTS_CHUNK) for at in range(0, len(chunk), TEXTS_CHUNK))
                ],
                pa.large_string(),
            )
        return pd.Series(pd.arrays.ArrowStringArray(column), index=texts.index, name=texts.name)


def _swap_references(texts: pa.Array, candidate: str, refs: pa.Array, shown: pa.Array, lookup: dict) -> pa.Array:
    """One chunk of :func:`texts_view`: the same array when nothing in it changes.

    Every match of ``candidate`` (``_REF`` without its word boundaries) is
    marked off by ``"\\x00"`` and the texts split there, so that candidates are
    the odd pieces: the class has no ``-``, so candidates cannot overlap, and a
    reference ``_REF`` finds is always one of them. A candidate is ``_REF``'s
    where the character before it and the one after it (the neighbouring piece's
    last and first; an empty piece between two candidates stands for a
    reference's own letter or digit) are not word characters as Python's
    ``\\b`` sees them, decided by ``re`` itself for each distinct character.
    """
    found = pc.match_substring_regex(texts, candidate).fill_null(False)
    if not pc.any(found).as_py():
        return texts
    named = texts.filter(found)
    delimited = pc.match_substring_regex(named, r"\x00")  # RE2 searches far quicker than match_substring
    clean = pc.invert(delimited)
    swapped = _swap_in_arrow(named.filter(clean), candidate, refs, shown)
    if pc.any(delimited).as_py():  # the few that hold the delimiter itself: Python's regex
        by_regex = [_REF.sub(lambda m: lookup.get(m[0], m[0]), text) for text in named.filter(delimited).to_pylist()]
        named = pc.replace_with_mask(named, delimited, pa.array(by_regex, pa.large_string()))
    elif swapped is None:
        return texts
    if swapped is not None:
        named = pc.replace_with_mask(named, clean, swapped)
    if texts.get_total_buffer_size() > 2 * texts.nbytes:  # a slice: replace_with_mask would reserve its whole array
        texts = pa.concat_arrays([texts])
    return pc.replace_with_mask(texts, found, named)


def _swap_in_arrow(texts: pa.Array, candidate: str, refs: pa.Array, shown: pa.Array) -> pa.Array | None:
    """Texts (with no ``"\\x00"`` and no nulls) with ``_REF``'s references swapped; None when none is swapped."""
    pieces = pc.split_pattern(pc.replace_substring_regex(texts, f"({candidate})", "\x00\\1\x00"), "\x00")
    values = pieces.flatten()
    offsets = pieces.offsets.to_numpy()
    lengths = np.diff(offsets)
    position = np.arange(len(values), dtype=np.int64) - np.repeat(offsets[:-1].astype(np.int64), lengths)
    odd = np.flatnonzero(position % 2 == 1)
    where = pc.index_in(values.take(pa.array(odd)), value_set=refs).fill_null(-1).to_numpy(zero_copy_only=False)
    hit = odd[where >= 0]
    if not len(hit):
        return None
    before = values.take(pa.array(hit - 1))
    after = values.take(pa.array(hit + 1))
    last = np.repeat(lengths, lengths)[hit] - 1
    word = _word_characters(pc.utf8_slice_codeunits(before, -1)) | (
        (pc.binary_length(before).to_numpy() == 0) & (position[hit] > 1)
    )
    word |= _word_characters(pc.utf8_slice_codeunits(after, 0, 1)) | (
        (pc.binary_length(after).to_numpy() == 0) & (position[hit] + 1 < last)
    )
    keep = ~word
    if not keep.any():
        return None
    mask = np.zeros(len(values), dtype=bool)
    mask[hit[keep]] = True
    values = pc.replace_with_mask(values, pa.array(mask), shown.take(pa.array(where[where >= 0][keep])))
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)
    return pc.binary_join(rebuilt, pa.scalar("", pa.large_string()))


def _word_characters(chars: pa.Array) -> np.ndarray:
    """Which of these single characters (or empty strings) Python's ``\\b`` takes as word characters."""
    distinct = pc.unique(chars).to_pylist()
    word = pa.array([c for c in distinct if c and _WORD.fullmatch(c)], pa.large_string())
    return pc.is_in(chars, value_set=word).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def people_view(
    people: pd.DataFrame, children: pd.DataFrame, associates: pd.DataFrame, policy: AudiencePolicy
) -> pd.DataFrame:
    """people.csv for an audience: ``name`` only where allowed, ``label`` for associates, ``id`` for police.

    ``people`` is the analysis' people table (``ref``, ``kind``, ...).
    """
    if not policy.people:
        return people.iloc[0:0]
    out = people.copy()
    child_name = pd.Series(children["display_name"].to_numpy(), index=children["ref"].to_numpy())
    child_id = pd.Series(children["child_id"].to_numpy(), index=children["ref"].to_numpy())
    shown = associate_names(associates, policy)
    resolved = pd.Series(associates["resolved"].to_numpy(dtype=bool), index=associates["ref"].to_numpy())
    raw_label = pd.Series(associates["label"].to_numpy(), index=associates["ref"].to_numpy())
    is_child = out["kind"].eq("child").to_numpy(dtype=bool)
    names = pd.Series(pd.NA, index=out.index, dtype="string")
    if policy.names:
        names[is_child] = out.loc[is_child, "ref"].map(child_name).astype("string")
        allowed = (
            out["ref"].map(resolved).astype("boolean").fillna(False).to_numpy(dtype=bool) | policy.unresolved_names
        )
        pick = ~is_child & allowed
        names[pick] = out.loc[pick, "ref"].map(raw_label).astype("string")
    if "name" in out:
        out["name"] = names
    else:
        out.insert(1, "name", names)
    out.insert(
        out.columns.get_loc("kind") + 1,
        "label",
        pd.Series(np.where(is_child, pd.NA, out["ref"].map(shown).astype(object)), index=out.index, dtype="string"),
    )
    if policy.raw_ids:
        associate_id = pd.Series(associates["associate_id"].to_numpy(), index=associates["ref"].to_numpy())
        ids = out["ref"].map(child_id).astype("string").fillna(out["ref"].map(associate_id).astype("string"))
        out.insert(1, "id", ids)
    return out


def children_view(children: pd.DataFrame, day, policy: AudiencePolicy) -> pd.DataFrame:
    """What a meeting needs to know of each child, by reference: age on ``day`` (the end of the period),
    in care or not, CE risk; school and exploitation type only where names may be seen (DESIGN.md).

    Examples
    --------
    >>> import datetime as dt
    >>> kids = pd.DataFrame({"ref": ["C-1"], "birth_date": pd.to_datetime(["2007-05-01"]), "legal_status": ["CiC"],
    ...                      "ce_risk": ["high"], "school": ["Park School"], "exploitation_type": ["CCE"]})
    >>> children_view(kids, dt.date(2023, 3, 31), audience_policy("meeting")).to_dict("records")
    [{'age': 15, 'in_care': 'yes', 'ce_risk': 'high'}]
    """
    out = pd.DataFrame(index=pd.Index(children["ref"].to_numpy(), name="ref"))
    out["age"] = ages_on(children["birth_date"], day).to_numpy()
    status = children["legal_status"].astype("string")
    out["in_care"] = np.where(
        status.isna().to_numpy(), None, np.where(status.eq("CiC").fillna(False).to_numpy(dtype=bool), "yes", "no")
    )
    out["ce_risk"] = children["ce_risk"].astype("string").to_numpy()
    if policy.names:
        out["school"] = children["school"].astype("string").to_numpy()
        out["exploitation_type"] = children["exploitation_type"].astype("string").to_numpy()
    return out
