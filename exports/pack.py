"""The meeting pack: one folder someone can open from a shared drive, with no server and no internet.

:func:`write_pack` writes, for one audience (DESIGN.md, "Audiences and what
leaves the tool"):

==========================  ========  ========  ========
file                        meeting   police    board
==========================  ========  ========  ========
index.html                  yes       yes       yes
network.html                yes       yes       no
map.html                    yes       yes       districts only
people, clusters, ties,     yes       yes       no
changes (.csv)
hotspots, places (.geojson) yes       yes       districts only
kpi.json                    yes       yes       counts 1-4 as "<5", ranks only
network.graphml             yes       yes       no
manifest.json               yes       yes       yes
==========================  ========  ========  ========

and appends a line to ``audit.jsonl`` beside the pack (:mod:`exports.audit`).

Nothing is worked out twice, and nothing written is read back. The order is:

1. :func:`exports.audience_view.audience_view` makes the audience's view once:
   what the audience may not see (handling ``C`` for a meeting; phones,
   vehicles and handles; notes) is removed *before* any analysis, so it cannot
   shape what is shown either; :func:`mapping.analysis.analyse` on that dataset
   (people, clusters, ties, changes, evidence), and the places and hot spots
   with the clusters and adults of concern it found;
2. :func:`exports.analysis_folder.write_analysis_files` writes the CSV files,
   ``kpi.json`` and the GeoJSON (:mod:`exports.geojson`) as the audience allows;
3. the pages and the GraphML are drawn from those same results through the
   same audience views (:func:`exports.audiences.people_view`,
   :func:`~exports.audiences.texts_view`; the board's suppression, :mod:`exports.board`),
   so a page never shows what its files do not hold;
4. :func:`exports.manifest.write_manifest` lists every file with its SHA-256.

:func:`exports.child_page.write_child_page` writes the ``worker`` audience's
one page and its audit line.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from peermap.exports.agenda import cluster_sections, outside_clusters
from peermap.exports.analysis_folder import audience_ties, write_analysis_files
from peermap.exports.audience_view import audience_view
from peermap.exports.audiences import (
    FOLDER_AUDIENCES,
    associate_names,
    audience_policy,
    children_view,
    people_view,
    texts_view,
)
from peermap.exports.audit import audited
from peermap.exports.board import SMALL, board_measures
from peermap.exports.escaping import display
from peermap.exports.geojson import hotspot_features, place_features
from peermap.exports.graphml import write_graphml
from peermap.exports.index_page import index_page
from peermap.exports.manifest import write_csv, write_manifest
from peermap.exports.map_page import map_page, resolve_basemap
from peermap.exports.network_page import cluster_colours, network_page
from peermap.exports.output_folder import OutputFolder
from peermap.exports.page import write_page
from peermap.exports.shared_identifiers import shared_identifier_words
from peermap.exports.timeline import place_timeline, timeline
from peermap.graph_models.dataset import Dataset
from peermap.graph_models.reading import sha256_file
from peermap.mapping.evidence import explain, period_rows
from peermap.mapping.evidence.kinds import kind_names
from peermap.mapping.evidence.words import grade_words, source_noun, strength_legend
from peermap.mapping.measures import compute_measures
from peermap.mapping.periods import LOOKBACK_MONTHS, Period

ROLE_WORDS = {
    "adult_of_concern": "adult of concern",
    "protective": "protective (safety)",
    "peer": "peer",
    "family": "family",
    "professional": "professional",
    "unknown": "unknown",
}


@dataclass
class Pack:
    """What :func:`build_pack` made, before and after writing (the tests and the benchmark read it)."""

    out_dir: Path
    audience: str
    period: Period
    files: list[Path] = field(default_factory=list)
    nodes: pd.DataFrame | None = None
    edges: pd.DataFrame | None = None
    manifest_sha256: str = ""
    audit: dict | None = None
    timings: dict = field(default_factory=dict)


# -- the network's frames ---------------------------------------------------------------------------------------
def _pair_key(a: pd.Series, b: pd.Series) -> pd.Series:
    a, b = a.astype(str), b.astype(str)
    return pd.Series(np.where(a < b, a + "|" + b, b + "|" + a), index=a.index)


def _evidence_by_pair(analysis, policy, shown: pd.Series, links: pd.DataFrame | None = None) -> dict[str, list[dict]]:
    """Each tie's evidence in words (:mod:`mapping.evidence.explain`), as the audience may see it.

    The police get the grade codes, the raw IDs and the notes of the links;
    everyone else the sentences the analysis made, in words only.
    """
    rows = analysis.evidence
    if rows.empty:
        return {}
    notes = pd.Series([""] * len(rows), index=rows.index, dtype=object)
    if policy.notes and links is not None and len(links) and "link_ids" in rows:
        note_of = links.set_index("link_id")["notes"].dropna().astype(str).to_dict()
        notes = (
            rows["link_ids"]
            .map(
                lambda ids: "; ".join(note_of[i] for i in re.split(r"[;,\s]+", display(ids)) if i in note_of),
                na_action="ignore",
            )
            .fillna("")
        )
    if policy.raw_ids or "detail" not in rows or rows["detail"].isna().any():
        detail = explain(rows, analysis.records, police=policy.raw_ids)
    else:
        detail = rows["detail"]
    detail = texts_view(pd.Series(detail).astype("string").reset_index(drop=True), shown)
    frame = pd.DataFrame(
        {
            "pair": _pair_key(rows["a"], rows["b"]).to_numpy(),
            "kind": rows["kind"].astype("string").to_numpy(),
            "detail": detail.to_numpy(),
            "unverified": rows["unverified"].to_numpy(dtype=bool),
            "weight": rows["weight"].to_numpy(dtype=float),
            "notes": notes.to_numpy(),
        }
    ).sort_values(["pair", "weight"], ascending=[True, False], kind="stable")
    out: dict[str, list[dict]] = {}
    for pair, kind, text, unverified, note in zip(
        frame["pair"], frame["kind"], frame["detail"], frame["unverified"], frame["notes"]
    ):
        if note:
            text = f"{text}. Notes: {note}"
        out.setdefault(pair, []).append({"kind": kind, "detail": text, "unverified": unverified})
    return out


INTELLIGENCE_COLUMNS = [
    "link_id",
    "child_id",
    "child_ref",
    "child_name",
    "recorded_at",
    "target_type",
    "target_ref",
    "target_child_id",
    "target_child_ref",
    "associate_ref",
    "role",
    "episode_id",
    "rthi_id",
    "with_during_episode",
    "source",
    "source_grade",
    "intel_grade",
    "handling",
    "unverified",
    "notes",
]


def intelligence_rows(dataset: Dataset, period: Period) -> pd.DataFrame:
    """Every intelligence link of the period as recorded (police only: raw IDs, notes, phones, vehicles, handles).

    A link belongs to the period as :func:`mapping.evidence.period_rows` says.
    """
    links = period_rows(dataset, period).links.copy()
    names = pd.Series(dataset.children["display_name"].to_numpy(), index=dataset.children["child_id"].to_numpy())
    links["child_name"] = links["child_id"].map(names).astype("string")
    for column in INTELLIGENCE_COLUMNS:
        if column not in links:
            links[column] = pd.NA
    return links[INTELLIGENCE_COLUMNS].sort_values(["recorded_at", "link_id"], ignore_index=True)


def shared_identifiers(intelligence: pd.DataFrame) -> pd.DataFrame:
    """Phones, vehicles and handles linked to two or more children in the period (police)."""
    ids = intelligence[
        intelligence["target_type"].isin(["phone", "vehicle", "online"]).fillna(False).to_numpy(dtype=bool)
    ]
    if ids.empty:
        return pd.DataFrame(columns=["target_type", "target_ref", "children", "child_refs"])
    key = ids["target_ref"].astype("string").str.lower().str.replace(r"\s+", "", regex=True)
    grouped = ids.assign(key=key).groupby(["target_type", "key"])
    out = pd.DataFrame(
        {
            "target_ref": grouped["target_ref"].first(),
            "children": grouped["child_ref"].nunique(),
            "child_refs": grouped["child_ref"].agg(lambda s: ", ".join(sorted(set(s.dropna())))),
        }
    )
    out = out[out["children"] >= 2].reset_index().drop(columns="key")
    return out.sort_values(["children", "target_type", "target_ref"], ascending=[False, True, True], ignore_index=True)


def network_frames(
    analysis, places, places_fc: dict, dataset: Dataset, policy, lookback: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nodes and edges of ``network.html`` and ``network.graphml`` for an audience.

    People come from the audience's people view; ties from the analysis (risk,
    safety and context); safe places from the hot-spot step's place mentions,
    joined to the children they are safe places for.
    """
    shown = associate_names(dataset.associates, policy)
    people = people_view(analysis.people, dataset.children, dataset.associates, policy)
    kind = people["kind"].astype(str)
    name = people["name"].astype("string") if "name" in people else pd.Series(pd.NA, index=people.index)
    label = people["label"].astype("string") if "label" in people else pd.Series(pd.NA, index=people.index)
    shown_label = name.fillna(label).fillna(people["ref"].astype("string"))
    role = people["role"].astype("string")
    tie_type = people["tie_type"].astype("string") if "tie_type" in people else pd.Series("risk", index=people.index)
    details = person_details(
        people, children_view(dataset.children, analysis.period.end, policy), analysis.period, policy, lookback
    )
    nodes = pd.DataFrame(
        {
            "id": people["ref"].astype(str).to_numpy(),
            "label": shown_label.to_numpy(),
            "ref_label": label.fillna(people["ref"].astype("string")).to_numpy(),
            "kind": kind.to_numpy(),
            "role": role.to_numpy(),
            "cluster": people["cluster"].to_numpy(),
            "score": people["score"].to_numpy(),
            "degree": people["degree"].to_numpy(),
            "betweenness": people["betweenness"].to_numpy(),
            "concern": role.eq("adult_of_concern").fillna(False).to_numpy(dtype=bool),
            "safety": (tie_type.eq("safety").fillna(False) & kind.eq("associate")).to_numpy(dtype=bool),
            "context": (tie_type.eq("context").fillna(False) & kind.eq("associate")).to_numpy(dtype=bool),
            "details": details,
        }
    )

    ties = audience_ties(analysis, policy, shown)
    evidence = _evidence_by_pair(analysis, policy, shown, dataset.links)
    pair = _pair_key(ties["a"], ties["b"]) if len(ties) else pd.Series([], dtype=str)
    edges = pd.DataFrame({"from": ties["a"].astype(str), "to": ties["b"].astype(str)})
    for column in ("weight", "tie_type", "unverified", "strength", "why", "first_seen", "last_seen", *kind_names()):
        if column in ties:
            edges[column] = ties[column].to_numpy()
    edges["evidence"] = [evidence.get(p, []) for p in pair]

    place_nodes, place_edges = _safe_places(places, places_fc, dataset, set(nodes["id"]))
    if len(place_nodes):
        nodes = pd.concat([nodes, place_nodes], ignore_index=True)
        edges = pd.concat([edges, place_edges], ignore_index=True)
    return nodes, edges


