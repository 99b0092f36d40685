// Open Charge Map's numeric reference ids, decoded from its reference data (openchargemap/ocm-data
// reference.json @ b98a481, 2021-11-05) so that compact POIs import without that file at hand.
import type { Lifecycle } from '../../model/types.js';
import type { ConnectorKind } from './connector-standards.js';

/** OCM ConnectionTypeID -> OCPI ConnectorType (and socket/cable where the OCM title says which). */
export const OCM_CONNECTION_TYPES: Readonly<Record<number, ConnectorKind>> = {
  1: { standard: 'IEC_62196_T1', format: 'CABLE' }, // Type 1 (J1772)
  2: { standard: 'CHADEMO', format: 'CABLE' },
  3: { standard: 'DOMESTIC_G', format: 'SOCKET' }, // BS1363 3 Pin 13 Amp
  8: { standard: 'TESLA_R', format: 'CABLE' }, // Tesla (Roadster)
  9: { standard: 'NEMA_5_20', format: 'SOCKET' },
  10: { standard: 'NEMA_14_30', format: 'SOCKET' },
  11: { standard: 'NEMA_14_50', format: 'SOCKET' },
  13: { standard: 'DOMESTIC_C', format: 'SOCKET' }, // Europlug 2-Pin (CEE 7/16)
  22: { standard: 'DOMESTIC_B', format: 'SOCKET' }, // NEMA 5-15R
  23: { standard: 'DOMESTIC_E', format: 'SOCKET' }, // CEE 7/5
  25: { standard: 'IEC_62196_T2', format: 'SOCKET' }, // Type 2 (Socket Only)
  26: { standard: 'IEC_62196_T3C', format: 'SOCKET' }, // SCAME Type 3C (Schneider-Legrand)
  27: { standard: 'TESLA_S', format: 'CABLE' }, // Tesla Supercharger
  28: { standard: 'DOMESTIC_F', format: 'SOCKET' }, // CEE 7/4 - Schuko - Type F
  29: { standard: 'DOMESTIC_I', format: 'SOCKET' }, // Type I (AS 3112)
  30: { standard: 'TESLA_S', format: 'CABLE' }, // Tesla (Model S/X)
  32: { standard: 'IEC_62196_T1_COMBO', format: 'CABLE' }, // CCS (Type 1)
  33: { standard: 'IEC_62196_T2_COMBO', format: 'CABLE' }, // CCS (Type 2)
  36: { standard: 'IEC_62196_T3A', format: 'SOCKET' }, // SCAME Type 3A (Low Power)
  1036: { standard: 'IEC_62196_T2', format: 'CABLE' }, // Type 2 (Tethered Connector)
  1037: { standard: 'DOMESTIC_J', format: 'SOCKET' }, // T13 - SEC1011 (Swiss domestic 3-pin) - Type J
  1038: { standard: 'GBT_AC', format: 'SOCKET' }, // GB-T AC - GB/T 20234.2 (Socket)
  1039: { standard: 'GBT_AC', format: 'CABLE' }, // GB-T AC - GB/T 20234.2 (Tethered Cable)
  1040: { standard: 'GBT_DC', format: 'CABLE' }, // GB-T DC - GB/T 20234.3
};

/** OCM CurrentTypeID -> OCPI PowerType. */
export const OCM_CURRENT_TYPES: Readonly<Record<number, string>> = {
  10: 'AC_1_PHASE',
  20: 'AC_3_PHASE',
  30: 'DC',
};

/**
 * OCM OperatorIDs that name no operator: 1 "(Unknown Operator)", 45 "(Business Owner at Location)",
 * 44 "(Private Residence/Individual)" (a private person's name must not be published either).
 */
export const OCM_PLACEHOLDER_OPERATORS: ReadonlySet<number> = new Set([1, 44, 45]);

