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
  // label is left out where it would overlap one already placed, so they thin out as the map zooms out.
  var candidates = data.towns.map(function (t) {
    var size = t[1] >= 50000 ? "big" : t[1] >= 10000 ? "mid" : "small";
    return {text: t[0], lat: t[2], lon: t[3], weight: t[1], className: "pm-town pm-town-" + size};
  });
  data.districts.features.forEach(function (f) {
    var p = f.properties;
    candidates.push({text: p.district, lat: p.label[0], lon: p.label[1], weight: p.has_data ? 15000 : 4000,
                     className: "pm-district-code"});
  });
  candidates.sort(function (a, b) { return b.weight - a.weight || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0); });

  // What the data shows on screen (symbols, rank labels) and the map's controls, in projected pixels: a name is
  // moved off them if it can be.
  function dataBoxes() {
    var rect = map.getContainer().getBoundingClientRect(), origin = map.getPixelOrigin(), boxes = [];
    var shown = ".leaflet-marker-pane .pm-symbol, .leaflet-tooltip-pane .pm-rank, .leaflet-control";
    map.getContainer().querySelectorAll(shown)
      .forEach(function (node) {
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
      var pad = 3, shown = [], data = dataBoxes();
      candidates.forEach(function (c) {
        var at = map.project([c.lat, c.lon]);
        if (!view.contains(at)) { return; }
        var node = PM.add(box, "span", "pm-orientation-label " + c.className, c.text);
        var w = node.offsetWidth, h = node.offsetHeight, step = h + 2 * pad, side = w / 2 + 8;
        // at the place, else just above, below, right or left of it, then a little further each time: off the data
        var moves = [[0, 0]];
        for (var k = 1; k <= 4; k++) {
          var dx = side + (k - 1) * 20, dy = k * step;
          moves.push([0, -dy], [0, dy], [dx, 0], [-dx, 0], [dx, -dy], [-dx, -dy], [dx, dy], [-dx, dy]);
        }
        var chosen = null, centred = null;
        moves.some(function (m) {
          var x = at.x + m[0], y = at.y + m[1];
          var b = [x - w / 2 - pad, y - h / 2 - pad, x + w / 2 + pad, y + h / 2 + pad];
          if (hits(placed, b)) { return false; }
          if (!centred && m[0] === 0 && m[1] === 0) { centred = b; }
          if (hits(data, b)) { return false; }
          chosen = b;
          return true;
        });
        if (!chosen && centred && c.weight >= 10000) { chosen = centred; }  // a town's name, under the data
        if (!chosen) { box.removeChild(node); return; }
        placed.push(chosen);
        node.style.left = Math.round(chosen[0] + pad - origin.x) + "px";
        node.style.top = Math.round(chosen[1] + pad - origin.y) + "px";
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
