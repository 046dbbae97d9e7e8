// Starts Swagger UI on the page Heron serves; settings come from the container's data attributes,
// so the page needs no inline script (it works under a "script-src 'self'" policy).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var config = JSON.parse(root.getAttribute("data-config") || "{}");
  config.url = root.getAttribute("data-openapi-url");
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis];
  config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
  config.layout = "BaseLayout";
  window.ui = SwaggerUIBundle(config);
})();