#: Said of a safety or context associate instead of a score (they are never counted as risk).
NOT_RISK_WORDS = {"safety": "safety: not counted as risk", "context": "context: not counted as risk"}


def person_details(
    people: pd.DataFrame, children: pd.DataFrame, period: Period, policy, lookback: int | None = None
) -> list[list[tuple]]:
    """What the network page says of each person: ``(label, value)`` pairs, every count naming its window.

    An associate's reach is this period's; where the people frame also has
    ``children_reached_lookback`` and ``clusters_reached_lookback`` (people.csv's
    look-back columns) and the view has a ``lookback`` of months, it reads
    "1 in March 2023 / 6 in the last 12 months", both from people.csv.

    ``people`` is the audience's people view; ``children`` the audience's
    :func:`exports.audiences.children_view`. Counts are those of ``people.csv``
    (one definition, so the same number on every page); the police also see
    the bridging measure as a number, others see no raw measure.
    """
    window = f", {period.label}"
    out = []
    for row in people.to_dict("records"):
        facts = [("Reference", row["ref"])]
        if policy.raw_ids and display(row.get("id")):
            facts.append(("Case ID", row.get("id")))
        if display(row.get("name")):
            facts.append(("Name", row.get("name")))
        if row["kind"] == "associate" and display(row.get("label")) and row.get("label") != row["ref"]:
            facts.append(("Known as", row.get("label")))
        cluster = row.get("cluster")
        cluster = "none" if cluster is None or pd.isna(cluster) else int(cluster)
        if row["kind"] == "child":
            facts.append(("Child", "a young person"))
            if row["ref"] in children.index:
                child = children.loc[row["ref"]]
                facts.append((f"Age on {period.end.strftime('%d %b %Y')}", child.get("age")))
                facts.append(("In care", child.get("in_care")))
                facts.append(("Child exploitation risk", child.get("ce_risk")))
                for column, words in (("school", "School"), ("exploitation_type", "Exploitation type")):
                    if column in child:
                        facts.append((words, child.get(column)))
            facts.append(("Peer cluster", cluster))
            facts.append((f"Missing episodes{window}", _count(row.get("episodes"))))
            facts.append((f"People linked by risk ties{window}", _count(row.get("degree"))))
            facts.append((f"Adults of concern linked{window}", _count(row.get("adults_of_concern"))))
            facts.append(("Score (most connected: may need most support), 0-100", row.get("score")))
        else:
            facts.append(("Role", ROLE_WORDS.get(row.get("role"), display(row.get("role")) or "unknown")))
            tie_type = display(row.get("tie_type")) or "risk"
            for column, words in (("children_reached", "Children linked"), ("clusters_reached", "Their peer clusters")):
                now, before = _count(row.get(column)), _count(row.get(f"{column}_lookback"))
                if lookback and f"{column}_lookback" in people and now is not None and before is not None:
                    facts.append((words, f"{now} in {period.label} / {before} in the last {lookback} months"))
                else:
                    facts.append((f"{words}{window}", now))
            if tie_type == "risk":
                facts.append(("Peer cluster", cluster))
                facts.append(("Score (people to disrupt), 0-100", row.get("score")))
            else:
                facts.append(("Counted as", NOT_RISK_WORDS[tie_type]))
        if policy.raw_ids:
            facts.append(("Bridging (betweenness, police only)", row.get("betweenness")))
        out.append([(k, _fmt(v)) for k, v in facts if _fmt(v) != ""])
    return out


