/* The public report map: asks /phan-anh/ban-do.json for the reports in view as the map
   moves. Everything shown comes from the page's config or the JSON and is inserted as text,
   never as HTML. Without JavaScript the page links to the list instead. */
(function () {
  "use strict";
  var box = document.getElementById("report-map");
  var source = document.getElementById("report-map-config");
  if (!box || !source || !window.L) { return; }
  var cfg = JSON.parse(source.textContent);
  var note = document.getElementById("report-map-note");
  var colours = {waiting: "#b42318", working: "#9a6700", done: "#1a7f37", rejected: "#57606a"};
  var map = L.map(box, {preferCanvas: true});
  L.tileLayer(cfg.tiles, {attribution: cfg.attribution, maxZoom: 19}).addTo(map);
  if (cfg.bounds) {
    map.fitBounds(cfg.bounds, {maxZoom: cfg.max_zoom || 16});
  } else {
    map.setView(cfg.center, cfg.zoom);
  }
  var layer = L.layerGroup().addTo(map);
  var timer = null;
  var asked = 0;

  function say(text) { note.textContent = text || ""; }

  function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }

  function popup(row) {
    var wrap = document.createElement("div");
    var link = document.createElement("a");
    link.href = cfg.report.replace(/\/0\/$/, "/" + row[0] + "/");
    link.textContent = "PA-" + row[0];
    var what = document.createElement("div");
    what.textContent = cfg.categories[row[4]] || row[4];
    var state = document.createElement("div");
    state.textContent = cfg.states[row[3]] || row[3];
    wrap.appendChild(link);
    wrap.appendChild(what);
    wrap.appendChild(state);
    return wrap;
  }

  function draw(data) {
    layer.clearLayers();
    data.points.forEach(function (row) {
      var colour = colours[cfg.groups[row[3]]] || "#0b5cad";
      L.circleMarker([row[1], row[2]], {radius: 7, color: "#fff", weight: 1,
                                        fillColor: colour, fillOpacity: 0.9})
        .bindPopup(popup(row)).addTo(layer);
    });
    if (data.zoom_in) {
      say(data.points.length ? cfg.messages.zoom_in : cfg.messages.too_wide);
    } else {
      say(data.points.length ? "" : cfg.messages.none);
    }
  }

  function load() {
    var b = map.getBounds();
    var west = clamp(b.getWest(), -180, 180), east = clamp(b.getEast(), -180, 180);
    var south = clamp(b.getSouth(), -90, 90), north = clamp(b.getNorth(), -90, 90);
    if (east - west > cfg.max_span || north - south > cfg.max_span) {
      layer.clearLayers();
      say(cfg.messages.too_wide);
      return;
    }
    var bbox = [west, south, east, north].map(function (n) { return n.toFixed(5); }).join(",");
    var url = cfg.points + "?bbox=" + bbox + (cfg.filters ? "&" + cfg.filters : "");
    var mine = ++asked;
    fetch(url, {headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { if (mine === asked) { draw(data); } })
      .catch(function () { if (mine === asked) { say(cfg.messages.failed); } });
  }

  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  load();
}());
