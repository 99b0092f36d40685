// Register connector labels -> OCPI ConnectorType. A label we cannot map is kept raw (trimmed), as the
// model asks; a connector the register does not name at all is 'UNKNOWN'.
import type { Connector } from '../../model/types.js';

export const UNNAMED_CONNECTOR = 'UNKNOWN';

export interface ConnectorKind {
  standard: string;
  format: 'SOCKET' | 'CABLE' | null;
}

/**
 * BNetzA labels, both spellings: the 2022 CSV says "AC Steckdose Typ 2", "DC Kupplung Combo"; the API
 * says "AC Typ 2 Steckdose", "DC Fahrzeugkupplung Typ Combo 2 (CCS)". Steckdose = socket, (Fahrzeug)kupplung
 * = tethered cable.
 */
export function connectorFromGermanLabel(label: string): ConnectorKind {
  const l = label.toLowerCase();
  const format = l.includes('steckdose') ? 'SOCKET' : l.includes('kupplung') ? 'CABLE' : null;
  if (l.includes('chademo')) return { standard: 'CHADEMO', format: 'CABLE' };
  if (l.includes('combo') || l.includes('ccs')) {
    return {
      standard: /typ 1|combo 1/.test(l) ? 'IEC_62196_T1_COMBO' : 'IEC_62196_T2_COMBO',
      format: 'CABLE',
    };
  }
  if (l.includes('schuko')) return { standard: 'DOMESTIC_F', format: 'SOCKET' };
  if (l.includes('typ 2')) return { standard: 'IEC_62196_T2', format };
  if (l.includes('typ 1')) return { standard: 'IEC_62196_T1', format: 'CABLE' };
  return { standard: label.trim(), format };
}

/** AFDC "EV Connector Types" tokens (space separated in the CSV). */
const AFDC_STANDARDS: Readonly<Record<string, string>> = {
  J1772: 'IEC_62196_T1',
  J1772COMBO: 'IEC_62196_T1_COMBO',
  CHADEMO: 'CHADEMO',
  TESLA: 'TESLA_S',
  NACS: 'SAE_J3400',
  J3400: 'SAE_J3400',
  NEMA515: 'DOMESTIC_B', // OCPI: "type B, NEMA 5-15"
  NEMA520: 'NEMA_5_20',
  NEMA1430: 'NEMA_14_30',
  NEMA1450: 'NEMA_14_50',
};

export function connectorFromAfdcToken(token: string): string {
  return AFDC_STANDARDS[token.toUpperCase()] ?? token;
}

const DC_STANDARDS = new Set(['CHADEMO', 'IEC_62196_T1_COMBO', 'IEC_62196_T2_COMBO', 'GBT_DC', 'CHAOJI']);
const SINGLE_PHASE_STANDARDS = new Set(['IEC_62196_T1', 'IEC_60309_2_single_16']);

/**
 * Power type where the standard and the power decide it: DC couplers are DC; J1772 and household
 * sockets are single-phase by design; a Type 2/3 point above 7.4 kW (32 A x 230 V) must be three-phase.
 * Anything else (e.g. a 3.7 kW Type 2 point, which may be one or three phases) stays unknown.
 */
export function inferPowerType(standard: string, maxPowerW: number | null): Connector['powerType'] {
  if (DC_STANDARDS.has(standard)) return 'DC';
  if (SINGLE_PHASE_STANDARDS.has(standard) || standard.startsWith('DOMESTIC_')) return 'AC_1_PHASE';
  if (/^IEC_62196_T(2|3A|3C)$/.test(standard) && maxPowerW !== null && maxPowerW > 7400) return 'AC_3_PHASE';
  return null;
}
