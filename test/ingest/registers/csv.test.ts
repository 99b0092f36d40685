import { describe, expect, it } from 'vitest';
import { parseCsv, readCsvTable, sniffSeparator } from '../../../src/ingest/registers/csv.js';

const rows = (text: string, separator?: string) => [...parseCsv(text, { separator })].map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits on the configured separator and keeps a quoted ";" inside its field', () => {
    expect(rows('a;"b;c";d\n1;2;3', ';')).toEqual([
      ['a', 'b;c', 'd'],
      ['1', '2', '3'],
    ]);
  });

  it('keeps line breaks inside quoted fields and reports the line each record starts on', () => {
    const parsed = [...parseCsv('id,note\r\n1,"two\r\nlines"\r\n2,plain\r\n')];
    expect(parsed).toEqual([
      { fields: ['id', 'note'], line: 1 },
      { fields: ['1', 'two\r\nlines'], line: 2 },
      { fields: ['2', 'plain'], line: 4 },
    ]);
  });

  it('reads "" inside quotes as one quote', () => {
    expect(rows('"Borne ""double"", côté mairie",x')).toEqual([['Borne "double", côté mairie', 'x']]);
  });

  it('drops a leading BOM so the first header name is clean', () => {
    expect(readCsvTable('\uFEFFBetreiber;Ort\nX;Köln', { separator: ';' }).header).toEqual([
      'Betreiber',
      'Ort',
    ]);
  });

  it('keeps empty fields, including a trailing one, and skips blank lines', () => {
    expect(rows('a,,c,\n\n,,\n')).toEqual([
      ['a', '', 'c', ''],
      ['', '', ''],
    ]);
  });

  it('accepts LF, CRLF and lone CR line ends', () => {
    expect(rows('a\nb\r\nc\rd')).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('keys records by header name and counts the fields each row really has', () => {
    const table = readCsvTable('x,y\n1,2\n3');
    expect([...table.records]).toEqual([
      { values: { x: '1', y: '2' }, fieldCount: 2, line: 2 },
      { values: { x: '3', y: undefined }, fieldCount: 1, line: 3 },
    ]);
  });

  it('rejects a separator that cannot work', () => {
    expect(() => rows('a', '"')).toThrow(/separator/);
    expect(() => rows('a', ';;')).toThrow(/separator/);
  });

  it('guesses the separator from the header line', () => {
    expect(sniffSeparator('a;b;c\n1,5;2;3')).toBe(';');
    expect(sniffSeparator('a,b,c\n1;2;3')).toBe(',');
  });
});
