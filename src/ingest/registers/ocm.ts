// Open Charge Map API v3 POIs -> Locations. OCM serves the same POI "compact" (numeric ids such as
// ConnectionTypeID) or "verbose" (nested objects such as ConnectionType {ID, Title}); both read the
// same here, nested objects first. One EVSE per connection and unit of its Quantity: OCM records
// connections, not charge points (NumberOfPoints is often absent or disagrees), so that is the closest
// honest mapping.
import { z } from 'zod';
import { stripBom } from '../../model/byte-order-mark.js';
import { alpha2ToAlpha3 } from '../../model/countries.js';
import type {
  BusinessDetails,
  Connector,
  DataWarning,
  Evse,
  Lifecycle,
  Location,
} from '../../model/types.js';
import { inferPowerType, UNNAMED_CONNECTOR } from './connector-standards.js';
import { checkPlace } from './coordinates.js';
import { isoFromTimestamp, UNKNOWN_TIMESTAMP } from './dates.js';
import {
  kwToW,
  missingPlaceWarnings,
  newConnector,
  newRegisterEvse,
  newRegisterLocation,
  text,
} from './location-builders.js';
import {
  OCM_CONNECTION_TYPES,
  OCM_COUNTRY_ALPHA2,
  OCM_CURRENT_TYPES,
  OCM_LIFECYCLE_STATUS,
  OCM_PLACEHOLDER_OPERATORS,
  OCM_POI_LIFECYCLE,
  OCM_PROVIDER_LICENSES,
  OCM_REGISTER_PROVIDERS,
} from './ocm-tables.js';
import { operatorAliasRefs, titleParts } from './operator-alias-refs.js';
import { lastUpdatedWarnings, rawId, schemaProblem } from './record-checks.js';
import { errorMessage } from './source-text.js';
import type { ExternalRef, ParsedRecord, RegisterParseOptions } from './types.js';

const PARTY_ID = 'OCM';
/** OCM's own crowd-sourced entries; every other DataProvider is an import from somewhere else. */
const OCM_CONTRIBUTORS = 1;

const textish = z.union([z.string(), z.number()]).nullish();
const idOnly = z.looseObject({ ID: z.number().nullish() }).nullish();
const provider = z
  .looseObject({
    ID: z.number().nullish(),
    License: z.string().nullish(),
    IsOpenDataLicensed: z.boolean().nullish(),
  })
  .nullish();

const connectionSchema = z.looseObject({
  ID: z.number().nullish(),
  ConnectionTypeID: z.number().nullish(),
  ConnectionType: idOnly,
  Reference: textish,
  StatusTypeID: z.number().nullish(),
  StatusType: idOnly,
  Amps: z.number().nullish(),
  Voltage: z.number().nullish(),
  PowerKW: z.number().nullish(),
  CurrentTypeID: z.number().nullish(),
  CurrentType: idOnly,
  Quantity: z.number().nullish(),
});

const poiSchema = z.looseObject({
  ID: z.union([z.number(), z.string()]).nullish(),
  DataProviderID: z.number().nullish(),
  DataProvider: provider,
  DataProvidersReference: textish,
  OperatorID: z.number().nullish(),
  OperatorInfo: z
    .looseObject({
      ID: z.number().nullish(),
      Title: z.string().nullish(),
      WebsiteURL: z.string().nullish(),
      IsPrivateIndividual: z.boolean().nullish(),
    })
    .nullish(),
  AddressInfo: z
    .looseObject({
      Title: textish,
      AddressLine1: textish,
      AddressLine2: textish,
      Town: textish,
      StateOrProvince: textish,
      Postcode: textish,
      CountryID: z.number().nullish(),
      Country: z.looseObject({ ID: z.number().nullish(), ISOCode: z.string().nullish() }).nullish(),
      Latitude: z.number().nullish(),
      Longitude: z.number().nullish(),
    })
    .nullish(),
  Connections: z.array(connectionSchema).nullish(),
  StatusTypeID: z.number().nullish(),
  StatusType: idOnly,
  DateLastStatusUpdate: z.string().nullish(),
  DateLastVerified: z.string().nullish(),
  DateCreated: z.string().nullish(),
});

type OcmPoi = z.infer<typeof poiSchema>;
type OcmConnection = z.infer<typeof connectionSchema>;

/** An API response (array of POIs) or one POI object (the ocm-export per-POI files). */
export function* parseOcm(text: string, options: RegisterParseOptions = {}): Generator<ParsedRecord> {
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(text));
  } catch (error) {
    yield {
      ok: false,
      recordId: null,
      reason: { field: '(file)', rule: 'json', message: errorMessage(error) },
      raw: text.slice(0, 500),
    };
    return;
  }
  for (const raw of Array.isArray(doc) ? doc : [doc]) yield ocmRecord(raw, options);
}

