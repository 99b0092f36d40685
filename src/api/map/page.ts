// The map page's HTML and CSS. Everything it loads comes from this server: maplibre-gl from our
// node_modules, the country outlines from world-atlas (Natural Earth), tiles and style from /v1.
import { FILTERED_MIN_ZOOM, SITE_MIN_ZOOM } from '../tiles/build-tile.js';
import { CLUSTER_COLOUR, STATUS_COLOURS } from '../tiles/tilejson.js';

/** Connector types offered in the filter (any OCPI type works in the API itself). */
const CONNECTORS: [string, string][] = [
  ['IEC_62196_T2', 'Type 2'],
  ['IEC_62196_T2_COMBO', 'CCS (Type 2 combo)'],
  ['CHADEMO', 'CHAdeMO'],
  ['IEC_62196_T1', 'Type 1'],
  ['IEC_62196_T1_COMBO', 'CCS (Type 1 combo)'],
  ['TESLA_S', 'Tesla'],
  ['DOMESTIC_F', 'Schuko'],
];

const POWERS = [11, 22, 50, 150, 350];

const LEGEND: [keyof typeof STATUS_COLOURS, string][] = [
  ['available', 'available now'],
  ['occupied', 'in use'],
  ['out_of_order', 'out of order'],
  ['unknown', 'unknown or stale'],
];

export const MAP_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Open charging atlas: map</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/map/assets/maplibre-gl.css">
<link rel="stylesheet" href="/map/assets/map.css">
</head>
<body>
<a class="skip" href="#filters">Skip to the filters</a>
<div id="map" role="region" aria-label="Map of charging sites. Arrow keys pan, plus and minus zoom."></div>
<button id="panel-toggle" type="button" aria-controls="panel" aria-expanded="true">Filters and legend</button>
<aside id="panel" aria-label="Filters, legend and licences">
  <h1>Open charging atlas</h1>
  <form id="filters">
    <label>Connector
      <select name="connector"><option value="">any</option>${CONNECTORS.map(([v, t]) => `<option value="${v}">${t}</option>`).join('')}</select>
    </label>
    <label>Minimum power
      <select name="min_power_kw"><option value="">any</option>${POWERS.map((p) => `<option value="${p}">${p} kW</option>`).join('')}</select>
    </label>
    <label class="check"><input type="checkbox" name="status" value="available"> available now</label>
    <label class="check"><input type="checkbox" name="free" value="true"> free to charge</label>
  </form>
  <p id="filter-note" class="note" role="status" hidden>Filters apply from zoom ${FILTERED_MIN_ZOOM} on: zoom in to see the matching sites.</p>
  <h2>Legend</h2>
  <ul class="legend">
    <li><span class="dot cluster"></span> cluster of sites (zoom ${SITE_MIN_ZOOM - 1} and below; select to zoom in)</li>
    ${LEGEND.map(([k, t]) => `<li><span class="dot" style="background:${STATUS_COLOURS[k]}"></span> ${t}</li>`).join('\n    ')}
  </ul>
  <h2>Sites in view</h2>
  <ul id="visible" class="visible"><li>Zoom in to ${SITE_MIN_ZOOM} or more to list sites.</li></ul>
  <h2>Data and licences</h2>
  <p id="licences">Loading…</p>
  <p><a href="/v1/dumps/LICENSE.txt">Licence texts of all sources</a> · <a href="/docs">API</a></p>
  <p id="live" class="live" aria-live="polite">Live status: connecting…</p>
</aside>
<script type="module" src="/map/assets/map.js"></script>
</body>
</html>
`;

export const MAP_CSS = `html, body { margin: 0; height: 100%; font: 15px/1.4 system-ui, sans-serif; color: #1d1d1d; }
#map { position: absolute; inset: 0 0 0 20rem; }
#panel { position: absolute; top: 0; left: 0; bottom: 0; width: 20rem; box-sizing: border-box; overflow: auto;
  padding: 0.75rem 1rem; background: #fff; border-right: 1px solid #ccc; }
#panel h1 { font-size: 1.2rem; margin: 0 0 0.5rem; }
#panel h2 { font-size: 1rem; margin: 1rem 0 0.3rem; }
#filters label { display: block; margin: 0.4rem 0; }
#filters select { display: block; width: 100%; font: inherit; padding: 0.3rem; }
.legend, .visible { list-style: none; padding: 0; margin: 0; }
.legend li { margin: 0.2rem 0; }
.dot { display: inline-block; width: 0.9rem; height: 0.9rem; border-radius: 50%; vertical-align: -0.1rem;
  border: 2px solid #fff; box-shadow: 0 0 0 1px #999; }
.dot.cluster { background: ${CLUSTER_COLOUR}; }
.visible button { display: block; width: 100%; text-align: left; font: inherit; margin: 0.15rem 0; padding: 0.3rem;
  background: #f4f4f4; border: 1px solid #ddd; border-radius: 4px; cursor: pointer; }
.cluster-label { border: 0; background: transparent; color: #fff; font: bold 12px system-ui, sans-serif;
  cursor: pointer; padding: 0.4rem; text-shadow: 0 0 2px #000; }
button:focus-visible, a:focus-visible, select:focus-visible, input:focus-visible, #map:focus-visible {
  outline: 3px solid #ffbf47; outline-offset: 1px; }
.skip { position: absolute; left: -999px; top: 0; z-index: 10; background: #fff; padding: 0.5rem; }
.skip:focus { left: 0.5rem; }
#panel-toggle { display: none; }
.live { color: #555; font-size: 0.85rem; }
.note { background: #fff4d6; border-left: 3px solid #e0a100; padding: 0.3rem 0.5rem; font-size: 0.9rem; }
.popup h2 { font-size: 1rem; margin: 0 0 0.25rem; }
.popup { max-height: 18rem; overflow: auto; font-size: 13px; }
.popup ul { padding-left: 1rem; margin: 0.2rem 0; }
.popup .status-AVAILABLE { color: ${STATUS_COLOURS.available}; font-weight: bold; }
.popup .muted { color: #666; }
@media (max-width: 700px) {
  #map { inset: 0; }
  #panel-toggle { display: block; position: absolute; z-index: 3; left: 0.5rem; top: 0.5rem; font: inherit;
    padding: 0.5rem 0.75rem; background: #fff; border: 1px solid #999; border-radius: 4px; }
  #panel { top: auto; width: auto; right: 0; max-height: 55%; border-right: 0; border-top: 1px solid #ccc; z-index: 2; }
  #panel[hidden] { display: none; }
}
`;