def _count(value):
    """A count as a whole number (never ``2.0``); unknown stays unknown."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return int(value)


def _fmt(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3f}".rstrip("0").rstrip(".")
    return display(value)


def _safe_places(places, places_fc: dict, dataset: Dataset, people: set) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safe places as nodes tied (safety, weight 0) to the children they are safe places for."""
    if places is None or places.mentions.empty:
        return pd.DataFrame(), pd.DataFrame()
    m = places.mentions
    m = m[m["role"].eq("safe_place").fillna(False).to_numpy(dtype=bool) & m["child_ref"].isin(people).to_numpy()]
    m = m[m["postcode_placed"].notna().to_numpy()]
    if m.empty:
        return pd.DataFrame(), pd.DataFrame()
    name_of = {
        f["properties"].get("postcode"): display(f["properties"].get("place")) for f in places_fc.get("features", [])
    }
    links = (
        dataset.links.set_index("link_id")[["source", "source_grade", "intel_grade"]] if len(dataset.links) else None
    )
    nodes, edges = [], []
    for postcode, group in m.groupby("postcode_placed", sort=True):
        node_id = f"P-{postcode}"
        label = name_of.get(postcode) or postcode
        children = group["child_ref"].nunique()
        nodes.append(
            {
                "id": node_id,
                "label": label,
                "kind": "place",
                "role": "safe_place",
                "cluster": pd.NA,
                "score": 0.0,
                "degree": children,
                "betweenness": pd.NA,
                "concern": False,
                "safety": True,
                "context": False,
                "details": [
                    ("Place", label),
                    ("Postcode", postcode),
                    ("Children it is a safe place for", str(children)),
                ],
            }
        )
        for child, rows in group.groupby("child_ref", sort=True):
            items = []
            for row in rows.to_dict("records"):
                when = row.get("at")
                day = when.strftime("%d %b %Y") if when is not None and not pd.isna(when) else "a date not recorded"
                link_id = row.get("link_id")
                record = f"{child}'s record of {day}"
                if links is not None and display(link_id) and link_id in links.index:
                    source = links.loc[link_id]
                    record = (
                        f"{child}'s {source_noun(source['source'])} of {day} "
                        f"({grade_words(source['source_grade'], source['intel_grade'])})"
                    )
                items.append(
                    {
                        "kind": "safe_place",
                        "unverified": bool(row.get("unverified")),
                        "detail": f"{record} names {label} as a safe place",
                    }
                )
            edges.append(
                {
                    "from": child,
                    "to": node_id,
                    "weight": 0.0,
                    "tie_type": "safety",
                    "unverified": all(i["unverified"] for i in items),
                    "strength": "safety",
                    "why": "a safe place (safety, not risk)",
                    "evidence": items,
                }
            )
    return pd.DataFrame(nodes), pd.DataFrame(edges)


