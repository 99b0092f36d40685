// Dates in the layout a mapping names: "DD.MM.YY", "MM/DD/YYYY HH:mm", "iso", "epoch_s", ... Times
// without a zone are read as UTC (as every register date is), never as the machine's local time.
import { isoFromTimestamp } from '../dates.js';

const TOKENS: Record<string, string> = {
  YYYY: '(?<year>\\d{4})',
  YY: '(?<yy>\\d{2})',
  MM: '(?<month>\\d{1,2})',
  DD: '(?<day>\\d{1,2})',
  HH: '(?<hour>\\d{1,2})',
  mm: '(?<minute>\\d{2})',
  ss: '(?<second>\\d{2})',
};
const TOKEN = /YYYY|YY|MM|DD|HH|mm|ss/g;
const compiled = new Map<string, RegExp>();

/** The first layout that reads the text, as ISO 8601 UTC; null when none does. */
export function isoFromLayouts(text: string, layouts: readonly string[]): string | null {
  for (const layout of layouts) {
    const iso = isoFromLayout(text.trim(), layout);
    if (iso !== null) return iso;
  }
  return null;
}

function isoFromLayout(text: string, layout: string): string | null {
  if (layout === 'iso') return isoFromTimestamp(text);
  if (layout === 'epoch_s' || layout === 'epoch_ms') {
    if (!/^\d+(\.\d+)?$/.test(text)) return null;
    const ms = Number(text) * (layout === 'epoch_s' ? 1000 : 1);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  const g = layoutRegex(layout).exec(text)?.groups;
  if (!g) return null;
  const year = g.year ? Number(g.year) : 2000 + Number(g.yy);
  const parts = [
    year,
    Number(g.month ?? 1),
    Number(g.day ?? 1),
    Number(g.hour ?? 0),
    Number(g.minute ?? 0),
    Number(g.second ?? 0),
  ] as const;
  const d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]));
  const same =
    d.getUTCFullYear() === parts[0] &&
    d.getUTCMonth() === parts[1] - 1 &&
    d.getUTCDate() === parts[2] &&
    d.getUTCHours() === parts[3];
  return same ? d.toISOString() : null;
}

function layoutRegex(layout: string): RegExp {
  let re = compiled.get(layout);
  if (!re) {
    let source = '';
    let last = 0;
    for (const m of layout.matchAll(TOKEN)) {
      source += escapeRegex(layout.slice(last, m.index)) + TOKENS[m[0]]!;
      last = m.index + m[0].length;
    }
    re = new RegExp(`^${source}${escapeRegex(layout.slice(last))}$`);
    compiled.set(layout, re);
  }
  return re;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Whether a layout can be read at all (for the startup check). */
export function isDateLayout(layout: string): boolean {
  return (
    ['iso', 'epoch_s', 'epoch_ms'].includes(layout) ||
    (/YYYY|YY/.test(layout) && /MM/.test(layout) && /DD/.test(layout))
  );
}
