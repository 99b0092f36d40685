// Byte ranges of a stored file (RFC 9110 §14): a researcher's interrupted download of a dump resumes
// with `Range: bytes=N-` (and `If-Range: <ETag>`, so a file rebuilt meanwhile is sent whole instead
// of spliced). One range per request; a multi-range request gets the whole file, as the RFC allows.
import type { DumpFile } from './options.js';

type Satisfiable = { start: number; end: number };

/** The one range asked for, 'unsatisfiable', or null when the header is absent or not one range of bytes. */
export function parseRange(header: string | undefined, size: number): Satisfiable | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return { start, end };
}

/** If-Range names this file's current strong validator (a date is not accepted: ours are not exact). */
function rangeStillApplies(ifRange: string | undefined, etag: string): boolean {
  return ifRange == null || (!ifRange.trim().startsWith('W/') && ifRange.trim() === etag);
}

/** How a stored file answers a request: its status, body and headers. */
export type FileAnswer =
  | { status: 200 | 206; body: ReadableStream<Uint8Array>; headers: Record<string, string> }
  | { status: 416; body: null; headers: Record<string, string> };

/** A 200 of the whole file or a 206 of the asked range, with Accept-Ranges and the file's ETag. */
export function fileAnswer(headersIn: Headers, file: DumpFile, headers: Record<string, string>): FileAnswer {
  const base: Record<string, string> = { ...headers, 'Accept-Ranges': 'bytes', ETag: file.etag };
  if (file.lastModified) base['Last-Modified'] = file.lastModified.toUTCString();
  const range = rangeStillApplies(headersIn.get('if-range') ?? undefined, file.etag)
    ? parseRange(headersIn.get('range') ?? undefined, file.size)
    : null;
  if (range === 'unsatisfiable') {
    return { status: 416, body: null, headers: { ...base, 'Content-Range': `bytes */${file.size}` } };
  }
  if (range === null) {
    const body = file.size > 0 ? file.read(0, file.size - 1) : emptyStream();
    return { status: 200, body, headers: { ...base, 'Content-Length': String(file.size) } };
  }
  return {
    status: 206,
    body: file.read(range.start, range.end),
    headers: {
      ...base,
      'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`,
      'Content-Length': String(range.end - range.start + 1),
    },
  };
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}
