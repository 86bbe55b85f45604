// Starts Swagger UI (served by typodesk from django-ninja's bundle) on the API's OpenAPI
// document. A file rather than an inline script: the Content-Security-Policy forbids those.
"use strict";
(function () {
  var config = JSON.parse(document.getElementById("swagger-config").textContent);
  config.presets = [window.SwaggerUIBundle.presets.apis];
  config.layout = "BaseLayout";
  window.ui = window.SwaggerUIBundle(config);
})();
