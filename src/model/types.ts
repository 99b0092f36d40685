// The one canonical model. Whatever the OCPI version or register format, a record becomes these
// plain types before it reaches dedupe, the database or the API. Nothing here does I/O.

/** A data-quality finding on a record we kept: which field, which rule. */
export interface DataWarning {
  field: string;
  rule: string;
  /** Optional human detail, e.g. "value 22 looks like kW, stored as 22000 W". */
  detail?: string;
}

export interface Connector {
  /** Connector id, unique within its EVSE (compared case-insensitively). */
  id: string;
  /** OCPI ConnectorType, upper-cased except the spec's lower-case `single`/`three` parts; unknown values kept raw. */
  standard: string;
  /** SOCKET | CABLE, or the raw value when unknown, or null when absent. */
  format: string | null;
  /** AC_1_PHASE | AC_2_PHASE | AC_2_PHASE_SPLIT | AC_3_PHASE | DC, raw when unknown, null when absent. */
  powerType: string | null;
  maxVoltage: number | null;
  maxAmperage: number | null;
  /** Rated power in W: max_electric_power when given, else derived from V x A (x3 for 3-phase). */
  maxPowerW: number | null;
  tariffIds: string[];
  termsAndConditions: string | null;
  lastUpdated: string | null;
}

export interface Evse {
  /** CPO's technical key, unique per location (compared case-insensitively). */
  uid: string;
  /** eMI3 EVSE id as given (human/roaming id), null when absent. */
  evseId: string | null;
  /** OCPI Status, upper-cased; unknown values kept raw. */
  status: string;
  capabilities: string[];
  floorLevel: string | null;
  physicalReference: string | null;
  coordinates: { lat: number; lon: number } | null;
  parkingRestrictions: string[];
  connectors: Connector[];
  lastUpdated: string | null;
}

export interface BusinessDetails {
  name: string;
  website: string | null;
}

/** A charging location as one source reports it. */
export interface Location {
  /** ISO 3166-1 alpha-2 of the owning party (OCPI country_code), upper-cased. */
  countryCode: string;
  /** OCPI party_id, upper-cased. */
  partyId: string;
  /** The source's id for this location (original case kept; compare case-insensitively). */
  id: string;
  /** OCPI publish flag; false means stored but never served. 2.1.1 and registers: true. */
  publish: boolean;
  name: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  state: string | null;
  /** ISO 3166-1 alpha-3 country of the site. */
  country: string | null;
  lat: number;
  lon: number;
  /** OCPI 2.2+ parking_type, or 2.1.1 LocationType. */
  parkingType: string | null;
  timeZone: string | null;
  operator: BusinessDetails | null;
  suboperator: BusinessDetails | null;
  owner: BusinessDetails | null;
  facilities: string[];
  /** OCPI Hours object normalized to the 2.2 shape (twentyfourseven always present), null when absent. */
  openingTimes: OpeningTimes | null;
  chargingWhenClosed: boolean | null;
  evses: Evse[];
  lastUpdated: string;
  /** Findings that did not stop us keeping the record. */
  warnings: DataWarning[];
  /**
   * The licence this record states for itself (e.g. an Open Charge Map POI imported from a
   * NonCommercial provider); absent or null: the source's licence applies.
   */
  license?: string | null;
  /**
   * The life cycle the source states for the site (a register's "planned", "decommissioned").
   * Absent: derived from the EVSE statuses (see `lifecycleOf` in model/lifecycle.ts).
   */
  lifecycle?: Lifecycle;
}

/** Where a site is in its life: only `removed` ones are never published. */
export type Lifecycle = 'planned' | 'operational' | 'out_of_service' | 'removed';

export interface OpeningTimes {
  twentyfourseven: boolean;
  regularHours: { weekday: number; periodBegin: string; periodEnd: string }[];
  exceptionalOpenings: { periodBegin: string; periodEnd: string }[];
  exceptionalClosings: { periodBegin: string; periodEnd: string }[];
}

export interface PriceComponent {
  /** ENERGY | FLAT | PARKING_TIME | TIME (raw when unknown). */
  type: string;
  price: number;
  /** VAT percentage; null = no VAT applies (or 2.1.1, where it is not given). */
  vat: number | null;
  stepSize: number;
}

/** OCPI TariffRestrictions with snake_case keys kept as in the spec (published as-is). */
export type TariffRestrictions = Record<string, unknown>;

export interface TariffElement {
  priceComponents: PriceComponent[];
  restrictions: TariffRestrictions | null;
}

export interface Tariff {
  countryCode: string;
  partyId: string;
  id: string;
  currency: string;
  /** OCPI TariffType (2.2+), null = applies to all sessions. */
  type: string | null;
  elements: TariffElement[];
  altText: { language: string; text: string }[];
  altUrl: string | null;
  /** Price bounds normalized to before/after taxes (2.2.1 excl_vat/incl_vat map onto these). */
  minPrice: { beforeTaxes: number; afterTaxes: number | null } | null;
  maxPrice: { beforeTaxes: number; afterTaxes: number | null } | null;
  startDateTime: string | null;
  endDateTime: string | null;
  /** 2.3.0 TaxIncluded (YES | NO | N/A); null before 2.3.0. */
  taxIncluded: string | null;
  lastUpdated: string;
  warnings: DataWarning[];
}

/** The outcome of normalizing one raw record: kept (maybe with warnings) or rejected with a reason. */
export type NormalizeResult<T> = { ok: true; value: T } | { ok: false; reason: QuarantineReason };

export interface QuarantineReason {
  /** JSON path of the field at fault, e.g. "coordinates.latitude" or "(record)". */
  field: string;
  rule: string;
  message: string;
}

export type OcpiVersion = '2.1.1' | '2.2' | '2.2.1' | '2.3.0';

/** An explicit link a record states to another record, e.g. an OCM POI naming its OCPI origin. */
export interface ExternalRef {
  /** `operator-alias`: another name the source states for the record's operator (a brand, a display name). */
  kind: 'ocpi-location' | 'evse-id' | 'register-id' | 'operator-alias';
  value: string;
  provider?: string;
}
