// The orientation layer of map.html (geo/orientation.py): postcode-district outlines and the names of towns,
// villages and districts, drawn under the data in a pane of their own, so the map can be read with no
// basemap and no request. Runs after map.js (window.peermapMap). Names go in through textContent only.
(function () {
  "use strict";
  if (!document.getElementById("pm-orientation") || !window.peermapMap) { return; }
  var data = PM.data("pm-orientation");
  var map = window.peermapMap.map;
  var pane = map.createPane("pmOrientation");
  pane.style.zIndex = 350;  // above the extent (pmGround, 300), below every layer of data (400 and up)
  pane.style.pointerEvents = "none";
  pane.setAttribute("aria-hidden", "true");
  function escapeHtml(text) { var d = document.createElement("div"); d.textContent = text; return d.innerHTML; }

  var outlines = L.geoJSON(data.districts, {
    pane: "pmOrientation", interactive: false,
    style: function (f) {
      return {color: "#767676", weight: f.properties.has_data ? 1.8 : 1, opacity: 1, fill: false,
              className: "pm-district"};
    }
  });

  // Labels: the largest towns first, then districts with data, smaller towns, neighbouring districts; a
  // label is left out where it would overlap one already placed (or a town's dot), so they thin out as the
  // map zooms out. A town is a dot with its name beside it.
  var candidates = data.towns.map(function (t) {
    var size = t[1] >= 50000 ? "big" : t[1] >= 10000 ? "mid" : "small";
    return {text: t[0], lat: t[2], lon: t[3], weight: t[1], className: "pm-town pm-town-" + size, dot: true};
  });
  data.districts.features.forEach(function (f) {
    var p = f.properties;
    candidates.push({text: p.district, lat: p.label[0], lon: p.label[1], weight: p.has_data ? 15000 : 4000,
                     className: "pm-district-code"});
  });
  candidates.sort(function (a, b) { return b.weight - a.weight || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0); });

  // What the data shows on screen and the map's controls, in projected pixels: a name is moved off them if it
  // can be. Rank labels and controls hide a name whole ("solid"); a place's symbol only in part.
  function dataBoxes(selector) {
    var rect = map.getContainer().getBoundingClientRect(), origin = map.getPixelOrigin(), boxes = [];
    map.getContainer().querySelectorAll(selector).forEach(function (node) {
      var r = node.getBoundingClientRect();
      if (!r.width) { return; }
      var at = map.containerPointToLayerPoint([r.left - rect.left, r.top - rect.top]).add(origin);
      boxes.push([at.x, at.y, at.x + r.width, at.y + r.height]);
    });
    return boxes;
  }
  function hits(boxes, b) {
    return boxes.some(function (o) { return b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]; });
  }

  var Labels = L.Layer.extend({
    onAdd: function () {
      this._box = L.DomUtil.create("div", "pm-orientation-labels leaflet-zoom-hide", map.getPane("pmOrientation"));
      map.on("zoomend viewreset moveend overlayadd overlayremove", this._draw, this);
      this._draw();
    },
    onRemove: function () {
      map.off("zoomend viewreset moveend overlayadd overlayremove", this._draw, this);
      L.DomUtil.remove(this._box);
    },
    _draw: function () {
      var box = PM.clear(this._box), placed = [], view = map.getPixelBounds(), origin = map.getPixelOrigin();
      var pad = 3, shown = [];
      var solid = dataBoxes(".leaflet-tooltip-pane .pm-rank, .leaflet-control");
      var symbols = dataBoxes(".leaflet-marker-pane .pm-symbol");
      candidates.forEach(function (c) {
        var at = map.project([c.lat, c.lon]);
        if (!view.contains(at)) { return; }
        var node = PM.add(box, "span", "pm-orientation-label " + c.className, c.text);
        var w = node.offsetWidth, h = node.offsetHeight, gap = 4 + pad, dx = w / 2 + gap, dy = h / 2 + gap;
        // a town's name beside its dot (right, left, above, below, then the corners), a district's code on
        // it, else just above or below: the first spot clear of other names and of the data. A town of
        // 10,000 people or more may go a little further, with a line to its dot, rather than under the data.
        var moves = c.dot ? [[dx, 0], [-dx, 0], [0, -dy], [0, dy], [dx, -dy], [-dx, -dy], [dx, dy], [-dx, dy]]
                          : [[0, 0], [0, -2 * dy], [0, 2 * dy]];
        if (c.dot && c.weight >= 10000) {
          for (var k = 1; k <= 2; k++) {
            var fx = dx + 16 * k, fy = dy + k * (h + pad);
            moves.push([0, -fy], [0, fy], [fx, 0], [-fx, 0], [fx, -fy], [-fx, -fy], [fx, fy], [-fx, fy]);
          }
        }
        // the first spot clear of names, rank labels, controls and symbols; for a town of 10,000 or more,
        // else the first clear of all but symbols, else the first clear of names (under the data)
        var spots = moves.map(function (m) {
          var x = at.x + m[0], y = at.y + m[1];
          return [x - w / 2 - pad, y - h / 2 - pad, x + w / 2 + pad, y + h / 2 + pad];
        }).filter(function (b) { return !hits(placed, b); });
        var clear = spots.filter(function (b) { return !hits(solid, b); });
        var chosen = clear.filter(function (b) { return !hits(symbols, b); })[0] || null;
        if (!chosen && c.weight >= 10000) { chosen = clear[0] || spots[0] || null; }
        if (!chosen) { box.removeChild(node); return; }
        placed.push(chosen);
        node.style.left = Math.round(chosen[0] + pad - origin.x) + "px";
        node.style.top = Math.round(chosen[1] + pad - origin.y) + "px";
        if (c.dot) {
          // a line from the dot to the nearest point of a name set further off
          var ex = Math.min(Math.max(at.x, chosen[0] + pad), chosen[2] - pad);
          var ey = Math.min(Math.max(at.y, chosen[1] + pad), chosen[3] - pad), length = Math.hypot(ex - at.x, ey - at.y);
          if (length > gap + 2) {
            var line = PM.add(box, "span", "pm-town-leader");
            line.style.left = Math.round(at.x - origin.x) + "px";
            line.style.top = Math.round(at.y - origin.y) + "px";
            line.style.width = Math.round(length) + "px";
            line.style.transform = "rotate(" + Math.atan2(ey - at.y, ex - at.x) + "rad)";
          }
          var dot = PM.add(box, "span", "pm-town-dot");
          dot.style.left = Math.round(at.x - origin.x - 3) + "px";
          dot.style.top = Math.round(at.y - origin.y - 3) + "px";
          placed.push([at.x - 3, at.y - 3, at.x + 3, at.y + 3]);
        }
        shown.push(c.text);
      });
      this.shown = shown;
    }
  });
  var labels = new Labels();
  outlines.addTo(map);
  labels.addTo(map);
  var control = window.peermapMap.control;
  if (control) {
    control.addOverlay(outlines, escapeHtml("Postcode districts (outlines)"));
    control.addOverlay(labels, escapeHtml("Names of towns, villages and districts"));
  }
  if (map.attributionControl) { map.attributionControl.addAttribution(escapeHtml(data.attribution)); }
  window.peermapOrientation = {outlines: outlines, labels: labels};
})();
