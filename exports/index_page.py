"""``index.html``: the front page of a pack, the one a meeting reads first (and prints).

In order: the period and who the pack is for; the measures beside the previous
period's; what changed; the peer clusters with their one-line summaries; the
children who may need most support; the adults of concern; the top hot spots
with their trends; and links to the network, the map and the data files.

For the ``board`` the page holds the measures (counts from 1 to 4 shown as
``<5``), the frequently missing by rank only, and hot spots counted by
postcode district: no references, no people, no network.

Words follow DESIGN.md: a child's score means "most connected: may need most
support", never "recruiter"; people are "linked", never "members"; adults of
concern are ranked apart, as people to disrupt.
"""

from __future__ import annotations

import pandas as pd

from peermap.exports.escaping import display
from peermap.exports.page import ENV, Page
from peermap.mapping.measures import GROUP_TITLES, GROUPS, LABELS, format_value

INDEX_CSS = """
.lead { font-size: 1.05rem; max-width: 60rem; }
.pack-links { display: flex; flex-wrap: wrap; gap: .5em 2em; padding: 0; list-style: none; font-size: 1.05rem; }
.pack-links a { font-weight: bold; }
section { margin-bottom: 1.5em; }
.measures td.prev { color: #4D4D4D; }
.files { columns: 2 16rem; }
"""

def _rows_word(n: int) -> str:
    """``1 row``, ``1,204 rows``; empty for none (the page then says no row was rejected)."""
    return "" if n == 0 else f"{n:,} row{'' if n == 1 else 's'}"


