// A synthetic OCPI 2.2.1 Locations feed of any size, deterministic, for the sync benchmark.
const STANDARDS = [
  ['IEC_62196_T2', 'SOCKET', 'AC_3_PHASE', 230, 32, 22000],
  ['IEC_62196_T2_COMBO', 'CABLE', 'DC', 920, 163, 150000],
  ['CHADEMO', 'CABLE', 'DC', 500, 125, 50000],
] as const;
const STATUSES = ['AVAILABLE', 'CHARGING', 'AVAILABLE', 'OUTOFORDER', 'AVAILABLE', 'UNKNOWN'];

export function syntheticLocation(i: number, evsesPer: number, lastUpdated: string) {
  const lat = 47 + ((i * 7919) % 100_000) / 20_000;
  const lon = 5 + ((i * 104_729) % 100_000) / 12_000;
  const id = `LOC${i}`;
  return {
    country_code: 'DE',
    party_id: 'BEN',
    id,
    publish: true,
    name: `Bench site ${i}`,
    address: `Benchstrasse ${i % 400}`,
    city: `Benchstadt ${i % 97}`,
    postal_code: String(10000 + (i % 89999)),
    country: 'DEU',
    coordinates: { latitude: lat.toFixed(6), longitude: lon.toFixed(6) },
    time_zone: 'Europe/Berlin',
    evses: Array.from({ length: evsesPer }, (_, e) => {
      const [standard, format, powerType, volts, amps, watts] = STANDARDS[(i + e) % STANDARDS.length]!;
      return {
        uid: `${id}-E${e}`,
        evse_id: `DE*BEN*E${i}*${e}`,
        status: STATUSES[(i * 3 + e) % STATUSES.length],
        capabilities: ['RFID_READER'],
        connectors: [
          {
            id: '1',
            standard,
            format,
            power_type: powerType,
            max_voltage: volts,
            max_amperage: amps,
            max_electric_power: watts,
            tariff_ids: ['T1'],
            last_updated: lastUpdated,
          },
        ],
        last_updated: lastUpdated,
      };
    }),
    last_updated: lastUpdated,
  };
}

export type SyntheticLocation = ReturnType<typeof syntheticLocation>;

export function syntheticFeed(locations: number, evsesPer: number, lastUpdated = '2026-01-01T00:00:00Z') {
  return Array.from({ length: locations }, (_, i) => syntheticLocation(i, evsesPer, lastUpdated));
}
