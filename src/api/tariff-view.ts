// A stored tariff as published: OCPI's structure with snake_case keys, plus a one-line summary.
import type { TariffRow } from '../db/queries/tariffs.js';
import type { TariffElement } from '../model/types.js';
import { parseJson } from './location-features.js';

function price(json: string | null) {
  const p = parseJson<{ beforeTaxes: number; afterTaxes: number | null } | null>(json, null);
  return p ? { excl_vat: p.beforeTaxes, incl_vat: p.afterTaxes } : null;
}

export function tariffView(t: TariffRow) {
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
