import { describe, expect, it, vi } from 'vitest';
import { DEMO_TARIFF_IDS, demoLocations, demoPublishedCount } from '../../src/fake-cpo/demo-data.js';
import { normalizeLocation } from '../../src/model/normalize-location.js';
import { normalizeTariff } from '../../src/model/normalize-tariff.js';

const UTRECHT = { lat: 52.0907, lon: 5.1214 };
const EVSE_ID = /^(([A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,30})|(\+?[0-9]{1,3}\*[0-9]{3}\*[0-9*]{1,32}))$/;

function kmBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

describe('demoLocations', () => {
  const { locations, tariffs } = demoLocations();
  const evses = locations.flatMap((l) => l.evses);
  const connectors = evses.flatMap((e) => e.connectors);

  it('is the same data on every call, without touching Math.random', () => {
    const spy = vi.spyOn(Math, 'random');
    expect(demoLocations()).toEqual(demoLocations());
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('has 300 NL/DEM sites within 8 km of Utrecht, about 3% unpublished', () => {
    expect(locations).toHaveLength(300);
    expect(new Set(locations.map((l) => l.id)).size).toBe(300);
    for (const l of locations) {
      expect([l.country_code, l.party_id, l.city, l.country]).toEqual(['NL', 'DEM', 'Utrecht', 'NLD']);
      const at = { lat: Number(l.coordinates.latitude), lon: Number(l.coordinates.longitude) };
      expect(kmBetween(UTRECHT, at)).toBeLessThanOrEqual(8.01);
      expect(l.coordinates.latitude).toMatch(/^\d{2}\.\d{6}$/);
      expect(l.name).toMatch(/^Demo Charging \S+ \d+$/);
    }
    const unpublished = locations.filter((l) => !l.publish).length;
    expect(unpublished).toBe(300 - demoPublishedCount);
    expect(unpublished).toBeGreaterThanOrEqual(6);
    expect(unpublished).toBeLessThanOrEqual(12);
  });

  it('gives each site 1 to 4 EVSEs with unique eMI3 evse_ids', () => {
    for (const l of locations) {
      expect(l.evses.length).toBeGreaterThanOrEqual(1);
      expect(l.evses.length).toBeLessThanOrEqual(4);
    }
    expect(evses.every((e) => EVSE_ID.test(e.evse_id) && e.evse_id.startsWith('NL*DEM*E'))).toBe(true);
    expect(new Set(evses.map((e) => e.evse_id)).size).toBe(evses.length);
  });

  it('mixes T2 AC 11/22 kW, CCS 50/150/300 kW and a few CHAdeMO connectors', () => {
    const kinds = new Set(connectors.map((c) => `${c.standard} ${c.max_electric_power / 1000}`));
    expect(kinds).toEqual(
      new Set([
        'IEC_62196_T2 11',
        'IEC_62196_T2 22',
        'IEC_62196_T2_COMBO 50',
        'IEC_62196_T2_COMBO 150',
        'IEC_62196_T2_COMBO 300',
        'CHADEMO 50',
      ]),
    );
    const chademo = connectors.filter((c) => c.standard === 'CHADEMO').length;
    expect(chademo).toBeGreaterThan(0);
    expect(chademo / connectors.length).toBeLessThan(0.1);
  });

  it('has mostly AVAILABLE or CHARGING EVSEs and some OUTOFORDER and UNKNOWN', () => {
    const count = (status: string) => evses.filter((e) => e.status === status).length;
    expect((count('AVAILABLE') + count('CHARGING')) / evses.length).toBeGreaterThan(0.8);
    expect(count('OUTOFORDER')).toBeGreaterThan(0);
    expect(count('UNKNOWN')).toBeGreaterThan(0);
  });

  it('references its three tariffs, AC per kWh, DC per kWh plus time after 45 min, and a free one', () => {
    expect(tariffs.map((t) => t.id)).toEqual(Object.values(DEMO_TARIFF_IDS));
    const referenced = new Set(connectors.flatMap((c) => c.tariff_ids));
    expect(referenced).toEqual(new Set(Object.values(DEMO_TARIFF_IDS)));
    const dc = tariffs.find((t) => t.id === DEMO_TARIFF_IDS.dc)!;
    expect(dc.elements[1]).toMatchObject({
      restrictions: { min_duration: 2700 },
      price_components: [{ type: 'TIME', price: 6 }],
    });
  });

  it('keeps fixed last_updated stamps, each location at least as new as its EVSEs', () => {
    for (const l of locations) {
      expect(l.last_updated).toMatch(/^2025-\d{2}-\d{2}T\d{2}:\d{2}:00Z$/);
      for (const e of l.evses) expect(e.last_updated <= l.last_updated).toBe(true);
    }
  });

  it('is valid OCPI 2.2.1 as our own normalizers read it: no quarantine, no warning', () => {
    for (const raw of locations) {
      const result = normalizeLocation(raw, '2.2.1');
      expect(result.ok && result.value.warnings).toEqual([]);
    }
    for (const raw of tariffs) {
      const result = normalizeTariff(raw, '2.2.1');
      expect(result.ok && result.value.warnings).toEqual([]);
    }
  });
});
