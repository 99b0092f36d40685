import { describe, expect, it } from 'vitest';
import {
  connectorFromAfdcToken,
  connectorFromGermanLabel,
  inferPowerType,
} from '../../../src/ingest/registers/connector-standards.js';

describe('register connector labels -> OCPI ConnectorType', () => {
  it.each([
    // BNetzA CSV (2022) spelling
    ['AC Steckdose Typ 2', 'IEC_62196_T2', 'SOCKET'],
    ['AC Kupplung Typ 2', 'IEC_62196_T2', 'CABLE'],
    ['DC Kupplung Combo', 'IEC_62196_T2_COMBO', 'CABLE'],
    ['DC CHAdeMO', 'CHADEMO', 'CABLE'],
    ['AC Schuko', 'DOMESTIC_F', 'SOCKET'],
    // BNetzA API spelling
    ['AC Typ 2 Steckdose', 'IEC_62196_T2', 'SOCKET'],
    ['AC Typ 2 Fahrzeugkupplung', 'IEC_62196_T2', 'CABLE'],
    ['DC Fahrzeugkupplung Typ Combo 2 (CCS)', 'IEC_62196_T2_COMBO', 'CABLE'],
  ])('maps the BNetzA label %s to %s (%s)', (label, standard, format) => {
    expect(connectorFromGermanLabel(label)).toEqual({ standard, format });
  });

  it('keeps an unknown BNetzA label raw', () => {
    expect(connectorFromGermanLabel(' AC CEE 5 polig ')).toEqual({
      standard: 'AC CEE 5 polig',
      format: null,
    });
  });

  it.each([
    ['J1772', 'IEC_62196_T1'],
    ['J1772COMBO', 'IEC_62196_T1_COMBO'],
    ['CHADEMO', 'CHADEMO'],
    ['TESLA', 'TESLA_S'],
    ['NACS', 'SAE_J3400'],
    ['J3400', 'SAE_J3400'],
    ['NEMA515', 'DOMESTIC_B'],
    ['NEMA520', 'NEMA_5_20'],
    ['NEMA1450', 'NEMA_14_50'],
    ['SOMETHING_NEW', 'SOMETHING_NEW'],
  ])('maps the AFDC token %s to %s', (token, standard) => {
    expect(connectorFromAfdcToken(token)).toBe(standard);
  });

  it('infers the power type only where standard and power settle it', () => {
    expect(inferPowerType('IEC_62196_T2_COMBO', 150_000)).toBe('DC');
    expect(inferPowerType('DOMESTIC_F', 3_700)).toBe('AC_1_PHASE');
    expect(inferPowerType('IEC_62196_T2', 22_000)).toBe('AC_3_PHASE');
    expect(inferPowerType('IEC_62196_T2', 3_700)).toBeNull();
    expect(inferPowerType('IEC_62196_T2', null)).toBeNull();
  });
});
