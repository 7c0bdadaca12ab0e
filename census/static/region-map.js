/* The region's municipalities coloured by census state (home of the secretariat and the auditors). The
   list beside the map says the same for screen readers; the map itself is an image to them. */
(function () {
  "use strict";
  var box = document.getElementById("region-map");
  var config = JSON.parse(document.getElementById("region-map-states").textContent);
  if (!box || !window.L) { return; }
  var colours = {"late": "#d9364f", "not-started": "#5c6f82", "in-progress": "#ffb400", "submitted": "#0066cc",
                 "accepted": "#008055"};
  var map = L.map(box, {zoomControl: false, attributionControl: false, keyboard: false, scrollWheelZoom: false,
                        fadeAnimation: false, zoomAnimation: false});
  map.setView([43.45, 11.1], 7);
  fetch(box.dataset.layerUrl, {credentials: "same-origin"})
    .then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } return response.json(); })
    .then(function (collection) {
      var layer = L.geoJSON(collection, {
        style: function (feature) {
          var known = config.states[feature.properties.istat_code];
          return {color: "#ffffff", weight: 0.6, fillOpacity: known ? 0.9 : 0.5,
                  fillColor: known ? colours[known[0]] || "#0066cc" : "#e3e6e9"};
        },
        onEachFeature: function (feature, shape) {
          var known = config.states[feature.properties.istat_code];
          shape.bindTooltip(feature.properties.name + " · " + (known ? config.names[known[0]] || known[0] : config.none));
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      box.dataset.features = String(collection.features.length);
    })
    .catch(function () { box.dataset.features = "error"; });
})();
