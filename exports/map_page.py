"""``map.html``: hot spots and places on a Leaflet map that needs no server and no internet.

The page draws exactly what the pack's ``hotspots.geojson`` and
``places.geojson`` hold for its audience (:mod:`exports.geojson` decides that), in
layers a reader switches on and off:

- **hot-spot areas**, ranked: outlines with their rank (and the mark of their pattern, or for the board their trend:
  ``new``, ``↑`` intensifying, ``↓`` diminishing, ``●`` persistent) written on
  the map, and a ranked table beside it with each area's measures and pattern (or trend);
- **found at**, **frequented** and **exploitation locations**: the places of
  concern, each in its own shape and colour;
- **missing from**: where episodes start (homes, children's homes), apart
  from the places of concern;
- **safe places**: safety, drawn apart and never counted as risk;
- **clusters' places**: the places of each peer cluster's children, each in
  its cluster's colour with the cluster's number written in the symbol;
- **where children live** (off at first): homes and placements, never a hot spot.

Under them all, in a pane of its own, the **orientation layer** (``exports/static/orientation.js``, from
:mod:`geo.orientation`): postcode-district outlines and codes, and towns and villages of 1,000 people or more
(GeoNames, CC BY 4.0), each a dot with its name, placed largest first and never overlapping, so the map can be
read with no basemap.

Every layer has its own shape as well as colour (never colour alone), every
symbol can be reached with the keyboard and opens a popup with the measures,
and every text in a popup, tooltip or table is put in with ``textContent``.

A hot-spot area's popup is one short line (rank, where, children). Choosing
an area, in the ranked table (a button per rank, in rank order) or on the map,
centres the map on it and opens the **side panel** beside the map
(``static/panel.js``): its pattern sentence, its counts over the period and the
look-back, its named places, a sparkline of its series, a day-by-hour heat
chart of its episodes and Gi* in words. :func:`area_panel` decides what the
panel says, so every word and number is worked out here, once; the board's
districts carry no series or times, and their panel shows only what they have.

The basemap is optional. ``none`` (the default) draws no tiles at all: a plain
background and the outline of the data's extent, and the page makes no request.
``osm`` uses OpenStreetMap's tiles, and any ``https://.../{z}/{x}/{y}.png``
template another tile server; only that server is let through the page's
security policy, and only for images. Postcode coordinates are Code-Point
Open, credited as OS asks: "Contains OS data © Crown copyright and database right".
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peermap.exports import assets
from peermap.exports.escaping import display
from peermap.exports.page import ENV, Page, basemap_origin, cluster_colour, contrast
from peermap.exports.timeline import PAIR_SEPARATOR
from peermap.geo.orientation import GEONAMES_ATTRIBUTION

CODEPOINT_ATTRIBUTION = "Contains OS data © Crown copyright and database right"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

#: Where each place layer's symbol sits from its point, in pixels, so several roles of one place all show.
OFFSETS = {
    "found_at": (0, 0),
    "frequents": (9, -9),
    "exploitation_location": (-9, -9),
    "missing_from": (9, 9),
    "safe_place": (-9, 9),
    "home": (0, 12),
}
#: The place layers: role → (layer name, symbol, colour, shown at first).
PLACE_LAYERS = {
    "found_at": ("Found at", "circle", "#E69F00", True),
    "frequents": ("Frequented", "square", "#56B4E9", True),
    "exploitation_location": ("Exploitation locations", "diamond", "#D55E00", True),
    "missing_from": ("Missing from", "triangle", "#0072B2", True),
    "safe_place": ("Safe places (safety)", "hexagon", "#009E73", True),
    "home": ("Where children live (not risk)", "house", "#999999", False),
}
TREND_MARKS = {"new": "new", "intensifying": "↑", "diminishing": "↓", "persistent": "●", "steady": ""}
#: The mark beside an area's rank on the map when it has an emerging pattern (:mod:`geo.emerging`).
PATTERN_MARKS = {
    "new": "new",
    "consecutive": "→",
    "intensifying": "↑",
    "diminishing": "↓",
    "persistent": "●",
    "historical": "ended",
}
TREND_WORDS = {
    "new": "new (no finds in the previous period)",
    "intensifying": "intensifying (at least 1.5× the previous period)",
    "diminishing": "diminishing (at most half the previous period)",
    "persistent": "persistent (in at least 3 of the last 4 periods)",
    "steady": "steady",
}


#: Gi* z-score bands, highest first: ``(lowest z of the band, words)``. The edges are the normal
#: distribution's one-sided 2.5 %, 0.5 % and 0.05 % points, so "more concentrated than chance" means
#: what docs/hotspots.md reads it as (``gi_z`` above 1.96, ``gi_p`` below 0.025); one place for the words,
#: used by every panel.
GI_BANDS = (
    (3.29, "far more concentrated than chance"),
    (2.58, "much more concentrated than chance"),
    (1.96, "more concentrated than chance"),
    (-1.96, "no more concentrated than chance"),
    (-math.inf, "less concentrated than chance (fewer children than around it)"),
)
#: What an empty Gi* means (docs/hotspots.md, "Significance"): too few squares, or no variation.
GI_UNTESTED = "not tested: the numbers here do not allow it"
#: Heat-chart shades, lightest first: ``(fewest episodes, background, text colour)``. The bands are counts, the
#: same for every area and window (a shade relative to each chart's own maximum would make one episode look as
#: hot as fifty); blues, readable in every common colour-vision deficiency, each text colour at 4.5:1 or more on
#: its background (tests/test_pack_units.py), and the count is written in the cell as well.
HEAT_SHADES = (
    (0, "#FFFFFF", "#1A1A1A"),
    (1, "#DCEBF5", "#1A1A1A"),
    (2, "#A9CDE8", "#1A1A1A"),
    (3, "#5D9FD0", "#1A1A1A"),
    (5, "#1F5F8F", "#FFFFFF"),
)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def gi_words(z) -> str:
    """A Gi* z-score in words, by :data:`GI_BANDS`; :data:`GI_UNTESTED` when there is none.

    >>> gi_words(9.5), gi_words(0.4)
    ('far more concentrated than chance', 'no more concentrated than chance')
    >>> gi_words(None)
    'not tested: the numbers here do not allow it'
    """
    number = _maybe_number(z)
    if number is None:
        return GI_UNTESTED
    return next(words for edge, words in GI_BANDS if number >= edge)


def _maybe_number(value) -> float | None:
    if value is None or isinstance(value, (str, bool)):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def span_words(span: dict | None) -> str:
    """A period for a reader: ``March 2023``, ``the week of 6 March 2023``, ``April 2022 to March 2023``,
    ``1 March 2023 to 16 March 2023``.

    >>> span_words({"from": "2022-04-01", "to": "2023-03-31"}), span_words({"from": "2023-03-06", "to": "2023-03-12"})
    ('April 2022 to March 2023', 'the week of 6 March 2023')
    """
    if not span:
        return ""
    start, end = dt.date.fromisoformat(span["from"]), dt.date.fromisoformat(span["to"])
    whole_months = start.day == 1 and (end + dt.timedelta(days=1)).day == 1
    if whole_months:
        first, last = f"{calendar.month_name[start.month]} {start.year}", f"{calendar.month_name[end.month]} {end.year}"
        return first if first == last else f"{first} to {last}"
    if (end - start).days == 6 and start.weekday() == 0:
        return f"the week of {_day(start)}"
    return f"{_day(start)} to {_day(end)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _bin_marks(bins: list[dict]) -> list[dict]:
    """Each bin of the series for the sparkline: a short mark under it, a second line, its words, whether known.

    Months are marked ``Apr`` with the year under the first and every January; weeks by their first day's date,
    with the month under the first and wherever it changes, so twelve marks fit side by side.
    """
    out = []
    for k, b in enumerate(bins):
        start, end = dt.date.fromisoformat(b["from"]), dt.date.fromisoformat(b["to"])
        monthly = start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and start.month == end.month
        before = dt.date.fromisoformat(bins[k - 1]["from"]) if k else None
        if monthly:
            mark, under = calendar.month_abbr[start.month], str(start.year) if k == 0 or start.month == 1 else ""
        else:
            mark = str(start.day)
            under = calendar.month_abbr[start.month] if before is None or before.month != start.month else ""
        out.append(
            {
                "mark": mark,
                "year": under,
                "words": span_words(b),
                "covered": bool(b.get("covered", True)),
                "monthly": monthly,
            }
        )
    return out


def _z(value) -> str:
    number = _maybe_number(value)
    return "" if number is None else f" (z = {number:.3g})"  # as "More about this area" writes it


def _count_words(value, one: str, many: str) -> str:
    text = display(value)
    return f"{text} {one if text == '1' else many}" if text else ""


def area_where(props: dict) -> str:
    """What a reader calls an area: its ``name`` when it has one, else its places, district or postcodes."""
    return (
        display(props.get("name"))
        or display(props.get("place_names"))
        or display(props.get("district"))
        or display(props.get("postcodes"))
    )


def area_panel(props: dict, header: dict, names: dict | None = None) -> dict:
    """What the side panel shows for one area (or, for the board, one district): only what ``props`` has.

    ``header`` is the ``hotspots.geojson`` collection without its features (``period``, ``window``,
    ``bins``, ``audience``). Counts name their window: the period's, and the look-back's where given.
    """
    period, window = span_words(header.get("period")), span_words(header.get("window"))
    board = header.get("audience") == "board"
    counts = []
    for label, now, before in (
        ("Hot-spot areas", "areas", None),
        ("Children", "children", "window_children"),
        ("Episodes", "episodes", "window_episodes"),
        ("Peer clusters", "n_clusters" if "n_clusters" in props else "clusters", None),
        ("Adults of concern", "n_adults_of_concern" if "n_adults_of_concern" in props else "adults_of_concern", None),
    ):
        if now not in props:
            continue
        counts.append([label, display(props.get(now)), display(props.get(before)) if before in props else None])
    details = []
    if not board and display(props.get("clusters")):
        details.append(["Peer clusters", ", ".join(display(props["clusters"]).split(";"))])
    if not board and display(props.get("adults_of_concern")):
        refs = [r.strip() for r in display(props["adults_of_concern"]).split(";") if r.strip()]
        details.append(["Adults of concern", "; ".join((names or {}).get(r, r) for r in refs)])
    if display(props.get("trend")):
        details.append(["Trend on the last periods", TREND_WORDS.get(display(props["trend"]), display(props["trend"]))])
    if display(props.get("last_seen")):
        details.append(["Last seen", display(props["last_seen"])])
    places = [p.strip() for p in display(props.get("place_names")).split(";") if p.strip()]
    panel = {
        "heading": f"Hot spot {display(props.get('rank'))}: {area_where(props)}"
        if not board
        else f"District {display(props.get('district'))}, rank {display(props.get('rank'))}",
        "sentence": display(props.get("pattern_sentence")),
        "pattern": display(props.get("pattern")),
        "period": period,
        "window": window if "window_children" in props else "",
        "counts": counts,
        "details": details,
        "places": places if "place_names" in props else None,
        "more_title": "More about this district" if board else "More about this area",
        "postcodes": len([p for p in display(props.get("postcodes")).split(";") if p.strip()]),
        "more": [[label, value.replace(";", "; ")] for label, value in _rows(props, AREA_FIELDS, names)],
    }
    if isinstance(props.get("series"), list) and header.get("bins"):
        panel["series"] = props["series"]
        panel["bins"] = _bin_marks(header["bins"])
        unit = "month" if all(b["monthly"] for b in panel["bins"]) else "week"
        span = {"from": header["bins"][0]["from"], "to": header["bins"][-1]["to"]}
        panel["series_title"] = f"Children per {unit}, {span_words(span)}"
    if isinstance(props.get("by_weekday_hour"), list):
        panel["heat"] = {"period": props["by_weekday_hour"]}
        if isinstance(props.get("by_weekday_hour_window"), list):
            panel["heat"]["window"] = props["by_weekday_hour_window"]
    if not board and "gi_z" in props:
        gi = [f"{period}: {gi_words(props.get('gi_z'))}{_z(props.get('gi_z'))}"]
        if "window_gi_z" in props:
            gi.append(f"over the look-back: {gi_words(props.get('window_gi_z'))}{_z(props.get('window_gi_z'))}")
        panel["gi"] = "; ".join(gi) + "."
    return panel


def resolve_basemap(basemap: str | None) -> tuple[str | None, str | None]:
    """``(tile URL template, attribution HTML)`` for ``--basemap none|osm|URL``; ``(None, None)`` for none."""
    value = (basemap or "none").strip()
    if value.lower() == "none":
        return None, None
    if value.lower() == "osm":
        return OSM_TILES, OSM_ATTRIBUTION
    if not all(part in value for part in ("{z}", "{x}", "{y}")):
        raise ValueError(
            f"--basemap must be none, osm, or a tile URL with {{z}}, {{x}} and {{y}} in it, such as "
            f"https://tile.example.org/{{z}}/{{x}}/{{y}}.png; not {value!r}"
        )
    origin = basemap_origin(value)
    return value, "Basemap: " + html.escape(origin.split("//", 1)[1])


def _number(value) -> float:
    """A count that may be written ``"<5"`` (board) as a number for sizing."""
    if value is None:
        return 0.0
    if isinstance(value, str):
        if value.startswith("<"):
            return 2.0
        try:
            return float(value)
        except ValueError:
            return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number


def _rows(props: dict, fields: list[tuple[str, str]], names: dict | None = None) -> list[list[str]]:
    out = []
    for label, key in fields:
        value = props.get(key)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, float):
            value = f"{value:.3g}"
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        value = str(value)
        if names and key in ("adults_of_concern",):
            value = "; ".join(names.get(v.strip(), v.strip()) for v in value.split(";") if v.strip())
        if key == "trend":
            value = TREND_WORDS.get(value, value)
        out.append([label, value])
    return out


#: The panel's "More about this area" list: what the counts, sparkline and heat chart above it do not show.
AREA_FIELDS = [
    ("District", "district"),
    ("First seen", "first_seen"),
    ("Episodes last period", "previous_episodes"),
    ("Periods present (of 4)", "periods_present"),
    ("Gi* z-score", "gi_z"),
    ("Gi* p-value", "gi_p"),
    ("Gi* z-score over the look-back", "window_gi_z"),
    ("Mann-Kendall tau", "mk_tau"),
    ("Trend p-value (adjusted)", "mk_p_adjusted"),
    ("Contains a children's home", "contains_childrens_home"),
    ("Episodes from children's homes", "episodes_from_childrens_homes"),
    ("Unverified mentions", "unverified"),
    ("Postcodes", "postcodes"),
    ("Children (references)", "children_refs"),
]
PLACE_FIELDS = [
    ("Postcode", "postcode"),
    ("District", "district"),
    ("Kind", "kind"),
    ("Roles", "roles"),
    ("Children", "children"),
    ("Episodes", "episodes"),
    ("Hot-spot area", "area"),
]


def _area_label(props: dict) -> str:
    """The rank, and the mark of its pattern over the look-back (or, with none, of its trend)."""
    rank = display(props.get("rank"))
    pattern = display(props.get("pattern"))
    mark = PATTERN_MARKS.get(pattern, "") if pattern else TREND_MARKS.get(display(props.get("trend")), "")
    return f"{rank} {mark}".strip()


def pattern_notes(unit: str) -> str:
    """The map's key to the patterns (``unit``: ``month`` or ``week``), in the words of docs/hotspots.md."""
    return (
        f"Pattern, from the children found in each {unit} of the look-back: new (only this {unit}; mark new), "
        f"consecutive (every {unit} lately, none before; →), intensifying or diminishing (a significant rise or "
        f"fall across the look-back; ↑ ↓), persistent (in at least 90% of the {unit}s; ●), sporadic (on and "
        f"off), historical (in at least 90% of the {unit}s before this one, none in it; ended), too few periods "
        f"(under 6 {unit}s of data). The trend in the side panel compares the last periods only."
    )