function ocmRecord(raw: unknown, options: RegisterParseOptions): ParsedRecord {
  const parsed = poiSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, recordId: rawId(raw, 'ID'), reason: schemaProblem(parsed.error), raw };
  const poi = parsed.data;
  const id = text(poi.ID);
  if (id === null) {
    return {
      ok: false,
      recordId: null,
      reason: { field: 'ID', rule: 'missing-id', message: 'POI has no ID' },
      raw,
    };
  }
  const place = checkPlace(poi.AddressInfo?.Latitude ?? null, poi.AddressInfo?.Longitude ?? null, {
    lat: 'AddressInfo.Latitude',
    lon: 'AddressInfo.Longitude',
  });
  if (!place.ok) return { ok: false, recordId: id, reason: place.reason, raw };
  const location = ocmLocation(poi, id, place, options);
  const operator = location.operator?.name ?? null;
  const aliases = operator ? operatorAliasRefs(operator, titleParts(operator)) : [];
  return { ok: true, location, externalRefs: [...ocmExternalRefs(poi), ...aliases] };
}

function ocmLocation(
  poi: OcmPoi,
  id: string,
  place: { lat: number; lon: number },
  options: RegisterParseOptions,
): Location {
  const address = poi.AddressInfo;
  const { alpha2, country, warnings } = ocmCountry(poi);
  const line1 = text(address?.AddressLine1);
  const line2 = text(address?.AddressLine2);
  const location = newRegisterLocation({
    countryCode: alpha2,
    partyId: PARTY_ID,
    id,
    lat: place.lat,
    lon: place.lon,
    name: text(address?.Title),
    address: line1 && line2 ? `${line1}, ${line2}` : (line1 ?? line2),
    city: text(address?.Town),
    postalCode: text(address?.Postcode),
    state: text(address?.StateOrProvince),
    country,
    operator: ocmOperator(poi, options),
    evses: ocmEvses(poi),
    lastUpdated:
      isoFromTimestamp(poi.DateLastStatusUpdate ?? poi.DateLastVerified ?? poi.DateCreated) ??
      UNKNOWN_TIMESTAMP,
    license: ocmLicense(poi, options),
  });
  const lifecycle = poiLifecycle(poi);
  if (lifecycle) location.lifecycle = lifecycle;
  location.warnings = [
    ...warnings,
    ...lastUpdatedWarnings(location.lastUpdated),
    ...missingPlaceWarnings(location),
  ];
  return location;
}

/** Verbose POIs carry Country.ISOCode; compact ones only CountryID. "ZZ" (ISO: unknown) when neither reads. */
function ocmCountry(poi: OcmPoi): { alpha2: string; country: string | null; warnings: DataWarning[] } {
  const address = poi.AddressInfo;
  const countryId = address?.Country?.ID ?? address?.CountryID ?? null;
  const alpha2 =
    text(address?.Country?.ISOCode)?.toUpperCase() ??
    (countryId === null ? undefined : OCM_COUNTRY_ALPHA2[countryId]);
  if (!alpha2) {
    return {
      alpha2: 'ZZ',
      country: null,
      warnings: [{ field: 'country', rule: 'unknown-country', detail: `CountryID ${countryId}` }],
    };
  }
  const country = alpha2ToAlpha3(alpha2);
  // OCM lists Kosovo as XK, which ISO 3166-1 has not assigned.
  const warnings = country
    ? []
    : [{ field: 'country', rule: 'no-alpha3', detail: `no ISO alpha-3 for ${alpha2}` }];
  return { alpha2, country, warnings };
}

function ocmOperator(poi: OcmPoi, options: RegisterParseOptions): BusinessDetails | null {
  const info = poi.OperatorInfo;
  const id = info?.ID ?? poi.OperatorID ?? null;
  if ((id !== null && OCM_PLACEHOLDER_OPERATORS.has(id)) || info?.IsPrivateIndividual) return null;
  const name = text(info?.Title);
  if (name) return { name, website: text(info?.WebsiteURL) };
  return id === null ? null : (options.ocmOperators?.get(id) ?? null);
}

/**
 * The licence of the POI's data provider: stated in a verbose POI, else from the reference data
 * passed in, else from the built-in table. Null when the provider states none.
 */
function ocmLicense(poi: OcmPoi, options: RegisterParseOptions): string | null {
  const stated = text(poi.DataProvider?.License);
  if (stated) return stated;
  if (poi.DataProvider?.IsOpenDataLicensed === false) return 'proprietary';
  const id = poi.DataProvider?.ID ?? poi.DataProviderID ?? null;
  if (id === null) return null;
  return options.ocmProviderLicenses?.get(id) ?? OCM_PROVIDER_LICENSES[id] ?? null;
}

