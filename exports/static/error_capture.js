window.__peermapErrors = [];
(function () {
  function note(text) { window.__peermapErrors.push(String(text)); }
  window.addEventListener("error", function (event) {
    if (event.target && event.target !== window && event.target.tagName) {
      note("failed to load " + event.target.tagName.toLowerCase() + " " + (event.target.src || event.target.href || ""));
    } else {
      note((event.message || "error") + (event.filename ? " at " + event.filename + ":" + event.lineno : ""));
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) { note("unhandled rejection: " + event.reason); });
  document.addEventListener("securitypolicyviolation", function (event) {
    note("blocked by the page's security policy: " + event.violatedDirective + " " + event.blockedURI);
  });
})();