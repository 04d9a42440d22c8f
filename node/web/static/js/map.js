/* Quartier map: markers from /map.geojson (same filters as the feed), reloaded for the visible box.
   Configuration comes from data- attributes: the CSP forbids inline scripts. */
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var data = box.dataset;
  var map = L.map(box).setView([parseFloat(data.lat), parseFloat(data.lon)], parseInt(data.zoom, 10) || 15);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
  }
  var icon = L.icon({
    iconUrl: data.markerIcon, shadowUrl: data.markerShadow,
    iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
  });
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function popup(feature) {
    var p = feature.properties;
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    return link;
  }

  function load() {
    if (pending) { pending.abort(); }
    var url = new URL(data.geojson, window.location.href);
    url.searchParams.set("bbox", map.getBounds().toBBoxString());
    pending = new AbortController();
    fetch(url, { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (geojson) {
        layer.clearLayers();
        geojson.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: icon, title: f.properties.title });
          if (f.properties.type === "event") {
            marker = L.circleMarker([c[1], c[0]], { radius: 8, color: "#b5487a" });
          }
          marker.bindPopup(popup(f)).addTo(layer);
        });
      })
      .catch(function () { /* aborted or offline: keep the last markers */ });
  }
  map.on("moveend", load);
  load();
})();
