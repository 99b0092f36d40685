import { describe, expect, it } from 'vitest';
import {
  authorizationHeader,
  base64Token,
  defaultTokenEncoding,
  formatOcpiDateTime,
  parseOcpiDateTime,
} from '../../../src/ocpi/client/index.js';

describe('authorizationHeader', () => {
  it("base64-encodes the UTF-8 token with padding for 2.2+, without the spec examples' trailing newline", () => {
    expect(authorizationHeader('example-token', 'base64')).toBe('Token ZXhhbXBsZS10b2tlbg==');
  });

  it('sends the token as-is for 2.1.1', () => {
    expect(authorizationHeader('ebf3b399-779f-4497-9b9d-ac6ad3cc44d2', 'raw')).toBe(
      'Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2',
    );
  });

  it('encodes non-ASCII tokens as UTF-8 bytes, where btoa alone would throw', () => {
    expect(base64Token('tökén')).toBe(Buffer.from('tökén', 'utf8').toString('base64'));
  });

  it('defaults to raw for 2.1.1 and base64 from 2.2 on', () => {
    expect(defaultTokenEncoding('2.1.1')).toBe('raw');
    expect(['2.2', '2.2.1', '2.3.0'].map((v) => defaultTokenEncoding(v as '2.2'))).toEqual([
      'base64',
      'base64',
      'base64',
    ]);
  });
});

describe('OCPI DateTime', () => {
  it('is emitted as YYYY-MM-DDTHH:MM:SSZ without fraction', () => {
    expect(formatOcpiDateTime(new Date('2025-03-01T12:34:56.789Z'))).toBe('2025-03-01T12:34:56Z');
    expect(formatOcpiDateTime('2025-03-01T12:34:56+02:00')).toBe('2025-03-01T10:34:56Z');
  });

  it('reads a date-time without Z as UTC, not local time', () => {
    expect(parseOcpiDateTime('2025-03-01T12:00:00')).toBe(Date.UTC(2025, 2, 1, 12));
    expect(parseOcpiDateTime('2025-03-01T12:00:00.5Z')).toBe(Date.UTC(2025, 2, 1, 12, 0, 0, 500));
    expect(parseOcpiDateTime('yesterday')).toBeNull();
  });
});
