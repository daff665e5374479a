// unefois additions (served at /static/unefois/js/unefois.js; no inline scripts: CSP).
(function () {
  "use strict";
  // htmx failures are announced to assistive technologies in the layout's live region.
  function announce(message) {
    var region = document.getElementById("unefois-annonces");
    if (region) {
      region.textContent = "";
      window.setTimeout(function () { region.textContent = message; }, 50);
    }
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : "";
    announce("La demande n’a pas abouti (erreur " + status + "). Réessayez.");
  });
  document.addEventListener("htmx:sendError", function () {
    announce("Le service ne répond pas. Vérifiez votre connexion puis réessayez.");
  });
  // A refused form: its error summary takes the focus, so it is read first (RGAA 11.10).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("erreurs");
    if (summary && !window.location.hash) {
      summary.focus();
    }
  });
})();