def _place_size(children) -> float:
    """A place's symbol size by its children (map.js sizes a place again the same way when the span moves)."""
    return round(5 + 2.2 * math.sqrt(_number(children)), 1)


def map_layers(
    hotspots: dict,
    places: dict,
    cluster_places: pd.DataFrame | None = None,
    names: dict | None = None,
    colours: dict[int, str] | None = None,
) -> list[dict]:
    """The page's layers from the two FeatureCollections (and, optionally, each cluster's places).

    ``cluster_places``: ``cluster``, ``postcode``, ``children`` (one row per cluster and place);
    ``colours``: each cluster's colour as the network page draws it (the pack gives both pages the same).
    """
    layers = []
    areas = []
    header = {k: v for k, v in hotspots.items() if k != "features"}
    for feature in hotspots.get("features", []):
        props = feature["properties"]
        where = area_where(props)
        line = f"Hot spot {display(props.get('rank'))}" + (f": {where}" if where else "")
        if header.get("audience") == "board":
            line = f"District {display(props.get('district'))} (rank {display(props.get('rank'))})"
        children = _count_words(props.get("children"), "child", "children")
        areas.append(
            {
                "geometry": feature["geometry"],
                "label": _area_label(props),
                "heading": line + (f", {children}" if children else ""),
                "rows": [],
                "panel": area_panel(props, header, names),
                "centre": [props["lat"], props["lon"]] if props.get("lat") is not None else None,
                "rank": display(props.get("rank")),
                "children": display(props.get("children")),
                "episodes": display(props.get("episodes")),
                "trend": display(props.get("trend")),
                "pattern": display(props.get("pattern")),
                "where": where,
            }
        )
    layers.append(
        {"id": "hotspots", "name": "Hot-spot areas, ranked", "type": "areas", "shown": True, "features": areas}
    )

    by_layer: dict[str, list] = {key: [] for key in PLACE_LAYERS}
    coordinates = {}
    for feature in places.get("features", []):
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"][:2]
        coordinates[display(props.get("postcode"))] = (lat, lon)
        name = display(props.get("place")) or display(props.get("postcode"))
        roles = [props.get("role")] if props.get("role") else []
        roles += [r for r in display(props.get("roles")).split(";") if r and r not in roles]
        for role in roles:
            key = "home" if role in ("lives", "placed") else role
            if key not in by_layer:
                continue
            children = props.get(f"{role}_children", props.get("children"))
            episodes = props.get(f"{role}_episodes", props.get("episodes"))
            if props.get(f"{role}_children") is None and role != props.get("role"):
                continue
            rows = [["Role", PLACE_LAYERS[key][0]], *(_rows(props, PLACE_FIELDS))]
            rows = [r for r in rows if r[0] not in ("Children", "Episodes")]
            rows[1:1] = [["Children", display(children)], ["Episodes", display(episodes)]]
            by_layer[key].append(
                {
                    "lat": lat,
                    "lon": lon,
                    "heading": name,
                    "rows": [r for r in rows if r[1]],
                    "size": _place_size(children),
                    "key": f"{display(props.get('postcode'))}{PAIR_SEPARATOR}{role}",  # its records in the time control
                }
            )
    for key, (name, symbol, colour, shown) in PLACE_LAYERS.items():
        if by_layer[key] or key != "home":
            layers.append(
                {
                    "id": key,
                    "name": name,
                    "type": "points",
                    "symbol": symbol,
                    "colour": colour,
                    "shown": shown,
                    "features": by_layer[key],
                    "offset": OFFSETS[key],
                }
            )

    if cluster_places is not None and len(cluster_places):
        features = []
        for row in cluster_places.sort_values(["cluster", "postcode"]).to_dict("records"):
            where = coordinates.get(display(row.get("postcode")))
            if where is None:
                continue
            cluster = int(row["cluster"])
            fill = (colours or {}).get(cluster) or cluster_colour(cluster)
            features.append(
                {
                    "lat": where[0],
                    "lon": where[1],
                    "heading": f"Cluster {cluster}",
                    "rows": [
                        ["Place", display(row.get("place")) or display(row.get("postcode"))],
                        ["Children of the cluster linked to it", display(row.get("children"))],
                    ],
                    "size": round(6 + 2 * math.sqrt(_number(row.get("children"))), 1),
                    "text": str(cluster),
                    "colour": fill,
                    "ink": "#1A1A1A" if contrast("#1A1A1A", fill) >= 4.5 else "#FFFFFF",  # the number on it
                    "cluster": cluster,
                }
            )
        if features:
            layers.append(
                {
                    "id": "clusters",
                    "name": "Clusters' places (number: cluster)",
                    "type": "points",
                    "symbol": "circle",
                    "colour": "#FFFFFF",
                    "shown": False,
                    "features": features,
                    "offset": (0, -12),
                }
            )
    return layers