/** OCM DataProviders that are open registers we also import, so their reference is a register id. */
export const OCM_REGISTER_PROVIDERS: ReadonlySet<number> = new Set([
  2, // afdc.energy.gov
  28, // data.gouv.fr (IRVE)
  29, // Bundesnetzagentur.de
]);

/**
 * OCM StatusTypeIDs that describe the equipment's life cycle rather than live availability, as
 * the OCPI EVSE status they amount to.
 */
export const OCM_LIFECYCLE_STATUS: Readonly<Record<number, string>> = {
  100: 'OUTOFORDER', // Not Operational
  150: 'PLANNED', // Planned For Future Date
  200: 'REMOVED', // Removed (Decommissioned)
  210: 'REMOVED', // Removed (Duplicate Listing)
};

/** A POI's StatusTypeID as a site life cycle; other ids (operational, unknown, live) say nothing. */
export const OCM_POI_LIFECYCLE: Readonly<Record<number, Lifecycle>> = {
  50: 'operational',
  75: 'operational', // Partly Operational (Mixed)
  100: 'out_of_service',
  150: 'planned',
  200: 'removed',
  210: 'removed',
};

/**
 * The licence each OCM data provider states for its records (DataProviders[].License in the
 * reference data), so a compact POI (DataProviderID only) is published under the right terms.
 * Providers marked IsOpenDataLicensed = false without a licence are 'proprietary'; providers with
 * neither are absent (the source's licence applies). A verbose POI's DataProvider.License wins.
 */
export const OCM_PROVIDER_LICENSES: Readonly<Record<number, string>> = {
  1: 'Licensed under Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)',
  2: 'This data is provided by the National Renewable Energy Laboratory ("NREL"), which is operated by the Alliance for Sustainable Energy, LLC ("Alliance"), for the U.S. Department of Energy ("DOE"), and may be used for any purpose whatsoever.',
  7: 'Public Data redistributed by agreement',
  18: 'Contains public sector information licensed under the Open Government Licence v2.0.',
  19: 'NOBIL by Enova is licensed under a Creative Commons Attribution 4.0 International (CC BY 4.0) License.',
  22: 'proprietary',
  23: 'proprietary',
  24: 'http://creativecommons.org/licenses/by/3.0',
  25: 'General public data',
  26: 'Licensed under Attribution-NonCommercial-ShareAlike 3.0 : http://creativecommons.org/licenses/by-nc-sa/3.0/',
  27: 'proprietary',
  28: 'Open License: https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf',
  29: 'Provided by Bundesnetzagentur.de under the CC-BY 4.0 license',
};

