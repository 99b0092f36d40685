// How a register source's `url` is read on Node: http(s) by fetch, anything else as a local file,
// gunzipped when it is gzip. Decided by the magic bytes, not the name: fetch already inflates a
// Content-Encoding: gzip response, so a .gz URL can arrive as plain text.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { REGISTER_URL_IS_ONE_FILE } from '../ingest/sources-file.js';

/** `encoding` is a WHATWG label (a mapped register may name windows-1252 and the like); UTF-8 by default. */
export async function readText(pathOrUrl: string, encoding = 'utf-8'): Promise<string> {
  let bytes: Buffer;
  if (/^https?:\/\//i.test(pathOrUrl)) {
    const res = await fetch(pathOrUrl);
    if (!res.ok) throw new Error(`GET ${pathOrUrl} answered HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } else {
    bytes = await readLocalFile(pathOrUrl);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (/^utf-?8$/i.test(encoding)) return bytes.toString('utf8');
  return new TextDecoder(encoding).decode(bytes);
}

/** A local file; a folder, or a pattern that names no file, says that a register is one file. */
async function readLocalFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Error(`${path} is a folder: ${REGISTER_URL_IS_ONE_FILE}`);
    if (code === 'ENOENT' && /[*?[]/.test(path))
      throw new Error(`no file ${path} (patterns are not expanded): ${REGISTER_URL_IS_ONE_FILE}`);
    throw err;
  }
}
