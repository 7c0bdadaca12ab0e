/* Starts Swagger UI on /api/docs with the configuration the page carries as JSON. */
window.addEventListener("load", function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  window.ui = SwaggerUIBundle(config);
});
