/* Quartier map: markers from /map.geojson (same filters as the feed), reloaded for the visible box
   and zoom. The server clusters markers that would overlap at this zoom ("cluster" features with
   a count and the box of their members) and spreads items that share a point around it, so this
   file only draws. The answer is compact: one MultiPoint feature per kind whose "ids" and
   "titles" follow its points (node/local/mapping.py); Point features are clusters, or items
   in the one-feature-per-item form (?form=features). Configuration comes from data- attributes: the CSP forbids inline scripts.
   Without JavaScript the page shows the list of the same items instead (map.html). */
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var data = box.dataset;
  box.classList.add("map-on");
  var map = L.map(box, { maxZoom: 19 }).setView([parseFloat(data.lat), parseFloat(data.lon)], parseInt(data.zoom, 10) || 15);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
  }
  var icon = L.icon({
    iconUrl: data.markerIcon, shadowUrl: data.markerShadow,
    iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
  });
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function popup(p) {
    var link = document.createElement("a");
    link.href = "/" + p.type + "s/" + p.id;
    link.textContent = p.title;
    return link;
  }

  function clusterMarker(latlng, p) {
    var size = p.count < 10 ? 34 : p.count < 100 ? 42 : 50;
    var label = document.createElement("span");
    label.textContent = String(p.count);
    var marker = L.marker(latlng, {
      icon: L.divIcon({ className: "map-cluster", html: label, iconSize: [size, size] }),
      title: (data.clusterTitle || "%s").replace("%s", p.count),
      keyboard: true
    });
    marker.on("click", function () {
      var b = p.bbox;
      var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
      var next = Math.min(map.getBoundsZoom(bounds, false, [40, 40]), 19);
      // never stay at the same zoom: a cluster opens at least two levels closer
      map.setView(bounds.getCenter(), Math.min(Math.max(next, map.getZoom() + 2), 19));
    });
    return marker;
  }

  function place(c, p) {
    var latlng = [c[1], c[0]], marker;
    if (p.type === "cluster") {
      marker = clusterMarker(latlng, p);
    } else if (p.type === "event") {
      marker = L.circleMarker(latlng, { radius: 8, color: "#b5487a" }).bindPopup(popup(p));
    } else {
      marker = L.marker(latlng, { icon: icon, title: p.title }).bindPopup(popup(p));
    }
    marker.addTo(layer);
  }

  function draw(geojson) {
    layer.clearLayers();
    geojson.features.forEach(function (f) {
      var p = f.properties;
      if (f.geometry.type === "MultiPoint") {
        f.geometry.coordinates.forEach(function (c, i) {
          place(c, { type: p.type, id: p.ids[i], title: p.titles[i] });
        });
      } else {
        place(f.geometry.coordinates, p);
      }
    });
  }

  function load() {
    if (pending) { pending.abort(); }
    var url = new URL(data.geojson, window.location.href);
    url.searchParams.set("bbox", map.getBounds().toBBoxString());
    url.searchParams.set("zoom", String(map.getZoom()));
    pending = new AbortController();
    fetch(url, { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(draw)
      .catch(function () { /* aborted or offline: keep the last markers */ });
  }
  map.on("moveend", load);
  load();
})();
