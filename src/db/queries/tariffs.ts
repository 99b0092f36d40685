// Published tariffs: not removed, from a source whose licence allows republishing.
import type { Db } from '../types.js';
import { REPUBLISHABLE_SOURCES } from './publication.js';
import { SqlParams } from './sql-params.js';

export interface TariffRow {
  pk: string;
  source_id: string;
  country_code: string;
  party_id: string;
  tariff_id: string;
  currency: string;
  type: string | null;
  elements: string;
  alt_text: string;
  alt_url: string | null;
  min_price: string | null;
  max_price: string | null;
  start_date_time: string | null;
  end_date_time: string | null;
  tax_included: string | null;
  summary: string | null;
  is_free: number;
  last_updated: string;
}

const TARIFF_COLUMNS = `t.pk, t.source_id, t.country_code, t.party_id, t.tariff_id, t.currency, t.type, t.elements,
  t.alt_text, t.alt_url, t.min_price, t.max_price, t.start_date_time, t.end_date_time, t.tax_included, t.summary,
  t.is_free, t.last_updated`;

const PUBLISHED_TARIFF = `t.removed_at IS NULL AND t.source_id IN (${REPUBLISHABLE_SOURCES})`;

export interface TariffQuery {
  sources?: string[];
  /** OCPI country_code of the owning party (alpha-2, upper-case). */
  countries?: string[];
  currency?: string;
  free?: boolean;
  updatedSince?: string;
  after?: string;
  limit: number;
}

export async function publishedTariffs(db: Db, q: TariffQuery): Promise<TariffRow[]> {
  const p = new SqlParams();
  const where = [PUBLISHED_TARIFF];
  if (q.sources?.length)
    where.push(`t.source_id IN (SELECT value FROM json_each(${p.add(JSON.stringify(q.sources))}))`);
  if (q.countries?.length) {
    where.push(
      `upper(t.country_code) IN (SELECT value FROM json_each(${p.add(JSON.stringify(q.countries))}))`,
    );
  }
  if (q.currency) where.push(`upper(t.currency) = ${p.add(q.currency)}`);
  if (q.free != null) where.push(`t.is_free = ${q.free ? 1 : 0}`);
  if (q.updatedSince) where.push(`t.last_updated >= ${p.add(q.updatedSince)}`);
  if (q.after != null) where.push(`t.pk > ${p.add(q.after)}`);
  const s = p.bind(
    `SELECT ${TARIFF_COLUMNS} FROM tariffs t WHERE ${where.join(' AND ')} ORDER BY t.pk LIMIT ${p.add(q.limit)}`,
  );
  return db.all<TariffRow>(s.sql, s.params);
}

export async function publishedTariff(db: Db, pk: string): Promise<TariffRow | undefined> {
  return db.get<TariffRow>(`SELECT ${TARIFF_COLUMNS} FROM tariffs t WHERE t.pk = ? AND ${PUBLISHED_TARIFF}`, [
    pk,
  ]);
}

/**
 * The published tariffs the connectors of these locations reference. OCPI tariff ids are scoped
 * by the party, so the join goes through the location's source and party.
 */
export async function tariffsOfLocations(db: Db, locationPks: string[]): Promise<TariffRow[]> {
  if (locationPks.length === 0) return [];
  return db.all<TariffRow>(
    `SELECT DISTINCT ${TARIFF_COLUMNS} FROM location_tariffs lt
     JOIN locations l ON l.pk = lt.location_pk
     JOIN tariffs t ON t.source_id = l.source_id AND t.country_code = l.country_code
       AND t.party_id = l.party_id AND t.tariff_id = lt.tariff_id
     WHERE lt.location_pk IN (SELECT value FROM json_each(?)) AND ${PUBLISHED_TARIFF} ORDER BY t.pk`,
    [JSON.stringify(locationPks)],
  );
}
