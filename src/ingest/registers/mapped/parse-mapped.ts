// The `mapped` register format: rows of any CSV / JSON layout -> canonical Locations, as the
// source's mapping says. Rows sharing the `group_by` columns are one location (the file is grouped
// whole first: a register's rows for one station need not be adjacent); without it, each row is one.
import { alpha2ToAlpha3 } from '../../../model/countries.js';
import { hash64 } from '../../../model/ids.js';
import type { BusinessDetails, Lifecycle, Location } from '../../../model/types.js';
import { checkPlace, coordinateWarnings, type PlaceCheck } from '../coordinates.js';
import { UNKNOWN_TIMESTAMP } from '../dates.js';
import { lifecycleFromWords } from '../lifecycle-words.js';
import {
  evseIdRef,
  missingPlaceWarnings,
  newRegisterLocation,
  twentyFourSeven,
} from '../location-builders.js';
import { lastUpdatedWarnings } from '../record-checks.js';
import type { ParsedRecord, RegisterParseOptions } from '../types.js';
import { checkColumns } from './check-columns.js';
import type { RegisterMapping } from './config.js';
import { EvseBuilder, plain } from './mapped-evses.js';
import { MappingError, type Row, readRows } from './read-rows.js';
import { columnsOf, FieldReader } from './values.js';

const FIELDS = 'mapping.fields';
const LIFECYCLES: readonly string[] = ['planned', 'operational', 'out_of_service', 'removed'];

type Group = { id: string; rows: Row[] } | ParsedRecord;

export function* parseMapped(text: string, options: RegisterParseOptions): Generator<ParsedRecord> {
  const mapping = options.mapping;
  if (!mapping) throw new MappingError('a mapped register needs a "mapping" in the sources file');
  const table = readRows(text, mapping);
  checkColumns(mapping, table);
  const reader = new FieldReader(mapping);
  const builder = new LocationBuilder(mapping, reader);
  for (const group of locationGroups(table.items, mapping, reader)) {
    yield 'rows' in group ? builder.record(group.id, group.rows) : group;
  }
}

function* locationGroups(
  items: ReturnType<typeof readRows>['items'],
  m: RegisterMapping,
  read: FieldReader,
): Generator<Group> {
  const groups = new Map<string, Row[]>();
  // Without group_by a record is a location: one row, or the rows its nested arrays make.
  const records = new Map<unknown, { key: string; rows: Row[] }>();
  for (const item of items) {
    if ('problem' in item) {
      yield { ok: false, recordId: null, reason: item.problem, raw: item.raw };
      continue;
    }
    const at = item.row.scope('location');
    const key = m.group_by ? groupKey(at, m.group_by, read) : locationId(at, m, read);
    if (key === null) {
      yield { ok: false, recordId: null, reason: missingId(item.row, m), raw: item.row.raw };
    } else if (m.group_by) {
      const rows = groups.get(key);
      if (rows) rows.push(item.row);
      else groups.set(key, [item.row]);
    } else {
      const record = records.get(item.row.raw);
      if (record) record.rows.push(item.row);
      else records.set(item.row.raw, { key, rows: [item.row] });
    }
  }
  // Equal ids of separate records stay separate locations ("-2", "-3" in file order) for dedupe to judge.
  const seen = new Map<string, number>();
  for (const { key, rows } of records.values()) {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    yield { id: n === 1 ? key : `${key}-${n}`, rows };
  }
  for (const [key, rows] of groups) {
    yield { id: m.fields.id ? (locationId(rows[0]!.scope('location'), m, read) ?? key) : key, rows };
  }
}

function groupKey(row: Row, columns: readonly string[], read: FieldReader): string | null {
  const values = columns.map((c) => read.rawText(row, plain(c)));
  return values.some((v) => v === null) ? null : values.join('-');
}

/** The id column, a hash of the named columns, or (no id field) a hash of the whole row. */
function locationId(row: Row, m: RegisterMapping, read: FieldReader): string | null {
  const spec = m.fields.id;
  if (!spec) return hash64(JSON.stringify(row.raw));
  if (!spec.hash) return read.text(row, spec, `${FIELDS}.id`);
  return hash64(
    columnsOf(spec)
      .map((c) => rawTrim(row.get(c)))
      .join('\u0000'),
  );
}

