
(function () {
  "use strict";
  var data = PM.data();
  var meta = data.meta;
  var edgeById = {};
  data.edges.forEach(function (e) { edgeById[e.id] = e; });

  function evidenceList(parent, items, limit) {
    var list = PM.add(parent, "ul");
    items.slice(0, limit).forEach(function (item) {
      var li = PM.add(list, "li");
      li.appendChild(document.createTextNode(item.detail));
      if (item.unverified) { li.appendChild(document.createTextNode(" ")); PM.add(li, "span", "badge unverified", "not confirmed"); }
    });
    if (items.length > limit) { PM.add(list, "li", "muted", "and " + (items.length - limit) + " more"); }
    return list;
  }

  var state = {cluster: "all", safety: true, context: true, unverified: true, names: false, focus: null,
               collapsed: false};

  /** What a person is called now: their reference (or an associate's label), their name once names are shown. */
  function heading(id) {
    var m = meta.nodes[id];
    if (!m) { return id; }
    return state.names && m.name ? m.name : m.heading;
  }

  function nodeFacts(parent, id) {
    var m = meta.nodes[id];
    PM.add(parent, "div", "tip-head", heading(id));
    if (m.words) { PM.add(parent, "div", m.concern ? "concern-text" : (m.safety ? "safety-text" : "muted"), m.words); }
    PM.rows(parent, m.details.filter(function (pair) { return state.names || pair[0] !== "Name"; }));
  }

  function edgeFacts(parent, id, limit) {
    var m = meta.edges[id];
    var edge = edgeById[id];
    // with a span other than the period chosen: the tie as the evidence first seen in that span makes it
    var t = spanTies && typeof spanTies[id] === "object" ? spanTies[id] : null;
    var tieType = t ? t.tieType : m.tie_type, unverified = t ? t.unverified : m.unverified;
    var strength = t ? t.strength : m.strength;
    var weight = t ? (data.numbers ? Math.round(t.weight * 100) / 100 : null) : m.weight;
    PM.add(parent, "div", "tip-head", heading(edge.from) + " and " + heading(edge.to));
    var line = tieType === "risk" ? (strength ? strength + " tie" : "tie") + (weight === null ? "" : " (weight " + weight + ")")
             : (tieType === "safety" ? "safety: not counted as risk" : "context: family or professional, not counted as risk");
    PM.add(parent, "div", tieType === "safety" ? "safety-text" : null, line);
    if (unverified) { PM.add(parent, "span", "badge unverified", "not confirmed: every piece of this is ungraded or graded 3, D or E"); }
    if (t) {
      PM.add(parent, "p", null, "In " + clock.words() + " (each month weighed on its own, then added up): " +
        t.said.join("; ") + ".");
      if (!m.evidence.length) { return; }
      PM.add(parent, "p", "muted", "The evidence of " + data.time.period_label + ", the pack's period:");
    }
    if (m.why && !t) { PM.add(parent, "p", null, "Why linked: " + m.why); }
    evidenceList(parent, m.evidence, limit);
  }

  function tip(builder, id, limit) {
    var box = PM.el("div", "pm-tip");
    builder(box, id, limit);
    return box;
  }


  var labels = {};  // id -> [label with references, label with names]
  var home = {};    // id -> position in the whole network's layout
  data.nodes.forEach(function (n) {
    var m = meta.nodes[n.id];
    labels[n.id] = [n.label, m.name ? m.name + m.tag + (m.words ? "\n" + m.words : "") : n.label];
    home[n.id] = {x: n.x, y: n.y, size: n.size};
  });

  /* Large views open with each group (a cluster and the safety and context people beside it) drawn as one circle,
     opened on demand. The circles and the ties between them are nodes and edges of their own ("group:KEY"), and the
     people of a closed group are left out of what vis-network is given: it builds only what is drawn, so 20,000
     people open as fast as their 2,000 circles. */
  var big = data.nodes.length > 600;
  var group = data.group;  // the group a person is collapsed into (network_page.collapse_groups)
  var colourOf = {};
  data.clusters.forEach(function (c) { colourOf[String(c.cluster)] = c.colour; });
  var members = {};  // group key -> its people and places
  Object.keys(group).forEach(function (id) { (members[group[id]] = members[group[id]] || []).push(id); });
  var closable = {}, closed = {};  // the groups of more than one, and those drawn as one circle now
  var circles = [], links = [];
  function isGroup(id) { return String(id).indexOf("group:") === 0; }
  if (big) {
    // the zoom the circles will be fitted at, from where they go: their numbers readable there
    var keys = Object.keys(members).filter(function (k) { return members[k].length > 1; });
    var xs = keys.map(function (k) { return (data.groups[k] || [0])[0]; });
    var ys = keys.map(function (k) { return (data.groups[k] || [0, 0])[1]; });
    var box = document.getElementById("network");
    var fitted = Math.min(box.clientWidth / (Math.max.apply(null, xs) - Math.min.apply(null, xs) + 200),
                          box.clientHeight / (Math.max.apply(null, ys) - Math.min.apply(null, ys) + 200));
    var fontSize = Math.min(Math.ceil(14 / Math.min(fitted, 1)), 48);
    Object.keys(members).forEach(function (key) {
      if (members[key].length < 2) { return; }
      closable[key] = true;
      var at = data.groups[key] || [0, 0], count = members[key].length;
      circles.push({id: "group:" + key, label: key === "none" ? "no cluster" : key, shape: "dot", x: at[0], y: at[1],
                    size: Math.min(14 + 2.5 * Math.sqrt(count), 60), borderWidth: 3, font: {size: fontSize},
                    color: {background: colourOf[key] || "#767676", border: "#1A1A1A",
                            highlight: {background: colourOf[key] || "#767676", border: "#000000"}},
                    title: (key === "none" ? "not in a cluster" : "cluster " + key) + ": " + count +
                           " people and places (double click or Enter opens)"});
    });
    // the ties of a closed group stand for it: circle to circle, and circle to each person of an open group
    var between = {};
    data.edges.forEach(function (e) {
      var a = group[e.from], b = group[e.to];
      if (a === b || meta.edges[e.id].lookback) { return; }  // the period's ties: a span's are drawn once opened
      [[closable[a] ? "group:" + a : null, closable[b] ? "group:" + b : null],
       [closable[a] ? "group:" + a : null, e.to], [e.from, closable[b] ? "group:" + b : null]].forEach(function (pair) {
        if (pair[0] === null || pair[1] === null) { return; }
        var id = "ties:" + (pair[0] < pair[1] ? pair[0] + "|" + pair[1] : pair[1] + "|" + pair[0]);
        if (between[id]) { between[id].count += 1; return; }
        between[id] = {id: id, from: pair[0], to: pair[1], count: 1};
      });
    });
    links = Object.keys(between).map(function (id) {
      var t = between[id];
      return {id: id, from: t.from, to: t.to, width: Math.round(10 * (1 + 1.5 * Math.log(t.count))) / 10,
              color: {color: "#4D4D4D", highlight: "#000000", hover: "#000000"},
              title: t.count + (t.count === 1 ? " tie" : " ties") + " (open the cluster for each one's evidence)"};
    });
    closed = Object.assign({}, closable);  // the view opens collapsed
    state.collapsed = keys.length > 0;
  }
  var nodes = new vis.DataSet(data.nodes.concat(circles));
  var edges = new vis.DataSet(data.edges.concat(links));
  // what the page counts and finds: the people, places and ties themselves, never the circles
  var people = new vis.DataView(nodes, {filter: function (n) { return !isGroup(n.id); }});
  var allTies = new vis.DataView(edges, {filter: function (e) { return meta.edges[e.id] !== undefined; }});

  var placeLink = {};  // a safe place's link to a child: drawn, but not a tie of evidence between people
  data.edges.forEach(function (e) {
    if (meta.nodes[e.from].kind === "place" || meta.nodes[e.to].kind === "place") { placeLink[e.id] = true; }
  });
  var drawnAs = {};  // each tie's width and dashes in the period, to put back
  data.edges.forEach(function (e) { drawnAs[e.id] = {width: e.width, dashes: e.dashes || false}; });

  // the time control (time_control.js): null when the page has none (the board) or the span is the period
  var clock = data.time ? new PM.TimeControl(data.time, function () { spanChanged(); }) : null;
  var spanTies = null;  // edge id -> the tie in the span, or true for a drawn tie with no dates (a safe place's)
  var inSpan = {};      // the people with a tie in the span
  /** A tie is drawn in the period when it is one of the analysis's; in another span, when evidence of it was
      first seen in the span (people) or always (a safe place beside a child: not evidence between people). */
  function inTime(id) {
    if (!spanTies) { return !meta.edges[id].lookback; }
    return spanTies[id] !== undefined;
  }
  var neighbours = {};
  function linkNeighbours() {
    neighbours = {};
    data.edges.forEach(function (e) {
      if (!inTime(e.id)) { return; }
      (neighbours[e.from] = neighbours[e.from] || []).push(e.to);
      (neighbours[e.to] = neighbours[e.to] || []).push(e.from);
    });
  }
  linkNeighbours();

  function inCluster(id) {
    if (state.cluster === "all") { return true; }
    var m = meta.nodes[id];
    if (state.cluster === "none") { return m.cluster === null && !m.safety && !m.context; }
    return String(m.cluster) === state.cluster;
  }
  var near = null;  // the people within the chosen steps of the focused person
  function nodeShown(node) {
    if (isGroup(node.id)) { return closed[node.id.slice("group:".length)] === true; }
    if (closed[group[node.id]]) { return false; }  // drawn as its group's circle
    var m = meta.nodes[node.id];
    if (spanTies && !inSpan[node.id]) {  // another span: people with a tie in it, places beside them
      if (m.kind !== "place" || !(neighbours[node.id] || []).some(function (o) { return inSpan[o]; })) { return false; }
    }
    if (m.safety && !state.safety) { return false; }
    if (m.context && !state.context) { return false; }
    if (near) { return near[node.id] === true; }
    if (state.cluster === "all" || inCluster(node.id)) { return true; }
    if (m.safety || m.context) {  // safety and context people beside the cluster they are linked to
      return (neighbours[node.id] || []).some(inCluster);
    }
    return false;
  }
  var nodeView = new vis.DataView(nodes, {filter: nodeShown});
  var shownNodes = {};
  function edgeShown(edge) {
    var m = meta.edges[edge.id];
    if (m && !inTime(edge.id)) { return false; }
    var t = spanTies && typeof spanTies[edge.id] === "object" ? spanTies[edge.id] : null;
    if (m && (t ? t.unverified : m.unverified) && !state.unverified) { return false; }
    return shownNodes[edge.from] && shownNodes[edge.to];
  }
  var edgeView = new vis.DataView(edges, {filter: edgeShown});
  var status = document.getElementById("status");
  function describe() {
    var what = near ? heading(state.focus.id) + " and their links at " + state.focus.steps +
                      (state.focus.steps === 1 ? " step" : " steps") + ": "
             : (state.cluster === "all" ? "" : (state.cluster === "none" ? "Not in a cluster: " : "Cluster " + state.cluster + ": "));
    // ties between people (ties.csv's, or the span's) apart from the links of safe places to their children
    var ties = 0, all = 0, places = 0;
    edgeView.getIds().forEach(function (id) {
      if (meta.edges[id] === undefined) { return; }  // a line between circles
      if (placeLink[id]) { places += 1; } else { ties += 1; }
    });
    data.edges.forEach(function (e) { if (!placeLink[e.id] && inTime(e.id)) { all += 1; } });
    var drawn = nodeView.getIds().filter(function (id) { return !isGroup(id); }).length;
    var circles = nodeView.getIds().filter(function (id) { return isGroup(id); });
    var inCircles = 0;
    circles.forEach(function (id) { inCircles += (members[String(id).slice("group:".length)] || []).length; });
    var circleWords = circles.length ? circles.length + " circles holding " + inCircles + " people and places, " : "";
    status.textContent = what + "showing " + circleWords + drawn + " of " + people.length + " people and places" +
      (circles.length ? " one by one" : "") + ", " + ties + " of " + all + " ties" + (spanTies ? " of " + clock.words() + " (between people of " +
      data.time.period_label + ")" : "") + (places ? " and " + places + (places === 1 ? " link" : " links") +
      " to safe places" : "") +
      (state.collapsed ? "; clusters drawn as one circle each (double click or Enter opens one)." : ".");
  }
  function filter() {
    near = null;
    if (state.focus) {
      near = {};
      var frontier = [state.focus.id];
      near[state.focus.id] = true;
      for (var step = 0; step < state.focus.steps; step++) {
        var next = [];
        frontier.forEach(function (id) {
          (neighbours[id] || []).forEach(function (o) { if (!near[o]) { near[o] = true; next.push(o); } });
        });
        frontier = next;
      }
    }
    shownNodes = {};
    nodeView.refresh();
    nodeView.getIds().forEach(function (id) { shownNodes[id] = true; });
    edgeView.refresh();
  }
  filter();

  var container = document.getElementById("network");
  var network = new vis.Network(container, {nodes: nodeView, edges: edgeView}, {
    autoResize: true,
    physics: {enabled: false},
    layout: {improvedLayout: false, randomSeed: 7},
    nodes: {font: {size: data.font, face: "system-ui, Arial, sans-serif", color: "#1A1A1A", strokeWidth: 4,
                   strokeColor: "#FFFFFF"},
            scaling: {label: {enabled: true, min: 12, max: 22, drawThreshold: 7, maxVisible: 26}}},
    edges: {smooth: false, selectionWidth: 2, hoverWidth: 1.5},
    interaction: {hover: true, tooltipDelay: 120, keyboard: {enabled: true, bindToWindow: false},
                  navigationButtons: false, multiselect: false, hideEdgesOnDrag: big, hideEdgesOnZoom: big}
  });
  // the keyboard reaches the network itself at the first Tab: vis-network listens for keys on its own frame
  var frame = container.querySelector(".vis-network");
  frame.tabIndex = 0;
  frame.setAttribute("role", "application");
  frame.setAttribute("aria-label", container.getAttribute("aria-label"));
  frame.setAttribute("aria-describedby", container.getAttribute("aria-describedby"));
  container.removeAttribute("aria-label");
  container.removeAttribute("aria-describedby");

  /** Size the canvas and the details beside it to what is left of the window below the controls. */
  var details = document.getElementById("details-body");
  var aside = document.getElementById("details");
  function fitToWindow() {
    var top = container.getBoundingClientRect().top + window.scrollY;
    var left = Math.max(window.innerHeight - top - status.offsetHeight - 12, 260);
    container.style.height = left + "px";
    aside.style.maxHeight = (left + status.offsetHeight) + "px";
  }
  fitToWindow();
  window.addEventListener("resize", fitToWindow);

  /** Put the shown people where the current view wants them: the cluster's own layout, or the whole network's. */
  var resized = {};
  function place() {
    var layout = !near && state.cluster !== "all" ? data.layouts[state.cluster] : null;
    var at = {}, sizes = [];
    if (layout) { layout.ids.forEach(function (id, i) { at[id] = {x: layout.x[i], y: layout.y[i], size: layout.size[i]}; }); }
    Object.keys(resized).forEach(function (id) { if (!at[id]) { sizes.push({id: id, size: home[id].size}); } });
    resized = {};
    Object.keys(at).forEach(function (id) { resized[id] = true; sizes.push({id: id, size: at[id].size}); });
    if (sizes.length) { nodes.update(sizes); }  // a cluster on its own is drawn with smaller nodes, larger labels
    nodeView.getIds().forEach(function (id) {
      if (isGroup(id)) { return; }  // a circle stays where it was put
      var p = at[id] || home[id];
      network.moveNode(id, p.x, p.y);
    });
  }
  /** Fit what is shown to the canvas. vis-network measures a node and its label only when it draws it on
      screen, so first zoom out to take in every node where it now is, draw, and then fit to the measures. */
  function fitView() {
    if (network.body.nodeIndices.length > 400) {  // a large view: vis-network's own fit, at once
      network.fit({animation: false});
      return;
    }
    var at = network.getPositions(network.body.nodeIndices), ids = Object.keys(at);
    if (ids.length) {
      var xs = ids.map(function (id) { return at[id].x; }), ys = ids.map(function (id) { return at[id].y; });
      var low = {x: Math.min.apply(null, xs), y: Math.min.apply(null, ys)};
      var high = {x: Math.max.apply(null, xs), y: Math.max.apply(null, ys)};
      var scale = Math.min(container.clientWidth / (high.x - low.x + 600), container.clientHeight / (high.y - low.y + 400));
      network.moveTo({position: {x: (low.x + high.x) / 2, y: (low.y + high.y) / 2}, scale: scale, animation: false});
      network.setOptions({nodes: {scaling: {label: {drawThreshold: 0}}}});  // labels too are measured as drawn
      network.redraw();
      network.setOptions({nodes: {scaling: {label: {drawThreshold: 7}}}});
    }
    // then fit to those measures (vis-network's own fit leaves a tenth of the canvas as margin)
    var box = null;
    network.body.nodeIndices.forEach(function (id) {
      var b = network.getBoundingBox(id);
      box = box ? {left: Math.min(box.left, b.left), right: Math.max(box.right, b.right),
                   top: Math.min(box.top, b.top), bottom: Math.max(box.bottom, b.bottom)} : b;
    });
    if (!box) { return; }
    var fitted = 0.97 * Math.min(container.clientWidth / (box.right - box.left + 1), container.clientHeight / (box.bottom - box.top + 1));
    network.moveTo({position: {x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2},
                    scale: Math.min(fitted, 1.5), animation: false});
  }

  /** Large views open with each cluster drawn as one circle, opened on demand (see the groups above). */
  var collapseButton = document.getElementById("collapse");
  state.wanted = big;  // closed circles wanted in the whole network's view ("Open all clusters" turns it off)
  function groupsFor() {  // which groups are closed for the view now chosen: none once a cluster or person is chosen
    if (!state.wanted || state.cluster !== "all" || state.focus) { closed = {}; }
    else if (!state.collapsed) { closed = Object.assign({}, closable); }
    state.collapsed = Object.keys(closed).length > 0;
    network.setOptions({edges: {color: {opacity: state.collapsed ? 0.35 : 1}}});
    collapseButton.textContent = state.collapsed ? "Open all clusters" : "Collapse clusters";
  }
  function collapse() {
    state.wanted = true;
    state.collapsed = false;
    refresh();
  }
  function expandAll() {
    state.wanted = false;
    refresh();
  }
  function openGroup(id) {
    var key = String(id).slice("group:".length);
    if (!isGroup(id) || !closed[key]) { return false; }
    delete closed[key];
    state.collapsed = Object.keys(closed).length > 0;
    filter();
    // the cluster's own layout, where its circle was; anyone else where the whole network has them
    var layout = data.layouts[key], at = data.groups[key] || [0, 0], own = {};
    if (layout) { layout.ids.forEach(function (n, i) { own[n] = {x: at[0] + layout.x[i], y: at[1] + layout.y[i]}; }); }
    members[key].forEach(function (n) {
      var p = own[n] || home[n];
      if (nodeView.get(n)) { network.moveNode(n, p.x, p.y); }
    });
    describe();
    return true;
  }
  function refresh() {
    groupsFor();
    filter();
    place();
    describe();
  }
  if (big) { collapseButton.hidden = false; groupsFor(); }
  describe();

  function clearDetails() { PM.clear(details); details.removeAttribute("data-cluster"); }
  function showNode(id) {
    clearDetails();
    if (isGroup(id)) {
      var key = id.slice("group:".length);
      PM.add(details, "div", "tip-head", key === "none" ? "Not in a cluster" : "Cluster " + key);
      PM.add(details, "p", null, members[key].length + " people and places, drawn as one circle.");
      var open = PM.add(details, "button", null, "Open this cluster here");
      open.type = "button";
      open.addEventListener("click", function () { openGroup(id); clearDetails(); });
      if (key !== "none") {
        var alone = PM.add(details, "button", null, "Show this cluster on its own");
        alone.type = "button";
        alone.addEventListener("click", function () { chooseCluster(key); });
      }
      return;
    }
    nodeFacts(details, id);
    var steps = PM.add(details, "div", "pm-steps");
    PM.add(steps, "span", null, "Show this person and their links: ");
    [1, 2].forEach(function (n) {
      var button = PM.add(steps, "button", null, n === 1 ? "1 step" : "2 steps");
      button.type = "button";
      button.setAttribute("data-steps", String(n));
      button.addEventListener("click", function () { showLinks(id, n); });
    });
    // the ties shown with them (a tie to a collapsed cluster stands for others: those are in the cluster)
    var ties = network.getConnectedEdges(id).filter(function (edgeId) { return meta.edges[edgeId] !== undefined; });
    if (ties.length) {
      PM.add(details, "h3", null, "Ties (" + ties.length + ")");
      ties.forEach(function (edgeId) {
        var box = PM.add(details, "div", "pm-keep");
        edgeFacts(box, edgeId, 4);
      });
    }
  }
  /** Someone with no tie in the span chosen (Find, #person=, their links): back to the period, where they are. */
  function toPeriodFor(id) {
    if (spanTies && !inSpan[id] && meta.nodes[id] && meta.nodes[id].kind !== "place") { clock.setPeriod(true); }
  }
  function showLinks(id, steps) {
    toPeriodFor(id);
    state.focus = {id: id, steps: steps};
    refresh();
    fitView();
    network.selectNodes([id]);
    showNode(id);
    setHash("person=" + encodeURIComponent(id));
  }
  // a tooltip is written when it is about to be shown (vis-network shows it after tooltipDelay), so opening
  // the page builds none of the thousands it might need, and each says what the page says now (names or not)
  network.on("hoverNode", function (params) {
    if (meta.nodes[params.node]) { nodes.update({id: params.node, title: tip(nodeFacts, params.node)}); }
  });
  network.on("hoverEdge", function (params) {
    if (meta.edges[params.edge]) { edges.update({id: params.edge, title: tip(edgeFacts, params.edge, 6)}); }
  });
  network.on("click", function (params) {
    if (params.nodes.length) { showNode(params.nodes[0]); }
    else if (params.edges.length) {
      var edgeId = params.edges[0];  // a tie between two collapsed clusters has no evidence of its own
      if (meta.edges[edgeId]) { clearDetails(); edgeFacts(details, edgeId, 1000); }
    }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length && openGroup(params.nodes[0])) { clearDetails(); }
  });
  frame.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    var chosen = network.getSelectedNodes();
    if (chosen.length && openGroup(chosen[0])) { clearDetails(); }
  });

  function setHash(text) {
    try { history.replaceState(null, "", "#" + text); } catch (err) { status.setAttribute("data-hash", String(err)); }
  }

  var clusterSelect = document.getElementById("cluster");
  data.clusters.forEach(function (c) {
    var option = PM.add(clusterSelect, "option", null, c.label);
    option.value = String(c.cluster);
    if (c.summary) { option.title = c.summary; }
  });
  var clusterByKey = {};
  data.clusters.forEach(function (c) { clusterByKey[String(c.cluster)] = c; });
  /** The chosen cluster in full beside it (the drop-down has room for its number and size only). */
  function describeCluster(key) {
    var c = clusterByKey[key];
    if (!c) { return; }
    clearDetails();
    PM.add(details, "div", "tip-head", c.label);
    if (c.summary) { PM.add(details, "p", null, c.summary); }
    details.setAttribute("data-cluster", key);
  }
  /** Choose a cluster: its people alone, laid out on their own, fitted to the canvas. */
  function chooseCluster(key) {
    state.cluster = key;
    state.focus = null;
    clusterSelect.value = key;
    refresh();
    fitView();
    if (clusterByKey[key]) { describeCluster(key); } else if (details.getAttribute("data-cluster")) { clearDetails(); }
    setHash(key === "all" ? "" : "cluster=" + key);
  }
  clusterSelect.addEventListener("change", function () { chooseCluster(clusterSelect.value); });

  /** Select a person, centre them and show their details, opening whatever hides them. */
  function selectPerson(id) {
    if (!meta.nodes[id]) { return false; }
    toPeriodFor(id);
    if (!nodeView.get(id)) {
      if (state.focus || (state.cluster !== "all" && state.cluster !== group[id])) { chooseCluster("all"); }
      var m = meta.nodes[id];
      if ((m.safety && !state.safety) || (m.context && !state.context)) {
        var box = document.getElementById(m.safety ? "show-safety" : "show-context");
        box.checked = true;
        state[m.safety ? "safety" : "context"] = true;
        refresh();
      }
      if (!nodeView.get(id) && state.cluster !== "all") { chooseCluster("all"); }
    }
    if (closed[group[id]]) { openGroup("group:" + group[id]); }
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1.2), animation: false});
    showNode(id);
    setHash("person=" + encodeURIComponent(id));
    return true;
  }

  // Find: a search box with suggestions (the ARIA combobox pattern)
  var finder = document.getElementById("find");
  var list = document.getElementById("find-list");
  var found = [], active = -1;
  function searchText(id) {
    var m = meta.nodes[id];
    return [id, m.heading, m.words, state.names && m.name ? m.name : ""].join(" ").toLowerCase();
  }
  function suggest() {
    var text = finder.value.trim().toLowerCase();
    PM.clear(list);
    found = [];
    active = -1;
    if (text) {
      var starts = [], within = [];
      data.order.forEach(function (id) {
        var words = searchText(id), at = words.indexOf(text);
        if (at < 0) { return; }
        (at === 0 || heading(id).toLowerCase().indexOf(text) === 0 ? starts : within).push(id);
      });
      found = starts.concat(within).slice(0, 8);
    }
    found.forEach(function (id, i) {
      var m = meta.nodes[id];
      var option = PM.add(list, "li", null, heading(id) + (m.words ? " (" + m.words + ")" : "") +
                                            (m.cluster !== null ? ", cluster " + m.cluster : ""));
      option.id = "find-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
    });
    list.hidden = found.length === 0;
    finder.setAttribute("aria-expanded", found.length ? "true" : "false");
    finder.removeAttribute("aria-activedescendant");
    if (text && !found.length) { status.textContent = "Nobody found for \u201c" + finder.value.trim() + "\u201d."; }
  }
  function highlight(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
    if (i >= 0) { finder.setAttribute("aria-activedescendant", "find-option-" + i); }
  }
  function pick(i) {
    var id = found[i];
    if (id === undefined) { return; }
    finder.value = heading(id);
    list.hidden = true;
    finder.setAttribute("aria-expanded", "false");
    selectPerson(id);
  }
  finder.addEventListener("input", suggest);
  finder.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) { suggest(); }
      if (!found.length) { return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + found.length) % found.length);
    } else if (event.key === "Enter") {
      if (list.hidden || !found.length) { suggest(); }
      if (found.length) { event.preventDefault(); pick(active >= 0 ? active : 0); }
    } else if (event.key === "Escape") {
      list.hidden = true;
      finder.setAttribute("aria-expanded", "false");
    }
  });
  finder.addEventListener("blur", function () { list.hidden = true; finder.setAttribute("aria-expanded", "false"); });

  // names: off on every load, shown only while the switch is on
  var namesBox = document.getElementById("show-names");
  if (namesBox) {
    namesBox.checked = false;
    namesBox.addEventListener("change", function () {
      state.names = namesBox.checked;
      nodes.update(data.nodes.map(function (n) {
        return {id: n.id, label: labels[n.id][state.names ? 1 : 0]};  // tooltips are written when hovered
      }));
      var chosen = network.getSelectedNodes();
      if (chosen.length && meta.nodes[chosen[0]]) { showNode(chosen[0]); }
      describe();
    });
  }
  [["show-safety", "safety"], ["show-context", "context"], ["show-unverified", "unverified"]].forEach(function (pair) {
    var box = document.getElementById(pair[0]);
    box.addEventListener("change", function () { state[pair[1]] = box.checked; refresh(); });
  });
  document.getElementById("fit").addEventListener("click", function () {
    if (state.cluster !== "all" || state.focus) { chooseCluster("all"); } else { fitView(); }
  });
  collapseButton.addEventListener("click", function () {
    if (state.collapsed) { expandAll(); } else { collapse(); fitView(); }
  });

  /** network.html#cluster=N opens with cluster N chosen; #person=REF with that person selected. */
  function followHash() {
    var hash = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    var match = /^(cluster|person)=(.+)$/.exec(hash);
    if (!match) { return; }
    if (match[1] === "cluster" && (data.layouts[match[2]] || match[2] === "all")) { chooseCluster(match[2]); }
    else if (match[1] === "person") { selectPerson(match[2]); }
  }
  window.addEventListener("hashchange", followHash);
  fitToWindow();  // again, now the controls hold their options
  fitView();
  followHash();

  /** The span moved: each tie worked out again from its evidence in the span, drawn as wide as its new weight. */
  var drawnNow = {};  // each tie's width and dashes as last drawn, where a span changed them
  function spanChanged() {
    spanTies = null;
    inSpan = {};
    if (!clock.isPeriod()) {
      spanTies = {};
      data.edges.forEach(function (e) {
        if (!clock.hasRecords(e.from, e.to)) {
          if (placeLink[e.id]) { spanTies[e.id] = true; }
          return;
        }
        var t = clock.tie(e.from, e.to);
        if (t) { spanTies[e.id] = t; inSpan[e.from] = true; inSpan[e.to] = true; }
      });
    }
    var changes = [];  // only the ties drawn otherwise than now: a drag on a year's page redraws few
    data.edges.forEach(function (e) {
      var t = spanTies && typeof spanTies[e.id] === "object" ? spanTies[e.id] : null;
      var look = drawnAs[e.id];
      if (t) {
        var width = t.tieType === "risk" ? 1 + 2.2 * Math.log(1 + Math.max(t.weight, 0)) : (t.tieType === "safety" ? 2.5 : 1);
        look = {width: Math.round(width * 100) / 100, dashes: t.unverified ? [6, 6] : false};
      }
      var now = drawnNow[e.id] || drawnAs[e.id];
      if (now.width !== look.width || String(now.dashes) !== String(look.dashes)) {
        changes.push({id: e.id, width: look.width, dashes: look.dashes});
        drawnNow[e.id] = look;
      }
    });
    linkNeighbours();
    if (changes.length) { edges.update(changes); }
    refresh();
    fitToWindow();  // the line under the network may now take two
    if (!near) { fitView(); }  // what is shown has changed: fitted again (not while one person's links are shown)
    var chosen = network.getSelectedNodes();
    if (chosen.length && meta.nodes[chosen[0]] && nodeView.get(chosen[0])) { showNode(chosen[0]); }
  }

  window.peermap = {network: network, nodes: people, edges: allTies, nodeView: nodeView, edgeView: edgeView,
                    isGroup: function (id) { return isGroup(id) && closed[String(id).slice("group:".length)] === true; },
                    members: function (id) { return (members[String(id).slice("group:".length)] || []).slice(); },
                    refresh: refresh, state: state, chooseCluster: chooseCluster, selectPerson: selectPerson,
                    showLinks: showLinks, collapse: collapse, expandAll: expandAll, clock: clock};
  network.once("afterDrawing", function () {
    window.peermapReadyAt = performance.now();  // milliseconds since the page began to load
    window.peermapReady = true;
    container.setAttribute("data-ready", "yes");
  });
})();
