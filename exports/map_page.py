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

CODEPOINT_ATTRIBUTION = "Contains OS data © Crown copyright and database right"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

#: Where each place layer's symbol sits from its point, in pixels, so several roles of one place all show.
OFFSETS = {"found_at": (0, 0), "frequents": (9, -9), "exploitation_location": (-9, -9), "missing_from": (9, 9),
           "safe_place": (-9, 9), "home": (0, 12)}
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
TREND_WORDS = {"new": "new (no finds in the previous period)", "intensifying": "intensifying (at least 1.5× the "
               "previous period)", "diminishing": "diminishing (at most half the previous period)",
               "persistent": "persistent (in at least 3 of the last 4 periods)", "steady": "steady"}


def resolve_basemap(basemap: str | None) -> tuple[str | None, str | None]:
    """``(tile URL template, attribution HTML)`` for ``--basemap none|osm|URL``; ``(None, None)`` for none."""
    value = (basemap or "none").strip()
    if value.lower() == "none":
        return None, None
    if value.lower() == "osm":
        return OSM_TILES, OSM_ATTRIBUTION
    if not all(part in value for part in ("{z}", "{x}", "{y}")):
        raise ValueError(f"--basemap must be none, osm, or a tile URL with {{z}}, {{x}} and {{y}} in it, such as "
                         f"https://tile.example.org/{{z}}/{{x}}/{{y}}.png; not {value!r}")
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


AREA_FIELDS = [("Rank", "rank"), ("District", "district"), ("Children", "children"), ("Episodes", "episodes"),
               ("Trend", "trend"), ("Episodes last period", "previous_episodes"),
               ("Periods present (of 4)", "periods_present"), ("Clusters", "clusters"),
               ("Peer clusters meet here", "clusters_meet"), ("Adults of concern", "adults_of_concern"),
               ("Last seen", "last_seen"), ("First seen", "first_seen"), ("Places", "place_names"),
               ("Postcodes", "postcodes"), ("Busiest day", "peak_day"), ("Busiest hour", "peak_hour"),
               ("Gi* z-score", "gi_z"), ("Gi* p-value", "gi_p"), ("Contains a children's home", "contains_childrens_home"),
               ("Episodes from children's homes", "episodes_from_childrens_homes"), ("Hot-spot areas", "areas"),
               ("Unverified mentions", "unverified"), ("Children (references)", "children_refs")]
PLACE_FIELDS = [("Postcode", "postcode"), ("District", "district"), ("Kind", "kind"), ("Roles", "roles"),
                ("Children", "children"), ("Episodes", "episodes"), ("Hot-spot area", "area")]


def _area_label(props: dict) -> str:
    rank = display(props.get("rank"))
    mark = TREND_MARKS.get(display(props.get("trend")), "")
    return f"{rank} {mark}".strip()


def map_layers(hotspots: dict, places: dict, cluster_places: pd.DataFrame | None = None,
               names: dict | None = None) -> list[dict]:
    """The page's layers from the two FeatureCollections (and, optionally, each cluster's places).

    ``cluster_places``: ``cluster``, ``postcode``, ``children`` (one row per cluster and place).
    """
    layers = []
    areas = []
    for feature in hotspots.get("features", []):
        props = feature["properties"]
        where = display(props.get("place_names")) or display(props.get("district")) or display(props.get("postcodes"))
        heading = f"Hot spot {display(props.get('rank'))}" + (f": {where}" if where else "")
        areas.append({"geometry": feature["geometry"], "label": _area_label(props), "heading": heading,
                      "rows": _rows(props, AREA_FIELDS, names), "rank": display(props.get("rank")),
                      "children": display(props.get("children")), "episodes": display(props.get("episodes")),
                      "trend": display(props.get("trend")), "where": where})
    layers.append({"id": "hotspots", "name": "Hot-spot areas, ranked", "type": "areas", "shown": True,
                   "features": areas})

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
            by_layer[key].append({"lat": lat, "lon": lon, "heading": name, "rows": [r for r in rows if r[1]],
                                  "size": round(5 + 2.2 * math.sqrt(_number(children)), 1)})
    for key, (name, symbol, colour, shown) in PLACE_LAYERS.items():
        if by_layer[key] or key != "home":
            layers.append({"id": key, "name": name, "type": "points", "symbol": symbol, "colour": colour,
                           "shown": shown, "features": by_layer[key], "offset": OFFSETS[key]})

    if cluster_places is not None and len(cluster_places):
        features = []
        for row in cluster_places.sort_values(["cluster", "postcode"]).to_dict("records"):
            where = coordinates.get(display(row.get("postcode")))
            if where is None:
                continue
            cluster = int(row["cluster"])
            features.append({"lat": where[0], "lon": where[1], "heading": f"Cluster {cluster}",
                             "rows": [["Place", display(row.get("place")) or display(row.get("postcode"))],
                                      ["Children of the cluster linked to it", display(row.get("children"))]],
                             "size": round(6 + 2 * math.sqrt(_number(row.get("children"))), 1),
                             "text": str(cluster), "colour": cluster_colour(cluster)})
        if features:
            layers.append({"id": "clusters", "name": "Clusters' places (number: cluster)", "type": "points",
                           "symbol": "circle", "colour": "#FFFFFF", "shown": False, "features": features,
                           "offset": (0, -12)})
    return layers


