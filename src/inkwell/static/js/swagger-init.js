// Starts Swagger UI from a file rather than an inline script, so /docs runs under the
// Content-Security-Policy (script-src 'self'). The page passes its URLs as data attributes.
// No deep links: each would be a link inside the button that opens its operation (axe:
// nested-interactive), a target 19 px high (target-size).
(function () {
  "use strict";
  var options = document.currentScript.dataset;
  window.ui = SwaggerUIBundle({
    url: options.openapiUrl,
    oauth2RedirectUrl: new URL(options.oauth2RedirectUrl, window.location.href).href,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
  // The Authorize dialog closes with a button that shows an X and says nothing (axe:
  // button-name): each such button is named as it appears.
  new MutationObserver(function () {
    document.querySelectorAll(".close-modal:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Close");
    });
  }).observe(document.getElementById("swagger-ui"), { childList: true, subtree: true });
})();