INDEX_BODY = ENV.from_string("""
<p class="lead">{{ lead }}</p>
{% if loaded %}<p class="muted loaded">Data loaded: {% for file, rows in loaded %}{{ file }} {{ rows }}{% if not loop.last %}; {% endif %}{% endfor %}.
{% if rejected %}{{ rejected }} could not be used{% else %}No row was rejected{% endif %}: rejects.csv beside these
pages lists each rejected row and each warning with its file, line and raw text. It is not part of the pack: leave it
out when you share the pack.</p>{% endif %}
<nav aria-label="This pack"><ul class="pack-links">
{% for href, label in pages %}<li><a href="{{ href }}">{{ label }}</a></li>{% endfor %}
</ul></nav>

<section aria-labelledby="measures-heading">
<h2 id="measures-heading">Measures, {{ period }} beside {{ previous_period }}</h2>
<table class="pm-table measures">
<caption class="visually-hidden">Missing-from-home measures for {{ period }}, with {{ previous_period }} beside each</caption>
<thead><tr><th scope="col">Measure</th>
{% for g in groups %}<th scope="col" class="num">{{ g.title }}<br>{{ period }}</th><th scope="col" class="num">{{ g.title }}<br>{{ previous_period }}</th>{% endfor %}
</tr></thead>
<tbody>
{% for row in measure_rows %}
<tr><th scope="row">{{ row.label }}</th>{% for cell in row.cells %}<td class="num">{{ cell.now }}</td><td class="num prev">{{ cell.before }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
<p class="muted">n/a: nothing to measure in the period. {% if board %}A count from 1 to 4 is shown as &lt;5; "hidden" is a
percentage or average over fewer than 5, or a figure from which a count under 5 could be worked out. {% endif %}
Definitions: SCHEMA.md, "Measures".</p>

<h3 id="frequent-heading">Frequently missing{% if board %} (by rank only){% endif %}</h3>
{% if frequent %}
<table class="pm-table"><thead><tr><th scope="col" class="num">Rank</th>{% if not board %}<th scope="col">Child</th>{% endif %}
<th scope="col" class="num">Episodes</th><th scope="col" class="num">Declined</th><th scope="col" class="num">Declined %</th></tr></thead>
<tbody>{% for r in frequent %}<tr><td class="num">{{ r.rank }}</td>{% if not board %}<td>{{ r.child }}</td>{% endif %}
<td class="num">{{ r.episodes }}</td><td class="num">{{ r.declined }}</td><td class="num">{{ r.declined_pct }}</td></tr>{% endfor %}</tbody></table>
{% elif frequent_withheld %}<p>Not shown for this period: so few children went missing that the list, with the
totals above, would let a reader work out a count under 5.</p>
{% else %}<p>No child went missing in the period.</p>{% endif %}
</section>

{% if not board %}
<section aria-labelledby="changes-heading">
<h2 id="changes-heading">What needs a decision: changes since {{ previous_period }}</h2>
{% if first_period %}<p>{{ period }} is the first period in the data (its first episode is on {{ coverage_from }}), so there is
nothing earlier to compare with: no change is listed.</p>
{% elif changes %}
<p class="muted">Most urgent first: children newly linked to an adult of concern, then clusters that grew, merged or split,
then adults of concern reaching more children, then the rest. Clusters keep their number from last period when they hold
mostly the same children.</p>
<table class="pm-table"><thead><tr><th scope="col" class="num">#</th><th scope="col">Change</th><th scope="col">Who or what</th><th scope="col">Detail</th></tr></thead>
<tbody>{% for c in changes %}<tr><td class="num">{{ c.rank }}</td><td>{{ c.kind }}</td><td>{{ c.subject }}</td><td>{{ c.detail }}</td></tr>{% endfor %}</tbody></table>
{% if more_changes %}<p>{{ more_changes }} more {{ "change" if more_changes == 1 else "changes" }}, less urgent, are in
<a href="changes.csv">changes.csv</a>.</p>{% endif %}
{% else %}<p>Nothing changed since the previous period.</p>{% endif %}
</section>

<section aria-labelledby="clusters-heading">
<h2 id="clusters-heading">Peer clusters</h2>
<p class="muted">Children linked by being missing at the same time or with the same people and places. Being linked is not
belonging to a gang.</p>
{% if clusters %}
<table class="pm-table"><thead><tr><th scope="col" class="num">Cluster</th><th scope="col" class="num">Children</th>
<th scope="col" class="num">Associates</th><th scope="col" class="num">Risk ties</th><th scope="col">Summary</th><th scope="col">Places</th></tr></thead>
<tbody>{% for c in clusters %}<tr><td class="num">{{ c.cluster }}</td><td class="num">{{ c.n_children }}</td><td class="num">{{ c.n_associates }}</td>
<td class="num">{{ c.ties }}</td><td>{{ c.summary }}</td><td>{{ c.places }}</td></tr>{% endfor %}</tbody></table>
{% else %}<p>No clusters in the period.</p>{% endif %}
</section>

<section aria-labelledby="support-heading">
<h2 id="support-heading">Children who may need most support</h2>
<p class="muted">The most connected children in the period. A high score means a child is linked to many others or
bridges clusters: they may need most support. It never means they recruit or offend.</p>
{% if children %}
<table class="pm-table"><thead><tr><th scope="col" class="num">#</th><th scope="col">Child</th>{% if show_names %}<th scope="col">Name</th>{% endif %}
<th scope="col" class="num">Cluster</th><th scope="col" class="num">Missing episodes, {{ period }}</th><th scope="col" class="num">People linked by risk ties, {{ period }}</th><th scope="col" class="num">Score (0-100)</th></tr></thead>
<tbody>{% for p in children %}<tr><td class="num">{{ loop.index }}</td><td>{{ p.ref }}</td>{% if show_names %}<td>{{ p.name }}</td>{% endif %}
<td class="num">{{ p.cluster }}</td><td class="num">{{ p.episodes }}</td><td class="num">{{ p.degree }}</td><td class="num">{{ p.score }}</td></tr>{% endfor %}</tbody></table>
{% else %}<p>No children in the network this period.</p>{% endif %}
</section>

<section aria-labelledby="concern-heading">
<h2 id="concern-heading" class="concern-text">Adults of concern</h2>
<p class="muted">Ranked apart from the children, by how many children and clusters they reach: people to disrupt.</p>
{% if adults %}
<table class="pm-table"><thead><tr><th scope="col" class="num">#</th><th scope="col">Adult</th><th scope="col" class="num">Children linked, {{ period }}</th>
<th scope="col" class="num">Their peer clusters, {{ period }}</th><th scope="col" class="num">Cluster</th></tr></thead>
<tbody>{% for p in adults %}<tr><td class="num">{{ loop.index }}</td><td>{{ p.label }}</td><td class="num">{{ p.children_reached }}</td>
<td class="num">{{ p.clusters_reached }}</td><td class="num">{{ p.cluster }}</td></tr>{% endfor %}</tbody></table>
{% else %}<p>No adult of concern linked to a child in the period{% if not police %} (from the intelligence this audience may see){% endif %}.</p>{% endif %}
</section>
{% endif %}

{% if show_identifiers %}
<section aria-labelledby="identifiers-heading">
<h2 id="identifiers-heading">Phones, vehicles and handles linked to more than one child</h2>
{% if identifiers %}
<table class="pm-table"><thead><tr><th scope="col">Kind</th><th scope="col">Identifier</th><th scope="col" class="num">Children</th>
<th scope="col">Children (references)</th></tr></thead>
<tbody>{% for r in identifiers %}<tr><td>{{ r.target_type }}</td><td>{{ r.target_ref }}</td><td class="num">{{ r.children }}</td><td>{{ r.child_refs }}</td></tr>{% endfor %}</tbody></table>
{% else %}<p>None in the period.</p>{% endif %}
<p class="muted">Every link of the period, with notes, is in intelligence.csv.</p>
</section>
{% endif %}

<section aria-labelledby="hotspots-heading">
<h2 id="hotspots-heading">{% if board %}Hot spots by postcode district{% else %}Top hot spots{% endif %}</h2>
{% if hotspots %}
<table class="pm-table"><thead><tr><th scope="col" class="num">Rank</th><th scope="col">{% if board %}District{% else %}Where{% endif %}</th>
<th scope="col" class="num">Children</th><th scope="col" class="num">Episodes</th><th scope="col">{% if board %}Areas by trend{% else %}Trend{% endif %}</th>{% if not board %}<th scope="col">Clusters</th>{% endif %}</tr></thead>
<tbody>{% for h in hotspots %}<tr><td class="num">{{ h.rank }}</td><td>{{ h.where }}</td><td class="num">{{ h.children }}</td>
<td class="num">{{ h.episodes }}</td><td>{{ h.trend }}</td>{% if not board %}<td>{{ h.clusters }}</td>{% endif %}</tr>{% endfor %}</tbody></table>
{% if more_hotspots %}<p class="muted">{{ more_hotspots }} more on the map and in hotspots.geojson.</p>{% endif %}
{% else %}<p>No hot spots in the period.</p>{% endif %}
</section>

<section aria-labelledby="files-heading">
<h2 id="files-heading">Files in this pack</h2>
<ul class="files">{% for name, what in files %}<li><a href="{{ name }}">{{ name }}</a>: {{ what }}</li>{% endfor %}</ul>
</section>
""")

