// RFC 8288 Link header parsing: OCPI servers announce the next page only there (digest §3), and
// real ones send several links, quoted or bare rel values and extra parameters.

export interface WebLink {
  /** The target exactly as sent, between < and >. */
  target: string;
  /** Link relation types, lower-cased (one `rel` may list several, space-separated). */
  rels: string[];
  params: Record<string, string>;
}

export function parseLinkHeader(value: string | null | undefined): WebLink[] {
  if (!value) return [];
  const links: WebLink[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < value.length && /\s/.test(value[i] ?? '')) i++;
  };

  while (i < value.length) {
    skipSpace();
    if (value[i] === ',') {
      i++;
      continue;
    }
    if (value[i] !== '<') {
      // Not a link-value: skip to the next top-level comma rather than give up on the header.
      i = nextComma(value, i);
      continue;
    }
    const close = value.indexOf('>', i);
    if (close < 0) break;
    const target = value.slice(i + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (value[i] !== ';') break;
      i++;
      skipSpace();
      const nameStart = i;
      while (i < value.length && !/[\s=;,]/.test(value[i] ?? '')) i++;
      const name = value.slice(nameStart, i).toLowerCase();
      skipSpace();
      let paramValue = '';
      if (value[i] === '=') {
        i++;
        skipSpace();
        if (value[i] === '"') [paramValue, i] = quotedString(value, i);
        else {
          const start = i;
          while (i < value.length && !/[\s;,]/.test(value[i] ?? '')) i++;
          paramValue = value.slice(start, i);
        }
      }
      // RFC 8288 §3: occurrences of a parameter after the first are ignored.
      if (name && !(name in params)) params[name] = paramValue;
    }
    const rels = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ target, rels, params });
  }
  return links;
}

/** The target of the first link with relation `next`, or null. */
export function nextLinkTarget(value: string | null | undefined): string | null {
  return parseLinkHeader(value).find((link) => link.rels.includes('next'))?.target ?? null;
}

function quotedString(value: string, openQuote: number): [string, number] {
  let out = '';
  let i = openQuote + 1;
  while (i < value.length && value[i] !== '"') {
    if (value[i] === '\\') i++;
    out += value[i] ?? '';
    i++;
  }
  return [out, i + 1];
}

function nextComma(value: string, from: number): number {
  let inQuotes = false;
  for (let i = from; i < value.length; i++) {
    if (value[i] === '"') inQuotes = !inQuotes;
    else if (value[i] === ',' && !inQuotes) return i + 1;
  }
  return value.length;
}