def extent_outline(hotspots: dict, places: dict, margin_m: float = 2000.0) -> dict | None:
    """The outline of the data's extent (convex hull of every feature, 2 km wider), as a GeoJSON geometry.

    With no basemap it stands in for the county: not a boundary, just where the places are.
    """
    geometries = [shapely.geometry.shape(f["geometry"]) for f in hotspots.get("features", []) + places.get("features", [])]
    if not geometries:
        return None
    series = gpd.GeoSeries(geometries, crs=4326).to_crs(27700)
    hull = shapely.convex_hull(shapely.union_all(series.to_numpy())).buffer(margin_m, quad_segs=8)
    outline = gpd.GeoSeries([hull], crs=27700).to_crs(4326).iloc[0]
    outline = shapely.transform(outline, lambda xy: np.round(xy, 5))
    return shapely.geometry.mapping(outline)


MAP_CSS = """
.map-layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 27rem); gap: 1em; }
.map-side table { font-size: .85rem; width: 100%; table-layout: fixed; }
.map-side td, .map-side th { overflow-wrap: break-word; }
.map-side th.narrow { width: 5.4em; }
.map-side th.rank { width: 3.8em; }
.map-side th.trend { width: 7.2em; }
.map-side th, .map-side button { white-space: nowrap; }
.map-side td button { min-width: 2.4em; padding: .1em .4em; }
#map { height: calc(100vh - 11rem); min-height: 30rem; border: 1px solid #8C8C8C; }
#map.leaflet-container { background: #F4F4F0; font: inherit; }
.map-side { max-height: calc(100vh - 11rem); overflow-y: auto; }
.pm-rank { background: #FFFFFF; color: #1A1A1A; border: 2px solid #A63D00; font-weight: bold; padding: 0 .35em;
           border-radius: .3em; box-shadow: none; font-size: .85rem; }
.pm-rank::before { display: none; }
.leaflet-popup-content { font-size: .9rem; min-width: 14rem; color: #1A1A1A; }
.leaflet-popup-content h3 { margin: 0 0 .3em; font-size: 1rem; }
.leaflet-control-layers { font-size: .9rem; color: #1A1A1A; }
.leaflet-control-attribution { font-size: .75rem; color: #1A1A1A; background: rgba(255,255,255,.9) !important; }
.leaflet-control-attribution a { color: #005A8C; }
.pm-symbol { background: none; border: none; }
.pm-symbol svg { overflow: visible; }
.pm-symbol:focus { outline: 3px solid #1A1A1A; }
.map-legend { list-style: none; padding: 0; margin: .3em 0; display: flex; flex-wrap: wrap; gap: .2em 1em; }
.map-legend svg { vertical-align: middle; }
@media (max-width: 65rem) { .map-layout { grid-template-columns: 1fr; } .map-side { max-height: none; } }
@media print { .map-layout { display: block; } #map { height: 16cm; break-inside: avoid; }
               .map-side { max-height: none; overflow: visible; } }
"""

