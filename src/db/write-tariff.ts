// Statements that write one canonical tariff.
import { tariffKey } from '../model/ids.js';
import type { Tariff } from '../model/types.js';
import type { Stmt } from './types.js';

const UPSERT_TARIFF = `INSERT INTO tariffs (pk, source_id, country_code, party_id, tariff_id, currency, type,
  elements, alt_text, alt_url, min_price, max_price, start_date_time, end_date_time, tax_included, summary,
  is_free, warnings, last_updated, content_hash, removed_at, last_seen_run, synced_at)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?)
ON CONFLICT(pk) DO UPDATE SET currency=excluded.currency, type=excluded.type, elements=excluded.elements,
  alt_text=excluded.alt_text, alt_url=excluded.alt_url, min_price=excluded.min_price,
  max_price=excluded.max_price, start_date_time=excluded.start_date_time, end_date_time=excluded.end_date_time,
  tax_included=excluded.tax_included, summary=excluded.summary, is_free=excluded.is_free,
  warnings=excluded.warnings, last_updated=excluded.last_updated, content_hash=excluded.content_hash,
  removed_at=NULL, last_seen_run=excluded.last_seen_run, synced_at=excluded.synced_at`;

export interface TariffWriteContext {
  sourceId: string;
  now: string;
  runId: number | null;
  contentHash: string;
  summary: string;
}

export function tariffPkOf(sourceId: string, t: Pick<Tariff, 'countryCode' | 'partyId' | 'id'>): string {
  return tariffKey(sourceId, t.countryCode, t.partyId, t.id);
}

/** Free = every price component of every element costs nothing (spec §10: one FLAT 0 element). */
export function isFreeTariff(t: Tariff): boolean {
  return t.elements.length > 0 && t.elements.every((e) => e.priceComponents.every((p) => p.price === 0));
}

export function writeTariffStmts(t: Tariff, ctx: TariffWriteContext): Stmt[] {
  return [
    {
      sql: UPSERT_TARIFF,
      params: [
        tariffPkOf(ctx.sourceId, t),
        ctx.sourceId,
        t.countryCode,
        t.partyId,
        t.id,
        t.currency,
        t.type,
        JSON.stringify(t.elements),
        JSON.stringify(t.altText),
        t.altUrl,
        t.minPrice ? JSON.stringify(t.minPrice) : null,
        t.maxPrice ? JSON.stringify(t.maxPrice) : null,
        t.startDateTime,
        t.endDateTime,
        t.taxIncluded,
        ctx.summary,
        isFreeTariff(t) ? 1 : 0,
        JSON.stringify(t.warnings),
        t.lastUpdated,
        ctx.contentHash,
        ctx.runId,
        ctx.now,
      ],
    },
  ];
}

export function deleteTariffStmt(
  sourceId: string,
  t: Pick<Tariff, 'countryCode' | 'partyId' | 'id'>,
  now: string,
): Stmt {
  return { sql: 'UPDATE tariffs SET removed_at = ? WHERE pk = ?', params: [now, tariffPkOf(sourceId, t)] };
}
