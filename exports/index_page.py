"""``index.html``: the front page of a pack, the one a meeting runs from as its agenda (and prints).

For the meeting and the police it opens with the agenda, a table of contents
in meeting order: (1) what needs a decision, as changes.csv ranks it; (2) one
section per peer cluster (:mod:`exports.agenda`: its children with age, in
care or not and CE risk, the adults of concern and associates around them,
their places, the safety around them, what changed for it, and links to it in
the network and on the map); (3) the frequently missing children in no
cluster; (4) the adults of concern across clusters; (5) the top hot spots;
(6) the measures beside the previous period's; then the files. Printed, each
cluster starts on a new sheet and every sheet is marked (``page.css``).
Names, where the audience may see them, stay hidden until "Show names" is
pressed (``names.js``): the page opens showing references (DESIGN.md).

For the ``board`` the page holds the measures (counts from 1 to 4 shown as
``<5``), the frequently missing by rank only, and hot spots counted by
postcode district: no references, no people, no network.

Words follow DESIGN.md: a child's score means "most connected: may need most
support", never "recruiter"; people are "linked", never "members"; adults of
concern are ranked apart, as people to disrupt.
"""

from __future__ import annotations

import pandas as pd

from peermap.exports import assets
from peermap.exports.agenda import CHANGE_WORDS, reach_text, window_words
from peermap.exports.escaping import display
from peermap.exports.page import ENV, Page
from peermap.mapping.measures import GROUP_TITLES, GROUPS, LABELS, format_value


def _rows_word(n: int) -> str:
    """``1 row``, ``1,204 rows``; empty for none (the page then says no row was rejected)."""
    return "" if n == 0 else f"{n:,} row{'' if n == 1 else 's'}"


FILE_WORDS = {
    "network.html": "the peer network",
    "map.html": "the hot-spot map",
    "people.csv": "children and associates, by score",
    "clusters.csv": "peer clusters",
    "ties.csv": "ties and why",
    "changes.csv": "changes since the previous period",
    "hotspots.geojson": "hot-spot areas (GIS)",
    "places.geojson": "places (GIS)",
    "kpi.json": "the measures",
    "network.graphml": "the network for Gephi or yEd",
    "manifest.json": "what is in the pack, with checksums",
    "possible_duplicates.csv": "associates who may be the same person",
    "intelligence.csv": "every intelligence link of the period as recorded (police only)",
    "shared_identifiers.csv": "phones, vehicles and handles shared over the look-back (police only)",
}


def _measure_rows(measures: dict, previous: dict, board=None) -> list[dict]:
    """Each measure's cells, this period beside the previous one; for the board, as its suppression allows."""
    rows = []
    for measure, label in LABELS.items():
        if board is not None:
            cells = [{"now": board.text("now", g, measure), "before": board.text("before", g, measure)} for g in GROUPS]
        else:
            cells = [
                {
                    "now": format_value(measure, measures[g][measure]),
                    "before": format_value(measure, previous[g][measure]),
                }
                for g in GROUPS
            ]
        rows.append({"label": label, "cells": cells})
    return rows


def _frequent(measures: dict, board=None) -> list[dict]:
    out = []
    if board is not None and board.list_withheld:
        return out
    for rank, row in enumerate(measures["all"]["frequently_missing"], start=1):
        if board is not None:
            out.append(
                {
                    "rank": rank,
                    "child": "",
                    **{f: board.frequent_text("now", rank, f) for f in ("episodes", "declined", "declined_pct")},
                }
            )
            continue
        pct = row.get("declined_pct")
        out.append(
            {
                "rank": rank,
                "child": display(row.get("child")),
                "episodes": display(row["episodes"]),
                "declined": display(row["declined"]),
                "declined_pct": "n/a" if pct is None else f"{pct}%",
            }
        )
    return out


