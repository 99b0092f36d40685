// The I/O edge of the register importers: a register file's text, gunzipped when its name ends in .gz.
// Kept apart from index.ts so the parsers stay pure.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseRegister } from './index.js';
import type { RegisterFormat, RegisterParseOptions, RegisterRecords } from './types.js';

const gunzipAsync = promisify(gunzip);

/** A local file's text (UTF-8), or an http(s) URL's body; gzipped content (.gz) is inflated. */
export async function readSourceText(pathOrUrl: string): Promise<string> {
  let bytes: Buffer;
  if (/^https?:\/\//i.test(pathOrUrl)) {
    const response = await fetch(pathOrUrl);
    if (!response.ok) throw new Error(`GET ${pathOrUrl}: HTTP ${response.status}`);
    bytes = Buffer.from(await response.arrayBuffer());
  } else {
    bytes = await readFile(pathOrUrl);
  }
  // Decided by the gzip magic bytes, not the name: fetch already inflates a Content-Encoding: gzip
  // response, so a .gz URL can arrive as plain text, and a renamed file is still read right.
  const isGzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (isGzip ? await gunzipAsync(bytes) : bytes).toString('utf8');
}

/**
 * Records of a register given as a file path or URL, or as its text. Text is recognised by a line break
 * or a leading '{' / '[' (a path or URL has neither).
 */
export async function readRegisterFile(
  format: RegisterFormat,
  pathOrText: string,
  options: RegisterParseOptions = {},
): Promise<RegisterRecords> {
  const isText = /[\r\n]/.test(pathOrText) || /^\s*[{[]/.test(pathOrText);
  return parseRegister(format, isText ? pathOrText : await readSourceText(pathOrText), options);
}