MAP_JS = r"""
(function () {
  "use strict";
  var data = PM.data();
  var SVGNS = "http://www.w3.org/2000/svg";
  var SHAPES = {
    circle: function (r) { return ["circle", {cx: 0, cy: 0, r: r}]; },
    square: function (r) { return ["rect", {x: -r * .9, y: -r * .9, width: r * 1.8, height: r * 1.8}]; },
    diamond: function (r) { return ["polygon", {points: [0, -r * 1.25, r * 1.25, 0, 0, r * 1.25, -r * 1.25, 0].join(" ")}]; },
    triangle: function (r) { return ["polygon", {points: [0, r * 1.2, r * 1.15, -r * .85, -r * 1.15, -r * .85].join(" ")}]; },
    hexagon: function (r) { var p = []; for (var i = 0; i < 6; i++) { var a = Math.PI / 3 * i; p.push(r * 1.1 * Math.cos(a), r * 1.1 * Math.sin(a)); } return ["polygon", {points: p.join(" ")}]; },
    house: function (r) { return ["polygon", {points: [0, -r * 1.2, r, -r * .2, r, r, -r, r, -r, -r * .2].join(" ")}]; }
  };
  function escapeHtml(text) { var d = document.createElement("div"); d.textContent = text; return d.innerHTML; }

  function symbol(shape, colour, size, text) {
    var r = size, box = Math.ceil(r * 2.8);
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", box); svg.setAttribute("height", box);
    svg.setAttribute("viewBox", [-box / 2, -box / 2, box, box].join(" "));
    svg.setAttribute("aria-hidden", "true");
    var made = SHAPES[shape](r);
    var node = document.createElementNS(SVGNS, made[0]);
    Object.keys(made[1]).forEach(function (k) { node.setAttribute(k, made[1][k]); });
    node.setAttribute("fill", colour); node.setAttribute("fill-opacity", "0.9");
    node.setAttribute("stroke", "#1A1A1A"); node.setAttribute("stroke-width", "1.5");
    svg.appendChild(node);
    if (text) {
      var t = document.createElementNS(SVGNS, "text");
      t.setAttribute("text-anchor", "middle"); t.setAttribute("dy", "0.35em");
      t.setAttribute("font-size", Math.max(10, r)); t.setAttribute("font-weight", "bold"); t.setAttribute("fill", "#1A1A1A");
      t.textContent = text;
      svg.appendChild(t);
    }
    return {svg: svg, box: box};
  }

  function popup(feature) {
    var box = PM.el("div");
    PM.add(box, "h3", null, feature.heading);
    PM.rows(box, feature.rows);
    return box;
  }

  var map = L.map("map", {zoomControl: true, attributionControl: false, keyboard: true, preferCanvas: false,
                          zoomSnap: 0.25});
  var attribution = L.control.attribution({prefix: false}).addTo(map);
  attribution.addAttribution(escapeHtml(data.attribution));
  if (data.tiles) {
    L.tileLayer(data.tiles, {maxZoom: 19, attribution: data.tile_attribution}).addTo(map);
  }
  var overlays = {};
  var bounds = L.latLngBounds([]);
  if (data.outline) {
    var outline = L.geoJSON(data.outline, {interactive: false, style: {color: "#4D4D4D", weight: 1.5, dashArray: "4 4",
                                                                         fill: true, fillColor: "#FFFFFF", fillOpacity: 0.9}});
    outline.addTo(map);
    overlays[escapeHtml("Extent of the places (not a boundary)")] = outline;
    bounds.extend(outline.getBounds());
  }
  var areaLayers = {};
  data.layers.forEach(function (layer) {
    var group = L.featureGroup();
    layer.features.forEach(function (f, i) {
      var item;
      if (layer.type === "areas") {
        item = L.geoJSON(f.geometry, {style: {color: "#A63D00", weight: 2.5, fillColor: "#D55E00", fillOpacity: 0.28,
                                               className: "pm-hotspot"}});
        var label = PM.el("span", null, f.label);
        item.bindTooltip(label, {permanent: i < data.labelled, direction: "center", className: "pm-rank",
                                 interactive: false});
        areaLayers[f.rank] = item;
      } else {
        var made = symbol(layer.symbol, f.colour || layer.colour, f.size, f.text);
        var icon = L.divIcon({html: made.svg, className: "pm-symbol pm-" + layer.id, iconSize: [made.box, made.box],
                              iconAnchor: [made.box / 2 - (layer.offset || [0, 0])[0],
                                                                     made.box / 2 - (layer.offset || [0, 0])[1]]});
        item = L.marker([f.lat, f.lon], {icon: icon, keyboard: true, title: f.heading, alt: f.heading,
                                         riseOnHover: true});
      }
      item.bindPopup(popup(f));
      group.addLayer(item);
    });
    if (layer.shown) { group.addTo(map); }
    if (layer.features.length) { bounds.extend(group.getBounds()); }
    overlays[escapeHtml(layer.name + " (" + layer.features.length + ")")] = group;
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [20, 20]}); } else { map.setView([54.7, -1.7], 9); }

  document.querySelectorAll("button[data-area]").forEach(function (button) {
    button.addEventListener("click", function () {
      var item = areaLayers[button.getAttribute("data-area")];
      if (!item) { return; }
      map.fitBounds(item.getBounds(), {maxZoom: 15, animate: false});
      item.openPopup(item.getBounds().getCenter());
      document.getElementById("map").focus();
    });
  });
  window.peermapMap = {map: map, overlays: overlays, layers: data.layers};
  window.peermapReadyAt = performance.now();
  window.peermapReady = true;
})();
"""

