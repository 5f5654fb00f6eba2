"""Places: every postcode and place name in episodes and links, put on the map.

A *mention* is one record that puts a child at a place in one role: an
episode's ``missing_from_postcode`` (role ``missing_from``), its
``found_at_postcode`` / ``found_at_place`` (``found_at``), a place link of
``links.csv`` (its own role: ``found_at``, ``frequents``,
``exploitation_location``, ``missing_from``, ``safe_place``, or ``other`` when
the link gives none), and a child's ``home_postcode`` (``lives``) and
``placement_postcode`` (``placed``). :func:`place_mentions` lists them all;
:func:`locate` gives each one coordinates; :func:`place_table` and
:func:`role_table` count children and episodes per place and role.

How a mention is placed, in order:

1. its postcode (``found_at_postcode``, ``missing_from_postcode``, a link
   whose ``target_ref`` is a postcode, a child's home or placement), looked up
   in the postcode index (Code-Point Open);
2. otherwise its name (``found_at_place`` or a place link's ``target_ref``),
   compared with ``places.csv`` ``place_name`` case- and space-insensitively
   (``"wharton  PARK"`` is ``"Wharton Park"``), and placed at that row's
   postcode;
3. otherwise it is *unplaced*: listed with the reason (a name ``places.csv``
   does not hold, or a postcode the index does not hold) and left off the map.
   An unknown postcode is never guessed.

A *place* is one postcode: two names written for the same postcode are one
place (shown under the ``places.csv`` name when it has one). A place is a
*home* when a child lives or is placed there (``home_postcode``,
``placement_postcode``) or ``places.csv`` calls it a ``residential_home``; a
*children's home* is the placement postcode of a child whose
``placement_type`` is ``residential``, or a ``residential_home`` in
``places.csv``. Homes are shown, never counted as risk (see
:mod:`geo.hotspots`).

Notes
-----
Everything is vectorised over mentions: strings are factorised once and the
look-ups (``places.csv`` names, the postcode index) are done on the distinct
values only, so 1,000,000 episodes and 2,000,000 links (about 3,000,000
mentions) take seconds: O(m log m) for m mentions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peermap.geo.postcodes import PostcodeIndex, default_index
from peermap.graph_models import cells
from peermap.graph_models.arrow_text import isin
from peermap.graph_models.local_time import LOCAL_TIMES
from peermap.graph_models.postcode_format import normalise_postcodes

#: Every role a place can have, in the order the tables list them.
ROLES = ("found_at", "frequents", "exploitation_location", "missing_from", "safe_place", "lives", "placed", "other")
#: Roles that make a place one of concern: they count toward hot-spot areas.
CONCERN_ROLES = ("found_at", "frequents", "exploitation_location")
#: Where children live: shown on the map, never counted as risk.
HOME_ROLES = ("lives", "placed")
#: ``places.csv`` kinds of a place where people live.
HOME_KINDS = ("residential_home", "house")

#: A place's main role (how a map draws it): the first of its roles in this order.
#: Homes are drawn as homes (what they are), other places by their gravest role.
MAIN_ROLE_ORDER = ("exploitation_location", "found_at", "frequents", "missing_from", "safe_place", "other")
HOME_MAIN_ROLE_ORDER = (
    "missing_from",
    "placed",
    "lives",
    "exploitation_location",
    "found_at",
    "frequents",
    "safe_place",
    "other",
)

UNKNOWN_POSTCODE = "postcode not in the postcode index"
UNKNOWN_LISTED_POSTCODE = "places.csv gives a postcode that is not in the postcode index"
UNKNOWN_NAME = "name not in places.csv and no postcode given"

_WHEN = LOCAL_TIMES
_MENTION_COLUMNS = (
    "role",
    "postcode",
    "name",
    "child_ref",
    "episode_id",
    "rthi_id",
    "link_id",
    "at",
    "seen_at",
    "source",
    "unverified",
    "handling",
    "child_code",
    "ep_code",
    "role_code",
)


def _map_distinct(values: pd.Series, mapping) -> pd.Series:
    """``values.map(mapping)`` done on the distinct values only (fast on millions of repeats)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series(pd.NA, index=values.index, dtype="string")
    mapped = pd.Series(uniques).map(mapping).astype("string").to_numpy()
    out = np.where(codes >= 0, mapped[np.maximum(codes, 0)], None)
    return pd.Series(out, index=values.index, dtype="string")


