
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
    PM.add(parent, "div", "tip-head", heading(edge.from) + " and " + heading(edge.to));
    var line = m.tie_type === "risk" ? (m.strength ? m.strength + " tie" : "tie") + (m.weight === null ? "" : " (weight " + m.weight + ")")
             : (m.tie_type === "safety" ? "safety: not counted as risk" : "context: family or professional, not counted as risk");
    PM.add(parent, "div", m.tie_type === "safety" ? "safety-text" : null, line);
    if (m.unverified) { PM.add(parent, "span", "badge unverified", "not confirmed: every piece of this is ungraded or graded 3, D or E"); }
    if (m.why) { PM.add(parent, "p", null, "Why linked: " + m.why); }
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
    n.title = tip(nodeFacts, n.id);
  });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges.map(function (e) { e.title = tip(edgeFacts, e.id, 6); return e; }));

  var neighbours = {};
  data.edges.forEach(function (e) {
    (neighbours[e.from] = neighbours[e.from] || []).push(e.to);
    (neighbours[e.to] = neighbours[e.to] || []).push(e.from);
  });
  var group = data.group;  // the group a person is collapsed into (network_page.collapse_groups)
  var colourOf = {};
  data.clusters.forEach(function (c) { colourOf[String(c.cluster)] = c.colour; });

  function inCluster(id) {
    if (state.cluster === "all") { return true; }
    var m = meta.nodes[id];
    if (state.cluster === "none") { return m.cluster === null && !m.safety && !m.context; }
    return String(m.cluster) === state.cluster;
  }
  var near = null;  // the people within the chosen steps of the focused person
  function nodeShown(node) {
    var m = meta.nodes[node.id];
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
    if (m.unverified && !state.unverified) { return false; }
    return shownNodes[edge.from] && shownNodes[edge.to];
  }
  var edgeView = new vis.DataView(edges, {filter: edgeShown});
  var status = document.getElementById("status");
  function describe() {
    var what = near ? heading(state.focus.id) + " and their links at " + state.focus.steps +
                      (state.focus.steps === 1 ? " step" : " steps") + ": "
             : (state.cluster === "all" ? "" : (state.cluster === "none" ? "Not in a cluster: " : "Cluster " + state.cluster + ": "));
    status.textContent = what + "showing " + nodeView.length + " of " + nodes.length + " people and places, and " +
      edgeView.length + " of " + edges.length + " ties" + (state.collapsed ? "; clusters drawn as one circle each (double click or Enter opens one)." : ".");
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

  var big = data.nodes.length > 600;
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

  /** Large views open with each cluster drawn as one node (vis-network's clustering), opened on demand. */
  var collapseButton = document.getElementById("collapse");
  function collapse() {
    var byGroup = {};
    nodeView.getIds().forEach(function (id) { (byGroup[group[id]] = byGroup[group[id]] || []).push(id); });
    var keys = Object.keys(byGroup).filter(function (k) { return byGroup[k].length > 1; });
    network.setOptions({edges: {color: {opacity: 0.35}}});
    // the zoom the collapsed view will be fitted at, from where its circles go: labels readable there
    var xs = keys.map(function (k) { return (data.groups[k] || [0])[0]; });
    var ys = keys.map(function (k) { return (data.groups[k] || [0, 0])[1]; });
    var fitted = Math.min(container.clientWidth / (Math.max.apply(null, xs) - Math.min.apply(null, xs) + 200),
                          container.clientHeight / (Math.max.apply(null, ys) - Math.min.apply(null, ys) + 200));
    var fontSize = Math.min(Math.ceil(14 / Math.min(fitted, 1)), 48);
    keys.forEach(function (key, i) {
      var ids = byGroup[key], inside = {};
      ids.forEach(function (id) { inside[id] = true; });
      var words = key === "none" ? "not in a cluster" : "cluster " + key;
      network.cluster({
        joinCondition: function (options) { return inside[options.id] === true; },
        clusterNodeProperties: {
          id: "group:" + key, label: key === "none" ? "no cluster" : key, shape: "dot",
          size: Math.min(14 + 2.5 * Math.sqrt(ids.length), 60), borderWidth: 3,
          color: {background: colourOf[key] || "#767676", border: "#1A1A1A",
                  highlight: {background: colourOf[key] || "#767676", border: "#000000"}},
          font: {size: fontSize}, title: words + ": " + ids.length + " people and places (double click or Enter opens)"
        }
      }, i === keys.length - 1);
      var at = data.groups[key];
      if (at) { network.moveNode("group:" + key, at[0], at[1]); }
    });
    state.collapsed = keys.length > 0;
    collapseButton.textContent = "Open all clusters";
  }
  function expandAll() {
    Object.keys(network.body.nodes).forEach(function (id) {
      if (id.indexOf("group:") === 0 && network.isCluster(id)) {
        network.openCluster(id, {releaseFunction: function (at, inside) {
          var out = {};
          Object.keys(inside).forEach(function (n) { out[n] = home[n]; });
          return out;
        }});
      }
    });
    state.collapsed = false;
    network.setOptions({edges: {color: {opacity: 1}}});
    collapseButton.textContent = "Collapse clusters";
  }
  function openGroup(id) {
    if (!network.isCluster(id)) { return false; }
    var layout = data.layouts[id.slice("group:".length)];
    network.openCluster(id, {releaseFunction: function (at, inside) {
      // the cluster's own layout, where its circle was; anyone else where the whole network has them
      var out = {}, own = {};
      if (layout) { layout.ids.forEach(function (n, i) { own[n] = {x: at.x + layout.x[i], y: at.y + layout.y[i]}; }); }
      Object.keys(inside).forEach(function (n) { out[n] = own[n] || home[n]; });
      return out;
    }});
    state.collapsed = Object.keys(network.body.nodes).some(function (k) {
      return k.indexOf("group:") === 0 && network.isCluster(k);
    });
    describe();
    return true;
  }
  function refresh() {
    var wasCollapsed = state.collapsed;
    if (state.collapsed) { expandAll(); }
    filter();
    place();
    if (big && wasCollapsed && state.cluster === "all" && !near) { collapse(); }
    describe();
  }
  if (big) { collapse(); collapseButton.hidden = false; }
  describe();

  function clearDetails() { PM.clear(details); details.removeAttribute("data-cluster"); }
  function showNode(id) {
    clearDetails();
    if (network.isCluster(id)) {
      var key = id.slice("group:".length);
      PM.add(details, "div", "tip-head", key === "none" ? "Not in a cluster" : "Cluster " + key);
      PM.add(details, "p", null, network.getNodesInCluster(id).length + " people and places, drawn as one circle.");
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
  function showLinks(id, steps) {
    state.focus = {id: id, steps: steps};
    refresh();
    fitView();
    network.selectNodes([id]);
    showNode(id);
    setHash("person=" + encodeURIComponent(id));
  }
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
    var path = network.clustering.findNode(id);
    if (path.length > 1) { openGroup(path[0]); }
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
        return {id: n.id, label: labels[n.id][state.names ? 1 : 0], title: tip(nodeFacts, n.id)};
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
    describe();
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

  window.peermap = {network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
                    refresh: refresh, state: state, chooseCluster: chooseCluster, selectPerson: selectPerson,
                    showLinks: showLinks, collapse: collapse, expandAll: expandAll};
  network.once("afterDrawing", function () {
    window.peermapReadyAt = performance.now();  // milliseconds since the page began to load
    window.peermapReady = true;
    container.setAttribute("data-ready", "yes");
  });
})();
