// The plain HTML encoding of /ogc (OGC API - Features /conf/html): the same documents as the JSON
// encoding, as headings, link lists and tables a browser shows without any script.
import type { Feature } from 'geojson';

export interface Link {
  rel: string;
  href: string;
  type?: string;
  title?: string;
}

export const escapeHtml = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

function linkList(links: Link[]): string {
  const items = links.map(
    (l) =>
      `<li><a href="${escapeHtml(l.href)}" rel="${escapeHtml(l.rel)}">${escapeHtml(l.title ?? l.rel)}</a> <small>(${escapeHtml(l.rel)}${l.type ? `, ${escapeHtml(l.type)}` : ''})</small></li>`,
  );
  return `<ul>\n${items.join('\n')}\n</ul>`;
}

function cell(v: unknown): string {
  if (v == null) return '';
  return escapeHtml(typeof v === 'object' ? JSON.stringify(v) : v);
}

/** A JSON document (landing page, conformance, collections, queryables) as HTML. */
export function documentHtml(title: string, doc: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof doc.description === 'string') parts.push(`<p>${escapeHtml(doc.description)}</p>`);
  if (typeof doc.attribution === 'string') parts.push(`<p>Attribution: ${escapeHtml(doc.attribution)}</p>`);
  if (Array.isArray(doc.conformsTo)) {
    parts.push(`<ul>${(doc.conformsTo as string[]).map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`);
  }
  if (Array.isArray(doc.collections)) {
    for (const col of doc.collections as { title: string; description: string; links: Link[] }[]) {
      parts.push(
        `<h2>${escapeHtml(col.title)}</h2><p>${escapeHtml(col.description)}</p>${linkList(col.links)}`,
      );
    }
  }
  if (doc.extent) parts.push(`<h2>Extent</h2><pre>${escapeHtml(JSON.stringify(doc.extent, null, 2))}</pre>`);
  if (doc.properties && typeof doc.properties === 'object') {
    const rows = Object.entries(doc.properties as Record<string, Record<string, unknown>>).map(
      ([k, v]) =>
        `<tr><td>${escapeHtml(k)}</td><td>${cell(v.type ?? v.format)}</td><td>${cell(v.title)}</td></tr>`,
    );
    parts.push(`<table><tr><th>Property</th><th>Type</th><th>Title</th></tr>${rows.join('')}</table>`);
  }
  if (Array.isArray(doc.links)) parts.push(`<h2>Links</h2>${linkList(doc.links as Link[])}`);
  return page(title, parts.join('\n'));
}

/** Features as a table: one row per feature, its id linked to the feature's own page. */
export function featuresHtml(
  title: string,
  features: Feature[],
  links: Link[],
  itemHref: (id: string) => string,
) {
  const keys = [...new Set(features.flatMap((f) => Object.keys(f.properties ?? {})))];
  const head = `<tr><th>id</th><th>lon, lat</th>${keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('')}</tr>`;
  const rows = features.map((f) => {
    const coords = f.geometry.type === 'Point' ? f.geometry.coordinates.join(', ') : '';
    const props = f.properties ?? {};
    return `<tr><td><a href="${escapeHtml(itemHref(String(f.id)))}">${escapeHtml(f.id)}</a></td><td>${escapeHtml(coords)}</td>${keys.map((k) => `<td>${cell(props[k])}</td>`).join('')}</tr>`;
  });
  return page(title, `${linkList(links)}\n<table>\n${head}\n${rows.join('\n')}\n</table>`);
}