MAP_BODY = ENV.from_string("""
<p class="muted">{{ intro }}</p>
<ul class="map-legend" aria-label="Key">
<li><svg width="26" height="20" aria-hidden="true"><rect x="2" y="2" width="22" height="16" fill="#D55E00" fill-opacity="0.28" stroke="#A63D00" stroke-width="2.5"/></svg> hot-spot area (number: rank)</li>
{% for name, symbol, colour in legend %}
<li><svg width="22" height="22" viewBox="-11 -11 22 22" aria-hidden="true">{{ symbol }}</svg> {{ name }}</li>
{% endfor %}
</ul>
<div class="map-layout">
<div id="map" tabindex="0" role="application" aria-label="Map of hot spots and places: arrow keys move, plus and minus zoom; Tab reaches each place"></div>
<div class="map-side">
<h2 id="ranked">{{ table_title }}</h2>
{% if areas %}
<table class="pm-table">
<caption class="visually-hidden">{{ table_title }}</caption>
<thead><tr><th scope="col" class="num rank">Rank</th><th scope="col">Where</th><th scope="col" class="num narrow">Children</th>
<th scope="col" class="num narrow">Episodes</th><th scope="col" class="trend">Trend</th></tr></thead>
<tbody>
{% for a in areas %}
<tr><td class="num"><button type="button" data-area="{{ a.rank }}"><span class="visually-hidden">Show hot spot </span>{{ a.rank }}</button></td>
<td>{{ a.where }}</td><td class="num">{{ a.children }}</td><td class="num">{{ a.episodes }}</td><td>{{ a.trend }}</td></tr>
{% endfor %}
</tbody></table>
<p class="muted no-print">Choose a rank to show that area on the map.</p>
{% else %}<p>No hot-spot areas in this period.</p>{% endif %}
<p class="muted">{{ notes }}</p>
</div>
</div>
""")

_LEGEND_SHAPES = {
    "circle": '<circle r="7"/>', "square": '<rect x="-6.5" y="-6.5" width="13" height="13"/>',
    "diamond": '<polygon points="0,-9 9,0 0,9 -9,0"/>', "triangle": '<polygon points="0,8.5 8,-6 -8,-6"/>',
    "hexagon": '<polygon points="8,0 4,7 -4,7 -8,0 -4,-7 4,-7"/>', "house": '<polygon points="0,-8 7,-1 7,7 -7,7 -7,-1"/>',
}


def _legend() -> list:
    from markupsafe import Markup

    out = []
    for role, (name, symbol, colour, _) in PLACE_LAYERS.items():
        shape = _LEGEND_SHAPES[symbol].replace("/>", f' fill="{colour}" stroke="#1A1A1A" stroke-width="1.5"/>')
        out.append((name, Markup(shape), colour))
    out.append(("a cluster's places (number: cluster)", Markup(_LEGEND_SHAPES["circle"].replace(
        "/>", ' fill="#FFFFFF" stroke="#1A1A1A" stroke-width="1.5"/>')), "#FFFFFF"))
    return out


def map_page(hotspots: dict, places: dict, *, cluster_places: pd.DataFrame | None = None, names: dict | None = None,
             basemap: str | None = "none", title: str = "Hot spots and places", subtitle: str = "",
             nav: list | None = None, intro: str = "", table_title: str = "Hot-spot areas, ranked",
             notes: str = "", labelled: int = 10) -> Page:
    """The map page.

    Parameters
    ----------
    hotspots, places : the ``hotspots.geojson`` and ``places.geojson`` FeatureCollections of the pack
        (:func:`exports.geojson.hotspot_features`, :func:`exports.geojson.place_features`).
    cluster_places : ``cluster``, ``postcode``, ``place``, ``children``: each cluster's places.
    names : how the audience calls associates, by reference (adults of concern in popups).
    labelled : how many of the top areas carry their rank on the map at all times (others on hover).
    basemap : ``none`` (no tiles, no requests), ``osm``, or a tile URL template.
    """
    tiles, tile_attribution = resolve_basemap(basemap)
    layers = map_layers(hotspots, places, cluster_places, names)
    data = {"layers": layers, "labelled": labelled, "outline": None if tiles else extent_outline(hotspots, places),
            "tiles": tiles, "tile_attribution": tile_attribution,
            "attribution": hotspots.get("attribution") or CODEPOINT_ATTRIBUTION}
    areas = layers[0]["features"]
    body = MAP_BODY.render(intro=intro, legend=_legend(), areas=areas, table_title=table_title,
                           notes=notes or "Trend: new (no finds in the previous period), intensifying (at least 1.5× "
                                          "the previous period's episodes), diminishing (at most half), persistent "
                                          "(in at least 3 of the last 4 periods), steady otherwise.")
    return Page(title=title, subtitle=subtitle, body=body, nav=nav or [], current="map.html",
                styles=[assets.leaflet_css(), MAP_CSS], scripts=[assets.leaflet_js(), MAP_JS], data={"pm-data": data},
                image_origin=basemap_origin(tiles) if tiles else None,
                footer=f"{CODEPOINT_ATTRIBUTION}. Map drawn with Leaflet."
                       + (" Basemap tiles load from the internet." if tiles else " No basemap: this page makes no "
                                                                                "network request."))
