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
})();
