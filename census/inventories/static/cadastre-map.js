/* The cadastre map: the tenant's assets drawn by category with Leaflet, a popup per asset; labels,
   texts and the optional tile server come from the page's JSON block. */
(function () {
  "use strict";
  var box = document.getElementById("cadastre-map");
  var status = document.getElementById("map-status");
  var config = JSON.parse(document.getElementById("cadastre-map-config").textContent);
  var labels = config.labels, text = config.text;
  var colours = {"public-lighting": "#b45309", "sensors": "#6d28d9", "broadband": "#0e7490", "water": "#1d4ed8",
                 "sewer": "#78350f", "gas": "#a16207", "electricity": "#b91c1c", "district-heating": "#c2410c",
                 "telecom": "#047857"};
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var map = L.map(box, {fadeAnimation: !still, zoomAnimation: !still, markerZoomAnimation: !still, maxZoom: 19})
    .setView([43.45, 11.1], 8);  // Tuscany, until the layer is in
  L.control.scale({imperial: false}).addTo(map);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, {maxZoom: 19, attribution: config.tileAttribution}).addTo(map);
  } else if (config.outlinesUrl) {
    // The plain default: the municipality's boundary, drawn from the platform's own data.
    fetch(config.outlinesUrl, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (outline) {
        if (outline) {
          L.geoJSON(outline, {interactive: false, style: {color: "#5c6f82", weight: 1.5, fill: true,
                                                           fillColor: "#ffffff", fillOpacity: 0.6}}).addTo(map).bringToBack();
        }
      })
      .catch(function () { /* the assets stand alone */ });
  }

  function popup(feature) {
    var p = feature.properties || {};
    var content = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = feature.id;
    content.appendChild(title);
    var rows = [[text.kind, p.kind], [text.category, labels[p.category] || p.category], [text.operator, p.operator],
                [text.street, p.street], [text.length, p.length_m ? Math.round(p.length_m) + " m" : null]];
    var list = document.createElement("dl");
    list.className = "mb-0 small";
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = row[0];
      dd.textContent = row[1];
      dd.className = "mb-1";
      list.appendChild(dt);
      list.appendChild(dd);
    });
    content.appendChild(list);
    return content;
  }

  fetch(box.dataset.layerUrl, {credentials: "same-origin", headers: {"Accept": "application/geo+json"}})
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(function (collection) {
      var byCategory = {};
      collection.features.forEach(function (feature) {
        var category = (feature.properties || {}).category || "other";
        (byCategory[category] = byCategory[category] || []).push(feature);
      });
      var everything = L.featureGroup().addTo(map);
      var overlays = {};
      Object.keys(byCategory).sort().forEach(function (category) {
        var colour = colours[category] || "#0066cc";
        // Points of a category gather in clusters (Leaflet.markercluster); lines are drawn as they are.
        var layer = L.markerClusterGroup ? L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                                                                  maxClusterRadius: 50, disableClusteringAtZoom: 16}) : L.featureGroup();
        var shapes = L.geoJSON({type: "FeatureCollection", features: byCategory[category]}, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, {radius: 6, color: "#ffffff", weight: 1.5, fillColor: colour, fillOpacity: 0.9});
          },
          style: function () { return {color: colour, weight: 3, opacity: 0.9}; },
          onEachFeature: function (feature, shape) { shape.bindPopup(function () { return popup(feature); }); }
        });
        layer.addLayers ? layer.addLayers(shapes.getLayers()) : shapes.eachLayer(function (s) { layer.addLayer(s); });
        everything.addLayer(layer);
        overlays[(labels[category] || category) + " (" + byCategory[category].length + ")"] = layer;
      });
      L.control.layers(null, overlays, {collapsed: false}).addTo(map);
      if (collection.features.length) {
        map.fitBounds(everything.getBounds().pad(0.05), {maxZoom: 17});
      }
      box.dataset.features = String(collection.features.length);
      status.textContent = text.drawn.replace("{count}", collection.features.length);
    })
    .catch(function (error) {
      box.dataset.features = "error";
      status.textContent = text.failed.replace("{reason}", error.message);
    });
})();