#: The change kinds of changes.csv in words.
CHANGE_WORDS = {"child_linked_to_adult_of_concern": "child newly linked to an adult of concern",
                "cluster_grew": "cluster grew", "cluster_changed": "cluster changed", "clusters_merged": "clusters merged",
                "cluster_split": "cluster split", "adult_reaches_more_children": "adult of concern reaches more children",
                "new_cluster": "new cluster", "tie_now_strong": "tie now strong"}

FILE_WORDS = {
    "network.html": "the peer network", "map.html": "the hot-spot map", "people.csv": "children and associates, by score",
    "clusters.csv": "peer clusters", "ties.csv": "ties and why", "changes.csv": "changes since the previous period",
    "hotspots.geojson": "hot-spot areas (GIS)", "places.geojson": "places (GIS)", "kpi.json": "the measures",
    "network.graphml": "the network for Gephi or yEd", "manifest.json": "what is in the pack, with checksums",
    "possible_duplicates.csv": "associates who may be the same person",
    "intelligence.csv": "every intelligence link of the period as recorded (police only)",
}


def _measure_rows(measures: dict, previous: dict, board=None) -> list[dict]:
    """Each measure's cells, this period beside the previous one; for the board, as its suppression allows."""
    rows = []
    for measure, label in LABELS.items():
        if board is not None:
            cells = [{"now": board.text("now", g, measure), "before": board.text("before", g, measure)} for g in GROUPS]
        else:
            cells = [{"now": format_value(measure, measures[g][measure]),
                      "before": format_value(measure, previous[g][measure])} for g in GROUPS]
        rows.append({"label": label, "cells": cells})
    return rows


def _frequent(measures: dict, board=None) -> list[dict]:
    out = []
    if board is not None and board.list_withheld:
        return out
    for rank, row in enumerate(measures["all"]["frequently_missing"], start=1):
        if board is not None:
            out.append({"rank": rank, "child": "", **{f: board.frequent_text("now", rank, f)
                                                      for f in ("episodes", "declined", "declined_pct")}})
            continue
        pct = row.get("declined_pct")
        out.append({"rank": rank, "child": display(row.get("child")), "episodes": display(row["episodes"]),
                    "declined": display(row["declined"]), "declined_pct": "n/a" if pct is None else f"{pct}%"})
    return out


def _number(value, places: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float):
        return f"{value:.{places}f}".rstrip("0").rstrip(".") if places else str(round(value))
    return display(value)


