// A stored tariff as published: OCPI's structure with snake_case keys, plus a one-line summary.
import { z } from '@hono/zod-openapi';
import type { TariffRow } from '../db/queries/tariffs.js';
import type { TariffElement } from '../model/types.js';

// Not location-features' parseJson: that file imports the schemas, which import this one.
const parseJson = <T>(s: string | null, fallback: T): T => (s == null ? fallback : (JSON.parse(s) as T));

const priceSchema = z.object({ excl_vat: z.number(), incl_vat: z.number().nullable() }).nullable();

export const tariffSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    party: z.object({ country_code: z.string(), party_id: z.string() }),
    tariff_id: z.string().openapi({ description: 'the id the CPO gives (OCPI Tariff.id)' }),
    currency: z.string(),
    type: z.string().nullable(),
    summary: z.string().nullable().openapi({ example: '0.39 EUR/kWh, 0.10 EUR/min after 3 h' }),
    is_free: z.boolean(),
    elements: z.array(
      z.object({
        price_components: z.array(
          z.object({
            type: z.string(),
            price: z.number(),
            vat: z.number().nullable(),
            step_size: z.number(),
          }),
        ),
        restrictions: z
          .record(z.string(), z.unknown())
          .nullable()
          .openapi({ description: 'OCPI TariffRestrictions, as the CPO sent them' }),
      }),
    ),
    tariff_alt_text: z.array(z.object({ language: z.string(), text: z.string() })),
    tariff_alt_url: z.string().nullable(),
    min_price: priceSchema,
    max_price: priceSchema,
    start_date_time: z.string().nullable(),
    end_date_time: z.string().nullable(),
    tax_included: z.string().nullable(),
    last_updated: z.string(),
  })
  .openapi('Tariff');

export type TariffView = z.infer<typeof tariffSchema>;

function price(json: string | null) {
  const p = parseJson<{ beforeTaxes: number; afterTaxes: number | null } | null>(json, null);
  return p ? { excl_vat: p.beforeTaxes, incl_vat: p.afterTaxes } : null;
}

export function tariffView(t: TariffRow): TariffView {
  const elements = parseJson<TariffElement[]>(t.elements, []);
  return {
    id: t.pk,
    source: t.source_id,
    party: { country_code: t.country_code, party_id: t.party_id },
    tariff_id: t.tariff_id,
    currency: t.currency,
    type: t.type,
    summary: t.summary,
    is_free: t.is_free === 1,
    elements: elements.map((e) => ({
      price_components: e.priceComponents.map((pc) => ({
        type: pc.type,
        price: pc.price,
        vat: pc.vat,
        step_size: pc.stepSize,
      })),
      restrictions: e.restrictions,
    })),
    tariff_alt_text: parseJson<{ language: string; text: string }[]>(t.alt_text, []),
    tariff_alt_url: t.alt_url,
    min_price: price(t.min_price),
    max_price: price(t.max_price),
    start_date_time: t.start_date_time,
    end_date_time: t.end_date_time,
    tax_included: t.tax_included,
    last_updated: t.last_updated,
  };
}