def extent_outline(hotspots: dict, places: dict, margin_m: float = 2000.0) -> dict | None:
    """The outline of the data's extent (convex hull of every feature, 2 km wider), as a GeoJSON geometry.

    With no basemap it stands in for the county: not a boundary, just where the places are.
    """
    geometries = [
        shapely.geometry.shape(f["geometry"]) for f in hotspots.get("features", []) + places.get("features", [])
    ]
    if not geometries:
        return None
    series = gpd.GeoSeries(geometries, crs=4326).to_crs(27700)
    hull = shapely.convex_hull(shapely.union_all(series.to_numpy())).buffer(margin_m, quad_segs=8)
    outline = gpd.GeoSeries([hull], crs=27700).to_crs(4326).iloc[0]
    outline = shapely.transform(outline, lambda xy: np.round(xy, 5))
    return shapely.geometry.mapping(outline)


def _legend() -> list[tuple[str, str, str]]:
    """The key's place symbols: ``(name, shape, colour)``, drawn by the ``shape`` macro of ``map.html.j2``."""
    out = [(name, symbol, colour) for name, symbol, colour, _ in PLACE_LAYERS.values()]
    return out + [("a cluster's places (number: cluster)", "circle", "#FFFFFF")]


def map_page(
    hotspots: dict,
    places: dict,
    *,
    cluster_places: pd.DataFrame | None = None,
    names: dict | None = None,
    basemap: str | None = "none",
    title: str = "Hot spots and places",
    subtitle: str = "",
    nav: list | None = None,
    intro: str = "",
    table_title: str = "Hot-spot areas, ranked",
    notes: str = "",
    labelled: int = 10,
    orientation=None,
    time: dict | None = None,
    colours: dict[int, str] | None = None,
) -> Page:
    """The map page.

    Parameters
    ----------
    hotspots, places : the ``hotspots.geojson`` and ``places.geojson`` FeatureCollections of the pack
        (:func:`exports.geojson.hotspot_features`, :func:`exports.geojson.place_features`).
    cluster_places : ``cluster``, ``postcode``, ``place``, ``children``: each cluster's places.
    names : how the audience calls associates, by reference (adults of concern in popups).
    labelled : how many of the top areas carry their rank on the map at all times (others on hover).
    basemap : ``none`` (no tiles, no requests), ``osm``, or a tile URL template.
    colours : each cluster's colour, the same as on the network page (:func:`exports.network_page.cluster_colours`).
    orientation : :class:`geo.orientation.Orientation`, optional: towns, villages and district outlines drawn
        under the data (``exports/static/orientation.js``), so the map can be read with no basemap.
    time : the time control's records (:func:`exports.timeline.place_timeline`); ``None``: no control (the board).
    """
    tiles, tile_attribution = resolve_basemap(basemap)
    layers = map_layers(hotspots, places, cluster_places, names, colours)
    data = {
        "layers": layers,
        "labelled": labelled,
        "outline": None if tiles else extent_outline(hotspots, places),
        "tiles": tiles,
        "tile_attribution": tile_attribution,
        "attribution": hotspots.get("attribution") or CODEPOINT_ATTRIBUTION,
        "panel": {"shades": HEAT_SHADES, "days": DAY_NAMES},
        "time": time,
    }
    page_data = {"pm-data": data}
    if orientation is not None:
        page_data["pm-orientation"] = orientation.map_data()
    areas = layers[0]["features"]
    patterned = any(a["pattern"] for a in areas)
    weekly = any("-W" in str(b.get("label", "")) for b in hotspots.get("bins") or [])
    body = ENV.get_template("map.html.j2").render(
        time=time,
        intro=intro,
        legend=_legend(),
        areas=areas,
        patterned=patterned,
        table_title=table_title,
        notes=notes
        or (pattern_notes("week" if weekly else "month") if patterned else "")
        or "Trend: new (no finds in the previous period), intensifying (at least 1.5× the previous "
        "period's episodes), diminishing (at most half), persistent (in at least 3 of the last 4 "
        "periods), steady otherwise.",
    )
    return Page(
        title=title,
        subtitle=subtitle,
        body=body,
        nav=nav or [],
        current="map.html",
        styles=[assets.leaflet_css(), assets.static("map.css")]
        + ([assets.static("orientation.css")] if orientation is not None else []),
        scripts=[assets.leaflet_js(), assets.static("panel.js")]
        + ([assets.static("time_control.js")] if time is not None else [])
        + [assets.static("map.js")]
        + ([assets.static("orientation.js")] if orientation is not None else []),
        data=page_data,
        image_origin=basemap_origin(tiles) if tiles else None,
        footer=f"{CODEPOINT_ATTRIBUTION}. "
        + (f"{GEONAMES_ATTRIBUTION}. " if orientation is not None else "")
        + "Map drawn with Leaflet."
        + (" Basemap tiles load from the internet." if tiles else " No basemap: this page makes no network request."),
    )