def cluster_places(analysis, places_fc: dict) -> pd.DataFrame:
    """Each peer cluster's places of concern: ``cluster``, ``postcode``, ``place``, ``children``."""
    rows = analysis.place_rows
    if rows is None or rows.empty:
        return pd.DataFrame(columns=["cluster", "postcode", "place", "children"])
    cluster = analysis.people.set_index("ref")["cluster"]
    frame = pd.DataFrame({"child": rows["a"].to_numpy(), "postcode": rows["via_key"].astype("string").to_numpy()})
    frame["cluster"] = frame["child"].map(cluster).to_numpy()
    frame = frame.dropna(subset=["cluster", "postcode"])
    frame = frame[~frame["postcode"].str.startswith("name:")]
    if frame.empty:
        return pd.DataFrame(columns=["cluster", "postcode", "place", "children"])
    out = frame.groupby(["cluster", "postcode"])["child"].nunique().rename("children").reset_index()
    name_of = {
        f["properties"].get("postcode"): display(f["properties"].get("place")) for f in places_fc.get("features", [])
    }
    out["place"] = out["postcode"].map(name_of)
    out["cluster"] = out["cluster"].astype(int)
    return out


def _board_shown(collection: dict, text) -> dict:
    """A board FeatureCollection as its pages show it: each suppressed number as ``text(properties, field)``."""
    features = []
    for feature in collection.get("features", []):
        props = dict(feature["properties"])
        for key in [k for k in props if k.endswith("_suppressed")]:
            field_name = key[: -len("_suppressed")]
            if props[key]:
                props[field_name] = text(feature["properties"], field_name)
            del props[key]
        features.append({**feature, "properties": props})
    return {**collection, "features": features}


