// TileJSON 3.0.0 for our tiles and a MapLibre style (v8) that draws them over a country-outline
// basemap we serve ourselves (/map/countries.geojson), so a map needs no other server.

import type { PublishedSource } from '../../db/queries/tiles.js';
import type { Bbox } from '../../model/geo.js';
import { CLUSTER_GRID, FILTERED_MIN_ZOOM, SITE_MIN_ZOOM } from './build-tile.js';

/** Tiles are generated up to here; clients overzoom beyond it. */
export const TILE_MAX_ZOOM = 16;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** One line per source whose data is shown: name, licence and the attribution it asks for. */
export function attributionOf(sources: PublishedSource[]): string {
  const parts = sources.map((s) =>
    escapeHtml(`${s.name} (${s.license})${s.attribution ? `: ${s.attribution}` : ''}`),
  );
  return ['Open charging atlas', ...parts].join(' · ');
}

export const SITE_FIELDS = {
  id: 'String: site id (GET /v1/sites/{id} for the whole site)',
  name: 'String',
  operator: 'String',
  max_power_kw: 'Number: strongest connector',
  evse_count: 'Number: EVSEs in service',
  available: 'Number: EVSEs available now (stale statuses not counted)',
  status: 'String: available | occupied | out_of_order | unknown',
  connectors: 'String: "STANDARD POWERkW xCOUNT" items, comma-separated',
  free: 'Boolean: a connector references a no-cost tariff',
};

export const CLUSTER_FIELDS = {
  point_count: 'Number: sites in the cluster',
  point_count_abbreviated: 'String: point_count for labels (12k)',
  evse_count: 'Number: EVSEs of those sites',
  installed_kw: 'Number: sum of the EVSEs\u2019 rated power',
  available: 'Number: EVSEs available now (stale statuses not counted)',
  expansion_zoom: 'Number: the zoom at which its sites no longer share one cluster (11: shown as sites)',
};

export interface TileJsonInput {
  /** Absolute base URL of the API (the request's origin, or ATLAS_PUBLIC_URL). */
  base: string;
  /** The filter query string, without `?`, passed on to every tile URL. */
  query: string;
  sources: PublishedSource[];
  bounds: Bbox | null;
  /** Tiles with a filter start at FILTERED_MIN_ZOOM (build-tile.ts): below it they may be too large. */
  filtered: boolean;
}

/** The two layers, as TileJSON's vector_layers (also in the PMTiles archive's metadata). */
export function vectorLayers(maxzoom: number, minzoom = 0) {
  return [
    {
      id: 'clusters',
      description: 'Sites folded into grid cells',
      minzoom,
      maxzoom: SITE_MIN_ZOOM - 1,
      fields: CLUSTER_FIELDS,
    },
    { id: 'sites', description: 'One point per site', minzoom: SITE_MIN_ZOOM, maxzoom, fields: SITE_FIELDS },
  ];
}

export function tileJson(i: TileJsonInput) {
  const minzoom = i.filtered ? FILTERED_MIN_ZOOM : 0;
  const b = i.bounds ?? { minLon: -180, minLat: -85.0511, maxLon: 180, maxLat: 85.0511 };
  const bounds = [b.minLon, b.minLat, b.maxLon, b.maxLat];
  return {
    tilejson: '3.0.0',
    name: 'Open charging atlas',
    description:
      `EV charging sites. Zoom 0-${SITE_MIN_ZOOM - 1}: layer clusters (a ${CLUSTER_GRID}x${CLUSTER_GRID} grid per tile); ` +
      `zoom ${SITE_MIN_ZOOM}+: layer sites (one point per site).`,
    version: '1.0.0',
    attribution: attributionOf(i.sources),
    scheme: 'xyz',
    tiles: [`${i.base}/v1/tiles/{z}/{x}/{y}.mvt${i.query ? `?${i.query}` : ''}`],
    minzoom,
    maxzoom: TILE_MAX_ZOOM,
    bounds,
    center: [(b.minLon + b.maxLon) / 2, (b.minLat + b.maxLat) / 2, 5],
    vector_layers: vectorLayers(TILE_MAX_ZOOM, minzoom),
  };
}

/** Site colours by `status`, shared by the style and the map page's legend. */
export const STATUS_COLOURS = {
  available: '#1a9850',
  occupied: '#fdae61',
  out_of_order: '#d73027',
  unknown: '#7f7f7f',
} as const;

export const CLUSTER_COLOUR = '#2b6cb0';

export function mapStyle(base: string, query: string) {
  return {
    version: 8,
    name: 'Open charging atlas',
    sources: {
      atlas: {
        type: 'vector',
        url: `${base}/v1/tiles.json${query ? `?${query}` : ''}`,
        promoteId: { sites: 'id' },
      },
      countries: {
        type: 'geojson',
        data: `${base}/map/countries.geojson`,
        attribution: 'Country outlines: Natural Earth (public domain) via world-atlas',
      },
    },
    layers: STYLE_LAYERS,
  };
}

/** Basemap (sea, land, borders), then clusters, then sites coloured by live status. */
const STYLE_LAYERS = [
  { id: 'sea', type: 'background', paint: { 'background-color': '#dcebf5' } },
  { id: 'land', type: 'fill', source: 'countries', paint: { 'fill-color': '#f7f5ef' } },
  {
    id: 'borders',
    type: 'line',
    source: 'countries',
    paint: { 'line-color': '#9a9a9a', 'line-width': 0.8 },
  },
  {
    id: 'clusters',
    type: 'circle',
    source: 'atlas',
    'source-layer': 'clusters',
    paint: {
      'circle-color': CLUSTER_COLOUR,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2,
      'circle-radius': ['step', ['get', 'point_count'], 8, 10, 12, 100, 16, 1000, 21, 10000, 27],
    },
  },
  {
    id: 'sites',
    type: 'circle',
    source: 'atlas',
    'source-layer': 'sites',
    paint: {
      'circle-color': [
        'match',
        ['coalesce', ['feature-state', 'status'], ['get', 'status']],
        'available',
        STATUS_COLOURS.available,
        'occupied',
        STATUS_COLOURS.occupied,
        'out_of_order',
        STATUS_COLOURS.out_of_order,
        STATUS_COLOURS.unknown,
      ],
      'circle-radius': ['interpolate', ['linear'], ['zoom'], SITE_MIN_ZOOM, 5, 16, 9],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
  },
];
