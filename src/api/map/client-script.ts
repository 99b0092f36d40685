// The map page's script, served as /map/assets/map.js (an ES module). Kept as text here so the
// Workers build carries it too; it uses no template literals, so it can live in one.
import { FILTERED_MIN_ZOOM, SITE_MIN_ZOOM } from '../tiles/build-tile.js';

export const MAP_JS = `import * as maplibregl from '/map/assets/maplibre-gl.mjs';

var SITE_MIN_ZOOM = ${SITE_MIN_ZOOM};
var FILTERED_MIN_ZOOM = ${FILTERED_MIN_ZOOM};
var form = document.getElementById('filters');
var panel = document.getElementById('panel');
var toggle = document.getElementById('panel-toggle');
var live = document.getElementById('live');
var visible = document.getElementById('visible');
var filterNote = document.getElementById('filter-note');

function filterQuery() {
  var q = new URLSearchParams();
  new FormData(form).forEach(function (v, k) { if (v !== '') q.set(k, String(v)); });
  return q.toString();
}
function withQuery(path) {
  var q = filterQuery();
  return q ? path + '?' + q : path;
}
function el(tag, text, cls) {
  var e = document.createElement(tag);
  if (text != null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

if (window.matchMedia('(max-width: 700px)').matches) {
  panel.hidden = true;
  toggle.setAttribute('aria-expanded', 'false');
}
toggle.addEventListener('click', function () {
  panel.hidden = !panel.hidden;
  toggle.setAttribute('aria-expanded', String(!panel.hidden));
});

var tileJson = await (await fetch('/v1/tiles.json')).json();
// The attribution is built by the server from the sources' licences, HTML-escaped there.
document.getElementById('licences').innerHTML = tileJson.attribution;
var style = await (await fetch('/v1/style.json')).json();
var b = tileJson.bounds;
var map = new maplibregl.Map({
  container: 'map',
  style: style,
  hash: true,
  bounds: location.hash ? undefined : [[b[0], b[1]], [b[2], b[3]]],
  fitBoundsOptions: { padding: 30 },
  attributionControl: { compact: true },
});
window.atlasMap = map;
map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
map.getCanvas().setAttribute('aria-label', 'Map of charging sites');

// Filtered tiles are built per request, so tiles.json offers them from FILTERED_MIN_ZOOM on (and a
// tile still too large there is a 400 tile_too_large): below it the map says to zoom in.
var tooLarge = false;
function updateFilterNote() {
  filterNote.hidden = filterQuery() === '' || (!tooLarge && map.getZoom() >= FILTERED_MIN_ZOOM);
}
form.addEventListener('change', function () {
  tooLarge = false;
  map.getSource('atlas').setUrl(withQuery('/v1/tiles.json'));
  updateFilterNote();
});
map.on('zoomend', function () { tooLarge = false; updateFilterNote(); });
map.on('error', function (e) {
  if (e.error && e.error.status === 400 && filterQuery() !== '') { tooLarge = true; updateFilterNote(); return; }
  console.error(e.error || e);
});

// Cluster counts as buttons over the circles: readable, and reachable with the keyboard.
var labels = new Map();
function zoomInto(p, lngLat) {
  map.easeTo({ center: lngLat, zoom: p.expansion_zoom });
}
function updateClusterLabels() {
  var seen = new Set();
  var features = map.getZoom() < SITE_MIN_ZOOM ? map.querySourceFeatures('atlas', { sourceLayer: 'clusters' }) : [];
  features.forEach(function (f) {
    var p = f.properties;
    var key = f.geometry.coordinates.join(',') + '|' + p.point_count;
    if (seen.has(key)) return;
    seen.add(key);
    if (labels.has(key)) return;
    var button = el('button', p.point_count_abbreviated, 'cluster-label');
    button.type = 'button';
    button.setAttribute('aria-label', p.point_count + ' sites, ' + p.evse_count + ' charge points, ' +
      p.available + ' available now: zoom in');
    var lngLat = f.geometry.coordinates;
    button.addEventListener('click', function (e) { e.stopPropagation(); zoomInto(p, lngLat); });
    labels.set(key, new maplibregl.Marker({ element: button }).setLngLat(lngLat).addTo(map));
  });
  labels.forEach(function (m, key) { if (!seen.has(key)) { m.remove(); labels.delete(key); } });
}

function listVisibleSites() {
  visible.textContent = '';
  if (map.getZoom() < SITE_MIN_ZOOM) {
    visible.appendChild(el('li', 'Zoom in to ' + SITE_MIN_ZOOM + ' or more to list sites.'));
    return;
  }
  var seen = new Set();
  map.queryRenderedFeatures({ layers: ['sites'] }).forEach(function (f) {
    var p = f.properties;
    if (seen.has(p.id) || seen.size >= 30) return;
    seen.add(p.id);
    var li = el('li');
    var button = el('button', (p.name || p.id) + ': ' + p.available + '/' + p.evse_count + ' available');
    button.type = 'button';
    button.addEventListener('click', function () { openSite(p.id, f.geometry.coordinates); });
    li.appendChild(button);
    visible.appendChild(li);
  });
  if (seen.size === 0) visible.appendChild(el('li', 'No sites here.'));
}

map.on('idle', function () { updateClusterLabels(); listVisibleSites(); });
map.on('click', 'clusters', function (e) { zoomInto(e.features[0].properties, e.lngLat); });
map.on('click', 'sites', function (e) { openSite(e.features[0].properties.id, e.features[0].geometry.coordinates); });
['clusters', 'sites'].forEach(function (layer) {
  map.on('mouseenter', layer, function () { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', layer, function () { map.getCanvas().style.cursor = ''; });
});

var popup = null;
var popupSite = null;
function connectorText(c) {
  return c.standard + (c.max_power_kw != null ? ' ' + c.max_power_kw + ' kW' : '');
}
function siteContent(site) {
  var p = site.properties;
  var box = el('div', null, 'popup');
  box.appendChild(el('h2', p.name || p.id));
  box.appendChild(el('div', [p.address, p.postal_code, p.city].filter(Boolean).join(', '), 'muted'));
  if (p.operator) box.appendChild(el('div', 'Operator: ' + p.operator));
  var evses = [];
  p.locations.forEach(function (l) { evses = evses.concat(l.evses); });
  var available = evses.filter(function (e) { return e.status === 'AVAILABLE'; }).length;
  box.appendChild(el('div', available + ' of ' + evses.length + ' charge points available'));
  var list = el('ul');
  evses.forEach(function (e) {
    var li = el('li');
    li.appendChild(el('span', e.status, 'status-' + e.status));
    li.appendChild(document.createTextNode(' ' + (e.evse_id || e.uid) + ': ' + e.connectors.map(connectorText).join(', ')));
    list.appendChild(li);
  });
  box.appendChild(list);
  if (p.tariffs.length) {
    box.appendChild(el('div', 'Tariffs: ' + p.tariffs.map(function (t) { return t.summary || t.tariff_id; }).join('; ')));
  }
  box.appendChild(el('div', 'Sources: ' + p.provenance.sources.map(function (s) {
    return s.name + ' (' + (s.license || 'no licence') + ')' + (s.attribution ? ', ' + s.attribution : '');
  }).join('; '), 'muted'));
  return box;
}
async function openSite(id, lngLat) {
  var res = await fetch('/v1/sites/' + encodeURIComponent(id));
  if (!res.ok) return;
  var site = await res.json();
  popupSite = site;
  if (popup) popup.remove();
  popup = new maplibregl.Popup({ maxWidth: '22rem', focusAfterOpen: true })
    .setLngLat(lngLat).setDOMContent(siteContent(site)).addTo(map);
  popup.on('close', function () { popupSite = null; });
}

// Live status: each change reloads the tiles (they revalidate with ETags, so an unchanged tile is a
// 304) and, when it concerns the open popup's site, the popup.
var pending = null;
function refresh(location) {
  if (popupSite && popupSite.properties.location_ids.indexOf(location) >= 0) {
    var coords = popup.getLngLat();
    openSite(popupSite.id, coords);
  }
  if (pending) return;
  pending = setTimeout(function () {
    pending = null;
    map.getSource('atlas').setUrl(withQuery('/v1/tiles.json'));
  }, 250);
}
var stream = new EventSource('/v1/availability/stream?bbox=-180,-90,180,90');
stream.addEventListener('open', function () { live.textContent = 'Live status: connected'; });
stream.addEventListener('error', function () { live.textContent = 'Live status: reconnecting…'; });
stream.addEventListener('status', function (e) {
  var d = JSON.parse(e.data);
  live.textContent = 'Live status: ' + (d.evse_id || d.id) + ' is now ' + d.status;
  refresh(d.location);
});
`;