/** The POI's own status as a life cycle; when it says nothing, the connections decide (lifecycleOf). */
function poiLifecycle(poi: OcmPoi): Lifecycle | null {
  const id = poi.StatusType?.ID ?? poi.StatusTypeID ?? null;
  const stated = id === null ? undefined : OCM_POI_LIFECYCLE[id];
  if (stated === undefined || stated === 'operational') return null;
  return stated;
}

function ocmEvses(poi: OcmPoi): Evse[] {
  const poiStatus = poi.StatusType?.ID ?? poi.StatusTypeID ?? null;
  return (poi.Connections ?? []).flatMap((connection, index) => {
    const quantity = Math.max(1, Math.floor(connection.Quantity ?? 1));
    const baseUid = connection.ID != null ? String(connection.ID) : `C${index + 1}`;
    const statusId = connection.StatusType?.ID ?? connection.StatusTypeID ?? null;
    const status = lifecycleStatus(statusId) ?? lifecycleStatus(poiStatus) ?? 'UNKNOWN';
    return Array.from({ length: quantity }, (_, k) =>
      newRegisterEvse({
        uid: quantity > 1 ? `${baseUid}-${k + 1}` : baseUid,
        status,
        connectors: [ocmConnector(connection)],
      }),
    );
  });
}

function lifecycleStatus(statusId: number | null): string | null {
  return statusId === null ? null : (OCM_LIFECYCLE_STATUS[statusId] ?? null);
}

function ocmConnector(connection: OcmConnection): Connector {
  const typeId = connection.ConnectionType?.ID ?? connection.ConnectionTypeID ?? null;
  const kind = typeId === null ? undefined : OCM_CONNECTION_TYPES[typeId];
  // ID 0 is OCM's "Unknown"; other unmapped ids are kept raw (as "OCM:<id>", the same in both forms).
  const standard = kind?.standard ?? (typeId === null || typeId === 0 ? UNNAMED_CONNECTOR : `OCM:${typeId}`);
  const currentId = connection.CurrentType?.ID ?? connection.CurrentTypeID ?? null;
  const maxPowerW = kwToW(connection.PowerKW);
  return newConnector({
    // For POIs imported from OCPI, Reference is the CPO's connector id (LAKD: 9413 ...).
    id: text(connection.Reference) ?? '1',
    standard,
    format: kind?.format ?? null,
    powerType:
      (currentId === null ? undefined : OCM_CURRENT_TYPES[currentId]) ?? inferPowerType(standard, maxPowerW),
    maxVoltage: connection.Voltage ?? null,
    maxAmperage: connection.Amps ?? null,
    maxPowerW,
  });
}

function ocmExternalRefs(poi: OcmPoi): ExternalRef[] {
  const provider = poi.DataProvider?.ID ?? poi.DataProviderID ?? null;
  const reference = text(poi.DataProvidersReference);
  if (provider === null || provider === OCM_CONTRIBUTORS || reference === null) return [];
  // An import from a register we also read links to that register's id; any other import is an
  // OCPI feed, whose location id OCM keeps as DataProvidersReference (LAKD: 156, 504, ...).
  const kind = OCM_REGISTER_PROVIDERS.has(provider) ? 'register-id' : 'ocpi-location';
  return [{ kind, value: reference, provider: String(provider) }];
}

const referenceSchema = z.looseObject({
  Operators: z.array(
    z.looseObject({
      ID: z.number(),
      Title: z.string(),
      WebsiteURL: z.string().nullish(),
      IsPrivateIndividual: z.boolean().nullish(),
    }),
  ),
});

const providersSchema = z.looseObject({
  DataProviders: z.array(
    z.looseObject({
      ID: z.number(),
      License: z.string().nullish(),
      IsOpenDataLicensed: z.boolean().nullish(),
    }),
  ),
});

/** Data provider licences from OCM's reference data (newer than the built-in table). */
export function ocmProviderLicensesFromReference(reference: unknown): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of providersSchema.parse(reference).DataProviders) {
    const license = text(p.License) ?? (p.IsOpenDataLicensed === false ? 'proprietary' : null);
    if (license) out.set(p.ID, license);
  }
  return out;
}

/** Operator names from OCM's reference data (reference.json), for resolving compact POIs' OperatorID. */
export function ocmOperatorsFromReference(reference: unknown): Map<number, BusinessDetails> {
  const operators = new Map<number, BusinessDetails>();
  for (const op of referenceSchema.parse(reference).Operators) {
    if (OCM_PLACEHOLDER_OPERATORS.has(op.ID) || op.IsPrivateIndividual) continue;
    operators.set(op.ID, { name: op.Title.trim(), website: text(op.WebsiteURL) });
  }
  return operators;
}