# -- the pack -----------------------------------------------------------------------------------------------------
def _nav(board: bool) -> list[tuple[str, str]]:
    return [("index.html", "Summary")] + ([] if board else [("network.html", "Network")]) + [("map.html", "Map")]


def build_pack(
    dataset: Dataset,
    period: Period,
    audience: str,
    out_dir: "str | Path | OutputFolder",
    names: bool = False,
    basemap: str = "none",
    *,
    command: list[str] | None = None,
    user: str | None = None,
    audit: bool = True,
    **options,
) -> Pack:
    """:func:`write_pack`, returning what it made (see :class:`Pack`).

    ``out_dir`` is a path, or the :class:`~exports.output_folder.OutputFolder`
    a command already opened (it then commits the folder and writes the audit line).
    """
    folder = OutputFolder.of(out_dir)
    log = (
        audited(folder.out, audience=audience, period=period.as_dict(), command=command, user=user)
        if audit
        else contextlib.nullcontext()
    )
    with log as run, folder:
        pack = _write_pack(dataset, period, audience, folder, names, basemap, **options)

        def record(manifest_sha256: str | None) -> None:
            pack.audit = run.written(manifest_sha256)

        folder.commit(after=record if run is not None else None)
    pack.files = [folder.placed(f) for f in pack.files]
    return pack


