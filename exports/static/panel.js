// The map page's side panel: one hot-spot area (or, for the board, one district) at a time.
// exports/map_page.area_panel decides every word and number; this only lays them out, with textContent.
// PM.panel.open(area) fills #pm-panel; the heat chart's cells hold their counts as text (and a tooltip).
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var settings = PM.data().panel;

  function svgEl(parent, tag, attributes, text) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // Children per bin: a line broken where a bin is before the data's coverage (drawn as "?", unknown).
  function sparkline(parent, series, bins) {
    var width = 400, top = 16, plot = 46, height = top + plot + 34, side = 12;
    var step = (width - 2 * side) / series.length;
    var known = series.filter(function (v) { return v !== null; });
    var max = Math.max.apply(null, known.concat([1]));
    var words = series.map(function (v, k) { return bins[k].words + ": " + (v === null ? "unknown" : plural(v, "child", "children")); });
    var svg = svgEl(parent, "svg", {viewBox: "0 0 " + width + " " + height, class: "pm-spark", role: "img",
                                    "aria-label": words.join("; ")});
    svgEl(svg, "line", {x1: side, x2: width - side, y1: top + plot, y2: top + plot, class: "pm-axis"});
    var path = [];
    series.forEach(function (v, k) {
      var x = side + step * (k + 0.5);
      if (v === null) {
        var gap = svgEl(svg, "g", {class: "pm-unknown", "data-bin": k, "data-value": "unknown"});
        svgEl(gap, "title", null, bins[k].words + ": unknown (before the data's coverage starts)");
        svgEl(gap, "rect", {x: x - step / 2 + 1, y: top, width: step - 2, height: plot});
        svgEl(gap, "text", {x: x, y: top + plot / 2 + 4, "text-anchor": "middle"}, "?");
        path.push(null);
      } else {
        var y = top + plot * (1 - v / max);
        path.push([x, y]);
        var point = svgEl(svg, "g", {class: "pm-point" + (k === series.length - 1 ? " pm-last" : ""),
                                     "data-bin": k, "data-value": v});
        svgEl(point, "title", null, words[k]);
        svgEl(point, "circle", {cx: x, cy: y, r: k === series.length - 1 ? 4.5 : 3});
        svgEl(point, "text", {x: x, y: y - 6, "text-anchor": "middle", class: "pm-value"}, v);
      }
      svgEl(svg, "text", {x: x, y: top + plot + 13, "text-anchor": "middle", class: "pm-mark"}, bins[k].mark);
      if (bins[k].year) {
        svgEl(svg, "text", {x: x, y: top + plot + 26, "text-anchor": "middle", class: "pm-mark"}, bins[k].year);
      }
    });
    var d = "", pen = false;
    path.forEach(function (p) {
      if (p === null) { pen = false; return; }
      d += (pen ? " L" : " M") + p[0].toFixed(1) + " " + p[1].toFixed(1);
      pen = true;
    });
    if (d) { svg.insertBefore(svgEl(null, "path", {d: d.trim(), class: "pm-line"}), svg.childNodes[1]); }
    if (known.length < series.length) {
      PM.add(parent, "p", "pm-note", "?: before the data's coverage starts, so not known (not 0).");
    }
    return svg;
  }

  // A count's shade: the last band (exports/map_page.HEAT_SHADES) whose fewest episodes it reaches.
  function shadeOf(n) { return settings.shades.filter(function (s) { return n >= s[0]; }).pop(); }

  // The shades' key, written out: "1", "2", "3 to 4", "5 or more".
  function heatKey(parent) {
    var key = PM.add(parent, "p", "pm-note pm-heat-key");
    key.appendChild(document.createTextNode("Episodes in a cell: "));
    settings.shades.slice(1).forEach(function (s, k, bands) {
      var next = bands[k + 1], swatch = PM.add(key, "span", "swatch");
      swatch.style.backgroundColor = s[1];
      var words = next ? (next[0] - 1 === s[0] ? String(s[0]) : s[0] + " to " + (next[0] - 1)) : s[0] + " or more";
      key.appendChild(document.createTextNode(words + (next ? ", " : ". Hover over a cell for its day and hour.")));
    });
  }

  // Episodes by day (rows, Monday first) and hour (columns), with row and column totals.
  function heatTable(parent, counts, when) {
    var rowSums = counts.map(function (row) { return row.reduce(function (a, b) { return a + b; }, 0); });
    var colSums = counts[0].map(function (_, h) { return counts.reduce(function (a, row) { return a + row[h]; }, 0); });
    var total = rowSums.reduce(function (a, b) { return a + b; }, 0);
    var table = PM.add(parent, "table", "pm-heat");
    table.id = "pm-heat";
    PM.add(table, "caption", null, "Episodes in " + when + " by the day and hour the child was there (local time): " +
           plural(total, "episode", "episodes") + ".");
    var head = PM.add(PM.add(table, "thead"), "tr");
    var corner = PM.add(head, "th");
    PM.add(corner, "span", "visually-hidden", "Day");
    for (var h = 0; h < 24; h++) {
      var th = PM.add(head, "th", h % 3 ? "pm-minor" : null, String(h).padStart(2, "0"));
      th.scope = "col";
      th.title = String(h).padStart(2, "0") + ":00 to " + String(h).padStart(2, "0") + ":59";
    }
    PM.add(head, "th", "pm-total", "All").scope = "col";
    var body = PM.add(table, "tbody");
    counts.forEach(function (row, d) {
      var tr = PM.add(body, "tr");
      var day = PM.add(tr, "th", null, settings.days[d].slice(0, 3));
      day.scope = "row";
      day.title = settings.days[d];
      row.forEach(function (n, hour) {
        var shade = shadeOf(n);
        var td = PM.add(tr, "td", n === 0 ? "pm-zero" : null, n);
        td.style.backgroundColor = shade[1];
        td.style.color = n === 0 ? "transparent" : shade[2];
        td.title = settings.days[d] + " " + String(hour).padStart(2, "0") + ":00 to " + String(hour).padStart(2, "0") +
          ":59: " + plural(n, "episode", "episodes");
      });
      PM.add(tr, "td", "pm-total", rowSums[d]).title = settings.days[d] + ": " + plural(rowSums[d], "episode", "episodes");
    });
    var foot = PM.add(PM.add(table, "tfoot"), "tr");
    PM.add(foot, "th", null, "All").scope = "row";
    colSums.forEach(function (n, hour) {
      PM.add(foot, "td", "pm-total", n).title = String(hour).padStart(2, "0") + ":00 to " +
        String(hour).padStart(2, "0") + ":59, every day: " + plural(n, "episode", "episodes");
    });
    PM.add(foot, "td", "pm-total", total).title = "All: " + plural(total, "episode", "episodes");
    return table;
  }

  function heat(parent, panel) {
    var box = PM.add(parent, "div", "pm-heat-box");
    var spans = [["period", panel.period]];
    if (panel.heat.window && panel.window) { spans.push(["window", panel.window]); }
    var holder;
    function show(key) {
      PM.clear(holder);
      heatTable(holder, panel.heat[key], spans.filter(function (s) { return s[0] === key; })[0][1]);
      box.querySelectorAll("button[data-heat]").forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-heat") === key ? "true" : "false");
      });
    }
    if (spans.length > 1) {
      var group = PM.add(box, "div", "pm-switch");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Episodes over");
      spans.forEach(function (s) {
        var b = PM.add(group, "button", null, s[0] === "period" ? s[1] : "Look-back: " + s[1]);
        b.type = "button";
        b.setAttribute("data-heat", s[0]);
        b.addEventListener("click", function () { show(s[0]); });
      });
    }
    holder = PM.add(box, "div", "pm-heat-scroll");
    show("period");
    heatKey(box);
  }

  function counts(parent, panel) {
    var table = PM.add(parent, "table", "pm-table pm-counts");
    var head = PM.add(PM.add(table, "thead"), "tr");
    PM.add(head, "th", null, "").scope = "col";
    PM.add(head, "th", "num", panel.period).scope = "col";
    var lookback = panel.counts.some(function (c) { return c[2] !== null; });
    if (lookback) { PM.add(head, "th", "num", "Look-back: " + panel.window).scope = "col"; }
    var body = PM.add(table, "tbody");
    panel.counts.forEach(function (c) {
      var tr = PM.add(body, "tr");
      PM.add(tr, "th", null, c[0]).scope = "row";
      PM.add(tr, "td", "num", c[1]);
      if (lookback) { PM.add(tr, "td", c[2] === null ? "muted" : "num", c[2] === null ? "period only" : c[2]); }
    });
  }

  function open(area, options) {
    var panel = area.panel, root = document.getElementById("pm-panel");
    options = options || {};
    PM.clear(root);
    var bar = PM.add(root, "div", "pm-panel-bar no-print");
    [["pm-back", "Ranked list", options.back], ["pm-previous", "Previous", options.previous],
     ["pm-next", "Next", options.next]].forEach(function (b) {
      if (!b[2]) { return; }
      var button = PM.add(bar, "button", b[0], b[1]);
      button.type = "button";
      button.addEventListener("click", b[2]);
    });
    var heading = PM.add(root, "h2", null, panel.heading);
    heading.id = "pm-panel-heading";
    heading.tabIndex = -1;
    if (panel.sentence) {
      var p = PM.add(root, "p", "pm-sentence");
      if (panel.pattern) { PM.add(p, "strong", null, panel.pattern.charAt(0).toUpperCase() + panel.pattern.slice(1) + ": "); }
      p.appendChild(document.createTextNode(panel.sentence + "."));
    }
    counts(root, panel);
    if (panel.series) {
      PM.add(root, "h3", null, panel.series_title);
      sparkline(PM.add(root, "div", "pm-spark-box"), panel.series, panel.bins);
    }
    if (panel.heat) {
      PM.add(root, "h3", null, "Days and hours");
      heat(root, panel);
    }
    if (panel.places !== null) {
      var where = PM.add(root, "p", "pm-places");
      PM.add(where, "strong", null, panel.places.length ? "Named places: " : "Named places: none");
      if (panel.places.length) { where.appendChild(document.createTextNode(panel.places.join("; "))); }
      if (panel.postcodes) {
        where.appendChild(document.createTextNode(" (" + plural(panel.postcodes, "postcode", "postcodes") + ")"));
      }
    }
    if (panel.gi) {
      var gi = PM.add(root, "p", "pm-gi");
      PM.add(gi, "strong", null, "Gi*: ");
      gi.appendChild(document.createTextNode(panel.gi));
    }
    if (panel.details.length) { PM.rows(root, panel.details); }
    if (panel.more.length) {
      var more = PM.add(root, "details", "pm-more");
      PM.add(more, "summary", null, panel.more_title);
      PM.rows(more, panel.more);
    }
    root.scrollTop = 0;
    return heading;
  }

  window.PM.panel = {open: open};
})();
