// "Show names" on the summary page: names are hidden until pressed, on every load (DESIGN.md: pages open showing
// references). Each name cell carries the class pm-name and the hidden attribute.
(function () {
  "use strict";
  var button = document.getElementById("show-names");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Hide names" : "Show names";
    document.querySelectorAll(".pm-name").forEach(function (cell) { cell.hidden = !on; });
  });
})();
