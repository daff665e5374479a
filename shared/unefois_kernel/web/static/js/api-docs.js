// Starts Swagger UI on /docs (no inline script: the CSP is script-src 'self').
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null, // the default validator is another origin
    tryItOutEnabled: false,
  });
  // Swagger UI puts a deep link inside each operation's summary button (axe:
  // nested-interactive). Without its href it is plain text: the button itself opens the
  // operation and updates the address (deepLinking), so nothing is lost.
  function untangle() {
    root.querySelectorAll(".opblock-summary-control a[href]").forEach(function (link) {
      link.removeAttribute("href");
    });
    root.querySelectorAll(".opblock-summary-control button, .opblock-summary-control [tabindex]").forEach(function (el) {
      if (el.closest(".opblock-summary-control") !== el) { el.setAttribute("tabindex", "-1"); }
    });
    // The "copy path" buttons have no size until the mouse is over their operation: out of
    // the tab order (a keyboard user selects the path, shown in full, to copy it).
    root.querySelectorAll(".opblock-summary .copy-to-clipboard button, .opblock-summary button.copy-to-clipboard").forEach(function (el) {
      el.setAttribute("tabindex", "-1");
    });
  }
  new MutationObserver(untangle).observe(root, { childList: true, subtree: true });
})();
