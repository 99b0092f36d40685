// One site out of its member records: every field is taken from the member that ranks first for
// it, and carries where it came from. Precedence (docs/dedupe.md): the CPO's own live feed, then an
// access point (NAP), then a register, then crowd data; a copy of another source's record ranks
// just below its origin; within a rank the newest last_updated wins. A member without a value for
// a field leaves it to the next one, so a register can fill the city a CPO left out.
import { licenseAllowsRepublishing } from '../model/licenses.js';
import { isLiveKind } from './source-kinds.js';
import type { RecordRole, SourceKind, SourceRecord } from './types.js';

export interface Provenanced<T> {
  value: T;
  /** Source id. */
  source: string;
  /** The source's own id for the record (OCPI location id, register id). */
  record: string;
  last_updated: string;
}

export type SiteStatusSummary = 'AVAILABLE' | 'OCCUPIED' | 'OUT_OF_ORDER' | 'UNKNOWN';

export interface SiteStatus {
  summary: SiteStatusSummary;
  /** EVSEs per OCPI status, as the freshest live source reports them. */
  counts: Record<string, number>;
}

/** Resolved fields, snake_case as the API serves them. */
export interface SiteFields {
  name?: Provenanced<string>;
  address?: Provenanced<string>;
  city?: Provenanced<string>;
  postal_code?: Provenanced<string>;
  country?: Provenanced<string>;
  /** [lon, lat], GeoJSON order. */
  coordinates: Provenanced<[number, number]>;
  operator?: Provenanced<string>;
  operator_website?: Provenanced<string>;
  owner?: Provenanced<string>;
  parking_type?: Provenanced<string>;
  time_zone?: Provenanced<string>;
  opening_times?: Provenanced<unknown>;
  facilities?: Provenanced<string[]>;
  max_power_w?: Provenanced<number>;
  /** From the live source (CPO feed or access point) whose EVSE statuses are newest. */
  status?: Provenanced<SiteStatus>;
}

export interface SiteMember {
  source: string;
  record: string;
  pk: string;
  kind: SourceKind;
  last_updated: string;
  /** For a copy (an OCM import of a feed we hold): the source it was copied from. */
  derived_from?: string;
  /** The record's content hash when it was grouped (run-dedupe uses it to see what changed). */
  content_hash?: string | null;
  /** The licence the record states for itself, when it does. */
  license?: string;
  /**
   * False when that licence, or its source's, forbids republishing: the record is in the site but
   * lent it no field.
   */
  lends_fields?: false;
}

/**
 * What `sites.fields` holds: the resolved fields by name, each `{ value, source, record,
 * last_updated }`, plus the member list and, once the last member has gone, `removed_at`.
 */
export type SiteDocument = SiteFields & {
  /** Member records in precedence order. */
  members: SiteMember[];
  /** Set when the site's last member disappeared; the id is kept so it still answers. */
  removed_at?: string;
};

type Member = { rec: SourceRecord; role: RecordRole };

/**
 * Whether a record may lend its site a field (its place included): neither its source's licence nor
 * its own forbids republishing. Without this a source with no licence placed and named the sites it
 * shared with a licensed one (real data: chargecloud's Ludwigsburg feed against the BNetzA register).
 */
const lendsFields = (rec: SourceRecord) =>
  rec.sourceRepublishable !== false && (rec.license == null || licenseAllowsRepublishing(rec.license));

function byPrecedence(a: Member, b: Member): number {
  if (a.role.rank !== b.role.rank) return a.role.rank - b.role.rank;
  if (a.rec.lastUpdated !== b.rec.lastUpdated) return a.rec.lastUpdated > b.rec.lastUpdated ? -1 : 1;
  return a.rec.pk < b.rec.pk ? -1 : a.rec.pk > b.rec.pk ? 1 : 0;
}

