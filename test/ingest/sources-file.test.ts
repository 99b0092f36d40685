import { describe, expect, it } from 'vitest';
import { parseSourcesFile, SourcesFileError } from '../../src/ingest/sources-file.js';
import type { WorkerBindings } from '../../src/workers/env.js';
import { workerSources } from '../../src/workers/sources.js';

const ok = {
  id: 'cpo-a',
  name: 'CPO A',
  versions_url: 'https://cpo.example/ocpi/versions',
  token: 'secret-token-a',
  license: 'CC-BY-4.0',
  attribution: 'CPO A',
};

describe('sources file', () => {
  it('accepts a bare array and an object with sources[], defaulting type, schedule and enabled', () => {
    for (const text of [JSON.stringify([ok]), JSON.stringify({ sources: [ok] })]) {
      const [s] = parseSourcesFile(text, 'sources.json');
      expect(s).toMatchObject({
        id: 'cpo-a',
        type: 'ocpi',
        enabled: true,
        schedule: '*/30 * * * *',
        parties: [],
      });
    }
  });

  it('accepts register sources with url instead of versions_url and token', () => {
    const [s] = parseSourcesFile(
      JSON.stringify([{ id: 'koeln', name: 'BNetzA', type: 'bnetza-csv', url: 'x.csv' }]),
      'f',
    );
    expect(s).toMatchObject({ type: 'bnetza-csv', url: 'x.csv' });
  });

  it("refuses a list of files as a register's url, saying that a register is one file", () => {
    const text = JSON.stringify([{ id: 'ocm-lt', name: 'OCM', type: 'ocm', url: ['a.json', 'b.json'] }]);
    expect(() => parseSourcesFile(text, 'sources.json')).toThrowError(
      /\[0\] \(id "ocm-lt"\)\.url: is one file, not a list: a register's url is one file .*#one-file-per-register/,
    );
  });

  it('names the Workers binding, not a Node setting, for the sources it reads on Workers', () => {
    const env = { ATLAS_SOURCES_JSON: '[{ "id": "x" }]' } as unknown as WorkerBindings;
    expect(() => workerSources(env)).toThrowError(/^the ATLAS_SOURCES_JSON binding is invalid: /);
    expect(() => workerSources(env)).not.toThrowError(/\(ATLAS_SOURCES\)/);
  });

  it('reads the Workers binding past a leading byte order mark, as the Node file', () => {
    const env = { ATLAS_SOURCES_JSON: `\uFEFF${JSON.stringify([ok])}` } as unknown as WorkerBindings;
    expect(workerSources(env)).toMatchObject([{ id: 'cpo-a', token: 'secret-token-a' }]);
  });

  it('rejects invalid JSON naming the file, the setting and the line and column', () => {
    expect(() => parseSourcesFile('[\n  { not json', '/etc/atlas/sources.json')).toThrowError(
      /^sources file \/etc\/atlas\/sources.json \(ATLAS_SOURCES\) is not valid JSON: .* at line 2, column 5$/,
    );
  });

  it('rejects invalid JSON without quoting the file: an unquoted token is not printed', () => {
    const token = 'secret-unquoted-token';
    for (const text of [
      `[{"id": "a", "token": ${token}}]`,
      `[{"id": "a", "token": "${token}" "name": "A"}]`,
    ]) {
      let error: unknown;
      try {
        parseSourcesFile(text, 'sources.json');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SourcesFileError);
      expect((error as Error).message).not.toMatch(/secret|unquoted/);
    }
  });

  it('names the file, the entry and the field when versions_url is missing', () => {
    const { versions_url: _, ...missing } = ok;
    let error: unknown;
    try {
      parseSourcesFile(JSON.stringify([ok, { ...missing, id: 'cpo-b' }]), 'my-sources.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SourcesFileError);
    expect((error as Error).message).toContain('my-sources.json');
    expect((error as Error).message).toMatch(/\[1\] \(id "cpo-b"\)\.versions_url/);
    // The token of a valid entry must not be echoed back in the message.
    expect((error as Error).message).not.toContain('secret-token-a');
  });

  it('rejects an unknown type, a duplicate id and a bad party', () => {
    expect(() => parseSourcesFile(JSON.stringify([{ ...ok, type: 'ftp' }]), 'f')).toThrowError(/\[0\].*type/);
    expect(() => parseSourcesFile(JSON.stringify([ok, { ...ok }]), 'f')).toThrowError(
      /duplicate source id "cpo-a"/,
    );
    expect(() =>
      parseSourcesFile(JSON.stringify([{ ...ok, parties: [{ country_code: 'NLD', party_id: 'ABC' }] }]), 'f'),
    ).toThrowError(/parties\.0\.country_code/);
  });
});
