// What dedupe reads and what it produces. Pure data: the same types serve the evaluation (records
// built from files) and the database run (records read from the Db).
import type { ExternalRef } from '../model/types.js';

/**
 * Where a source stands in the field precedence: the CPO's own live feed, a national access point
 * that republishes CPOs (LAKD, NDW), an official register (BNetzA, AFDC, IRVE), crowd data (OCM).
 */
export type SourceKind = 'cpo' | 'nap' | 'register' | 'crowd';

/**
 * What one record of a source stands for. An OCPI Location is a site by definition ("a group of EVSEs
 * that belong together"), so a feed's two location ids are two sites unless the feed links them.
 * Registers list equipment (a BNetzA Ladeeinrichtung, an IRVE station), several per site.
 */
export type Granularity = 'site' | 'station';

export interface RecordEvse {
  /** normalizeEvseId form; null when the EVSE has none. */
  evseIdNorm: string | null;
  status: string;
  statusUpdatedAt: string | null;
}

export interface RecordConnector {
  standard: string;
  powerType: string | null;
  maxPowerW: number | null;
}

/** One live source record (a location row) as dedupe sees it. */
export interface SourceRecord {
  /** locations.pk: unique across sources. */
  pk: string;
  sourceId: string;
  /** sources.type: 'ocpi' | 'ocm' | 'bnetza-csv' | 'bnetza-json' | 'irve' | 'afdc-csv'. */
  sourceType: string;
  /** The source's own id for the record (OCPI location id, register id, OCM POI id). */
  recordId: string;
  countryCode: string;
  partyId: string;
  lat: number;
  lon: number;
  name: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
  operatorName: string | null;
  operatorWebsite: string | null;
  ownerName: string | null;
  parkingType: string | null;
  timeZone: string | null;
  facilities: string[];
  openingTimes: unknown;
  maxPowerW: number | null;
  evses: RecordEvse[];
  connectors: RecordConnector[];
  refs: ExternalRef[];
  lastUpdated: string;
  /** The licence the record states for itself (null or absent: its source's). */
  license?: string | null;
  /** False when its source's licence forbids republishing (or it has none): the record lends no field. */
  sourceRepublishable?: boolean;
}

/** An override names a record by its source and the source's own id (optionally its OCPI party). */
export interface RecordSelector {
  source: string;
  id: string;
  countryCode?: string;
  partyId?: string;
}

export interface Overrides {
  always: [RecordSelector, RecordSelector][];
  never: [RecordSelector, RecordSelector][];
}

export interface DedupeOptions {
  /** Source kind per source id; sources not listed get one from their type (see source-kinds.ts). */
  sourceKinds?: Record<string, SourceKind>;
  /** Record granularity per source id, when it differs from what the kind implies. */
  granularity?: Record<string, Granularity>;
  /** Which of our sources an OCM data provider id imports from, e.g. { "32": "lt-lakd" }. */
  refProviders?: Record<string, string>;
  overrides?: Overrides;
  /** Candidate search radius, metres. */
  radiusM?: number;
  /** Scored (not id-linked) merges never make a site wider than this, metres. */
  maxDiameterM?: number;
  /** Points a candidate pair needs to be accepted (see score-pair.ts). */
  acceptScore?: number;
}

export type LinkKind = 'evse-id' | 'ocpi-ref' | 'register-ref' | 'party-id' | 'override';

/** Why two records are in one site: an explicit link or a score. */
export interface MergeReason {
  a: string;
  b: string;
  link: LinkKind | null;
  score: number | null;
  distanceM: number;
}

export interface Cluster {
  /** Member pks, sorted. */
  members: string[];
  /** The accepted pairs that built the cluster (a spanning set, not every pair). */
  reasons: MergeReason[];
}

export interface DedupeStats {
  records: number;
  candidatePairs: number;
  acceptedPairs: number;
  explicitLinks: number;
  rejectedByGuard: number;
  sites: number;
}

/** How a record ranks in its site: its source's kind, or its origin's for a copy. */
export interface RecordRole {
  kind: SourceKind;
  /** Precedence rank, lower wins (cpo 0, nap 1, register 2, crowd 3; a copy ranks its origin + 0.5). */
  rank: number;
  /** For a copy (an OCM import of a feed we hold): the origin's source id. */
  derivedFrom: string | null;
}

export interface DedupeResult {
  clusters: Cluster[];
  roles: Map<string, RecordRole>;
  stats: DedupeStats;
  /** OCM provider id -> source id, as given or learned from resolved references. */
  refProviders: Record<string, string>;
}
