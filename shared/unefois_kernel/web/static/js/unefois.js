// unefois additions (served at /static/unefois/js/unefois.js; no inline scripts: CSP).
// htmx failures are announced to assistive technologies in the layout's live region.
(function () {
  "use strict";
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
})();
