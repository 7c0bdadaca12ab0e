/* A point's location in the survey form: click or tap the map to place the marker, drag it to move it; the
   GeoJSON box above stays the field (typing coordinates works, and moves the marker). Rows added to the
   form later ("add a row") get their map as they appear. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var config = JSON.parse((document.getElementById("location-picker-config") || {}).textContent || "{}");

  function attach(box) {
    if (box.dataset.ready) { return; }
    var field = document.getElementById(box.dataset.locationFor);
    if (!field) { return; }
    var map = L.map(box, {fadeAnimation: false, zoomAnimation: false}).setView(config.center || [43.45, 11.1], 8);
    L.control.scale({imperial: false}).addTo(map);
    if (config.tileUrl) { L.tileLayer(config.tileUrl, {maxZoom: 19, attribution: config.tileAttribution || ""}).addTo(map); }
    var marker = null;

    function read() {
      try {
        var value = JSON.parse(field.value);
        if (value && value.type === "Point" && value.coordinates && value.coordinates.length >= 2) {
          return L.latLng(value.coordinates[1], value.coordinates[0]);
        }
      } catch (error) { /* not (yet) a point: leave the marker where it is */ }
      return null;
    }
    function write(latlng) {
      var round = function (x) { return Math.round(x * 1e6) / 1e6; };
      field.value = JSON.stringify({type: "Point", coordinates: [round(latlng.lng), round(latlng.lat)]});
      field.dispatchEvent(new Event("input", {bubbles: true}));
      field.dispatchEvent(new Event("change", {bubbles: true}));
    }
    function place(latlng, save) {
      if (!marker) {
        marker = L.marker(latlng, {draggable: true, keyboard: true, title: box.getAttribute("aria-label")}).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      if (save) { write(latlng); }
    }
    var start = read();
    if (start) { place(start, false); map.setView(start, 15); }
    map.on("click", function (event) { place(event.latlng, true); });
    field.addEventListener("input", function () { var at = read(); if (at) { place(at, false); map.panTo(at); } });
    box.dataset.ready = "true";
  }

  function attachWithin(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) { return; }
    if (node.matches("[data-location-for]")) { attach(node); }
    node.querySelectorAll("[data-location-for]").forEach(attach);
  }

  attachWithin(document.body);
  // A repeatable group's rows sit in its [data-rows]: a row added there brings its own map.
  var added = new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(attachWithin); });
  });
  document.querySelectorAll("[data-rows]").forEach(function (rows) { added.observe(rows, {childList: true}); });
})();
