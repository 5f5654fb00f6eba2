"""``map.html``: hot spots and places on a Leaflet map that needs no server and no internet.

The page draws exactly what the pack's ``hotspots.geojson`` and
``places.geojson`` hold for its audience (:mod:`exports.geojson` decides that), in
layers a reader switches on and off:

- **hot-spot areas**, ranked: outlines with their rank (and a trend mark:
  ``new``, ``↑`` intensifying, ``↓`` diminishing, ``●`` persistent) written on
  the map, and a ranked table beside it with each area's measures and trend;
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

The basemap is optional. ``none`` (the default) draws no tiles at all: a plain
background and the outline of the data's extent, and the page makes no request.
``osm`` uses OpenStreetMap's tiles, and any ``https://.../{z}/{x}/{y}.png``
template another tile server; only that server is let through the page's
security policy, and only for images. Postcode coordinates are Code-Point
Open, credited as OS asks: "Contains OS data © Crown copyright and database right".
"""

from __future__ import annotations

import html
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peermap.exports import assets
from peermap.exports.escaping import display
from peermap.exports.page import ENV, Page, basemap_origin, cluster_colour
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
TREND_WORDS = {
    "new": "new (no finds in the previous period)",
    "intensifying": "intensifying (at least 1.5× the previous period)",
    "diminishing": "diminishing (at most half the previous period)",
    "persistent": "persistent (in at least 3 of the last 4 periods)",
    "steady": "steady",
}


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


AREA_FIELDS = [
    ("Rank", "rank"),
    ("District", "district"),
    ("Children", "children"),
    ("Episodes", "episodes"),
    ("Trend", "trend"),
    ("Episodes last period", "previous_episodes"),
    ("Periods present (of 4)", "periods_present"),
    ("Clusters", "clusters"),
    ("Peer clusters meet here", "clusters_meet"),
    ("Adults of concern", "adults_of_concern"),
    ("Last seen", "last_seen"),
    ("First seen", "first_seen"),
    ("Places", "place_names"),
    ("Postcodes", "postcodes"),
    ("Busiest day", "peak_day"),
    ("Busiest hour", "peak_hour"),
    ("Gi* z-score", "gi_z"),
    ("Gi* p-value", "gi_p"),
    ("Contains a children's home", "contains_childrens_home"),
    ("Episodes from children's homes", "episodes_from_childrens_homes"),
    ("Hot-spot areas", "areas"),
    ("Unverified mentions", "unverified"),
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
    rank = display(props.get("rank"))
    mark = TREND_MARKS.get(display(props.get("trend")), "")
    return f"{rank} {mark}".strip()


def map_layers(
    hotspots: dict, places: dict, cluster_places: pd.DataFrame | None = None, names: dict | None = None
) -> list[dict]:
    """The page's layers from the two FeatureCollections (and, optionally, each cluster's places).

    ``cluster_places``: ``cluster``, ``postcode``, ``children`` (one row per cluster and place).
    """
    layers = []
    areas = []
    for feature in hotspots.get("features", []):
        props = feature["properties"]
        where = display(props.get("name")) or display(props.get("district")) or display(props.get("postcodes"))
        heading = f"Hot spot {display(props.get('rank'))}" + (f": {where}" if where else "")
        areas.append(
            {
                "geometry": feature["geometry"],
                "label": _area_label(props),
                "heading": heading,
                "rows": _rows(props, AREA_FIELDS, names),
                "rank": display(props.get("rank")),
                "children": display(props.get("children")),
                "episodes": display(props.get("episodes")),
                "trend": display(props.get("trend")),
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
                    "size": round(5 + 2.2 * math.sqrt(_number(children)), 1),
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
                    "colour": cluster_colour(cluster),
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
    orientation : :class:`geo.orientation.Orientation`, optional: towns, villages and district outlines drawn
        under the data (``exports/static/orientation.js``), so the map can be read with no basemap.
    """
    tiles, tile_attribution = resolve_basemap(basemap)
    layers = map_layers(hotspots, places, cluster_places, names)
    data = {
        "layers": layers,
        "labelled": labelled,
        "outline": None if tiles else extent_outline(hotspots, places),
        "tiles": tiles,
        "tile_attribution": tile_attribution,
        "attribution": hotspots.get("attribution") or CODEPOINT_ATTRIBUTION,
    }
    page_data = {"pm-data": data}
    if orientation is not None:
        page_data["pm-orientation"] = orientation.map_data()
    areas = layers[0]["features"]
    body = ENV.get_template("map.html.j2").render(
        intro=intro,
        legend=_legend(),
        areas=areas,
        table_title=table_title,
        notes=notes
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
        scripts=[assets.leaflet_js(), assets.static("map.js")]
        + ([assets.static("orientation.js")] if orientation is not None else []),
        data=page_data,
        image_origin=basemap_origin(tiles) if tiles else None,
        footer=f"{CODEPOINT_ATTRIBUTION}. "
        + (f"{GEONAMES_ATTRIBUTION}. " if orientation is not None else "")
        + "Map drawn with Leaflet."
        + (" Basemap tiles load from the internet." if tiles else " No basemap: this page makes no network request."),
    )