/** OCM CountryID -> ISO 3166-1 alpha-2 (all 250 countries of the reference data). */
// biome-ignore format: a lookup table reads best ten to a line
export const OCM_COUNTRY_ALPHA2: Readonly<Record<number, string>> = {
  1: 'GB', 2: 'US', 3: 'IE', 4: 'HK', 5: 'AF', 6: 'AX', 7: 'AL', 8: 'DZ', 9: 'AS', 10: 'AD',
  11: 'AO', 12: 'AI', 13: 'AQ', 14: 'AG', 15: 'AR', 16: 'AM', 17: 'AW', 18: 'AU', 19: 'AT', 20: 'AZ',
  21: 'BS', 22: 'BH', 23: 'BD', 24: 'BB', 25: 'BY', 26: 'BE', 27: 'BZ', 28: 'BJ', 29: 'BM', 30: 'BT',
  31: 'BO', 32: 'BQ', 33: 'BA', 34: 'BW', 35: 'BV', 36: 'BR', 37: 'IO', 38: 'BN', 39: 'BG', 40: 'BF',
  41: 'BI', 42: 'KH', 43: 'CM', 44: 'CA', 45: 'CV', 46: 'KY', 47: 'CF', 48: 'TD', 49: 'CL', 50: 'CN',
  51: 'CX', 52: 'CC', 53: 'CO', 54: 'KM', 55: 'CG', 56: 'CD', 57: 'CK', 58: 'CR', 59: 'CI', 60: 'HR',
  61: 'CU', 62: 'CW', 63: 'CY', 64: 'CZ', 65: 'DK', 66: 'DJ', 67: 'DM', 68: 'DO', 69: 'EC', 70: 'EG',
  71: 'SV', 72: 'GQ', 73: 'ER', 74: 'EE', 75: 'ET', 76: 'FK', 77: 'FO', 78: 'FJ', 79: 'FI', 80: 'FR',
  81: 'GF', 82: 'PF', 83: 'TF', 84: 'GA', 85: 'GM', 86: 'GE', 87: 'DE', 88: 'GH', 89: 'GI', 90: 'GR',
  91: 'GL', 92: 'GD', 93: 'GP', 94: 'GU', 95: 'GT', 96: 'GG', 97: 'GN', 98: 'GW', 99: 'GY', 100: 'HT',
  101: 'HM', 102: 'VA', 103: 'HN', 104: 'HU', 105: 'IS', 106: 'IN', 107: 'ID', 108: 'IR', 109: 'IQ', 110: 'IM',
  111: 'IL', 112: 'IT', 113: 'JM', 114: 'JP', 115: 'JE', 116: 'JO', 117: 'KZ', 118: 'KE', 119: 'KI', 120: 'KP',
  121: 'KR', 122: 'KW', 123: 'KG', 124: 'LA', 125: 'LV', 126: 'LB', 127: 'LS', 128: 'LR', 129: 'LY', 130: 'LI',
  131: 'LT', 132: 'LU', 133: 'MO', 134: 'MK', 135: 'MG', 136: 'MW', 137: 'MY', 138: 'MV', 139: 'ML', 140: 'MT',
  141: 'MH', 142: 'MQ', 143: 'MR', 144: 'MU', 145: 'YT', 146: 'MX', 147: 'FM', 148: 'MD', 149: 'MC', 150: 'MN',
  151: 'ME', 152: 'MS', 153: 'MA', 154: 'MZ', 155: 'MM', 156: 'NA', 157: 'NR', 158: 'NP', 159: 'NL', 160: 'NC',
  161: 'NZ', 162: 'NI', 163: 'NE', 164: 'NG', 165: 'NU', 166: 'NF', 167: 'MP', 168: 'NO', 169: 'OM', 170: 'PK',
  171: 'PW', 172: 'PS', 173: 'PA', 174: 'PG', 175: 'PY', 176: 'PE', 177: 'PH', 178: 'PN', 179: 'PL', 180: 'PT',
  181: 'PR', 182: 'QA', 183: 'RE', 184: 'RO', 185: 'RU', 186: 'RW', 187: 'BL', 188: 'SH', 189: 'KN', 190: 'LC',
  191: 'MF', 192: 'PM', 193: 'VC', 194: 'WS', 195: 'SM', 196: 'ST', 197: 'SA', 198: 'SN', 199: 'RS', 200: 'SC',
  201: 'SL', 202: 'SG', 203: 'SX', 204: 'SK', 205: 'SI', 206: 'SB', 207: 'SO', 208: 'ZA', 209: 'GS', 210: 'ES',
  211: 'LK', 212: 'SD', 213: 'SR', 214: 'SJ', 215: 'SZ', 216: 'SE', 217: 'CH', 218: 'SY', 219: 'TW', 220: 'TJ',
  221: 'TZ', 222: 'TH', 223: 'TL', 224: 'TG', 225: 'TK', 226: 'TO', 227: 'TT', 228: 'TN', 229: 'TR', 230: 'TM',
  231: 'TC', 232: 'TV', 233: 'UG', 234: 'UA', 235: 'AE', 236: 'UM', 237: 'UY', 238: 'UZ', 239: 'VU', 240: 'VE',
  241: 'VN', 242: 'VG', 243: 'VI', 244: 'WF', 245: 'EH', 246: 'YE', 247: 'ZM', 248: 'ZW', 249: 'SS', 250: 'XK',
};
