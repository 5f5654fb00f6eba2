var PM = window.PM = window.PM || {};
PM.data = function (id) { return JSON.parse(document.getElementById(id || "pm-data").textContent); };
PM.el = function (tag, className, text) {
  var node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
};
PM.add = function (parent, tag, className, text) { var node = PM.el(tag, className, text); parent.appendChild(node); return node; };
PM.rows = function (parent, pairs) {
  var list = PM.add(parent, "dl", "pm-facts");
  pairs.forEach(function (pair) {
    if (pair[1] === undefined || pair[1] === null || pair[1] === "") { return; }
    PM.add(list, "dt", null, pair[0]);
    PM.add(list, "dd", null, pair[1]);
  });
  return list;
};
PM.clear = function (node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; };