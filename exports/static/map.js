
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

  function symbol(shape, colour, size, text, ink) {
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
      t.setAttribute("font-size", Math.max(10, r)); t.setAttribute("font-weight", "bold"); t.setAttribute("fill", ink || "#1A1A1A");
      t.textContent = text;
      svg.appendChild(t);
    }
    return {svg: svg, box: box};
  }

  function popup(feature) {
    var box = PM.el("div");
    PM.add(box, "h3", null, feature.heading);
    if (feature.rows.length) { PM.rows(box, feature.rows); }
    return box;
  }

  var map = L.map("map", {zoomControl: true, attributionControl: false, keyboard: true, preferCanvas: false,
                          zoomSnap: 0.25});
  var attribution = L.control.attribution({prefix: false}).addTo(map);
  attribution.addAttribution(escapeHtml(data.attribution));
  if (data.tiles) {
    L.tileLayer(data.tiles, {maxZoom: 19, attribution: data.tile_attribution}).addTo(map);
  }
  var overlays = {}, groups = {};
  var bounds = L.latLngBounds([]);
  map.createPane("pmGround").style.zIndex = 300;  // below orientation.js's pane (350) and the data (400 up)
  if (data.outline) {
    var outline = L.geoJSON(data.outline, {interactive: false, pane: "pmGround", style: {color: "#4D4D4D", weight: 1.5, dashArray: "4 4",
                                                                         fill: true, fillColor: "#FFFFFF", fillOpacity: 0.9}});
    outline.addTo(map);
    overlays[escapeHtml("Extent of the places (not a boundary)")] = outline;
    bounds.extend(outline.getBounds());
  }
  var areaLayers = {}, areaFeatures = {};
  var timed = [];  // the places the time control moves: their layer, feature, marker and group
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
        areaFeatures[f.rank] = f;
        item.on("click", function () { choose(f.rank, {centre: false}); });
      } else {
        var made = symbol(layer.symbol, f.colour || layer.colour, f.size, f.text, f.ink);
        var icon = L.divIcon({html: made.svg, className: "pm-symbol pm-" + layer.id, iconSize: [made.box, made.box],
                              iconAnchor: [made.box / 2 - (layer.offset || [0, 0])[0],
                                                                     made.box / 2 - (layer.offset || [0, 0])[1]]});
        item = L.marker([f.lat, f.lon], {icon: icon, keyboard: true, title: f.heading, alt: f.heading,
                                         riseOnHover: true});
      }
      item.bindPopup(popup(f));
      group.addLayer(item);
      if (data.time && f.key && data.time.roles.indexOf(layer.id) >= 0) {
        timed.push({layer: layer, feature: f, item: item, group: group});
      }
    });
    groups[layer.id] = group;
    if (layer.shown) { group.addTo(map); }
    if (layer.features.length) { bounds.extend(group.getBounds()); }
    overlays[escapeHtml(layer.name + " (" + layer.features.length + ")")] = group;
  });
  var control = L.control.layers(null, overlays, {collapsed: map.getSize().x < 900}).addTo(map);  // open where it hides little

  // The time control (time_control.js, exports/timeline.py): a span of months moves the places of concern and
  // the safe places: a place is drawn when a child was there in the span, with the span's children (each once)
  // and episodes; the period itself shows the pack's own figures.
  var clock = data.time ? new PM.TimeControl(data.time, spanChanged) : null;
  var timeStatus = document.getElementById("time-status");
  function spanFigures(key) {
    var seen = {}, children = 0, episodes = 0;
    (data.time.places[key] || []).forEach(function (r) {
      if (r[0] < clock.from || r[0] > clock.to) { return; }
      r[1].forEach(function (c) { if (!seen[c]) { seen[c] = true; children += 1; } });
      episodes += r[2];
    });
    return {children: children, episodes: episodes};
  }
  function spanChanged() {
    var shownBy = {}, shown = 0;
    timed.forEach(function (t) {
      var f = t.feature, rows = f.rows, size = f.size;
      if (!clock.isPeriod()) {
        var got = spanFigures(f.key);
        if (!got.children && !got.episodes) {
          if (t.group.hasLayer(t.item)) { t.group.removeLayer(t.item); }
          return;
        }
        rows = f.rows.map(function (r) {
          if (r[0] === "Children") { return [r[0], String(got.children)]; }
          if (r[0] === "Episodes") { return [r[0], String(got.episodes)]; }
          // what the period's own analysis says of the place: named with its period
          if (r[0] === "Roles" || r[0] === "Hot-spot area") { return [r[0] + ", " + data.time.period_label, r[1]]; }
          return r;
        });
        rows.splice(1, 0, ["Counted over", clock.words()]);
        size = Math.round((5 + 2.2 * Math.sqrt(got.children)) * 10) / 10;
      }
      if (!t.group.hasLayer(t.item)) { t.group.addLayer(t.item); }
      var made = symbol(t.layer.symbol, f.colour || t.layer.colour, size, f.text, f.ink);
      var offset = t.layer.offset || [0, 0];
      t.item.setIcon(L.divIcon({html: made.svg, className: "pm-symbol pm-" + t.layer.id, iconSize: [made.box, made.box],
                                iconAnchor: [made.box / 2 - offset[0], made.box / 2 - offset[1]]}));
      t.item.setPopupContent(popup({heading: f.heading, rows: rows}));
      shownBy[t.layer.id] = (shownBy[t.layer.id] || 0) + 1;
      shown += 1;
    });
    // the layer box's counts follow the span, each layer where it was: Leaflet 1.9's layers control keeps its
    // entries in _layers, and _update() writes them again (Leaflet is pinned: xstatic-leaflet 1.9.3)
    control._layers.forEach(function (entry) {
      var layer = data.layers.filter(function (l) { return groups[l.id] === entry.layer; })[0];
      if (layer && data.time.roles.indexOf(layer.id) >= 0) {
        entry.name = escapeHtml(layer.name + " (" + (shownBy[layer.id] || 0) + ")");
      }
    });
    control._update();
    timeStatus.textContent = clock.isPeriod() ? "" : shown + " of " + timed.length + " places shown";
  }

  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [20, 20]}); } else { map.setView([54.7, -1.7], 9); }

  // Choosing an area (its rank in the table, or the area on the map) opens its side panel and, from the table,
  // centres the map on it: setView on its centre, with no popup to pan the map away from it.
  var ranks = Object.keys(areaLayers), chosen = null;
  var layout = document.querySelector(".map-layout");
  var normal = {color: "#A63D00", weight: 2.5, dashArray: null}, picked = {color: "#1A1A1A", weight: 5, dashArray: "8 4"};
  function button(rank) { return document.querySelector('button[data-area="' + rank + '"]'); }
  function back() {
    layout.classList.remove("panel-open");
    map.invalidateSize({pan: false});
    if (chosen && button(chosen)) { button(chosen).focus(); }
  }
  function choose(rank, how) {
    var item = areaLayers[rank], f = areaFeatures[rank];
    if (!item) { return; }
    if (chosen && areaLayers[chosen]) { areaLayers[chosen].setStyle(normal); }
    document.querySelectorAll("tr.pm-chosen").forEach(function (tr) {
      tr.classList.remove("pm-chosen");
      tr.querySelector("button").removeAttribute("aria-current");
    });
    chosen = rank;
    item.setStyle(picked);
    if (button(rank)) {
      button(rank).closest("tr").classList.add("pm-chosen");
      button(rank).setAttribute("aria-current", "true");
    }
    var at = ranks.indexOf(rank);
    layout.classList.add("panel-open");
    var heading = PM.panel.open(f, {
      back: back,
      previous: at > 0 ? function () { choose(ranks[at - 1], {centre: true, focus: true}); } : null,
      next: at < ranks.length - 1 ? function () { choose(ranks[at + 1], {centre: true, focus: true}); } : null
    });
    map.invalidateSize({pan: false});
    if (how.centre) {
      map.closePopup();
      var zoom = Math.min(15, map.getBoundsZoom(item.getBounds()));
      map.setView(f.centre || item.getBounds().getCenter(), zoom, {animate: false});
    }
    if (how.focus) { heading.focus({preventScroll: true}); }
    var below = layout.getBoundingClientRect().bottom - window.innerHeight;  // map and panel wholly in view
    if (below > 0) { window.scrollBy(0, below + 4); }
  }
  ranks.sort(function (a, b) { return Number(a) - Number(b); });
  document.querySelectorAll("button[data-area]").forEach(function (b) {
    b.addEventListener("click", function () { choose(b.getAttribute("data-area"), {centre: true, focus: true}); });
  });

  // map.html#cluster=N (the summary's "open on the map"): the clusters' places layer on, the map fitted to
  // cluster N's places. Returns how many places it shows (0: the cluster has no place on the map).
  function showCluster(number) {
    var layer = data.layers.filter(function (l) { return l.id === "clusters"; })[0];
    if (!layer) { return 0; }
    var points = layer.features.filter(function (f) { return String(f.cluster) === String(number); })
      .map(function (f) { return [f.lat, f.lon]; });
    if (!points.length) { return 0; }
    if (!map.hasLayer(groups.clusters)) { groups.clusters.addTo(map); }
    map.fitBounds(L.latLngBounds(points), {padding: [40, 40], maxZoom: 15, animate: false});
    return points.length;
  }
  function fromHash() {
    var match = /^#cluster=(\d+)$/.exec(window.location.hash);
    if (match) { showCluster(match[1]); }
  }
  fromHash();
  window.addEventListener("hashchange", fromHash);
  window.peermapMap = {map: map, overlays: overlays, layers: data.layers, choose: choose, control: control,
                       showCluster: showCluster, clock: clock, timed: timed};
  window.peermapReadyAt = performance.now();
  window.peermapReady = true;
})();