def _number(value, places: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return f"{value:.{places}f}".rstrip("0").rstrip(".") if places else str(round(value))
    return display(value)


def index_page(
    *,
    period,
    previous_period,
    measures: dict,
    previous: dict,
    audience: str,
    board: bool,
    police: bool = False,
    people: pd.DataFrame | None = None,
    clusters: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    hotspots: dict | None = None,
    files: list[str] = (),
    show_names: bool = False,
    nav: list | None = None,
    lead: str = "",
    top: int = 10,
    top_changes: int = 10,
    identifiers: pd.DataFrame | None = None,
    first_period: bool = False,
    coverage_from: str = "",
    board_measures=None,
    loaded: dict | None = None,
    shared_lookback: dict | None = None,
    sections: list[dict] | None = None,
    outside: list[dict] | None = None,
    lookback: int | None = None,
) -> Page:
    """The front page of a pack (see the module docstring).

    ``people``, ``clusters``, ``changes`` are the audience's views (names and
    labels already decided); ``hotspots`` the pack's ``hotspots.geojson``
    collection as the page shows it. For the board, ``board_measures``
    (:class:`exports.board.BoardMeasures`) says how each measure reads.
    ``sections`` and ``outside`` are :func:`exports.agenda.cluster_sections` and
    :func:`exports.agenda.outside_clusters`; ``lookback`` the look-back in months
    (the adults' reach over it is shown where people.csv has it).
    """
    children, adults, cluster_rows, change_rows = [], [], [], []
    if people is not None and len(people):
        kids = people[people["kind"].eq("child")].sort_values(["score", "ref"], ascending=[False, True]).head(top)
        for row in kids.to_dict("records"):
            children.append(
                {
                    "ref": display(row["ref"]),
                    "name": display(row.get("name")),
                    "cluster": _number(row.get("cluster")),
                    "episodes": _number(row.get("episodes"), 0),
                    "degree": _number(row.get("degree")),
                    "score": _number(row.get("score")),
                }
            )
        concern = people[people["kind"].eq("associate") & people["role"].eq("adult_of_concern").fillna(False)]
        concern = concern.sort_values(
            ["children_reached", "clusters_reached", "score", "ref"], ascending=[False, False, False, True]
        )
        for row in concern.to_dict("records"):
            label = display(row.get("name")) or display(row.get("label")) or display(row["ref"])
            if label != display(row["ref"]):
                label = f"{label} ({display(row['ref'])})"
            adults.append(
                {
                    "label": label,
                    "children_reached": reach_text(row, "children_reached", lookback, period),
                    "clusters_reached": reach_text(row, "clusters_reached", lookback, period),
                    "cluster": _number(row.get("cluster")),
                }
            )
    if clusters is not None and len(clusters):
        for row in clusters.to_dict("records"):
            cluster_rows.append(
                {k: display(row.get(k)) for k in ("cluster", "n_children", "n_associates", "ties", "summary", "places")}
            )
    if changes is not None and len(changes):
        for row in changes.head(top_changes).to_dict("records"):
            change_rows.append(
                {
                    "rank": display(row.get("rank")),
                    "kind": CHANGE_WORDS.get(display(row.get("kind")), display(row.get("kind"))),
                    "subject": display(row.get("subject")),
                    "detail": display(row.get("detail")),
                }
            )
    spots = []
    features = (hotspots or {}).get("features", [])
    for feature in features[:top]:
        p = feature["properties"]
        where = display(p.get("name")) or display(p.get("district"))  # "Wharton Park", "DH8 Consett"
        spots.append(
            {
                "rank": display(p.get("rank")),
                "where": where,
                "children": display(p.get("children")),
                "episodes": display(p.get("episodes")),
                "trend": display(p.get("trend")),
                "clusters": display(p.get("clusters")).replace(";", ", "),
            }
        )
    shared = (
        []
        if identifiers is None
        else [{k: display(v) for k, v in row.items()} for row in identifiers.head(top * 2).to_dict("records")]
    )
    pages = [(f, FILE_WORDS[f]) for f in ("network.html", "map.html") if f in files]
    body = ENV.get_template("index.html.j2").render(
        lead=lead,
        pages=[(f, w[0].upper() + w[1:]) for f, w in pages],
        period=period.label,
        previous_period=previous_period.label,
        groups=[{"title": GROUP_TITLES[g]} for g in GROUPS],
        measure_rows=_measure_rows(measures, previous, board_measures),
        frequent=_frequent(measures, board_measures),
        frequent_withheld=board_measures is not None and board_measures.list_withheld,
        board=board,
        police=police,
        changes=change_rows,
        more_changes=max(0, (0 if changes is None else len(changes)) - top_changes),
        clusters=cluster_rows,
        children=children,
        adults=adults,
        show_names=show_names,
        hotspots=spots,
        more_hotspots=max(0, len(features) - top),
        files=[(f, FILE_WORDS.get(f, "")) for f in files if f not in ("index.html",)],
        identifiers=shared,
        show_identifiers=identifiers is not None,
        shared_lookback=shared_lookback,
        first_period=first_period,
        coverage_from=coverage_from,
        sections=sections or [],
        outside=outside or [],
        window=window_words(period),
        period_end=period.end.strftime("%d %b %Y"),
        names_toggle=show_names and not board,
        show_private=show_names and not board,
        lookback=lookback,
        reach_lookback=bool(
            lookback and people is not None and "children_reached_lookback" in getattr(people, "columns", ())
        ),
        loaded=[(file, f"{rows[0]:,} of {rows[1]:,} rows") for file, rows in (loaded or {}).items()],
        rejected=_rows_word(sum(total - kept for kept, total in (loaded or {}).values())),
    )
    return Page(
        title=f"Mapping pack, {period.label}",
        subtitle=f"for the {audience} audience",
        body=body,
        nav=nav or [],
        current="index.html",
        styles=[assets.static("index.css")],
        scripts=[assets.static("names.js")] if show_names and not board else [],
        footer="Made by peermap from the organisation's own records. Check manifest.json to see the pack is "
        "whole. Do not forward beyond the audience it was made for.",
    )
