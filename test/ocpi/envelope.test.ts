import { describe, expect, it } from 'vitest';
import { unwrapOcpiBody } from '../../src/ocpi/envelope.js';

describe('unwrapOcpiBody', () => {
  it('unwraps a full envelope', () => {
    expect(
      unwrapOcpiBody({
        data: [1],
        status_code: 1000,
        status_message: 'Success',
        timestamp: '2024-01-01T00:00:00Z',
      }),
    ).toEqual({ ok: true, data: [1], statusCode: 1000, statusMessage: 'Success' });
  });

  it('accepts bare arrays (EVIO, LAKD) and bare objects (a single Location)', () => {
    expect(unwrapOcpiBody([{ id: 'a' }])).toEqual({ ok: true, data: [{ id: 'a' }] });
    expect(unwrapOcpiBody({ id: 'LOC1', coordinates: {} })).toEqual({
      ok: true,
      data: { id: 'LOC1', coordinates: {} },
    });
  });

  it('accepts an envelope with only data (Punkt-E, PowerGo)', () => {
    expect(unwrapOcpiBody({ data: [] })).toEqual({ ok: true, data: [] });
  });

  it('treats status codes outside 1000-1999 as errors, whatever data holds', () => {
    expect(unwrapOcpiBody({ status_code: 2001, status_message: 'Missing field', timestamp: 'x' })).toEqual({
      ok: false,
      statusCode: 2001,
      message: 'Missing field',
    });
    expect(unwrapOcpiBody({ data: [], status_code: 3000 })).toEqual({
      ok: false,
      statusCode: 3000,
      message: 'OCPI status_code 3000',
    });
    expect(unwrapOcpiBody({ data: [], status_code: 999 }).ok).toBe(false);
    expect(unwrapOcpiBody({ data: [], status_code: '1000' })).toEqual({
      ok: true,
      data: [],
      statusCode: 1000,
    });
    // Custom 19xx codes are still success (2.2+ reserves them).
    expect(unwrapOcpiBody({ data: 'x', status_code: 1901 }).ok).toBe(true);
  });

  it('lets data decide when status_code is unreadable (Sitronics\' "Success")', () => {
    expect(unwrapOcpiBody({ data: [], status_code: 'Success', status_message: 'Success' })).toEqual({
      ok: true,
      data: [],
      statusMessage: 'Success',
    });
    expect(unwrapOcpiBody({ status_code: 'Success' }).ok).toBe(false);
  });

  it('rejects bodies that are neither object nor array', () => {
    expect(unwrapOcpiBody('hello')).toMatchObject({ ok: false });
    expect(unwrapOcpiBody(null)).toMatchObject({ ok: false });
  });
});