function present(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim().length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function pick<T>(
  members: Member[],
  read: (r: SourceRecord) => T | null | undefined,
): Provenanced<T> | undefined {
  for (const m of members) {
    const value = read(m.rec);
    if (present(value)) return provenance(m.rec, value as T, m.rec.lastUpdated);
  }
  return undefined;
}

function provenance<T>(rec: SourceRecord, value: T, lastUpdated: string): Provenanced<T> {
  return { value, source: rec.sourceId, record: rec.recordId, last_updated: lastUpdated };
}

const OCCUPIED = new Set(['CHARGING', 'BLOCKED', 'RESERVED']);
const OUT_OF_ORDER = new Set(['INOPERATIVE', 'OUTOFORDER']);

function statusOf(rec: SourceRecord): SiteStatus {
  const counts: Record<string, number> = {};
  for (const e of rec.evses) counts[e.status] = (counts[e.status] ?? 0) + 1;
  const statuses = Object.keys(counts);
  let summary: SiteStatusSummary = 'UNKNOWN';
  if (statuses.includes('AVAILABLE')) summary = 'AVAILABLE';
  else if (statuses.some((s) => OCCUPIED.has(s))) summary = 'OCCUPIED';
  else if (statuses.length > 0 && statuses.every((s) => OUT_OF_ORDER.has(s))) summary = 'OUT_OF_ORDER';
  return { summary, counts };
}

/** Newest status time among a record's EVSEs that report a status at all. */
function statusTime(rec: SourceRecord): string | null {
  let newest: string | null = null;
  for (const e of rec.evses) {
    if (e.status === 'UNKNOWN' || e.statusUpdatedAt === null) continue;
    if (newest === null || e.statusUpdatedAt > newest) newest = e.statusUpdatedAt;
  }
  return newest;
}

/**
 * Status comes from one member: the live one (CPO feed or access point, not a copy) whose EVSE
 * statuses are newest. NDW's two copies of one site can disagree (AVAILABLE vs CHARGING); the
 * fresher copy is the better guess.
 */
function freshestStatus(members: Member[]): Provenanced<SiteStatus> | undefined {
  let best: { m: Member; at: string } | null = null;
  for (const m of members) {
    if (!isLiveKind(m.role.kind) || m.role.derivedFrom !== null) continue;
    const at = statusTime(m.rec);
    if (at !== null && (best === null || at > best.at || (at === best.at && byPrecedence(m, best.m) < 0)))
      best = { m, at };
  }
  return best ? provenance(best.m.rec, statusOf(best.m.rec), best.at) : undefined;
}

export function buildSiteDocument(
  records: readonly SourceRecord[],
  roles: ReadonlyMap<string, RecordRole>,
): SiteDocument {
  const members: Member[] = records
    .map((rec) => ({
      rec,
      role: roles.get(rec.pk) ?? { kind: 'crowd' as const, rank: 3, derivedFrom: null },
    }))
    .sort(byPrecedence);
  if (members.length === 0) throw new Error('a site needs at least one member');
  // A record whose own or source's licence forbids republishing helps find the site but lends it
  // nothing; a site made of such records only is never served, so its document may use them.
  const open = members.filter((m) => lendsFields(m.rec));
  const lenders = open.length > 0 ? open : members;
  const first = lenders[0]!;
  const fields: SiteFields = {
    coordinates: provenance(first.rec, [first.rec.lon, first.rec.lat], first.rec.lastUpdated),
  };
  for (const [key, read] of PICKED) {
    const value = pick(lenders, read);
    if (value !== undefined) (fields as unknown as Record<string, unknown>)[key] = value;
  }
  const status = freshestStatus(lenders);
  if (status !== undefined) fields.status = status;
  return {
    ...fields,
    members: members.map(memberOf),
  };
}

type Picked = Exclude<keyof SiteFields, 'coordinates' | 'status'>;
type Read<K extends Picked> = (r: SourceRecord) => NonNullable<SiteFields[K]>['value'] | null | undefined;

/** Fields taken from the first lender that has them, in the document's order. */
const PICKED_READERS: { [K in Picked]: Read<K> } = {
  name: (r) => r.name,
  address: (r) => r.address,
  city: (r) => r.city,
  postal_code: (r) => r.postalCode,
  country: (r) => r.country,
  operator: (r) => r.operatorName,
  operator_website: (r) => r.operatorWebsite,
  owner: (r) => r.ownerName,
  parking_type: (r) => r.parkingType,
  time_zone: (r) => r.timeZone,
  opening_times: (r) => r.openingTimes,
  facilities: (r) => r.facilities,
  max_power_w: (r) => r.maxPowerW,
};
const PICKED = Object.entries(PICKED_READERS) as [Picked, (r: SourceRecord) => unknown][];

function memberOf({ rec, role }: Member): SiteMember {
  return {
    source: rec.sourceId,
    record: rec.recordId,
    pk: rec.pk,
    kind: role.kind,
    last_updated: rec.lastUpdated,
    ...(role.derivedFrom !== null ? { derived_from: role.derivedFrom } : {}),
    ...(rec.license != null ? { license: rec.license } : {}),
    ...(lendsFields(rec) ? {} : { lends_fields: false as const }),
  };
}
