// The FlatGeobuf dump's spool on Node: encoded features go to a temporary file (written in 1 MB
// blocks), read back by offset in index order, and the file is removed when the dump ends, so
// memory holds only the features' positions whatever the size of the atlas.
import { mkdtempSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureSpool } from '../api/http/options.js';

const BLOCK = 1 << 20;

export function fileSpool(): FeatureSpool {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-fgb-'));
  let handle: FileHandle | null = null;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const fh = async () => {
    handle ??= await open(join(dir, 'features'), 'w+');
    return handle;
  };
  async function flush() {
    if (pendingBytes === 0) return;
    const block = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await (await fh()).write(block);
  }
  return {
    async append(bytes) {
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= BLOCK) await flush();
    },
    async read(offset, length) {
      await flush();
      const buf = Buffer.allocUnsafe(length);
      await (await fh()).read(buf, 0, length, offset);
      return buf;
    },
    async close() {
      await handle?.close();
      handle = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