def _write_pack(
    dataset: Dataset,
    period: Period,
    audience: str,
    folder: OutputFolder,
    names: bool = False,
    basemap: str = "none",
    *,
    settings=None,
    postcodes=None,
    top: int = 11,
    seed: int = 7,
    lookback: int = LOOKBACK_MONTHS,
    covers_from: str | None = None,
) -> Pack:
    """Every file of the pack, made in ``folder.path`` (the staging folder), the manifest last."""
    if audience not in FOLDER_AUDIENCES:
        raise ValueError(
            f"a pack is made for {', '.join(FOLDER_AUDIENCES)}, not {audience!r} "
            "(the worker audience gets one child's page: peermap child)"
        )
    resolve_basemap(basemap)  # a bad --basemap stops before anything is written
    policy = audience_policy(audience, names=names)
    board = not policy.people
    out = folder.path
    pack = Pack(folder.given, audience, period)
    timings = pack.timings
    view = audience_view(
        dataset,
        period,
        audience,
        names=names,
        settings=settings,
        postcodes=postcodes,
        timings=timings,
        lookback=lookback,
        covers_from=covers_from,
    )
    analysis, places, restricted = view.analysis, view.places, view.restricted

    clock = time.perf_counter()
    files = write_analysis_files(view, out)
    intelligence = None
    if policy.raw_ids and policy.notes and policy.identifiers:
        intelligence = intelligence_rows(restricted, period)
        files.append(write_csv(intelligence, out / "intelligence.csv"))
        if analysis.lookback is not None:
            files.append(write_csv(analysis.lookback.shared_identifiers, out / "shared_identifiers.csv"))
    hotspots_fc = hotspot_features(places, audience, board=view.districts)
    places_fc = place_features(places, audience)
    if board:  # pages say "<5" or "hidden" where the files hold null
        hotspots_fc = _board_shown(hotspots_fc, lambda p, k: view.districts.text(p["district"], k))
        places_fc = _board_shown(places_fc, lambda p, k: SMALL)
    timings["data files"] = time.perf_counter() - clock

    shown = view.shown
    names_by_ref = shown.to_dict()
    nav = _nav(board)
    subtitle = f"{period.label}, for the {audience} audience"
    colours = None  # each cluster's colour, worked out once so the network and the map agree
    if not board:
        clock = time.perf_counter()
        nodes, edges = network_frames(analysis, places, places_fc, dataset, policy, view.lookback)
        pack.nodes, pack.edges = nodes, edges
        colours = cluster_colours(nodes["cluster"], edges, nodes["id"])
        clusters = analysis.clusters.copy()
        for column in ("summary", "places"):
            clusters[column] = texts_view(clusters[column].astype("string"), shown)
        filter_rows = pd.DataFrame(
            {
                "cluster": clusters["cluster"],
                "label": [f"Cluster {c}: {n} children" for c, n in zip(clusters["cluster"], clusters["n_children"])],
                "summary": [display(s) for s in clusters["summary"]],
            }
        )
        page = network_page(
            nodes,
            edges,
            clusters=filter_rows,
            title="Peer network",
            subtitle=subtitle,
            nav=nav,
            seed=seed,
            numbers=policy.raw_ids,
            strengths=strength_legend(analysis.settings),
            time=timeline(restricted, analysis, nodes["id"], postcodes),
            colours=colours,
            intro="Children and the people around them in the period. Colour: peer cluster; "
            "size: score (children: most connected, may need most support). Hover "
            "over or click a tie to see why it exists.",
        )
        files.append(write_page(out / "network.html", page))
        positions = {n["id"]: (n["x"], n["y"]) for n in page.data["pm-data"]["nodes"]}
        files.append(write_graphml(nodes, edges, out / "network.graphml", positions))
        timings["network page and GraphML"] = time.perf_counter() - clock

    clock = time.perf_counter()
    page = map_page(
        hotspots_fc,
        places_fc,
        cluster_places=None if board else cluster_places(analysis, places_fc),
        names=names_by_ref,
        basemap=basemap,
        title="Hot spots and places",
        subtitle=subtitle,
        nav=nav,
        intro=(
            "Hot spots counted by postcode district; counts from 1 to 4 are shown as <5, and a count from which one "
            "could be worked out as hidden."
            if board
            else "Hot-spot areas ranked by children, then episodes, then the most recent; "
            "places by what happened there. Switch layers in the box on the map."
        ),
        table_title="Postcode districts, ranked" if board else "Hot-spot areas, ranked",
        labelled=1000 if board else 10,
        orientation=places.orientation,
        time=None
        if board
        else place_timeline(
            restricted,
            analysis,
            {f["properties"].get("postcode") for f in places_fc.get("features", [])},
            "C" in policy.handling,
            postcodes,
        ),
        colours=colours,
    )
    files.append(write_page(out / "map.html", page))
    timings["map page"] = time.perf_counter() - clock

    clock = time.perf_counter()
    board_view = None
    if board:
        board_view = board_measures(dataset, period, top=top)
        measures, previous = board_view.measures["now"], board_view.measures["before"]
    else:
        measures = compute_measures(dataset, period, top=top)
        previous = compute_measures(dataset, period.previous(), top=top)
    sections = outside = None
    if board:
        people_rows = clusters_rows = changes_rows = None
    else:
        people_rows = people_view(analysis.people, dataset.children, dataset.associates, policy)
        clusters_rows = analysis.clusters.copy()
        for column in ("summary", "places"):
            clusters_rows[column] = texts_view(clusters_rows[column].astype("string"), shown)
        changes_rows = analysis.changes.copy()
        for column in ("subject", "detail"):
            changes_rows[column] = texts_view(changes_rows[column].astype("string"), shown)
        sections = cluster_sections(
            period=period,
            people=people_rows,
            clusters=clusters_rows,
            children=children_view(dataset.children, period.end, policy),
            changes=changes_rows,
            places=cluster_places(analysis, places_fc),
            nodes=pack.nodes,
            edges=pack.edges,
            names=policy.names,
        )
        outside = outside_clusters(measures["all"]["frequently_missing"], people_rows)
        if policy.names:
            child_names = dict(zip(dataset.children["ref"], dataset.children["display_name"].astype("string")))
            outside = [dict(row, name=display(child_names.get(row.get("child")))) for row in outside]
    listed = sorted({Path(f).name for f in files} | {"manifest.json"})
    lead = {
        "meeting": "For the multi-agency mapping meeting: children by reference"
        + (" and name" if policy.names else "")
        + ", intelligence that may be shared with partners "
        "(handling P) only.",
        "police": "For the police child-exploitation team: everything, including raw IDs, names, notes and "
        "police-only (handling C) intelligence.",
        "board": "For the board: measures and counts by postcode district only. No child can be identified from "
        "this pack.",
    }[audience]
    page = index_page(
        period=period,
        previous_period=period.previous(),
        measures=measures,
        previous=previous,
        audience=audience,
        board=board,
        police=audience == "police",
        people=people_rows,
        clusters=clusters_rows,
        changes=changes_rows,
        hotspots=hotspots_fc,
        files=listed,
        show_names=policy.names,
        nav=nav,
        lead=lead,
        first_period=analysis.info.get("first_period", False),
        coverage_from=analysis.info.get("coverage_from") or "",
        board_measures=board_view,
        loaded=dataset.loaded,
        identifiers=None if intelligence is None else shared_identifiers(intelligence),
        shared_lookback=None
        if intelligence is None or analysis.lookback is None
        else shared_identifier_words(
            analysis.lookback.shared_identifiers, period, analysis.lookback.window, analysis.lookback.months
        ),
        sections=sections,
        outside=outside,
        lookback=view.lookback,
    )
    files.insert(0, write_page(out / "index.html", page))
    timings["index page"] = time.perf_counter() - clock

    extra = {
        "names": policy.names,
        "basemap": basemap or "none",
        "lookback": view.lookback,
        "engine": analysis.info.get("engine", "python"),
        "formats": ["csv"],
        "summary_only": False,
        "settings": view.settings(),
        "clustering": analysis.info.get("clustering"),
        "betweenness": analysis.info.get("betweenness"),
    }
    if not board:
        extra["network"] = {
            "people": int((pack.nodes["kind"] != "place").sum()),
            "places": int((pack.nodes["kind"] == "place").sum()),
            "ties": int(len(pack.edges)),
        }
    manifest = write_manifest(out, audience, period, dataset.inputs, files, extra, loaded=dataset.loaded)
    pack.files = [*files, manifest]
    pack.manifest_sha256 = sha256_file(manifest)
    return pack


