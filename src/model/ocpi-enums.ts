// Known values of the OCPI enums we read, as the union over 2.1.1, 2.2.1 and 2.3.0 (SPEC-DIGEST §6).
// The wire schemas accept any string (2.3.0 makes several enums open, and real CPOs send lower
// case, trailing spaces and home-made values); normalizers use these sets to tell a known value,
// after trimming and upper-casing, from an unknown one that is kept raw with a warning.

export const STATUS = new Set([
  'AVAILABLE',
  'BLOCKED',
  'CHARGING',
  'INOPERATIVE',
  'OUTOFORDER',
  'PLANNED',
  'REMOVED',
  'RESERVED',
  'UNKNOWN',
]);

export const CAPABILITY = new Set([
  'CHARGING_PROFILE_CAPABLE',
  'CREDIT_CARD_PAYABLE',
  'REMOTE_START_STOP_CAPABLE',
  'RESERVABLE',
  'RFID_READER',
  'UNLOCK_CAPABLE',
  'CHARGING_PREFERENCES_CAPABLE',
  'CHIP_CARD_SUPPORT',
  'CONTACTLESS_CARD_SUPPORT',
  'DEBIT_CARD_PAYABLE',
  'PED_TERMINAL',
  'START_SESSION_CONNECTOR_REQUIRED',
  'TOKEN_GROUP_CAPABLE',
]);

/**
 * ConnectorType, upper-cased for lookup. The spec spells the IEC 60309 members with lower-case
 * `single`/`three` (IEC_60309_2_single_16); `canonicalConnectorType` restores that spelling.
 */
export const CONNECTOR_TYPE = new Set([
  'CHADEMO',
  'CHAOJI',
  'DOMESTIC_A',
  'DOMESTIC_B',
  'DOMESTIC_C',
  'DOMESTIC_D',
  'DOMESTIC_E',
  'DOMESTIC_F',
  'DOMESTIC_G',
  'DOMESTIC_H',
  'DOMESTIC_I',
  'DOMESTIC_J',
  'DOMESTIC_K',
  'DOMESTIC_L',
  'DOMESTIC_M',
  'DOMESTIC_N',
  'DOMESTIC_O',
  'GBT_AC',
  'GBT_DC',
  'IEC_60309_2_SINGLE_16',
  'IEC_60309_2_THREE_16',
  'IEC_60309_2_THREE_32',
  'IEC_60309_2_THREE_64',
  'IEC_62196_T1',
  'IEC_62196_T1_COMBO',
  'IEC_62196_T2',
  'IEC_62196_T2_COMBO',
  'IEC_62196_T3A',
  'IEC_62196_T3C',
  'MCS',
  'NEMA_5_20',
  'NEMA_6_30',
  'NEMA_6_50',
  'NEMA_10_30',
  'NEMA_10_50',
  'NEMA_14_30',
  'NEMA_14_50',
  'PANTOGRAPH_BOTTOM_UP',
  'PANTOGRAPH_TOP_DOWN',
  'SAE_J3400',
  'TESLA_R',
  'TESLA_S',
]);

const IEC_60309 = /^IEC_60309_2_(SINGLE|THREE)_(\d+)$/;

/** Spec spelling of a ConnectorType already known to be in CONNECTOR_TYPE. */
export function canonicalConnectorType(upper: string): string {
  const m = IEC_60309.exec(upper);
  return m ? `IEC_60309_2_${m[1]!.toLowerCase()}_${m[2]}` : upper;
}

export const CONNECTOR_FORMAT = new Set(['SOCKET', 'CABLE']);

export const POWER_TYPE = new Set(['AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC']);

/** 2.1.1 LocationType (ON_STREET ... UNKNOWN) and 2.2+ ParkingType share the `parkingType` field. */
export const PARKING_OR_LOCATION_TYPE = new Set([
  'ALONG_MOTORWAY',
  'PARKING_GARAGE',
  'PARKING_LOT',
  'ON_DRIVEWAY',
  'ON_STREET',
  'UNDERGROUND_GARAGE',
  'OTHER',
  'UNKNOWN',
]);

export const PARKING_RESTRICTION = new Set([
  'EV_ONLY',
  'PLUGGED',
  'DISABLED',
  'CUSTOMERS',
  'MOTORCYCLES',
  'EMPLOYEES',
  'TAXIS',
  'TENANTS',
]);

export const FACILITY = new Set([
  'HOTEL',
  'RESTAURANT',
  'CAFE',
  'MALL',
  'SUPERMARKET',
  'SPORT',
  'RECREATION_AREA',
  'NATURE',
  'MUSEUM',
  'BUS_STOP',
  'TAXI_STAND',
  'TRAIN_STATION',
  'AIRPORT',
  'CARPOOL_PARKING',
  'FUEL_STATION',
  'WIFI',
  'BIKE_SHARING',
  'TRAM_STOP',
  'METRO_STATION',
  'PARKING_LOT',
]);

export const TARIFF_DIMENSION_TYPE = new Set(['ENERGY', 'FLAT', 'PARKING_TIME', 'TIME']);

export const TARIFF_TYPE = new Set([
  'AD_HOC_PAYMENT',
  'PROFILE_CHEAP',
  'PROFILE_FAST',
  'PROFILE_GREEN',
  'REGULAR',
]);

export const DAY_OF_WEEK = new Set([
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
  'SUNDAY',
]);

export const RESERVATION_RESTRICTION_TYPE = new Set(['RESERVATION', 'RESERVATION_EXPIRES']);

export const TAX_INCLUDED = new Set(['YES', 'NO', 'N/A']);