def _frame(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name in ("postcode", "name", "child_ref", "episode_id", "rthi_id", "link_id", "handling", "source"):
        frame[name] = frame[name].astype("string")
    role = pd.Categorical(frame["role"], categories=list(ROLES))
    frame["role_code"] = role.codes.astype(np.int64)
    for name in ("child_code", "ep_code"):
        frame[name] = frame[name].astype(np.int64)
    return frame


def place_mentions(dataset, *, include_handling_c: bool = True) -> pd.DataFrame:
    """Every record that puts a child at a place, one row per record and role.

    Parameters
    ----------
    dataset : graph_models.dataset.Dataset
    include_handling_c : bool, default True
        False leaves out links with handling ``C`` (police only unless cleared),
        as the ``meeting`` and ``board`` audiences require.

    Returns
    -------
    pandas.DataFrame
        ``role``, ``postcode`` (as given, normalised), ``name`` (as written),
        ``child_ref``, ``episode_id``, ``rthi_id``, ``link_id``, ``at`` (when:
        its episode's ``missing_at``, else the link's ``recorded_at``; this
        decides the period), ``seen_at`` (when the child was there: the
        return for a find, else ``at``), ``source`` (``episode``, ``link``,
        ``child``), ``unverified``, ``handling``, and integer codes for fast
        grouping: ``child_code`` (row of the child in ``dataset.children``),
        ``ep_code`` (row of the episode in ``dataset.episodes``, -1 for none),
        ``role_code`` (position in :data:`ROLES`). Homes and placements
        (roles ``lives``, ``placed``) carry no time: :func:`home_mentions`
        adds them per period.

    Notes
    -----
    O(e + l) for e episodes and l links, vectorised.
    """
    ep = dataset.episodes
    children = pd.Index(dataset.children["ref"])
    child_of_episode = children.get_indexer(ep["child_ref"])
    parts = []
    found = (ep["found_at_postcode"].notna() | ep["found_at_place"].notna()).to_numpy(bool)
    f = ep[found]
    parts.append(
        _frame(
            role="found_at",
            postcode=f["found_at_postcode"],
            name=f["found_at_place"],
            child_ref=f["child_ref"],
            episode_id=f["episode_id"],
            rthi_id=pd.NA,
            link_id=pd.NA,
            at=f["missing_at"],
            seen_at=f["returned_at"].fillna(f["missing_at"]),
            source="episode",
            unverified=False,
            handling=pd.NA,
            child_code=child_of_episode[found],
            ep_code=np.flatnonzero(found),
        )
    )
    started = ep["missing_from_postcode"].notna().to_numpy(bool)
    m = ep[started]
    parts.append(
        _frame(
            role="missing_from",
            postcode=m["missing_from_postcode"],
            name=pd.NA,
            child_ref=m["child_ref"],
            episode_id=m["episode_id"],
            rthi_id=pd.NA,
            link_id=pd.NA,
            at=m["missing_at"],
            seen_at=m["missing_at"],
            source="episode",
            unverified=False,
            handling=pd.NA,
            child_code=child_of_episode[started],
            ep_code=np.flatnonzero(started),
        )
    )

    links = dataset.links
    is_place = links["target_type"].eq("place").fillna(False).astype(bool)
    if not include_handling_c:
        is_place &= ~links["handling"].eq("C").fillna(False).astype(bool)
    lk = links[is_place]
    if len(lk):
        pos = pd.Index(ep["episode_id"]).get_indexer(lk["episode_id"])
        has_ep = pos >= 0
        missing_at = _take_times(ep["missing_at"], pos, lk.index)
        returned_at = _take_times(ep["returned_at"], pos, lk.index)
        at = missing_at.fillna(lk["recorded_at"])
        role = lk["role"].fillna("other").astype("string")
        seen = returned_at.where(role.eq("found_at").to_numpy()).fillna(at)
        postcode = lk["target_postcode"]
        name = lk["target_ref"].where(postcode.isna())
        parts.append(
            _frame(
                role=role,
                postcode=postcode,
                name=name,
                child_ref=lk["child_ref"],
                episode_id=lk["episode_id"].where(has_ep),
                rthi_id=lk["rthi_id"],
                link_id=lk["link_id"],
                at=at,
                seen_at=seen,
                source="link",
                unverified=lk["unverified"].astype(bool),
                handling=lk["handling"],
                child_code=children.get_indexer(lk["child_ref"]),
                ep_code=pos,
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_mentions()
    out = pd.concat(parts, ignore_index=True)
    out["role"] = out["role"].astype("string")
    out["unverified"] = out["unverified"].astype(bool)
    return out[list(_MENTION_COLUMNS)]


def _take_times(times: pd.Series, pos: np.ndarray, index: pd.Index) -> pd.Series:
    """``times`` at positions ``pos`` (NaT where ``pos`` is -1), keeping the tz-aware dtype."""
    if len(times) == 0:
        return pd.Series(pd.NaT, index=index, dtype=_WHEN)
    taken = pd.Series(times.array.take(np.maximum(pos, 0)), index=index)
    return taken.where(pos >= 0)


def _empty_mentions() -> pd.DataFrame:
    frame = _frame(
        role=pd.Series([], dtype="string"),
        postcode=[],
        name=[],
        child_ref=[],
        episode_id=[],
        rthi_id=[],
        link_id=[],
        at=pd.Series([], dtype=_WHEN),
        seen_at=pd.Series([], dtype=_WHEN),
        source=[],
        unverified=pd.Series([], dtype=bool),
        handling=[],
        child_code=[],
        ep_code=[],
    )
    frame["role"] = frame["role"].astype("string")
    return frame[list(_MENTION_COLUMNS)]


def home_mentions(dataset, child_refs=None) -> pd.DataFrame:
    """Where children live (``lives``) and are placed (``placed``), as mentions.

    Parameters
    ----------
    child_refs : iterable of str, optional
        Only these children (e.g. those missing in the period); all when ``None``.
    """
    ch = dataset.children.reset_index(drop=True)
    if child_refs is not None:
        ch = ch[isin(ch["ref"], pd.Index(child_refs))]
    parts = []
    for role, column in (("lives", "home_postcode"), ("placed", "placement_postcode")):
        c = ch[ch[column].notna()]
        never = pd.Series(pd.NaT, index=c.index, dtype=_WHEN)
        parts.append(
            _frame(
                role=role,
                postcode=c[column],
                name=pd.NA,
                child_ref=c["ref"],
                episode_id=pd.NA,
                rthi_id=pd.NA,
                link_id=pd.NA,
                at=never,
                seen_at=never,
                source="child",
                unverified=False,
                handling=pd.NA,
                child_code=c.index.to_numpy(),
                ep_code=-1,
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_mentions()
    out = pd.concat(parts, ignore_index=True)
    out["role"] = out["role"].astype("string")
    return out[list(_MENTION_COLUMNS)]


# -- homes -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Homes:
    """Postcodes where children live, from ``children.csv`` and ``places.csv``.

    ``any`` holds every home or placement postcode and every ``places.csv``
    ``residential_home``/``house``; ``childrens`` the children's homes
    (placement postcodes of ``residential`` placements and ``places.csv``
    ``residential_home``); ``public`` the postcodes ``places.csv`` lists as a
    public place (park, shop, ...), which stay places of concern even when a
    child happens to live at the same postcode.
    """

    any: pd.Index
    childrens: pd.Index
    public: pd.Index
    home_of: np.ndarray  # by row of dataset.children: their home postcode (or None)
    placement_of: np.ndarray  # by row of dataset.children: their placement postcode (or None)
    resident_of: np.ndarray  # by row of dataset.children: the children's home they are placed in (or None)
    placements: pd.Index  # every placement postcode (foster, kinship, residential, ...)


def homes_of(dataset) -> Homes:
    """The :class:`Homes` of a dataset."""
    ch = dataset.children
    listed = dataset.places
    kind = listed["kind"].astype("string")
    listed_home = listed.loc[kind.isin(HOME_KINDS).fillna(False).astype(bool), "postcode"]
    listed_childrens = listed.loc[kind.eq("residential_home").fillna(False).astype(bool), "postcode"]
    public = listed.loc[kind.notna() & ~kind.isin(HOME_KINDS).fillna(False).astype(bool), "postcode"]
    residential = ch.loc[ch["placement_type"].eq("residential").fillna(False).astype(bool), "placement_postcode"]
    every = pd.concat([ch["home_postcode"], ch["placement_postcode"], listed_home]).dropna()
    childrens = pd.Index(pd.concat([residential, listed_childrens]).dropna().unique()).astype("string")
    placement = ch["placement_postcode"].astype(object).where(ch["placement_postcode"].notna(), None).to_numpy()
    home = ch["home_postcode"].astype(object).where(ch["home_postcode"].notna(), None).to_numpy()
    resident = np.where(ch["placement_postcode"].isin(childrens).fillna(False).to_numpy(bool), placement, None)
    return Homes(
        any=pd.Index(every.unique()).astype("string"),
        childrens=childrens,
        public=pd.Index(public.dropna().unique()).astype("string"),
        home_of=home,
        placement_of=placement,
        resident_of=resident,
        placements=pd.Index(ch["placement_postcode"].dropna().unique()).astype("string"),
    )


def at_home(mentions: pd.DataFrame, homes: Homes) -> pd.Series:
    """True where a mention's place is a home, so it never counts as risk.

    A place is taken as a home for a mention when it is a children's home, the
    child's own home or placement, or anyone's home or placement that
    ``places.csv`` does not list as a public place (a park and a house can
    share a postcode: the analyst's list decides).
    """
    m = mentions if "pc_code" in mentions else with_codes(mentions)
    pc_codes = m["pc_code"].to_numpy()
    pcs = _code_values(m, "pc_code", "postcode_placed")
    home_place = isin(pcs, homes.childrens) | (isin(pcs, homes.any) & ~isin(pcs, homes.public))
    flagged = np.append(np.asarray(home_place, bool), False)[pc_codes]  # code -1 (no postcode): not a home
    child_codes = m["child_code"].to_numpy()
    own = np.zeros(len(m), bool)
    for where in (homes.home_of, homes.placement_of):
        theirs = pcs.get_indexer(pd.Index(where, dtype="string").fillna("")) if len(where) else np.empty(0, int)
        theirs = np.append(theirs, -2)  # a mention with no child (code -1) matches nothing
        own |= (theirs[child_codes] == pc_codes) & (pc_codes >= 0)
    return pd.Series(flagged | own, index=mentions.index)


def _code_values(m: pd.DataFrame, code: str, column: str) -> pd.Index:
    """The text value of every code ``0..k-1`` of ``m[code]`` (an Index, so it can be searched)."""
    firsts = m.loc[m[code].to_numpy() >= 0].drop_duplicates(code)
    size = int(m[code].max()) + 1 if len(firsts) else 0
    values = np.array([f"\x00{i}" for i in range(size)], dtype=object)  # codes not in m: never match
    values[firsts[code].to_numpy()] = firsts[column].to_numpy(dtype=object)
    return pd.Index(values, dtype="string")


# -- placing ---------------------------------------------------------------------------------------------------
@dataclass
class Located:
    """Mentions with coordinates, and what could not be placed."""

    mentions: pd.DataFrame  # placed mentions: + postcode_placed, via, easting, northing, lon, lat
    unplaced: pd.DataFrame  # one row per text that could not be placed
    coordinates: pd.DataFrame  # postcode, easting, northing, lon, lat of every placed postcode


def listed_names(places: pd.DataFrame) -> tuple[dict, dict, dict]:
    """``places.csv`` as look-ups: name key → postcode, postcode → listed name(s), postcode → kind."""
    rows = places.dropna(subset=["postcode"])
    by_key = dict(zip(rows["name_key"], rows["postcode"]))
    pairs = rows.drop_duplicates(["postcode", "place_name"])
    several = pairs["postcode"].duplicated(keep=False).to_numpy(bool)  # few postcodes have two names: join those
    joined = pairs[several].groupby("postcode", sort=True)["place_name"].agg("; ".join)
    names = pd.concat([pairs[~several].set_index("postcode")["place_name"], joined])
    kinds = rows.dropna(subset=["kind"]).groupby("postcode", sort=True)["kind"].first()
    return by_key, names.to_dict(), kinds.to_dict()


def locate(mentions: pd.DataFrame, places: pd.DataFrame, postcodes: PostcodeIndex | None = None) -> Located:
    """Give each mention a postcode and coordinates, or list it as unplaced.

    Parameters
    ----------
    mentions : from :func:`place_mentions` / :func:`home_mentions`
    places : ``dataset.places`` (the analyst's ``places.csv``)
    postcodes : PostcodeIndex, optional
        The embedded Code-Point Open index when ``None``.

    Notes
    -----
    O(m + u log u) for m mentions and u distinct postcodes and names.
    """
    index = postcodes if postcodes is not None else default_index()
    by_key, _, _ = listed_names(places)
    m = mentions.reset_index(drop=True)
    m["mention_id"] = np.arange(len(m), dtype=np.int64)
    m["postcode"] = normalise_postcodes(m["postcode"])  # once per distinct spelling
    from_list = _map_distinct(cells.on_distinct(m["name"], cells.name_key), by_key)
    given = m["postcode"].notna().to_numpy(bool)
    m["postcode_placed"] = m["postcode"].fillna(from_list).astype("string")
    m["via"] = pd.Series(
        np.where(given, "postcode", np.where(from_list.notna(), "places.csv", "none")), index=m.index, dtype="string"
    )
    codes, distinct = pd.factorize(m["postcode_placed"])
    m["pc_code"] = codes
    coords = (
        index.lookup(distinct)
        if len(distinct)
        else pd.DataFrame(columns=["postcode", "easting", "northing", "lon", "lat"])
    )
    coords = coords.astype({"postcode": "string"}).set_index("postcode")
    where = coords.index.get_indexer(pd.Index(distinct, dtype="string")) if len(coords) else np.full(len(distinct), -1)
    pos = np.append(where, -1)[codes]
    placed = pos >= 0
    for column in ("easting", "northing", "lon", "lat"):
        values = np.append(coords[column].to_numpy(float), np.nan) if len(coords) else np.array([np.nan])
        m[column] = values[pos]

    lost = m[~placed].copy()
    reason = np.where(
        lost["via"].eq("postcode"),
        UNKNOWN_POSTCODE,
        np.where(lost["via"].eq("places.csv"), UNKNOWN_LISTED_POSTCODE, UNKNOWN_NAME),
    )
    lost["reason"] = reason
    lost["text"] = lost["postcode"].fillna(lost["name"].astype("string").str.strip())
    lost["text_key"] = lost["postcode"].fillna(cells.name_key(lost["name"]))
    unplaced = _unplaced_table(lost)
    return Located(
        mentions=with_codes(m[placed].reset_index(drop=True)), unplaced=unplaced, coordinates=coords.reset_index()
    )


def with_codes(m: pd.DataFrame) -> pd.DataFrame:
    """Integer codes beside the text keys, so grouping millions of mentions hashes integers, not strings.

    ``pc_code`` (placed postcode), ``child_code``, ``ep_code`` (-1: no episode)
    and ``role_code`` (position in :data:`ROLES`). Codes are only comparable
    within one frame.
    """
    m = m.copy(deep=False)  # the caller's frame is not changed; its columns are shared (copy on write), not copied
    for code, column in (("pc_code", "postcode_placed"), ("child_code", "child_ref"), ("ep_code", "episode_id")):
        if code not in m:
            m[code] = pd.factorize(m[column])[0]
    if "role_code" not in m:
        m["role_code"] = pd.Categorical(m["role"], categories=list(ROLES)).codes.astype(np.int64)
    return m


def _unplaced_table(lost: pd.DataFrame) -> pd.DataFrame:
    columns = ["text", "kind", "reason", "postcode_listed", "roles", "mentions", "children", "episodes"]
    if lost.empty:
        return pd.DataFrame({c: pd.Series([], dtype="string" if c in columns[:5] else "int64") for c in columns})
    keys = ["text_key", "reason"]
    g = lost.groupby(keys, sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "text": g["text"].agg(lambda s: s.value_counts().index[0]),
            "kind": g["postcode"].agg(lambda s: "postcode" if s.notna().any() else "name"),
            "postcode_listed": g["postcode_placed"].first(),
            "roles": g["role"].agg(lambda s: ";".join(r for r in ROLES if r in set(s))),
            "mentions": g.size(),
            "children": g["child_ref"].nunique(),
            "episodes": g["episode_id"].nunique(),
        }
    ).reset_index()
    out = out.sort_values(["mentions", "text"], ascending=[False, True], ignore_index=True)
    return out[["text", "kind", "reason", "postcode_listed", "roles", "mentions", "children", "episodes"]]


# -- counting ----------------------------------------------------------------------------------------------------
def _distinct_count(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """Distinct values of an integer code ``column`` (-1 = none) per ``keys`` (fast on millions)."""
    sub = frame.loc[frame[column].to_numpy() >= 0, keys + [column]]
    key = np.zeros(len(sub), np.int64)
    for k in keys + [column]:  # one int64 key: hashing one column beats hashing three
        values = sub[k].to_numpy(np.int64)
        key = key * (int(values.max()) + 1 if len(values) else 1) + values
    first = pd.Index(key).duplicated()
    return sub[~first].groupby(keys, sort=False).size()


def role_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Children, episodes and mentions per placed postcode and role (long form).

    Returns ``postcode``, ``role``, ``children``, ``episodes``, ``mentions``,
    ``unverified`` (mentions from unverified intelligence), ``last_seen``, in
    postcode and role order (with the frame's ``pc_code`` and ``role_code``).

    Notes
    -----
    O(m) hashing of integer codes (:func:`with_codes`) for m mentions.
    """
    columns = ["postcode", "role", "children", "episodes", "mentions", "unverified", "last_seen"]
    if mentions.empty:
        return pd.DataFrame(columns=columns)
    m = mentions if "pc_code" in mentions else with_codes(mentions)
    keys = ["pc_code", "role_code"]
    g = m.groupby(keys, sort=True)
    out = pd.DataFrame({"mentions": g.size(), "unverified": g["unverified"].sum(), "last_seen": g["seen_at"].max()})
    out["children"] = _distinct_count(m, keys, "child_code").reindex(out.index, fill_value=0)
    out["episodes"] = _distinct_count(m, keys, "ep_code").reindex(out.index, fill_value=0)
    out = out.reset_index()
    postcodes = m.drop_duplicates("pc_code").set_index("pc_code")["postcode_placed"]
    out["postcode"] = postcodes.reindex(out["pc_code"]).to_numpy()
    out["role"] = np.asarray(ROLES, dtype=object)[out["role_code"].to_numpy()]
    rank = np.argsort(np.argsort(postcodes.to_numpy(dtype="U8"), kind="stable"))  # postcode order of each code
    out = out.iloc[np.lexsort((out["role_code"].to_numpy(), rank[postcodes.index.get_indexer(out["pc_code"])]))]
    out = out.reset_index(drop=True)
    out["postcode"] = out["postcode"].astype("string")
    out["role"] = out["role"].astype("string")
    return out[columns + ["pc_code", "role_code"]]


def place_kind(postcodes: pd.Series, homes: Homes, listed_kinds: dict, placed_at: pd.Index) -> pd.Series:
    """What a place is: ``childrens_home``, ``placement``, ``family_home``, the ``places.csv`` kind, or NA."""
    kind = _map_distinct(postcodes, listed_kinds)
    public = isin(postcodes, homes.public)  # hashed in Arrow (pandas makes a Python string of each postcode)
    family = isin(postcodes, homes.any) & ~public
    kind = kind.mask(family & kind.isna().to_numpy(bool), "family_home")
    kind = kind.mask(isin(postcodes, placed_at) & ~public, "placement")
    kind = kind.mask(isin(postcodes, homes.childrens), "childrens_home")
    return kind.astype("string")


def place_table(mentions: pd.DataFrame, roles: pd.DataFrame, listed: pd.DataFrame, homes: Homes) -> pd.DataFrame:
    """One row per placed postcode: its names, kind, roles, and counts per role.

    Returns ``place`` (the ``places.csv`` name, else the name most often
    written, else the postcode), ``listed_name``, ``written_name``,
    ``postcode``, ``district``, ``kind``, ``home`` (bool), ``easting``,
    ``northing``, ``lon``, ``lat``, ``role`` (main role, see
    :data:`MAIN_ROLE_ORDER`), ``roles`` (``;``-joined), ``children`` and
    ``episodes`` (of the main role), ``children_all`` (distinct children in
    any role), and ``{role}_children`` / ``{role}_episodes`` for every role.
    """
    _, listed_name, listed_kind = listed_names(listed)
    if mentions.empty:
        return pd.DataFrame(
            columns=[
                "place",
                "listed_name",
                "written_name",
                "postcode",
                "district",
                "kind",
                "home",
                "easting",
                "northing",
                "lon",
                "lat",
                "role",
                "roles",
                "children",
                "episodes",
                "children_all",
            ]
            + [f"{role}_{measure}" for role in ROLES for measure in ("children", "episodes")]
        )
    m = mentions if "pc_code" in mentions else with_codes(mentions)
    first = m.drop_duplicates("pc_code")
    first = first.iloc[np.argsort(first["postcode_placed"].to_numpy(dtype="U8"), kind="stable")]
    codes = first["pc_code"].to_numpy()
    out = pd.DataFrame({"postcode": first["postcode_placed"].to_numpy()}, dtype="string")
    for column in ("easting", "northing", "lon", "lat"):
        out[column] = first[column].to_numpy(float)
    pcs = out["postcode"]
    out["listed_name"] = _map_distinct(pcs, listed_name).to_numpy()
    named = m.loc[m["name"].notna(), ["postcode_placed", "name"]]
    if len(named):
        counts = named.value_counts().reset_index()  # most written first, then by name
        counts = counts.sort_values(["postcode_placed", "count", "name"], ascending=[True, False, True])
        written = counts.drop_duplicates("postcode_placed").set_index("postcode_placed")["name"]
        out["written_name"] = written.reindex(pcs).astype("string").to_numpy()
    else:
        out["written_name"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["place"] = out["listed_name"].fillna(out["written_name"]).fillna(pcs).astype("string")
    out["district"] = pcs.str.extract(r"^(\S+)", expand=False).to_numpy()
    out["kind"] = place_kind(pcs, homes, listed_kind, homes.placements).to_numpy()
    out["home"] = (isin(pcs, homes.any) & ~isin(pcs, homes.public)) | isin(pcs, homes.childrens)
    # children, episodes and mentions per place (row) and role (column), from the role table's codes
    size = int(m["pc_code"].max()) + 1
    row_of = np.full(size, -1)
    row_of[codes] = np.arange(len(codes))
    shape = (len(out), len(ROLES))
    rows, cols = row_of[roles["pc_code"].to_numpy()], roles["role_code"].to_numpy()
    tables = {}
    for measure in ("children", "episodes", "mentions"):
        table = np.zeros(shape, np.int64)
        table[rows, cols] = roles[measure].to_numpy(np.int64)
        tables[measure] = table
    for k, role in enumerate(ROLES):
        out[f"{role}_children"] = tables["children"][:, k]
        out[f"{role}_episodes"] = tables["episodes"][:, k]
    present = tables["mentions"] > 0
    mask = (present * (1 << np.arange(len(ROLES)))).sum(axis=1)
    words = {int(b): ";".join(r for k, r in enumerate(ROLES) if b >> k & 1) for b in np.unique(mask)}
    out["roles"] = pd.array([words[int(b)] for b in mask], dtype="string")
    main = np.full(len(out), len(ROLES) - 1)  # "other"
    home = out["home"].to_numpy(bool)
    for order, which in ((HOME_MAIN_ROLE_ORDER, home), (MAIN_ROLE_ORDER, ~home)):
        chosen = np.zeros(len(out), bool)
        for role in order:
            has = which & ~chosen & present[:, ROLES.index(role)]
            main[has] = ROLES.index(role)
            chosen |= has
    out["role"] = pd.array(np.asarray(ROLES, dtype=object)[main], dtype="string")
    out["children"] = tables["children"][np.arange(len(out)), main]
    out["episodes"] = tables["episodes"][np.arange(len(out)), main]
    per_place = _distinct_count(m, ["pc_code"], "child_code")
    out["children_all"] = per_place.reindex(codes, fill_value=0).to_numpy()
    lead = [
        "place",
        "listed_name",
        "written_name",
        "postcode",
        "district",
        "kind",
        "home",
        "easting",
        "northing",
        "lon",
        "lat",
        "role",
        "roles",
        "children",
        "episodes",
        "children_all",
    ]
    return out[lead + [c for c in out.columns if c not in lead]]