def write_pack(
    dataset: Dataset,
    period: Period,
    audience: str,
    out_dir: str | Path,
    names: bool = False,
    basemap: str = "none",
    **kwargs,
) -> Path:
    """Write the pack of one period for one audience into ``out_dir``; returns ``out_dir``.

    Parameters
    ----------
    dataset : the loaded tables (everything; the audience decides what leaves).
    period : the period (SCHEMA.md "Periods"); the previous one is compared with it.
    audience : ``meeting``, ``police`` or ``board`` (DESIGN.md's audience table).
    out_dir : the folder to write (created if need be).
    names : let a meeting see children's names (``--names``).
    basemap : ``none`` (default: the pages make no request), ``osm``, or a tile URL template.
    **kwargs : ``settings`` (:class:`mapping.settings.EvidenceSettings`), ``postcodes`` (an index),
        ``top`` (frequently missing), ``seed`` (layout), ``lookback`` (months of the hot spots' window and
        series) and ``covers_from`` (where the data's coverage starts), ``command`` and ``user`` (for the audit line),
        ``audit`` (False: no audit line, for tests of the pages alone).

    Examples
    --------
    >>> write_pack(load_folder("data/durham"), Period.from_month("2023-03"), "meeting", "out/pack")  # doctest: +SKIP
    PosixPath('out/pack')
    """
    return build_pack(dataset, period, audience, out_dir, names, basemap, **kwargs).out_dir
