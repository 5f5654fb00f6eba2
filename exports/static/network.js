
(function () {
  "use strict";
  var data = PM.data();
  var meta = data.meta;
  var edgeById = {};
  data.edges.forEach(function (e) { edgeById[e.id] = e; });
  var container = document.getElementById("network");
  var details = document.getElementById("details-body");
  var status = document.getElementById("status");

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

  function nodeFacts(parent, id) {
    var m = meta.nodes[id];
    PM.add(parent, "div", "tip-head", m.heading);
    if (m.words) { PM.add(parent, "div", m.concern ? "concern-text" : (m.safety ? "safety-text" : "muted"), m.words); }
    PM.rows(parent, m.details);
  }

  function edgeFacts(parent, id, limit) {
    var m = meta.edges[id];
    var edge = edgeById[id];
    var a = meta.nodes[edge.from], b = meta.nodes[edge.to];
    PM.add(parent, "div", "tip-head", (a ? a.heading : edge.from) + " and " + (b ? b.heading : edge.to));
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

  var nodes = new vis.DataSet(data.nodes.map(function (n) { n.title = tip(nodeFacts, n.id); return n; }));
  var edges = new vis.DataSet(data.edges.map(function (e) { e.title = tip(edgeFacts, e.id, 6); return e; }));

  var state = {cluster: "all", safety: true, context: true, unverified: true};
  var neighbours = {};
  data.edges.forEach(function (e) {
    (neighbours[e.from] = neighbours[e.from] || []).push(e.to);
    (neighbours[e.to] = neighbours[e.to] || []).push(e.from);
  });
  function inCluster(id) {
    if (state.cluster === "all") { return true; }
    var m = meta.nodes[id];
    if (state.cluster === "none") { return m.cluster === null && !m.safety && !m.context; }
    return String(m.cluster) === state.cluster;
  }
  function nodeShown(node) {
    var m = meta.nodes[node.id];
    if (m.safety && !state.safety) { return false; }
    if (m.context && !state.context) { return false; }
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
  function refresh() {
    shownNodes = {};
    nodeView.refresh();
    nodeView.getIds().forEach(function (id) { shownNodes[id] = true; });
    edgeView.refresh();
    status.textContent = "Showing " + nodeView.length + " of " + nodes.length + " people and places, and " +
      edgeView.length + " of " + edges.length + " ties.";
  }
  refresh();

  var big = data.nodes.length > 800;
  var network = new vis.Network(container, {nodes: nodeView, edges: edgeView}, {
    autoResize: true,
    physics: {enabled: false},
    layout: {improvedLayout: false, randomSeed: 7},
    nodes: {font: {size: 14, face: "system-ui, Arial, sans-serif", color: "#1A1A1A", strokeWidth: 4,
                   strokeColor: "#FFFFFF"},
            scaling: {label: {enabled: true, min: 12, max: 22, drawThreshold: 7, maxVisible: 26}}},
    edges: {smooth: false, selectionWidth: 2, hoverWidth: 1.5},
    interaction: {hover: true, tooltipDelay: 120, keyboard: {enabled: true, bindToWindow: false},
                  navigationButtons: false, multiselect: false, hideEdgesOnDrag: big, hideEdgesOnZoom: big}
  });

  function show(builder, id) {
    PM.clear(details);
    builder(details, id, 1000);
  }
  function showNode(id) {
    show(nodeFacts, id);
    var ties = network.getConnectedEdges(id);
    if (ties.length) {
      PM.add(details, "h3", null, "Ties (" + ties.length + ")");
      ties.forEach(function (edgeId) {
        var box = PM.add(details, "div", "pm-keep");
        edgeFacts(box, edgeId, 4);
      });
    }
  }
  network.on("click", function (params) {
    if (params.nodes.length) { showNode(params.nodes[0]); }
    else if (params.edges.length) { show(edgeFacts, params.edges[0]); }
  });

  var finder = document.getElementById("find");
  data.order.forEach(function (id) {
    var m = meta.nodes[id];
    var option = PM.add(finder, "option", null, m.heading + (m.words ? " (" + m.words + ")" : ""));
    option.value = id;
  });
  finder.addEventListener("change", function () {
    var id = finder.value;
    if (!id) { return; }
    if (!nodeView.get(id)) { state.cluster = "all"; clusterSelect.value = "all"; refresh(); }
    network.selectNodes([id]);
    network.focus(id, {scale: 1.2, animation: false});
    showNode(id);
  });

  var clusterSelect = document.getElementById("cluster");
  data.clusters.forEach(function (c) {
    var option = PM.add(clusterSelect, "option", null, c.label);
    option.value = String(c.cluster);
  });
  clusterSelect.addEventListener("change", function () {
    state.cluster = clusterSelect.value;
    refresh();
    network.fit({animation: false});
  });
  [["show-safety", "safety"], ["show-context", "context"], ["show-unverified", "unverified"]].forEach(function (pair) {
    var box = document.getElementById(pair[0]);
    box.addEventListener("change", function () { state[pair[1]] = box.checked; refresh(); });
  });
  document.getElementById("fit").addEventListener("click", function () { network.fit({animation: false}); });

  window.peermap = {network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
                    refresh: refresh, state: state};
  network.once("afterDrawing", function () {
    window.peermapReadyAt = performance.now();  // milliseconds since the page began to load
    window.peermapReady = true;
    container.setAttribute("data-ready", "yes");
  });
})();