def index_page(*, period, previous_period, measures: dict, previous: dict, audience: str, board: bool,
               police: bool = False, people: pd.DataFrame | None = None, clusters: pd.DataFrame | None = None,
               changes: pd.DataFrame | None = None, hotspots: dict | None = None, files: list[str] = (),
               show_names: bool = False, nav: list | None = None, lead: str = "", top: int = 10,
               top_changes: int = 10, identifiers: pd.DataFrame | None = None, first_period: bool = False,
               coverage_from: str = "", board_measures=None, loaded: dict | None = None) -> Page:
    """The front page of a pack (see the module docstring).

    ``people``, ``clusters``, ``changes`` are the audience's views (names and
    labels already decided); ``hotspots`` the pack's ``hotspots.geojson``
    collection as the page shows it. For the board, ``board_measures``
    (:class:`exports.board.BoardMeasures`) says how each measure reads.
    """
    children, adults, cluster_rows, change_rows = [], [], [], []
    if people is not None and len(people):
        kids = people[people["kind"].eq("child")].sort_values(["score", "ref"], ascending=[False, True]).head(top)
        for row in kids.to_dict("records"):
            children.append({"ref": display(row["ref"]), "name": display(row.get("name")),
                             "cluster": _number(row.get("cluster")), "episodes": _number(row.get("episodes"), 0),
                             "degree": _number(row.get("degree")), "score": _number(row.get("score"))})
        concern = people[people["kind"].eq("associate") & people["role"].eq("adult_of_concern").fillna(False)]
        concern = concern.sort_values(["children_reached", "clusters_reached", "score", "ref"],
                                      ascending=[False, False, False, True])
        for row in concern.to_dict("records"):
            label = display(row.get("name")) or display(row.get("label")) or display(row["ref"])
            if label != display(row["ref"]):
                label = f"{label} ({display(row['ref'])})"
            adults.append({"label": label, "children_reached": _number(row.get("children_reached"), 0),
                           "clusters_reached": _number(row.get("clusters_reached"), 0),
                           "cluster": _number(row.get("cluster"))})
    if clusters is not None and len(clusters):
        for row in clusters.to_dict("records"):
            cluster_rows.append({k: display(row.get(k)) for k in ("cluster", "n_children", "n_associates", "ties",
                                                                   "summary", "places")})
    if changes is not None and len(changes):
        for row in changes.head(top_changes).to_dict("records"):
            change_rows.append({"rank": display(row.get("rank")), "kind": CHANGE_WORDS.get(display(row.get("kind")),
                                                                                   display(row.get("kind"))),
                                "subject": display(row.get("subject")), "detail": display(row.get("detail"))})
    spots = []
    features = (hotspots or {}).get("features", [])
    for feature in features[:top]:
        p = feature["properties"]
        where = display(p.get("district")) if board else (
            display(p.get("place_names")) or display(p.get("district")))
        spots.append({"rank": display(p.get("rank")), "where": where, "children": display(p.get("children")),
                      "episodes": display(p.get("episodes")), "trend": display(p.get("trend")),
                      "clusters": display(p.get("clusters")).replace(";", ", ")})
    shared = [] if identifiers is None else [{k: display(v) for k, v in row.items()} for row in
                                             identifiers.head(top * 2).to_dict("records")]
    pages = [(f, FILE_WORDS[f]) for f in ("network.html", "map.html") if f in files]
    body = INDEX_BODY.render(
        lead=lead, pages=[(f, w[0].upper() + w[1:]) for f, w in pages], period=period.label,
        previous_period=previous_period.label, groups=[{"title": GROUP_TITLES[g]} for g in GROUPS],
        measure_rows=_measure_rows(measures, previous, board_measures), frequent=_frequent(measures, board_measures),
        frequent_withheld=board_measures is not None and board_measures.list_withheld,
        board=board,
        police=police, changes=change_rows, more_changes=max(0, (0 if changes is None else len(changes)) - top_changes),
        clusters=cluster_rows, children=children, adults=adults, show_names=show_names, hotspots=spots,
        more_hotspots=max(0, len(features) - top),
        files=[(f, FILE_WORDS.get(f, "")) for f in files if f not in ("index.html",)],
        identifiers=shared, show_identifiers=identifiers is not None, first_period=first_period,
        coverage_from=coverage_from,
        loaded=[(file, f"{rows[0]:,} of {rows[1]:,} rows") for file, rows in (loaded or {}).items()],
        rejected=_rows_word(sum(total - kept for kept, total in (loaded or {}).values())),
    )
    return Page(title=f"Mapping pack, {period.label}", subtitle=f"for the {audience} audience", body=body,
                nav=nav or [], current="index.html", styles=[INDEX_CSS],
                footer="Made by peermap from the organisation's own records. Check manifest.json to see the pack is "
                       "whole. Do not forward beyond the audience it was made for.")
