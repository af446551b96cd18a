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
})();