function rawTrim(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

function missingId(row: Row, m: RegisterMapping) {
  const columns = m.group_by ?? (m.fields.id ? columnsOf(m.fields.id) : []);
  return {
    field: columns.join(', ') || 'id',
    rule: 'missing-id',
    message: `line ${row.line}: no location id`,
  };
}

class LocationBuilder {
  private readonly evses: EvseBuilder;

  constructor(
    private readonly m: RegisterMapping,
    private readonly read: FieldReader,
  ) {
    this.evses = new EvseBuilder(m, read);
  }

  record(id: string, rows: Row[]): ParsedRecord {
    const first = rows[0]!.scope('location');
    const place = this.place(first);
    if (!place.ok)
      return { ok: false, recordId: id, reason: place.reason, raw: [...new Set(rows.map((r) => r.raw))] };
    this.read.unmapped.clear();
    const location = this.location(id, rows, place);
    return { ok: true, location, externalRefs: location.evses.flatMap((e) => evseIdRef(e.evseId)) };
  }

  private location(id: string, rows: Row[], { lat, lon }: { lat: number; lon: number }): Location {
    const row = rows[0]!.scope('location');
    const t = (name: keyof RegisterMapping['fields']) =>
      name === 'coordinates' ? null : this.read.text(row, this.m.fields[name], `${FIELDS}.${name}`);
    const evseWarnings: Location['warnings'] = [];
    const location = newRegisterLocation({
      countryCode: this.m.country_code.toUpperCase(),
      partyId: this.m.party_id.toUpperCase(),
      id,
      lat,
      lon,
      name: t('name'),
      address: t('address'),
      city: t('city'),
      postalCode: t('postal_code'),
      state: t('state'),
      country: this.country(t('country')),
      parkingType: t('parking_type'),
      operator: business(t('operator')),
      suboperator: business(t('suboperator')),
      owner: business(t('owner')),
      openingTimes: this.read.flag(row, this.m.fields.open_24_7, `${FIELDS}.open_24_7`)
        ? twentyFourSeven()
        : null,
      evses: this.evses.evses(rows, evseWarnings),
      lastUpdated: this.lastUpdated(rows) ?? UNKNOWN_TIMESTAMP,
      ...this.publication(row),
    });
    location.warnings = [
      ...missingPlaceWarnings(location),
      ...coordinateWarnings(lat, lon),
      ...evseWarnings,
      ...this.read.unmapped.values(),
      ...lastUpdatedWarnings(location.lastUpdated),
    ];
    return location;
  }

  private place(row: Row): PlaceCheck {
    const f = this.m.fields;
    if (f.coordinates) {
      const pair = this.pair(row.get(f.coordinates.from));
      const [a, b] = pair ?? [null, null];
      const [lat, lon] = f.coordinates.order === 'lat,lon' ? [a, b] : [b, a];
      return checkPlace(lat, lon, { lat: f.coordinates.from, lon: f.coordinates.from });
    }
    const lat = this.read.number(row, f.latitude, `${FIELDS}.latitude`);
    const lon = this.read.number(row, f.longitude, `${FIELDS}.longitude`);
    const name = (spec: typeof f.latitude) => (spec ? columnsOf(spec).join(', ') || 'latitude' : 'latitude');
    return checkPlace(lat, lon, { lat: name(f.latitude), lon: name(f.longitude) });
  }

  /** Two numbers in one value: a JSON [x, y] array, or text such as "[2.79, 48.84]" or "48.84 2.79". */
  private pair(value: unknown): [number | null, number | null] | null {
    if (Array.isArray(value) && value.length === 2) {
      return [value[0], value[1]].map((v) =>
        typeof v === 'number' ? v : typeof v === 'string' ? this.read.parseNumber(v) : null,
      ) as [number | null, number | null];
    }
    if (typeof value !== 'string') return null;
    const numbers = value.match(/[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/g);
    return numbers?.length === 2 ? [Number(numbers[0]), Number(numbers[1])] : null;
  }

  private country(value: string | null): string | null {
    const code = (value ?? this.m.country_code).toUpperCase();
    return code.length === 2 ? alpha2ToAlpha3(code) : /^[A-Z]{3}$/.test(code) ? code : null;
  }

  /** The newest date of the location's rows. */
  private lastUpdated(rows: Row[]): string | null {
    let latest: string | null = null;
    for (const row of rows) {
      const iso = this.read.date(row.scope('location'), this.m.fields.last_updated, `${FIELDS}.last_updated`);
      if (iso !== null && (latest === null || iso > latest)) latest = iso;
    }
    return latest;
  }

  /** The record's own licence and life cycle, when the file states them. */
  private publication(row: Row): Pick<Location, 'license' | 'lifecycle'> {
    const license = this.read.text(row, this.m.fields.license, `${FIELDS}.license`);
    const found = this.read.value(row, this.m.fields.lifecycle, `${FIELDS}.lifecycle`);
    let lifecycle: Lifecycle | null = null;
    if (found?.mapped && typeof found.value === 'string' && LIFECYCLES.includes(found.value)) {
      lifecycle = found.value as Lifecycle;
    } else if (found && !found.mapped) lifecycle = lifecycleFromWords(found.value);
    return { ...(license ? { license } : {}), ...(lifecycle ? { lifecycle } : {}) };
  }
}

function business(name: string | null): BusinessDetails | null {
  return name ? { name, website: null } : null;
}
