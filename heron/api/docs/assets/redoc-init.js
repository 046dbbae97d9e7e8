// Starts ReDoc on the page Heron serves; settings come from the container's data attributes,
// so the page needs no inline script (it works under a "script-src 'self'" policy).
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  var options = JSON.parse(root.getAttribute("data-options") || "{}");
  Redoc.init(root.getAttribute("data-openapi-url"), options, root);
})();
